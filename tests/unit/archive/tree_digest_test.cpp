// SPDX-License-Identifier: Apache-2.0
#include <noodle/archive/digest.hpp>
#include <noodle/archive/extract.hpp>
#include <noodle/archive/tree_digest.hpp>

#include "support/files.hpp"
#include "support/archive_builder.hpp"
#include "support/temp_dir.hpp"

#include <catch2/catch.hpp>

#include <sys/stat.h>

namespace fs = std::filesystem;
using noodle::ErrorCode;
using noodle::archive::compare_trees;
using noodle::archive::hash_tree;
using noodle::archive::TreeDifference;
using noodle::archive::TreeEntry;
using noodle::test::ArchiveBuilder;
using noodle::test::Compression;
using noodle::test::ExtractSandbox;
using noodle::test::TempDir;

namespace {

using noodle::test::set_mode;

std::string sha(const std::string& content)
{
  return noodle::archive::sha256(content)->hex();
}

std::vector<std::string> paths_of(const std::vector<TreeEntry>& tree)
{
  std::vector<std::string> out;
  for (const auto& e : tree) {
    out.push_back(e.path);
  }
  return out;
}

const TreeEntry& entry_at(const std::vector<TreeEntry>& tree, const std::string& path)
{
  for (const auto& e : tree) {
    if (e.path == path) {
      return e;
    }
  }
  FAIL("no entry '" << path << "'");
  return tree.front();
}

} // namespace

TEST_CASE("archive::hash_tree lists every node sorted by path with digests, sizes and modes")
{
  TempDir dir;
  dir.write("b", "bee\n");
  dir.write("a/c", "sea\n");
  dir.write("a-b", "");
  set_mode(dir / "a", 0750);
  set_mode(dir / "a/c", 0755);
  set_mode(dir / "b", 0600);
  set_mode(dir / "a-b", 0644);

  const auto tree = hash_tree(dir.path());
  REQUIRE(tree);
  // Plain byte order of the whole path: '-' sorts before '/'.
  CHECK(paths_of(*tree) == std::vector<std::string>{"a", "a-b", "a/c", "b"});
  CHECK(entry_at(*tree, "a") == TreeEntry{"a", TreeEntry::Type::directory, 0750, 0, ""});
  CHECK(entry_at(*tree, "a/c") == TreeEntry{"a/c", TreeEntry::Type::file, 0755, 4, sha("sea\n")});
  CHECK(entry_at(*tree, "b") == TreeEntry{"b", TreeEntry::Type::file, 0600, 4, sha("bee\n")});
  CHECK(entry_at(*tree, "a-b").digest == sha(""));
}

TEST_CASE("archive::hash_tree hashes a file larger than its read buffer")
{
  TempDir dir;
  std::string big(3 * 1024 * 1024 + 17, 'x');
  for (std::size_t i = 0; i < big.size(); i += 4099) {
    big[i] = static_cast<char>('a' + i % 23);
  }
  dir.write("big", big);
  const auto tree = hash_tree(dir.path());
  REQUIRE(tree);
  REQUIRE(tree->size() == 1);
  CHECK(tree->front().size == big.size());
  CHECK(tree->front().digest == sha(big));
}

TEST_CASE("archive::hash_tree records a symlink as a link with its target and never follows it")
{
  TempDir dir;
  TempDir outside;
  outside.write("secret", "not part of the tree");
  dir.write("real/file", "x");
  fs::create_symlink("real", dir / "alias");
  fs::create_symlink(outside.path(), dir / "out");
  fs::create_symlink("nowhere", dir / "dangling");

  const auto tree = hash_tree(dir.path());
  REQUIRE(tree);
  CHECK(paths_of(*tree) == std::vector<std::string>{"alias", "dangling", "out", "real", "real/file"});
  const auto& alias = entry_at(*tree, "alias");
  CHECK(alias.type == TreeEntry::Type::symlink);
  CHECK(alias.digest == "real");
  CHECK(alias.size == 0);
  CHECK(entry_at(*tree, "out").digest == outside.path().string());
  CHECK(entry_at(*tree, "dangling").digest == "nowhere");
}

TEST_CASE("archive::hash_tree refuses a FIFO with archive_invalid naming it")
{
  TempDir dir;
  dir.write("ok", "fine");
  REQUIRE(::mkfifo((dir / "pipe").c_str(), 0600) == 0);
  const auto tree = hash_tree(dir.path());
  REQUIRE_FALSE(tree);
  CHECK(tree.error().code == ErrorCode::archive_invalid);
  CHECK(tree.error().message
        == "'" + (dir / "pipe").string() + "' is a FIFO: only regular files, directories and symlinks are allowed");
}

TEST_CASE("archive::hash_tree fails with io for a missing directory or a symlink to one")
{
  TempDir dir;
  fs::create_directory(dir / "real");
  fs::create_symlink("real", dir / "link");
  const auto missing = hash_tree(dir / "missing");
  REQUIRE_FALSE(missing);
  CHECK(missing.error().code == ErrorCode::io);
  CHECK(missing.error().message
        == "cannot open directory '" + (dir / "missing").string() + "': No such file or directory");
  const auto through_link = hash_tree(dir / "link");
  REQUIRE_FALSE(through_link);
  CHECK(through_link.error().code == ErrorCode::io);
}

TEST_CASE("archive::compare_trees is empty for equal trees")
{
  TempDir dir;
  dir.write("a/b", "content");
  const auto tree = hash_tree(dir.path());
  REQUIRE(tree);
  CHECK(compare_trees(*tree, *tree).empty());
}

