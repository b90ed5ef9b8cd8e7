// SPDX-License-Identifier: Apache-2.0
#define CATCH_CONFIG_RUNNER
#include <catch2/catch.hpp>

#include <cstdlib>
#include <filesystem>
#include <string>

int main(int argc, char* argv[])
{
  // The binary's compiled catalog caches go to a directory of this run
  // (XDG_CACHE_HOME), removed at the end, not to the user's ~/.cache.
  std::string dir = (std::filesystem::temp_directory_path() / "noodle-tests-cache-XXXXXX").string();
  const bool made = ::mkdtemp(dir.data()) != nullptr;
  if (made) {
    ::setenv("XDG_CACHE_HOME", dir.c_str(), 1);
  }
  const int result = Catch::Session().run(argc, argv);
  if (made) {
    std::error_code ec;
    std::filesystem::remove_all(dir, ec);
  }
  return result;
}
