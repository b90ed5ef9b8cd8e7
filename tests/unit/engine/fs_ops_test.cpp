// SPDX-License-Identifier: Apache-2.0
#include <noodle/archive/tree_digest.hpp>
#include <noodle/engine/fs_ops.hpp>
#include <noodle/util/dir_fd.hpp>

#include "support/files.hpp"
#include "support/resolution_under_test.hpp"
#include "support/temp_dir.hpp"

#include <catch2/catch.hpp>

#include <fstream>
#include <sstream>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

namespace fs = std::filesystem;
using noodle::ErrorCode;
using noodle::archive::hash_tree;
using noodle::test::ResolutionUnderTest;
using noodle::test::TempDir;
namespace engine = noodle::engine;

namespace {

using noodle::test::mode_of;
using noodle::test::set_mode;
using noodle::test::read_file;

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

engine::RootDir open_root(const TempDir& dir)
{
  auto root = engine::RootDir::open(dir.path());
  REQUIRE(root);
  return std::move(*root);
}


} // namespace

TEST_CASE("engine::swap_link replaces an existing link and leaves no temporary link")
{
  TempDir dir;
  const auto root = open_root(dir);
  fs::create_directories(dir / "versions/1.0.0");
  fs::create_directories(dir / "versions/2.0.0");
  fs::create_symlink("versions/1.0.0", dir / "current");

  REQUIRE(engine::swap_link(root, "current", "versions/2.0.0"));
  CHECK(fs::read_symlink(dir / "current") == "versions/2.0.0");
  CHECK(names_in(dir.path()) == std::vector<std::string>{"current", "versions"});

  const auto target = engine::read_link(root, "current");
  REQUIRE(target);
  CHECK(*target == std::optional<std::string>("versions/2.0.0"));
}

TEST_CASE("engine::swap_link creates a missing link and refuses a target that leaves its directory")
{
  TempDir dir;
  const auto root = open_root(dir);
  REQUIRE(engine::swap_link(root, "current", "versions/1.0.0"));
  CHECK(fs::read_symlink(dir / "current") == "versions/1.0.0");
  CHECK(names_in(dir.path()) == std::vector<std::string>{"current"});

  for (const char* target : {"../outside", "/etc", "versions/../../x", "versions//1.0.0"}) {
    INFO(target);
    const auto refused = engine::swap_link(root, "current", target);
    REQUIRE_FALSE(refused);
    CHECK(refused.error().code == ErrorCode::usage);
    CHECK(fs::read_symlink(dir / "current") == "versions/1.0.0");
  }
}

TEST_CASE("engine::swap_link refuses to replace a real file or directory and cleans up")
{
  TempDir dir;
  const auto root = open_root(dir);
  dir.write("current", "a file, not a link");
  fs::create_directory(dir / "dir");

  const auto over_file = engine::swap_link(root, "current", "elsewhere");
  REQUIRE_FALSE(over_file);
  CHECK(over_file.error().code == ErrorCode::io);
  CHECK(over_file.error().message == "cannot replace '" + (dir / "current").string() + "': not a symlink");
  CHECK(read_file(dir / "current") == "a file, not a link");

  const auto over_dir = engine::swap_link(root, "dir", "elsewhere");
  REQUIRE_FALSE(over_dir);
  CHECK(fs::is_directory(fs::symlink_status(dir / "dir")));
  CHECK(names_in(dir.path()) == std::vector<std::string>{"current", "dir"});
}

TEST_CASE("engine::swap_link fails with io when the directory is missing")
{
  TempDir dir;
  const auto root = open_root(dir);
  const auto swapped = engine::swap_link(root, "missing/current", "x");
  REQUIRE_FALSE(swapped);
  CHECK(swapped.error().code == ErrorCode::io);
  CHECK(swapped.error().message
        == "cannot open directory '" + (dir / "missing").string() + "': No such file or directory");
}