TEST_CASE("archive::compare_trees reports changed content, mode and type, missing and extra, by path")
{
  TempDir dir;
  dir.write("bin/tool", "v1");
  dir.write("conf", "a=1");
  dir.write("gone", "bye");
  dir.write("lib/libx.so", "elf");
  dir.write("shape", "a file for now");
  fs::create_symlink("lib/libx.so", dir / "link");
  set_mode(dir / "bin/tool", 0755);
  set_mode(dir / "conf", 0644);
  const auto recorded = hash_tree(dir.path());
  REQUIRE(recorded);

  dir.write("bin/tool", "v2");  // content
  set_mode(dir / "conf", 0666); // mode
  fs::remove(dir / "shape");    // type
  fs::create_symlink("conf", dir / "shape");
  fs::remove(dir / "gone");  // missing
  dir.write("added", "new"); // extra
  fs::remove(dir / "link");  // symlink target
  fs::create_symlink("elsewhere", dir / "link");
  const auto actual = hash_tree(dir.path());
  REQUIRE(actual);

  const auto diff = compare_trees(*recorded, *actual);
  REQUIRE(diff.size() == 6);
  CHECK(diff[0].kind == TreeDifference::Kind::extra);
  CHECK(diff[0].path == "added");
  CHECK(diff[0].detail == "file was not recorded");
  CHECK(diff[1].kind == TreeDifference::Kind::changed);
  CHECK(diff[1].path == "bin/tool");
  CHECK(diff[1].detail == "sha256 " + sha("v1").substr(0, 12) + "... is now " + sha("v2").substr(0, 12) + "...");
  CHECK(diff[2].path == "conf");
  CHECK(diff[2].detail == "mode 0644 is now 0666");
  CHECK(diff[3].kind == TreeDifference::Kind::missing);
  CHECK(diff[3].path == "gone");
  CHECK(diff[3].detail == "file is missing");
  CHECK(diff[4].path == "link");
  CHECK(diff[4].detail == "target 'lib/libx.so' is now 'elsewhere'");
  CHECK(diff[5].kind == TreeDifference::Kind::changed);
  CHECK(diff[5].path == "shape");
  CHECK(diff[5].detail == "type file is now symlink");

  CHECK(to_string(TreeDifference::Kind::changed) == "changed");
  CHECK(to_string(TreeDifference::Kind::missing) == "missing");
  CHECK(to_string(TreeDifference::Kind::extra) == "extra");
  CHECK(to_string(TreeEntry::Type::directory) == "directory");
}

TEST_CASE("archive::compare_trees reports a changed size with the digest")
{
  const std::vector<TreeEntry> recorded{{"f", TreeEntry::Type::file, 0644, 2, sha("ab")}};
  const std::vector<TreeEntry> actual{{"f", TreeEntry::Type::file, 0600, 3, sha("abc")}};
  const auto diff = compare_trees(recorded, actual);
  REQUIRE(diff.size() == 1);
  CHECK(diff[0].detail
        == "size 2 is now 3, sha256 " + sha("ab").substr(0, 12) + "... is now " + sha("abc").substr(0, 12)
               + "..., mode 0644 is now 0600");
}

TEST_CASE("archive::extract records the tree it created, equal to hash_tree of the staging directory")
{
  ExtractSandbox box;
  ArchiveBuilder b(Compression::gzip);
  const std::string manifest = "name: demo\nversion: 1.0.0\n";
  b.dir("./").file("./manifest.yaml", manifest);
  b.dir("bin/", 0750).file_mode("bin/tool", "#!/bin/sh\necho hi\n", 0755);
  b.file_mode("lib/deep/nested/libx.so", "elf bytes", 0640); // lib, lib/deep, lib/deep/nested implied
  b.dir("lib/deep/", 0711);                                  // implied first, then explicit
  b.noise("share/blob", 300 * 1024 + 5);                     // several read blocks
  b.file("share/empty", "");
  b.symlink("current-tool", "bin/tool");
  b.symlink("lib/deep/up", "../../share");
  const auto report = box.extract(b.finish());
  REQUIRE(report);

  const auto actual = hash_tree(box.staging());
  REQUIRE(actual);
  CHECK(report->tree == *actual);
  CHECK(compare_trees(report->tree, *actual).empty());

  const auto& tree = report->tree;
  CHECK(paths_of(tree)
        == std::vector<std::string>{"bin", "bin/tool", "current-tool", "lib", "lib/deep", "lib/deep/nested",
                                    "lib/deep/nested/libx.so", "lib/deep/up", "manifest.yaml", "share", "share/blob",
                                    "share/empty"});
  CHECK(entry_at(tree, "manifest.yaml")
        == TreeEntry{"manifest.yaml", TreeEntry::Type::file, 0644, manifest.size(), sha(manifest)});
  CHECK(entry_at(tree, "bin").mode == 0750);
  CHECK(entry_at(tree, "bin/tool").mode == 0755);
  CHECK(entry_at(tree, "lib").mode == 0755);
  CHECK(entry_at(tree, "lib/deep").mode == 0711);
  CHECK(entry_at(tree, "lib/deep/nested/libx.so").mode == 0640);
  CHECK(entry_at(tree, "current-tool").type == TreeEntry::Type::symlink);
  CHECK(entry_at(tree, "current-tool").digest == "bin/tool");
  CHECK(entry_at(tree, "share/blob").size == 300 * 1024 + 5);
  CHECK(entry_at(tree, "share/empty").digest == sha(""));
  CHECK(report->files == 5);
  CHECK(report->directories == 5);
  CHECK(report->symlinks == 2);
}
