// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <noodle/probe/attempt.hpp>

#include <string>
#include <utility>
#include <vector>

namespace noodle::probe {

// The PATH a probe's command is looked up in and runs with.
inline constexpr const char* k_probe_path = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

// One run of `argv` (no shell; a program without '/' looked up in
// k_probe_path) in its own process group, with stdin, stdout and stderr on
// /dev/null, in the directory "/", with the environment PATH=k_probe_path,
// LC_ALL=C and `env` (nothing else of the tool's), signals at their
// defaults: passes on exit status 0. On the timeout or a stop the whole
// process group is killed (SIGKILL) and reaped.
Attempt attempt_exec(const std::vector<std::string>& argv, const std::vector<std::pair<std::string, std::string>>& env,
                     std::chrono::milliseconds timeout, const StopAsk& stop);

} // namespace noodle::probe
