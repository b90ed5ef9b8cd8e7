// SPDX-License-Identifier: Apache-2.0
#include <noodle/archive/reader.hpp>

#include "support/archive_builder.hpp"
#include "support/temp_dir.hpp"

#include <catch2/catch.hpp>

#include <unistd.h>

using noodle::ErrorCode;
using noodle::archive::Limits;
using noodle::archive::read_member;
using noodle::test::ArchiveBuilder;
using noodle::test::Compression;
using noodle::test::OpenFile;
using noodle::test::TempDir;

namespace {

using noodle::test::k_demo_manifest;


// Writes `bytes` to a file in `tmp` and reads `member` from it.
noodle::Result<std::string> read_from(const TempDir& tmp, const std::string& bytes, const std::string& member,
                                      std::uint64_t max_bytes = 1 << 20, const Limits& limits = {})
{
  const auto path = tmp / "component.tar.gz";
  noodle::test::write_bytes(path, bytes);
  const OpenFile file(path);
  return read_member(file.fd(), member, max_bytes, limits);
}

std::string code_name(const noodle::Error& e)
{
  return std::string(noodle::error_code_name(e.code));
}

} // namespace

TEST_CASE("archive::read_member reads manifest.yaml, with or without a './' prefix")
{
  TempDir tmp;
  for (auto compression : {Compression::gzip, Compression::zstd}) {
    ArchiveBuilder b(compression);
    b.dir("./").file("./bin/tool", "#!/bin/sh\n").file("./manifest.yaml", k_demo_manifest).file("z", "z");
    const std::string bytes = b.finish();
    const auto plain = read_from(tmp, bytes, "manifest.yaml");
    REQUIRE(plain);
    CHECK(*plain == k_demo_manifest);
    const auto dotted = read_from(tmp, bytes, "./manifest.yaml");
    REQUIRE(dotted);
    CHECK(*dotted == k_demo_manifest);
    const auto tool = read_from(tmp, bytes, "bin/tool");
    REQUIRE(tool);
    CHECK(*tool == "#!/bin/sh\n");
  }
}

TEST_CASE("archive::read_member reads from offset 0 whatever the descriptor's offset")
{
  TempDir tmp;
  ArchiveBuilder b;
  b.file("manifest.yaml", k_demo_manifest);
  const auto path = tmp / "component.tar.gz";
  noodle::test::write_bytes(path, b.finish());
  const OpenFile file(path);
  REQUIRE(::lseek(file.fd(), 0, SEEK_END) > 0);
  const auto first = read_member(file.fd(), "manifest.yaml", 4096, {});
  REQUIRE(first);
  CHECK(*first == k_demo_manifest);
  const auto again = read_member(file.fd(), "manifest.yaml", 4096, {});
  REQUIRE(again);
  CHECK(*again == k_demo_manifest);
}

TEST_CASE("archive::read_member reports a missing member as not_found")
{
  TempDir tmp;
  ArchiveBuilder b;
  b.file("sub/manifest.yaml", k_demo_manifest);
  const auto result = read_from(tmp, b.finish(), "manifest.yaml");
  REQUIRE_FALSE(result);
  CHECK(code_name(result.error()) == "not_found");
  CHECK(result.error().message == "archive has no member 'manifest.yaml'");
}

TEST_CASE("archive::read_member refuses a member that is not a regular file")
{
  TempDir tmp;
  ArchiveBuilder link;
  link.file("real.yaml", k_demo_manifest).symlink("manifest.yaml", "real.yaml");
  const auto symlink = read_from(tmp, link.finish(), "manifest.yaml");
  REQUIRE_FALSE(symlink);
  CHECK(code_name(symlink.error()) == "archive_invalid");
  CHECK(symlink.error().message == "member 'manifest.yaml' is not a regular file");

  ArchiveBuilder hard;
  hard.file("real.yaml", k_demo_manifest).hardlink("manifest.yaml", "real.yaml");
  const auto hardlink = read_from(tmp, hard.finish(), "manifest.yaml");
  REQUIRE_FALSE(hardlink);
  CHECK(hardlink.error().message == "member 'manifest.yaml' is not a regular file");
}

TEST_CASE("archive::read_member enforces max_bytes")
{
  TempDir tmp;
  ArchiveBuilder b;
  b.file("manifest.yaml", k_demo_manifest);
  const auto result = read_from(tmp, b.finish(), "manifest.yaml", 10);
  REQUIRE_FALSE(result);
  CHECK(code_name(result.error()) == "archive_limit");
  CHECK(result.error().message == "member 'manifest.yaml' is larger than 10 bytes");
}

TEST_CASE("archive::read_member refuses a zip disguised as a tar.gz")
{
  TempDir tmp;
  const auto result = read_from(tmp, noodle::test::zip_bytes("manifest.yaml", k_demo_manifest), "manifest.yaml");
  REQUIRE_FALSE(result);
  CHECK(code_name(result.error()) == "archive_invalid");
  CHECK(result.error().message == "not a tar archive compressed with gzip or zstd");
}

TEST_CASE("archive::read_member accounts the entries it skips, so a bomb before the member stops early")
{
  TempDir tmp;
  ArchiveBuilder b(Compression::zstd);
  b.zeros("padding.bin", 64ULL << 20).file("manifest.yaml", k_demo_manifest);
  const auto result = read_from(tmp, b.finish(), "manifest.yaml");
  REQUIRE_FALSE(result);
  CHECK(code_name(result.error()) == "archive_limit");
  CHECK(result.error().message
        == "entry 'padding.bin': compression ratio exceeds the 200:1 limit (likely a decompression bomb)");

  Limits few;
  few.max_entries = 2;
  ArchiveBuilder many;
  many.file("a", "a").file("b", "b").file("manifest.yaml", k_demo_manifest);
  const auto counted = read_from(tmp, many.finish(), "manifest.yaml", 4096, few);
  REQUIRE_FALSE(counted);
  CHECK(counted.error().message == "archive has more than 2 entries");
}
