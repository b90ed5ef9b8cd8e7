// SPDX-License-Identifier: Apache-2.0
// Tar details libarchive accepts without a word, each built byte by byte:
// sparse entries without holes, a NUL inside a pax path or a GNU long name,
// malformed pax records, and the compression-ratio limit and its setting.
#include <noodle/archive/extract.hpp>
#include <noodle/archive/reader.hpp>

#include "support/archive_builder.hpp"
#include "support/example_root.hpp"

#include <catch2/catch.hpp>


namespace fs = std::filesystem;
using noodle::ErrorCode;
using noodle::archive::Limits;
using noodle::test::ArchiveBuilder;
using noodle::test::ExtractSandbox;
using noodle::test::pax_record;
using noodle::test::require_refused;

namespace {

using noodle::test::k_demo_manifest;


} // namespace

TEST_CASE("a GNU sparse entry is refused even when its map has no hole")
{
  ExtractSandbox box;
  ArchiveBuilder b;
  b.file("manifest.yaml", k_demo_manifest).gnu_sparse("data.bin", 0, std::string(1000, 'x'));
  require_refused(box, box.extract(b.finish()), ErrorCode::archive_invalid,
                  "entry 'data.bin': sparse files are not allowed, even without holes (GNU sparse header)");
}

TEST_CASE("a GNU sparse entry with a hole is refused")
{
  ExtractSandbox box;
  ArchiveBuilder b;
  b.file("manifest.yaml", k_demo_manifest).gnu_sparse("holey.bin", 4096, std::string(512, 'y'));
  require_refused(box, box.extract(b.finish()), ErrorCode::archive_invalid,
                  "entry 'holey.bin': sparse files are not allowed, even without holes (GNU sparse header)");
}

TEST_CASE("a pax GNU.sparse entry is refused even when its map has no hole")
{
  ExtractSandbox box;
  const std::string data(1000, 'z');
  ArchiveBuilder b;
  b.file("manifest.yaml", k_demo_manifest)
      .raw_extended('x', pax_record("GNU.sparse.size", "1000") + pax_record("GNU.sparse.numblocks", "1")
                             + pax_record("GNU.sparse.map", "0,1000"))
      .file("data.bin", data);
  require_refused(box, box.extract(b.finish()), ErrorCode::archive_invalid,
                  "entry 'data.bin': sparse files are not allowed, even without holes (pax GNU.sparse records)");
}

TEST_CASE("a pax path with a NUL inside is refused and named whole, never cut at the NUL")
{
  ExtractSandbox box;
  ArchiveBuilder b;
  b.file("manifest.yaml", k_demo_manifest)
      .raw_extended('x', pax_record("path", std::string("bin/tool\0.sh", 12)))
      .file("plain-name", "#!/bin/sh\n");
  require_refused(box, box.extract(b.finish()), ErrorCode::archive_invalid,
                  "entry 'bin/tool\\x00.sh': its pax 'path' record contains a NUL byte");
}

TEST_CASE("a pax linkpath with a NUL inside is refused")
{
  ExtractSandbox box;
  ArchiveBuilder b;
  b.file("manifest.yaml", k_demo_manifest)
      .raw_extended('x', pax_record("linkpath", std::string("target\0x", 8)))
      .symlink("link", "target");
  require_refused(box, box.extract(b.finish()), ErrorCode::archive_invalid,
                  "entry 'link': its pax 'linkpath' record contains a NUL byte");
}

