// SPDX-License-Identifier: Apache-2.0
#include <noodle/cli/run.hpp>

#include <iostream>

namespace noodle::cli {

int run(const std::vector<std::string>&, std::istream&, std::ostream&, std::ostream& err)
{
  err << "noodle-upgrade: error: no commands are available in this build\n";
  return 1;
}

int run(int argc, char** argv)
{
  std::vector<std::string> args(argv + 1, argv + argc);
  return run(args, std::cin, std::cout, std::cerr);
}

} // namespace noodle::cli