TEST_CASE("engine::read_link returns nullopt for a missing link and fails for a non-symlink")
{
  TempDir dir;
  const auto root = open_root(dir);
  const auto missing = engine::read_link(root, "nothing");
  REQUIRE(missing);
  CHECK_FALSE(missing->has_value());
  const auto missing_dir = engine::read_link(root, "no/such/current");
  REQUIRE(missing_dir);
  CHECK_FALSE(missing_dir->has_value());

  const auto file = dir.write("current", "x");
  const auto not_link = engine::read_link(root, "current");
  REQUIRE_FALSE(not_link);
  CHECK(not_link.error().code == ErrorCode::corrupt_state);
  CHECK(not_link.error().message == "'" + file.string() + "' should be a symlink");

  fs::create_symlink(std::string(300, 'v'), dir / "long");
  const auto long_target = engine::read_link(root, "long");
  REQUIRE(long_target);
  CHECK(**long_target == std::string(300, 'v'));
}

TEST_CASE("engine::rename_durable moves a directory and refuses an existing destination")
{
  TempDir dir;
  const auto root = open_root(dir);
  dir.write("staging/file", "new");
  dir.write("taken/file", "old");

  const auto refused = engine::rename_durable(root, "staging", "taken");
  REQUIRE_FALSE(refused);
  CHECK(refused.error().code == ErrorCode::io);
  CHECK(refused.error().message
        == "cannot rename '" + (dir / "staging").string() + "': '" + (dir / "taken").string() + "' already exists");
  CHECK(read_file(dir / "staging/file") == "new");
  CHECK(read_file(dir / "taken/file") == "old");

  REQUIRE(engine::rename_durable(root, "staging", "versions"));
  CHECK(read_file(dir / "versions/file") == "new");
  CHECK_FALSE(exists_no_follow(dir / "staging"));

  const auto missing = engine::rename_durable(root, "staging", "again");
  REQUIRE_FALSE(missing);
  CHECK(missing.error().message
        == "cannot rename '" + (dir / "staging").string() + "' to '" + (dir / "again").string()
               + "': No such file or directory");
}

TEST_CASE("engine::exchange_durable swaps two directories' contents")
{
  TempDir dir;
  const auto root = open_root(dir);
  dir.write("a/x", "A");
  dir.write("b/x", "B");
  dir.write("b/only-b", "");
  REQUIRE(engine::exchange_durable(root, "a", "b"));
  CHECK(read_file(dir / "a/x") == "B");
  CHECK(read_file(dir / "b/x") == "A");
  CHECK(names_in(dir / "a") == std::vector<std::string>{"only-b", "x"});

  const auto missing = engine::exchange_durable(root, "a", "c");
  REQUIRE_FALSE(missing);
  CHECK(missing.error().code == ErrorCode::io);
  CHECK(read_file(dir / "a/x") == "B");
}

TEST_CASE("engine::copy_tree copies files, modes and symlinks exactly")
{
  TempDir dir;
  const auto root = open_root(dir);
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

  REQUIRE(engine::copy_tree(root, "from", "to"));
  const auto original = hash_tree(from);
  const auto copy = hash_tree(dir / "to");
  REQUIRE(original);
  REQUIRE(copy);
  CHECK(*copy == *original);
  CHECK(original->size() == 12);
  CHECK(mode_of(dir / "to") == 0711);
  CHECK(fs::is_symlink(dir / "to/tool"));

  // The read-only copy can be removed again.
  REQUIRE(engine::remove_tree(root, "to"));
  CHECK_FALSE(exists_no_follow(dir / "to"));
  REQUIRE(engine::remove_tree(root, "from"));
}

