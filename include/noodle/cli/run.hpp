// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <iosfwd>
#include <string>
#include <vector>

namespace noodle::cli {

// Runs the command line and returns the process exit code. Never throws.
int run(int argc, char** argv);

// In-process entry point for tests: arguments without argv[0]; stdin, stdout
// and stderr are the given streams.
int run(const std::vector<std::string>& args, std::istream& in, std::ostream& out, std::ostream& err);

} // namespace noodle::cli
