// SPDX-License-Identifier: Apache-2.0
#include <noodle/cli/run.hpp>

int main(int argc, char** argv)
{
  return noodle::cli::run(argc, argv);
}
