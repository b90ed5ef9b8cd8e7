// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <nlohmann/json.hpp>

#include <filesystem>

namespace noodle::test {

// One request to the demo runtime on a fresh connection (after hello): its
// view of things, as the second reply line. Fails the test when it cannot.
nlohmann::json ask(const std::filesystem::path& socket, nlohmann::json request);

} // namespace noodle::test
