// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <noodle/probe/attempt.hpp>

#include <string>

namespace noodle::probe {

// One connection to `address` (host:port, [v6]:port; the host resolved
// with getaddrinfo, each address tried in turn within the timeout): passes
// when a connection is established (then closed at once).
Attempt attempt_tcp(const std::string& address, std::chrono::milliseconds timeout, const StopAsk& stop);

} // namespace noodle::probe
