// SPDX-License-Identifier: Apache-2.0
#include "support/files.hpp"

#include <catch2/catch.hpp>

#include <sys/stat.h>

#include <algorithm>
#include <fstream>
#include <iterator>

namespace noodle::test {

namespace fs = std::filesystem;

std::string read_file(const fs::path& p)
{
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), {}};
}

void write_file(const fs::path& p, const std::string& text)
{
  fs::create_directories(p.parent_path());
  std::ofstream(p, std::ios::binary) << text;
}

unsigned mode_of(const fs::path& path)
{
  struct stat st {};
  REQUIRE(::lstat(path.c_str(), &st) == 0);
  return st.st_mode & 07777;
}

void set_mode(const fs::path& path, unsigned mode)
{
  REQUIRE(::chmod(path.c_str(), mode) == 0);
}

bool has_line(const std::vector<std::string>& lines, std::string_view line)
{
  return std::find(lines.begin(), lines.end(), line) != lines.end();
}

} // namespace noodle::test
