// SPDX-License-Identifier: Apache-2.0
#include <noodle/archive/tree_digest.hpp>
#include <noodle/engine/fs_ops.hpp>

#include "support/temp_dir.hpp"

#include <catch2/catch.hpp>

#include <fstream>
#include <sstream>
#include <sys/stat.h>

namespace fs = std::filesystem;
using noodle::ErrorCode;
using noodle::archive::hash_tree;
using noodle::test::TempDir;
namespace engine = noodle::engine;

namespace {

std::string read_text(const fs::path& path)
{
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
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

std::vector<std::string> names_in(const fs::path& dir)
{
  std::vector<std::string> out;
  for (const auto& e : fs::directory_iterator(dir)) {
    out.push_back(e.path().filename().string());
  }
  std::sort(out.begin(), out.end());
  return out;
}

bool exists_no_follow(const fs::path& path)
{
  std::error_code ec;
  return fs::exists(fs::symlink_status(path, ec));
}

} // namespace

TEST_CASE("engine::swap_link replaces an existing link and leaves no temporary link")
{
  TempDir dir;
  fs::create_directories(dir / "versions/1.0.0");
  fs::create_directories(dir / "versions/2.0.0");
  fs::create_symlink("versions/1.0.0", dir / "current");

  REQUIRE(engine::swap_link(dir / "current", "versions/2.0.0"));
  CHECK(fs::read_symlink(dir / "current") == "versions/2.0.0");
  CHECK(names_in(dir.path()) == std::vector<std::string>{"current", "versions"});

  const auto target = engine::read_link(dir / "current");
  REQUIRE(target);
  CHECK(*target == std::optional<std::string>("versions/2.0.0"));
}

TEST_CASE("engine::swap_link creates a missing link")
{
  TempDir dir;
  REQUIRE(engine::swap_link(dir / "current", "versions/1.0.0"));
  CHECK(fs::read_symlink(dir / "current") == "versions/1.0.0");
  CHECK(names_in(dir.path()) == std::vector<std::string>{"current"});
}

TEST_CASE("engine::swap_link refuses to replace a real file or directory and cleans up")
{
  TempDir dir;
  dir.write("current", "a file, not a link");
  fs::create_directory(dir / "dir");

  const auto over_file = engine::swap_link(dir / "current", "elsewhere");
  REQUIRE_FALSE(over_file);
  CHECK(over_file.error().code == ErrorCode::io);
  CHECK(over_file.error().message == "cannot replace '" + (dir / "current").string() + "': not a symlink");
  CHECK(read_text(dir / "current") == "a file, not a link");

  const auto over_dir = engine::swap_link(dir / "dir", "elsewhere");
  REQUIRE_FALSE(over_dir);
  CHECK(fs::is_directory(fs::symlink_status(dir / "dir")));
  CHECK(names_in(dir.path()) == std::vector<std::string>{"current", "dir"});
}

TEST_CASE("engine::swap_link fails with io when the directory is missing")
{
  TempDir dir;
  const auto swapped = engine::swap_link(dir / "missing/current", "x");
  REQUIRE_FALSE(swapped);
  CHECK(swapped.error().code == ErrorCode::io);
  CHECK(swapped.error().message
        == "cannot open directory '" + (dir / "missing").string() + "': No such file or directory");
}

TEST_CASE("engine::read_link returns nullopt for a missing link and fails for a non-symlink")
{
  TempDir dir;
  const auto missing = engine::read_link(dir / "nothing");
  REQUIRE(missing);
  CHECK_FALSE(missing->has_value());

  const auto file = dir.write("current", "x");
  const auto not_link = engine::read_link(file);
  REQUIRE_FALSE(not_link);
  CHECK(not_link.error().code == ErrorCode::corrupt_state);
  CHECK(not_link.error().message == "'" + file.string() + "' should be a symlink");

  fs::create_symlink(std::string(300, 'v'), dir / "long");
  const auto long_target = engine::read_link(dir / "long");
  REQUIRE(long_target);
  CHECK(**long_target == std::string(300, 'v'));
}

TEST_CASE("engine::rename_durable moves a directory and refuses an existing destination")
{
  TempDir dir;
  dir.write("staging/file", "new");
  dir.write("taken/file", "old");

  const auto refused = engine::rename_durable(dir / "staging", dir / "taken");
  REQUIRE_FALSE(refused);
  CHECK(refused.error().code == ErrorCode::io);
  CHECK(refused.error().message
        == "cannot rename '" + (dir / "staging").string() + "': '" + (dir / "taken").string() + "' already exists");
  CHECK(read_text(dir / "staging/file") == "new");
  CHECK(read_text(dir / "taken/file") == "old");

  REQUIRE(engine::rename_durable(dir / "staging", dir / "versions"));
  CHECK(read_text(dir / "versions/file") == "new");
  CHECK_FALSE(exists_no_follow(dir / "staging"));

  const auto missing = engine::rename_durable(dir / "staging", dir / "again");
  REQUIRE_FALSE(missing);
  CHECK(missing.error().message
        == "cannot rename '" + (dir / "staging").string() + "' to '" + (dir / "again").string()
               + "': No such file or directory");
}

TEST_CASE("engine::exchange_durable swaps two directories' contents")
{
  TempDir dir;
  dir.write("a/x", "A");
  dir.write("b/x", "B");
  dir.write("b/only-b", "");
  REQUIRE(engine::exchange_durable(dir / "a", dir / "b"));
  CHECK(read_text(dir / "a/x") == "B");
  CHECK(read_text(dir / "b/x") == "A");
  CHECK(names_in(dir / "a") == std::vector<std::string>{"only-b", "x"});

  const auto missing = engine::exchange_durable(dir / "a", dir / "c");
  REQUIRE_FALSE(missing);
  CHECK(missing.error().code == ErrorCode::io);
  CHECK(read_text(dir / "a/x") == "B");
}

TEST_CASE("engine::copy_tree copies files, modes and symlinks exactly")
{
  TempDir dir;
  const auto from = dir / "from";
  dir.write("from/manifest.yaml", "name: x\n");
  dir.write("from/bin/tool", "#!/bin/sh\n");
  dir.write("from/lib/deep/libx.so", std::string(1024 * 1024 + 3, 'z'));
  dir.write("from/secret", "s");
  fs::create_directories(from / "empty");
  fs::create_directories(from / "readonly");
  dir.write("from/readonly/frozen", "f");
  fs::create_symlink("bin/tool", from / "tool");
  fs::create_symlink("../nowhere", from / "lib/dangling");
  set_mode(from / "bin/tool", 0755);
  set_mode(from / "secret", 0600);
  set_mode(from / "lib", 0750);
  set_mode(from / "empty", 0700);
  set_mode(from / "readonly/frozen", 0444);
  set_mode(from / "readonly", 0555);
  set_mode(from, 0711);

  REQUIRE(engine::copy_tree(from, dir / "to"));
  const auto original = hash_tree(from);
  const auto copy = hash_tree(dir / "to");
  REQUIRE(original);
  REQUIRE(copy);
  CHECK(*copy == *original);
  CHECK(original->size() == 12);
  CHECK(mode_of(dir / "to") == 0711);
  CHECK(fs::is_symlink(dir / "to/tool"));

  // The read-only copy can be removed again.
  REQUIRE(engine::remove_tree(dir / "to"));
  CHECK_FALSE(exists_no_follow(dir / "to"));
  REQUIRE(engine::remove_tree(from));
}

TEST_CASE("engine::copy_tree refuses an existing destination and makes an empty one from nothing")
{
  TempDir dir;
  dir.write("from/f", "x");
  fs::create_directory(dir / "to");
  const auto refused = engine::copy_tree(dir / "from", dir / "to");
  REQUIRE_FALSE(refused);
  CHECK(refused.error().code == ErrorCode::io);
  CHECK(refused.error().message == "cannot create directory '" + (dir / "to").string() + "': File exists");
  CHECK(names_in(dir / "to").empty());

  REQUIRE(engine::copy_tree(dir / "missing", dir / "fresh"));
  CHECK(fs::is_directory(dir / "fresh"));
  CHECK(names_in(dir / "fresh").empty());
  CHECK(mode_of(dir / "fresh") == 0755);
}

TEST_CASE("engine::copy_tree refuses a FIFO and removes the partial copy")
{
  TempDir dir;
  dir.write("from/a", "x");
  REQUIRE(::mkfifo((dir / "from/pipe").c_str(), 0600) == 0);
  const auto copied = engine::copy_tree(dir / "from", dir / "to");
  REQUIRE_FALSE(copied);
  CHECK(copied.error().code == ErrorCode::io);
  CHECK(copied.error().message
        == "cannot copy '" + (dir / "from/pipe").string() + "': not a regular file, directory or symlink");
  CHECK_FALSE(exists_no_follow(dir / "to"));
}

TEST_CASE("engine::copy_tree does not follow a symlink given as the source")
{
  TempDir dir;
  dir.write("real/f", "x");
  fs::create_symlink("real", dir / "link");
  const auto copied = engine::copy_tree(dir / "link", dir / "to");
  REQUIRE_FALSE(copied);
  CHECK(copied.error().code == ErrorCode::io);
  CHECK_FALSE(exists_no_follow(dir / "to"));
}

TEST_CASE("engine::remove_tree does not follow a symlink to an outside directory")
{
  TempDir dir;
  TempDir outside;
  outside.write("keep/me", "precious");
  dir.write("victim/a/b/file", "x");
  fs::create_symlink(outside.path(), dir / "victim/a/escape");
  fs::create_symlink(outside / "keep/me", dir / "victim/file-link");

  REQUIRE(engine::remove_tree(dir / "victim"));
  CHECK_FALSE(exists_no_follow(dir / "victim"));
  CHECK(read_text(outside / "keep/me") == "precious");
  CHECK(names_in(outside.path()) == std::vector<std::string>{"keep"});
}

TEST_CASE("engine::remove_tree removes a symlink itself, not its target, and accepts a missing path")
{
  TempDir dir;
  dir.write("real/file", "x");
  fs::create_symlink("real", dir / "link");
  REQUIRE(engine::remove_tree(dir / "link"));
  CHECK_FALSE(exists_no_follow(dir / "link"));
  CHECK(read_text(dir / "real/file") == "x");

  REQUIRE(engine::remove_tree(dir / "never-was"));
  REQUIRE(engine::remove_tree(dir / "real/file"));
  CHECK(names_in(dir / "real").empty());
}

TEST_CASE("engine::make_dirs creates missing parents with the exact mode and accepts existing ones")
{
  TempDir dir;
  REQUIRE(engine::make_dirs(dir / "a/b/c", 0750));
  CHECK(mode_of(dir / "a") == 0750);
  CHECK(mode_of(dir / "a/b/c") == 0750);
  set_mode(dir / "a", 0700);
  REQUIRE(engine::make_dirs(dir / "a/b", 0755)); // nothing to do; modes untouched
  CHECK(mode_of(dir / "a") == 0700);

  // Leading symlinks are followed (like /var/run); the directory itself may not be one.
  fs::create_symlink("a", dir / "alias");
  REQUIRE(engine::make_dirs(dir / "alias/b/d", 0700));
  CHECK(fs::is_directory(dir / "a/b/d"));
  const auto link = engine::make_dirs(dir / "alias", 0700);
  REQUIRE_FALSE(link);
  CHECK(link.error().code == ErrorCode::io);
  CHECK(link.error().message == "cannot create directory '" + (dir / "alias").string() + "': it is a symlink");

  dir.write("file", "x");
  const auto file = engine::make_dirs(dir / "file/sub", 0700);
  REQUIRE_FALSE(file);
  CHECK(file.error().code == ErrorCode::io);
  CHECK(file.error().message == "cannot create directory '" + (dir / "file").string() + "': File exists");
}

TEST_CASE("engine::same_filesystem compares devices and fails for a missing path")
{
  TempDir dir;
  fs::create_directory(dir / "a");
  fs::create_directory(dir / "b");
  const auto same = engine::same_filesystem(dir / "a", dir / "b");
  REQUIRE(same);
  CHECK(*same);
  if (fs::exists("/proc/self")) {
    const auto proc = engine::same_filesystem(dir.path(), "/proc/self");
    REQUIRE(proc);
    CHECK_FALSE(*proc);
  }
  const auto missing = engine::same_filesystem(dir / "a", dir / "zzz");
  REQUIRE_FALSE(missing);
  CHECK(missing.error().code == ErrorCode::io);
  CHECK(missing.error().message == "cannot stat '" + (dir / "zzz").string() + "': No such file or directory");
}

TEST_CASE("engine::fsync_dir syncs a directory and fails with io for a missing one")
{
  TempDir dir;
  REQUIRE(engine::fsync_dir(dir.path()));
  const auto missing = engine::fsync_dir(dir / "missing");
  REQUIRE_FALSE(missing);
  CHECK(missing.error().code == ErrorCode::io);
  CHECK(missing.error().message
        == "cannot open directory '" + (dir / "missing").string() + "': No such file or directory");
}