TEST_CASE("engine::copy_tree keeps owners, groups, times and extended attributes")
{
  TempDir dir;
  const auto root = open_root(dir);
  dir.write("from/sub/file", "x");
  fs::create_symlink("sub/file", dir / "from/link");
  const bool privileged = ::geteuid() == 0;
  const uid_t uid = privileged ? 65534 : ::geteuid();
  const gid_t gid = privileged ? 65534 : ::getegid();
  for (const char* rel : {"from/sub/file", "from/sub", "from"}) {
    REQUIRE(::chown((dir / rel).c_str(), uid, gid) == 0);
  }
  REQUIRE(::lchown((dir / "from/link").c_str(), uid, gid) == 0);
  const bool xattrs = ::setxattr((dir / "from/sub/file").c_str(), "user.origin", "ops", 3, 0) == 0;
  const struct timespec past[2] = {{1500000000, 7}, {1500000100, 9}};
  for (const char* rel : {"from/sub/file", "from/link", "from/sub", "from"}) {
    REQUIRE(::utimensat(AT_FDCWD, (dir / rel).c_str(), past, AT_SYMLINK_NOFOLLOW) == 0);
  }

  REQUIRE(engine::copy_tree(root, "from", "to"));
  for (const char* rel : {"sub/file", "link", "sub", ""}) {
    INFO(rel);
    struct stat was {};
    struct stat now {};
    REQUIRE(::lstat((dir / "from" / rel).c_str(), &was) == 0);
    REQUIRE(::lstat((dir / "to" / rel).c_str(), &now) == 0);
    CHECK(now.st_uid == was.st_uid);
    CHECK(now.st_gid == was.st_gid);
    CHECK((now.st_mode & 07777) == (was.st_mode & 07777));
    CHECK(now.st_mtim.tv_sec == 1500000100);
    CHECK(now.st_mtim.tv_nsec == 9);
  }
  if (xattrs) {
    char value[16] = {};
    CHECK(::getxattr((dir / "to/sub/file").c_str(), "user.origin", value, sizeof value) == 3);
    CHECK(std::string(value) == "ops");
  }
}

TEST_CASE("engine::copy_tree refuses an existing destination and makes an empty one from nothing")
{
  TempDir dir;
  const auto root = open_root(dir);
  dir.write("from/f", "x");
  fs::create_directory(dir / "to");
  const auto refused = engine::copy_tree(root, "from", "to");
  REQUIRE_FALSE(refused);
  CHECK(refused.error().code == ErrorCode::io);
  CHECK(refused.error().message == "cannot create directory '" + (dir / "to").string() + "': File exists");
  CHECK(names_in(dir / "to").empty());

  REQUIRE(engine::copy_tree(root, "missing", "fresh"));
  CHECK(fs::is_directory(dir / "fresh"));
  CHECK(names_in(dir / "fresh").empty());
  CHECK(mode_of(dir / "fresh") == 0755);
}

TEST_CASE("engine::copy_tree refuses a FIFO and removes the partial copy")
{
  TempDir dir;
  const auto root = open_root(dir);
  dir.write("from/a", "x");
  REQUIRE(::mkfifo((dir / "from/pipe").c_str(), 0600) == 0);
  const auto copied = engine::copy_tree(root, "from", "to");
  REQUIRE_FALSE(copied);
  CHECK(copied.error().code == ErrorCode::io);
  CHECK(copied.error().message
        == "cannot copy '" + (dir / "from/pipe").string() + "': not a regular file, directory or symlink");
  CHECK_FALSE(exists_no_follow(dir / "to"));
}

TEST_CASE("engine::copy_tree does not follow a symlink given as the source")
{
  TempDir dir;
  const auto root = open_root(dir);
  dir.write("real/f", "x");
  fs::create_symlink("real", dir / "link");
  const auto copied = engine::copy_tree(root, "link", "to");
  REQUIRE_FALSE(copied);
  CHECK(copied.error().code == ErrorCode::unsafe_path);
  CHECK(copied.error().message
        == "'" + (dir / "link").string() + "' is a symbolic link where a directory must be: never followed");
  CHECK_FALSE(exists_no_follow(dir / "to"));
}

TEST_CASE("engine::remove_tree does not follow a symlink to an outside directory")
{
  TempDir dir;
  const auto root = open_root(dir);
  TempDir outside;
  outside.write("keep/me", "precious");
  dir.write("victim/a/b/file", "x");
  fs::create_symlink(outside.path(), dir / "victim/a/escape");
  fs::create_symlink(outside / "keep/me", dir / "victim/file-link");

  REQUIRE(engine::remove_tree(root, "victim"));
  CHECK_FALSE(exists_no_follow(dir / "victim"));
  CHECK(read_file(outside / "keep/me") == "precious");
  CHECK(names_in(outside.path()) == std::vector<std::string>{"keep"});
}

