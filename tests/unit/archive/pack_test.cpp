// SPDX-License-Identifier: Apache-2.0
#include <noodle/archive/pack.hpp>
#include <noodle/archive/reader.hpp>

#include "support/files.hpp"
#include "support/archive_builder.hpp"
#include "support/temp_dir.hpp"

#include <catch2/catch.hpp>

#include <archive.h>
#include <archive_entry.h>
#include <openssl/evp.h>

#include <fstream>
#include <sstream>
#include <sys/stat.h>
#include <sys/time.h>

namespace fs = std::filesystem;
using noodle::ErrorCode;
using noodle::archive::pack;
using noodle::test::ExtractSandbox;
using noodle::test::OpenFile;
using noodle::test::TempDir;

namespace {

using noodle::test::k_demo_manifest;

using noodle::test::mode_of;
using noodle::test::read_file;


std::string sha256_hex(const std::string& data)
{
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  REQUIRE(EVP_Digest(data.data(), data.size(), digest, &size, EVP_sha256(), nullptr) == 1);
  std::string hex;
  const char* digits = "0123456789abcdef";
  for (unsigned int i = 0; i < size; ++i) {
    hex += digits[digest[i] >> 4];
    hex += digits[digest[i] & 15];
  }
  return hex;
}

// A component tree: manifest, an executable, a private file, an empty
// directory and an inner symlink.
fs::path make_component_dir(const TempDir& tmp)
{
  fs::path dir = tmp / "component";
  tmp.write("component/manifest.yaml", k_demo_manifest);
  tmp.write("component/bin/tool", "#!/bin/sh\necho hi\n");
  fs::permissions(dir / "bin/tool", fs::perms::owner_all);
  tmp.write("component/data/readme", "read me\n");
  fs::permissions(dir / "data/readme", fs::perms::owner_read | fs::perms::owner_write);
  fs::create_directories(dir / "empty");
  fs::create_symlink("bin/tool", dir / "tool");
  return dir;
}

struct Stored {
  std::string path;
  unsigned mode;
  long long mtime;
  long long uid;
  long long gid;
  std::string names; // uname + gname
};

std::vector<Stored> list_entries(const fs::path& archive_path)
{
  std::vector<Stored> out;
  struct archive* a = archive_read_new();
  archive_read_support_format_tar(a);
  archive_read_support_filter_gzip(a);
  archive_read_support_filter_zstd(a);
  REQUIRE(archive_read_open_filename(a, archive_path.c_str(), 10240) == ARCHIVE_OK);
  archive_entry* e = nullptr;
  while (archive_read_next_header(a, &e) == ARCHIVE_OK) {
    out.push_back({archive_entry_pathname(e), static_cast<unsigned>(archive_entry_mode(e)),
                   static_cast<long long>(archive_entry_mtime(e)), static_cast<long long>(archive_entry_uid(e)),
                   static_cast<long long>(archive_entry_gid(e)),
                   std::string(archive_entry_uname(e) != nullptr ? archive_entry_uname(e) : "")
                       + (archive_entry_gname(e) != nullptr ? archive_entry_gname(e) : "")});
  }
  archive_read_free(a);
  return out;
}

std::vector<std::string> files_below(const fs::path& root)
{
  std::vector<std::string> out;
  for (const auto& e : fs::recursive_directory_iterator(root)) {
    out.push_back(e.path().lexically_relative(root).generic_string());
  }
  std::sort(out.begin(), out.end());
  return out;
}

} // namespace

TEST_CASE("archive::pack stores sorted entries with fixed metadata and returns the archive's sha256")
{
  TempDir tmp;
  const fs::path dir = make_component_dir(tmp);
  const fs::path out = tmp / "demo-1.0.0.tar.gz";
  const auto result = pack(dir, out);
  REQUIRE(result);
  const std::string bytes = read_file(out);
  CHECK(result->size == bytes.size());
  CHECK(result->sha256 == sha256_hex(bytes));
  CHECK(result->entries == 7);
  CHECK(mode_of(out) == 0644);
  // gzip header: magic, deflate, no flags (no name), MTIME zero.
  REQUIRE(bytes.size() > 10);
  CHECK(bytes.substr(0, 4) == std::string("\x1f\x8b\x08\x00", 4));
  CHECK(bytes.substr(4, 4) == std::string(4, '\0'));

  const auto entries = list_entries(out);
  std::vector<std::string> paths;
  for (const auto& e : entries) {
    paths.push_back(e.path);
    CHECK(e.mtime == 0);
    CHECK(e.uid == 0);
    CHECK(e.gid == 0);
    CHECK(e.names.empty());
  }
  CHECK(paths
        == std::vector<std::string>{"manifest.yaml", "bin/", "bin/tool", "data/", "data/readme", "empty/", "tool"});
  CHECK(entries[0].mode == (S_IFREG | 0644));
  CHECK(entries[1].mode == (S_IFDIR | 0755));
  CHECK(entries[2].mode == (S_IFREG | 0755));
  CHECK(entries[4].mode == (S_IFREG | 0644));
  CHECK(entries[6].mode == (S_IFLNK | 0777));
  CHECK(files_below(tmp.path())
        == std::vector<std::string>{"component", "component/bin", "component/bin/tool", "component/data",
                                    "component/data/readme", "component/empty", "component/manifest.yaml",
                                    "component/tool", "demo-1.0.0.tar.gz"});
}

