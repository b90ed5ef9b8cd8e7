// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <noodle/util/error.hpp>

namespace noodle::output {

// The process exit codes: the one table, documented in noodle-upgrade(1).
enum class ExitCode : int {
  ok = 0,        // success (also: a no-op, help, version)
  failed = 1,    // the operation failed (I/O, a runtime refusal, a bug); `version match`: no match
  usage = 2,     // usage or input error: bad flags, bad manifest, bad version
  refused = 3,   // refused by validation or feasibility (plan, path)
  integrity = 4, // integrity or signature failure
  locked = 5,    // another invocation holds the root's lock
  unreachable = 6,      // the runtime's control socket does not answer
  rollback_failed = 7,  // a rollback itself failed: the root needs the operator
  repo_unreachable = 8, // no mirror of the repository answered and no usable cached index
  hangup = 129,         // SIGHUP (128 + 1), after rolling back
  interrupted = 130,    // SIGINT (128 + 2), after rolling back
  terminated = 143,     // SIGTERM or `cancel` (128 + 15), after rolling back
};

int to_int(ExitCode code);

// The exit code an error of this kind ends the process with.
ExitCode exit_code_for(ErrorCode code);

} // namespace noodle::output