TEST_CASE("a pax header with a malformed record is refused naming the entry, not read past")
{
  ExtractSandbox box;
  // Each body breaks the "LENGTH key=value\n" form differently.
  const std::vector<std::pair<std::string, std::string>> bodies = {
      {"99 path=evil\n", "its length does not fit the header"},
      {"14 path=evil!!", "it does not end with a newline"},
      {"path=evil\n", "no length field"},
      {"9 =value\n", "it has no keyword"},
      {"11 size=1x\n", "the size is not a number"},
      {pax_record("path", "ok-name") + "\n", "no length field"},
  };
  for (const auto& [body, why] : bodies) {
    INFO(body);
    ArchiveBuilder b;
    b.file("manifest.yaml", k_demo_manifest).raw_extended('x', body).file("plain-name", "data");
    const auto result = box.extract(b.finish());
    REQUIRE_FALSE(result);
    CHECK(result.error().message.find("its pax header has a malformed record at byte ") != std::string::npos);
    CHECK(result.error().message.find(why) != std::string::npos);
    CHECK(result.error().message.rfind("entry '", 0) == 0);
    CHECK(box.staged().empty());
    CHECK(box.outside() == box.outside_before());
  }
}

TEST_CASE("a malformed global pax header is refused naming the header")
{
  ExtractSandbox box;
  ArchiveBuilder b;
  b.raw_extended('g', "5 x\n").file("manifest.yaml", k_demo_manifest);
  const auto result = box.extract(b.finish());
  require_refused(box, result, ErrorCode::archive_invalid,
                  "entry 'PaxHeader/entry': its pax header has a malformed record at byte 0 (its length does not fit "
                  "the header)");
}

TEST_CASE("a GNU long name with a NUL inside is refused")
{
  ExtractSandbox box;
  ArchiveBuilder b;
  b.file("manifest.yaml", k_demo_manifest).raw_extended('L', std::string("safe\0../../evil\0", 16)).file("plain", "x");
  require_refused(box, box.extract(b.finish()), ErrorCode::archive_invalid,
                  "entry 'plain': its GNU long name contains a NUL byte");
}

TEST_CASE("well-formed pax records and GNU long names still extract")
{
  ExtractSandbox box;
  const std::string long_name = std::string(150, 'n') + "/file.txt";
  ArchiveBuilder b;
  b.file("manifest.yaml", k_demo_manifest)
      .raw_extended('g', pax_record("comment", "made by a test"))
      .raw_extended('x', pax_record("path", "real.txt") + pax_record("mtime", "1700000000.5"))
      .file("header-name.txt", "pax")
      .gnu_long_name("gnu/" + std::string(120, 'g'), "gnu")
      .file(long_name, "long");
  const auto result = box.extract(b.finish());
  REQUIRE(result);
  CHECK(noodle::test::read_file(box.staging() / "real.txt") == "pax");
  CHECK_FALSE(fs::exists(box.staging() / "header-name.txt"));
  CHECK(noodle::test::read_file(box.staging() / "gnu" / std::string(120, 'g')) == "gnu");
  CHECK(noodle::test::read_file(box.staging() / long_name) == "long");
}

TEST_CASE("a pax size record is followed to the next header")
{
  // The ustar size says 0, the pax record 700 bytes: libarchive reads 700,
  // and so must the scan, or the next header would be judged from data.
  ExtractSandbox box;
  ArchiveBuilder b;
  const std::string payload(700, 'p');
  b.file("manifest.yaml", k_demo_manifest).raw_extended('x', pax_record("size", "700"));
  b.file_with_header_size("big.bin", payload, 0).gnu_sparse("after.bin", 0, "s");
  require_refused(box, box.extract(b.finish()), ErrorCode::archive_invalid,
                  "entry 'after.bin': sparse files are not allowed, even without holes (GNU sparse header)");
}

TEST_CASE("reading one member refuses the same hidden pax damage as extraction")
{
  noodle::test::TempDir dir;
  ArchiveBuilder b;
  b.file("manifest.yaml", k_demo_manifest)
      .raw_extended('x', pax_record("path", std::string("a\0b", 3)))
      .file("other", "x");
  noodle::test::write_bytes(dir.path() / "a.tgz", b.finish());
  noodle::test::OpenFile file(dir.path() / "a.tgz");
  const auto member = noodle::archive::read_member(file.fd(), "other", 1024, Limits{});
  REQUIRE_FALSE(member);
  CHECK(member.error().message == "entry 'a\\x00b': its pax 'path' record contains a NUL byte");
}

