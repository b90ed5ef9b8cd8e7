// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <map>
#include <string>
#include <vector>

namespace noodle::test {

struct ProcessResult {
  int exit_code = -1;
  std::string out;
  std::string err;
  // The child's peak resident set (wait4's ru_maxrss). Linux counts in it
  // the pages the child had between fork and exec, which are the test
  // process's own: a bound on it holds only while the test process is small,
  // as it is when ctest runs each test case in a process of its own.
  long max_rss_kb = 0;
};

// Runs the built noodle-upgrade binary with `args`, feeding `input` on stdin,
// with the environment variables in `env` set (an empty value unsets one).
// NOODLE_* variables of the calling environment are removed first so tests
// never depend on the developer's shell.
ProcessResult run_binary(const std::vector<std::string>& args, const std::string& input = "",
                         const std::map<std::string, std::string>& env = {});

// Starts the demo runtime serving `root` on <root>/control.sock (its output
// in `log`), `extra` arguments after the defaults, and waits until it
// listens. Returns its pid, or -1 when it did not start in time.
int start_demo_runtime(const std::string& root, const std::string& log, const std::vector<std::string>& extra = {});

// Path of a file or directory in the source tree, e.g. "manifests".
std::string source_path(const std::string& relative);

} // namespace noodle::test