TEST_CASE("archive::pack is reproducible: two packs are byte-identical whatever the mtimes")
{
  for (const std::string name : {"c.tar.gz", "c.tgz", "c.tar.zst"}) {
    TempDir tmp;
    const fs::path dir = make_component_dir(tmp);
    fs::create_directories(tmp / "one");
    fs::create_directories(tmp / "two");
    const auto first = pack(dir, tmp / "one" / name);
    REQUIRE(first);
    const struct timeval times[2] = {{1'000'000, 0}, {1'000'000, 0}};
    REQUIRE(::utimes((dir / "data/readme").c_str(), times) == 0);
    const auto second = pack(dir, tmp / "two" / name);
    REQUIRE(second);
    CHECK(first->sha256 == second->sha256);
    CHECK(read_file(tmp / "one" / name) == read_file(tmp / "two" / name));
  }
}

TEST_CASE("archive::pack output extracts back to the same tree with normalised modes")
{
  for (const std::string name : {"c.tar.gz", "c.tar.zst"}) {
    TempDir tmp;
    const fs::path dir = make_component_dir(tmp);
    REQUIRE(pack(dir, tmp / name));
    ExtractSandbox box;
    const auto report = box.extract(read_file(tmp / name));
    REQUIRE(report);
    CHECK(report->files == 3);
    CHECK(report->directories == 3);
    CHECK(report->symlinks == 1);
    CHECK(files_below(box.staging()) == files_below(dir));
    const auto& s = box.staging();
    CHECK(read_file(s / "bin/tool") == read_file(dir / "bin/tool"));
    CHECK(read_file(s / "manifest.yaml") == k_demo_manifest);
    CHECK(mode_of(s / "bin/tool") == 0755);
    CHECK(mode_of(s / "data/readme") == 0644);
    CHECK(mode_of(s / "empty") == 0755);
    CHECK(fs::read_symlink(s / "tool") == "bin/tool");

    const OpenFile file(tmp / name);
    const auto manifest = noodle::archive::read_member(file.fd(), "manifest.yaml", 4096, {});
    REQUIRE(manifest);
    CHECK(*manifest == k_demo_manifest);
  }
}

TEST_CASE("archive::pack refuses an unknown extension and a missing manifest")
{
  TempDir tmp;
  const fs::path dir = make_component_dir(tmp);
  const auto tar = pack(dir, tmp / "c.tar");
  REQUIRE_FALSE(tar);
  CHECK(tar.error().code == ErrorCode::usage);
  CHECK(tar.error().message
        == "unsupported archive name '" + (tmp / "c.tar").string() + "': expected .tar.gz, .tgz or .tar.zst");

  fs::remove(dir / "manifest.yaml");
  const auto missing = pack(dir, tmp / "c.tar.gz");
  REQUIRE_FALSE(missing);
  CHECK(missing.error().code == ErrorCode::not_found);
  CHECK(missing.error().message == "'" + dir.string() + "' has no manifest.yaml at its root");
  CHECK_FALSE(fs::exists(tmp / "c.tar.gz"));
}

TEST_CASE("archive::pack refuses special files and escaping symlinks, leaving no output behind")
{
  TempDir tmp;
  const fs::path dir = make_component_dir(tmp);
  REQUIRE(::mkfifo((dir / "pipe").c_str(), 0644) == 0);
  const auto fifo = pack(dir, tmp / "c.tar.gz");
  REQUIRE_FALSE(fifo);
  CHECK(fifo.error().code == ErrorCode::archive_invalid);
  CHECK(fifo.error().message
        == "cannot pack 'pipe': it is a FIFO; a component holds only regular files, directories and symlinks");
  fs::remove(dir / "pipe");

  fs::create_symlink("../..", dir / "data/up");
  const auto escape = pack(dir, tmp / "c.tar.gz");
  REQUIRE_FALSE(escape);
  CHECK(escape.error().code == ErrorCode::archive_invalid);
  CHECK(escape.error().message == "cannot pack 'data/up': symlink target '../..' escapes the component directory");
  fs::remove(dir / "data/up");

  fs::create_symlink("/etc/passwd", dir / "abs");
  const auto absolute = pack(dir, tmp / "c.tar.gz");
  REQUIRE_FALSE(absolute);
  CHECK(absolute.error().message
        == "cannot pack 'abs': symlink target '/etc/passwd' is absolute; only relative targets are allowed");
  CHECK(files_below(tmp.path()).back() == "component/tool"); // no archive, no temporary file
}

TEST_CASE("archive::pack refuses to write its output inside the packed directory")
{
  TempDir tmp;
  const fs::path dir = make_component_dir(tmp);
  const auto result = pack(dir, dir / "data" / "self.tar.gz");
  REQUIRE_FALSE(result);
  CHECK(result.error().code == ErrorCode::usage);
  CHECK(result.error().message
        == "output '" + (dir / "data" / "self.tar.gz").string() + "' is inside the directory being packed '"
               + dir.string() + "'");
}

TEST_CASE("archive::pack replaces an existing output atomically")
{
  TempDir tmp;
  const fs::path dir = make_component_dir(tmp);
  tmp.write("c.tar.zst", "old contents");
  const auto result = pack(dir, tmp / "c.tar.zst");
  REQUIRE(result);
  CHECK(read_file(tmp / "c.tar.zst").substr(0, 4) == std::string("\x28\xb5\x2f\xfd", 4));
  CHECK(files_below(tmp.path()).back() == "component/tool"); // sorted: "c.tar.zst" < "component"
}

TEST_CASE("archive::pack stores hard-linked files as separate regular files")
{
  TempDir tmp;
  const fs::path dir = make_component_dir(tmp);
  fs::create_hard_link(dir / "data/readme", dir / "data/readme-again");
  REQUIRE(pack(dir, tmp / "c.tar.gz"));
  ExtractSandbox box;
  const auto report = box.extract(read_file(tmp / "c.tar.gz"));
  REQUIRE(report);
  CHECK(report->files == 4);
  CHECK(read_file(box.staging() / "data/readme-again") == "read me\n");
  CHECK(fs::hard_link_count(box.staging() / "data/readme-again") == 1);
}