TEST_CASE("the compression-ratio limit names its setting, and raising it lets the archive through")
{
  ExtractSandbox box;
  ArchiveBuilder b;
  b.file("manifest.yaml", k_demo_manifest).zeros("zeros.bin", 8U << 20);
  const std::string bytes = b.finish();
  const auto refused = box.extract(bytes);
  REQUIRE_FALSE(refused);
  CHECK(noodle::error_code_name(refused.error().code) == noodle::error_code_name(ErrorCode::archive_limit));
  CHECK(refused.error().message
        == "entry 'zeros.bin': compression ratio exceeds the 200:1 limit (likely a decompression bomb)");
  REQUIRE_FALSE(refused.error().details.empty());
  CHECK(refused.error().details.back().find("limits.max_ratio") != std::string::npos);

  Limits raised;
  raised.max_ratio = 100'000;
  const auto accepted = box.extract(bytes, raised);
  REQUIRE(accepted);
  CHECK(fs::file_size(box.staging() / "zeros.bin") == (8U << 20));
}

TEST_CASE("archive::check_extraction refuses with extract's very words and writes nothing")
{
  std::vector<std::string> archives;
  {
    ArchiveBuilder b;
    b.file("manifest.yaml", k_demo_manifest).device("dev/null");
    archives.push_back(b.finish());
  }
  {
    ArchiveBuilder b;
    b.file("manifest.yaml", k_demo_manifest).file("../escape", "x");
    archives.push_back(b.finish());
  }
  {
    ArchiveBuilder b;
    b.file("manifest.yaml", k_demo_manifest).symlink("link", "../../out").file("a", "x");
    archives.push_back(b.finish());
  }
  {
    ArchiveBuilder b;
    b.file("manifest.yaml", k_demo_manifest).file("a", "1").file("a", "2");
    archives.push_back(b.finish());
  }
  {
    ArchiveBuilder b;
    b.file("manifest.yaml", k_demo_manifest).symlink("d", "x").file("d/f", "through the link");
    archives.push_back(b.finish());
  }
  {
    ArchiveBuilder b;
    b.file("only.txt", "no manifest");
    archives.push_back(b.finish());
  }
  noodle::test::TempDir dir;
  for (std::size_t i = 0; i < archives.size(); ++i) {
    INFO("archive " << i);
    ExtractSandbox box;
    const auto extracted = box.extract(archives[i]);
    REQUIRE_FALSE(extracted);
    const fs::path file = dir.path() / ("a" + std::to_string(i) + ".tgz");
    noodle::test::write_bytes(file, archives[i]);
    noodle::test::OpenFile open(file);
    const auto checked = noodle::archive::check_extraction(open.fd(), Limits{});
    REQUIRE_FALSE(checked);
    CHECK(checked.error().message == extracted.error().message);
    CHECK(noodle::error_code_name(checked.error().code) == noodle::error_code_name(extracted.error().code));
  }
  // And a good archive passes, reporting what extraction would create.
  ArchiveBuilder good;
  good.file("manifest.yaml", k_demo_manifest).dir("bin").file("bin/tool", "#!/bin/sh\n").symlink("latest", "bin/tool");
  const fs::path file = dir.path() / "good.tgz";
  noodle::test::write_bytes(file, good.finish());
  noodle::test::OpenFile open(file);
  const auto checked = noodle::archive::check_extraction(open.fd(), Limits{});
  REQUIRE(checked);
  CHECK(checked->files == 2);
  CHECK(checked->symlinks == 1);
  // Nothing beside the archives themselves.
  for (const auto& e : fs::directory_iterator(dir.path())) {
    CHECK(e.path().extension() == ".tgz");
    CHECK(e.is_regular_file());
  }
  CHECK(std::distance(fs::directory_iterator(dir.path()), fs::directory_iterator()) == static_cast<std::ptrdiff_t>(archives.size() + 1));
}
