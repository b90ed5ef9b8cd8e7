// SPDX-License-Identifier: Apache-2.0
#include <noodle/util/atomic_file.hpp>

#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <string_view>
#include <vector>

#include <sys/stat.h>

namespace {

std::string written_bytes(const std::filesystem::path& path)
{
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

} // namespace

TEST_CASE("util::write_file_atomic in pieces writes them one after another, however large or small")
{
  auto dir = noodle::util::PrivateTempDir::create("noodle-atomic-test");
  REQUIRE(dir);
  const std::filesystem::path file = dir->path() / "out.bin";
  // Pieces around the size of one gathered write (1 MiB): tiny ones,
  // empty ones, one that fills it exactly, one larger than it.
  const std::string small(100, 'a');
  const std::string exact(1 << 20, 'b');
  const std::string large((1 << 20) + 3, 'c');
  const std::string tail(5, 'd');
  std::vector<std::string_view> pieces{small, "", exact, small, large, "", tail};
  for (int i = 0; i < 20000; ++i) {
    pieces.emplace_back(i % 2 == 0 ? "xy" : "z");
  }
  std::string expected;
  for (const std::string_view piece : pieces) {
    expected += piece;
  }
  REQUIRE(noodle::util::write_file_atomic(file, pieces, 0600));
  CHECK(written_bytes(file) == expected);
  struct stat st {};
  REQUIRE(::stat(file.c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0600);

  // Replaced whole, and no temporary left beside it.
  const std::vector<std::string_view> again{"new ", "content"};
  REQUIRE(noodle::util::write_file_atomic(file, again, 0644));
  CHECK(written_bytes(file) == "new content");
  CHECK(std::distance(std::filesystem::directory_iterator(dir->path()), std::filesystem::directory_iterator()) == 1);

  // Nothing at all is an empty file.
  REQUIRE(noodle::util::write_file_atomic(file, std::vector<std::string_view>{}, 0600));
  CHECK(std::filesystem::file_size(file) == 0);
}