TEST_CASE("engine::remove_tree removes a symlink itself, not its target, and accepts a missing path")
{
  TempDir dir;
  const auto root = open_root(dir);
  dir.write("real/file", "x");
  fs::create_symlink("real", dir / "link");
  REQUIRE(engine::remove_tree(root, "link"));
  CHECK_FALSE(exists_no_follow(dir / "link"));
  CHECK(read_file(dir / "real/file") == "x");

  REQUIRE(engine::remove_tree(root, "never-was"));
  REQUIRE(engine::remove_tree(root, "never/was"));
  REQUIRE(engine::remove_tree(root, "real/file"));
  CHECK(names_in(dir / "real").empty());
}

TEST_CASE("engine::make_dirs creates missing parents with the exact mode and accepts existing ones")
{
  TempDir dir;
  const auto root = open_root(dir);
  REQUIRE(engine::make_dirs(root, "a/b/c", 0750));
  CHECK(mode_of(dir / "a") == 0750);
  CHECK(mode_of(dir / "a/b/c") == 0750);
  set_mode(dir / "a", 0700);
  REQUIRE(engine::make_dirs(root, "a/b", 0755)); // nothing to do; modes untouched
  CHECK(mode_of(dir / "a") == 0700);

  // Below the root no symlink is followed, on the way or at the end.
  fs::create_symlink("a", dir / "alias");
  for (const char* rel : {"alias", "alias/b/d"}) {
    INFO(rel);
    const auto link = engine::make_dirs(root, rel, 0700);
    REQUIRE_FALSE(link);
    CHECK(link.error().code == ErrorCode::unsafe_path);
    CHECK(link.error().message
          == "'" + (dir / "alias").string() + "' is a symbolic link where a directory must be: never followed");
  }
  CHECK_FALSE(exists_no_follow(dir / "a/b/d"));

  dir.write("file", "x");
  const auto file = engine::make_dirs(root, "file/sub", 0700);
  REQUIRE_FALSE(file);
  CHECK(file.error().code == ErrorCode::io);
  CHECK(file.error().message == "cannot create directory '" + (dir / "file").string() + "': File exists");
}

TEST_CASE("engine fs steps on scratch change the tree exactly as durable ones do")
{
  // Only the fsync differs (tests/crash/power_cut_order.py watches that).
  TempDir dir;
  const auto root = open_root(dir);
  REQUIRE(engine::make_dirs(root, "staging/work/tree", 0750, engine::Sync::scratch));
  CHECK(mode_of(dir / "staging/work") == 0750);
  CHECK(mode_of(dir / "staging/work/tree") == 0750);
  dir.write("staging/work/tree/f", "new");
  fs::create_directory(dir / "versions");
  REQUIRE(engine::rename_durable(root, "staging/work/tree", "versions/2", engine::Sync::scratch));
  CHECK(read_file(dir / "versions/2/f") == "new");
  CHECK(names_in(dir / "staging/work").empty());

  fs::create_directories(dir / "staging/work/tree");
  dir.write("staging/work/tree/f", "newer");
  REQUIRE(engine::exchange_durable(root, "staging/work/tree", "versions/2", engine::Sync::scratch));
  CHECK(read_file(dir / "versions/2/f") == "newer");
  CHECK(read_file(dir / "staging/work/tree/f") == "new");

  REQUIRE(engine::remove_tree(root, "staging/work", engine::Sync::scratch));
  CHECK(names_in(dir / "staging").empty());
  REQUIRE(engine::remove_tree(root, "staging/work", engine::Sync::scratch)); // already gone: success

  const auto refused = engine::remove_tree(root, "staging/../versions", engine::Sync::scratch);
  REQUIRE_FALSE(refused);
  CHECK(fs::exists(dir / "versions/2/f"));
}

TEST_CASE("engine::same_filesystem compares devices and fails for a missing path")
{
  TempDir dir;
  const auto root = open_root(dir);
  fs::create_directory(dir / "a");
  fs::create_directory(dir / "b");
  const auto same = engine::same_filesystem(root, "a", "b");
  REQUIRE(same);
  CHECK(*same);
  const auto missing = engine::same_filesystem(root, "a", "zzz");
  REQUIRE_FALSE(missing);
  CHECK(missing.error().code == ErrorCode::io);
  CHECK(missing.error().message == "cannot stat '" + (dir / "zzz").string() + "': No such file or directory");
}

