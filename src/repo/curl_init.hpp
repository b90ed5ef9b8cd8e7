// SPDX-License-Identifier: Apache-2.0
// Internal to src/repo: libcurl's global setup, once per process.
#pragma once

namespace noodle::repo::detail {

void init_curl_once();

} // namespace noodle::repo::detail
