// SPDX-License-Identifier: Apache-2.0
#include "support/temp_dir.hpp"

#include <catch2/catch.hpp>
#include <fmt/format.h>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <sys/wait.h>

using noodle::test::TempDir;

TEST_CASE("cli a report that cannot be written to stdout exits 1 and says so on stderr")
{
  TempDir dir;
  const auto err = dir / "stderr.txt";
  // /dev/full fails every write with ENOSPC.
  const auto command =
      fmt::format("'{}' version compare 1.0.0 2.0.0 >/dev/full 2>'{}'", NOODLE_BINARY, err.string());
  const int status = std::system(command.c_str());
  REQUIRE(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == 1);
  std::ifstream in(err);
  std::stringstream text;
  text << in.rdbuf();
  CHECK(text.str() == "noodle-upgrade: error: cannot write the output to stdout: No space left on device\n");
}