TEST_CASE("engine::fsync_dir syncs a directory and fails with io for a missing one")
{
  TempDir dir;
  const auto root = open_root(dir);
  REQUIRE(engine::fsync_dir(root, ""));
  const auto missing = engine::fsync_dir(root, "missing");
  REQUIRE_FALSE(missing);
  CHECK(missing.error().code == ErrorCode::io);
  CHECK(missing.error().message
        == "cannot open directory '" + (dir / "missing").string() + "': No such file or directory");
}

TEST_CASE("engine::RootDir refuses paths that leave the root and names that break the catalog's rule")
{
  TempDir dir;
  const auto root = open_root(dir);
  for (const char* rel : {"../x", "a/../../x", "/etc", "a/./b", "a//b", "a/", "a\nb"}) {
    INFO(rel);
    const auto checked = engine::RootDir::check(rel);
    REQUIRE_FALSE(checked);
    CHECK(checked.error().code == ErrorCode::usage);
  }
  const auto dotted = engine::RootDir::check("components/jit_compiler/./versions");
  REQUIRE_FALSE(dotted);
  const auto escape = engine::RootDir::check("components/../../other/components/x/current");
  REQUIRE_FALSE(escape);
  CHECK(escape.error().message
        == "invalid component name '..': use lowercase letters, digits, '_', '.' and '-', starting with a letter "
           "or digit");
  const auto bad_version = engine::RootDir::check("components/x/versions/1.0");
  REQUIRE_FALSE(bad_version);
  CHECK(bad_version.error().message.rfind("invalid version '1.0': ", 0) == 0);
  const auto long_version = engine::RootDir::check("components/x/versions/1.0.0-" + std::string(200, 'a'));
  REQUIRE_FALSE(long_version);
  CHECK(long_version.error().message.find("longer than 128 characters") != std::string::npos);
  CHECK(engine::RootDir::check("components/x/versions/1.0.0+build.5"));
  CHECK(engine::RootDir::check("components/x/.current.tmp-1-0"));
  CHECK(engine::RootDir::check(".noodle-upgrade/points/7/config"));
}

TEST_CASE("engine file steps never go through a symlink below the root, with openat2 and without it")
{
  const ResolutionUnderTest resolution;
  INFO(resolution.name());
  TempDir dir;
  TempDir outside;
  outside.write("versions/1.0.0/bin/tool", "outside");
  fs::create_symlink("versions/1.0.0", outside / "current");
  outside.write("config/app.conf", "keep");
  const auto before = hash_tree(outside.path());
  REQUIRE(before);
  fs::create_directories(dir / "components");
  fs::create_directory_symlink(outside.path(), dir / "components/evil");
  const auto root = open_root(dir);
  const std::string link = "'" + (dir / "components/evil").string() + "'";

  const auto expect_refused = [&](const noodle::Result<void>& r) {
    REQUIRE_FALSE(r);
    CHECK(r.error().code == ErrorCode::unsafe_path);
    CHECK(r.error().message.rfind(link, 0) == 0);
  };
  expect_refused(engine::remove_tree(root, "components/evil/versions/1.0.0"));
  expect_refused(engine::swap_link(root, "components/evil/current", "versions/2.0.0"));
  expect_refused(engine::copy_tree(root, "components/evil/config", "copy"));
  expect_refused(engine::make_dirs(root, "components/evil/versions/2.0.0", 0755));
  expect_refused(engine::rename_durable(root, "components/evil/config", "stolen"));
  expect_refused(engine::exchange_durable(root, "components/evil/config", "components"));
  expect_refused(engine::fsync_dir(root, "components/evil"));
  const auto listed = engine::list_names(root, "components/evil/versions");
  REQUIRE_FALSE(listed);
  CHECK(listed.error().code == ErrorCode::unsafe_path);
  const auto read = engine::read_link(root, "components/evil/current");
  REQUIRE_FALSE(read);
  CHECK(read.error().code == ErrorCode::unsafe_path);
  const auto there = engine::exists_no_follow(root, "components/evil/current");
  REQUIRE_FALSE(there);
  CHECK(there.error().code == ErrorCode::unsafe_path);

  const auto after = hash_tree(outside.path());
  REQUIRE(after);
  CHECK(*after == *before);
  CHECK_FALSE(exists_no_follow(dir / "copy"));
  CHECK_FALSE(exists_no_follow(dir / "stolen"));
}
