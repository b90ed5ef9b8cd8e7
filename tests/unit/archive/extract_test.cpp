// SPDX-License-Identifier: Apache-2.0
#include <noodle/archive/extract.hpp>

#include "support/files.hpp"
#include "support/archive_builder.hpp"
#include "support/recording_progress.hpp"
#include "support/split_mix.hpp"

#include <catch2/catch.hpp>

#include <fstream>
#include <sstream>
#include <sys/stat.h>

namespace fs = std::filesystem;
using noodle::ErrorCode;
using noodle::archive::Limits;
using noodle::test::ArchiveBuilder;
using noodle::test::Compression;
using noodle::test::ExtractSandbox;
using noodle::test::require_refused;

namespace {

using noodle::test::k_demo_manifest;

using noodle::test::mode_of;
using noodle::test::read_file;


ArchiveBuilder& with_manifest(ArchiveBuilder& b)
{
  return b.file("manifest.yaml", k_demo_manifest);
}

} // namespace

TEST_CASE("archive::extract writes files, directories and symlinks and reports them")
{
  ExtractSandbox box;
  ArchiveBuilder b(Compression::gzip);
  b.dir("./").file("./manifest.yaml", k_demo_manifest).dir("bin/").file_mode("bin/tool", "#!/bin/sh\n", 0755);
  b.file("share/doc/readme", "hello\n").symlink("lib", "bin").symlink("share/doc/tool", "../../bin/tool");
  const auto report = box.extract(b.finish());
  REQUIRE(report);
  CHECK(report->entries == 7);
  CHECK(report->files == 3);
  CHECK(report->directories == 3); // bin, share, share/doc
  CHECK(report->symlinks == 2);
  CHECK(report->bytes == k_demo_manifest.size() + 10 + 6);

  const auto& s = box.staging();
  CHECK(read_file(s / "manifest.yaml") == k_demo_manifest);
  CHECK(read_file(s / "share/doc/readme") == "hello\n");
  CHECK(mode_of(s / "bin/tool") == 0755);
  CHECK(mode_of(s / "manifest.yaml") == 0644);
  CHECK(mode_of(s / "share") == 0755);
  CHECK(fs::read_symlink(s / "lib") == "bin");
  CHECK(read_file(s / "share/doc/tool") == "#!/bin/sh\n");
  CHECK(box.outside() == box.outside_before());
}

TEST_CASE("archive::extract accepts zstd archives")
{
  ExtractSandbox box;
  ArchiveBuilder b(Compression::zstd);
  with_manifest(b).file("data/x", "x");
  const auto report = box.extract(b.finish());
  REQUIRE(report);
  CHECK(report->files == 2);
  CHECK(read_file(box.staging() / "data/x") == "x");
}

TEST_CASE("archive::extract refuses a '..' path")
{
  ExtractSandbox box;
  ArchiveBuilder b;
  with_manifest(b).file("../evil", "gotcha");
  require_refused(box, box.extract(b.finish()), ErrorCode::archive_invalid,
                   "entry '../evil': path escapes the component directory ('..')");

  ArchiveBuilder deeper;
  with_manifest(deeper).file("a/b/../../../evil", "gotcha");
  require_refused(box, box.extract(deeper.finish()), ErrorCode::archive_invalid,
                   "entry 'a/b/../../../evil': path escapes the component directory ('..')");
}

TEST_CASE("archive::extract refuses an absolute path")
{
  ExtractSandbox box;
  const std::string target = (box.root() / "abs-evil").string();
  ArchiveBuilder b;
  with_manifest(b).file(target, "gotcha");
  require_refused(box, box.extract(b.finish()), ErrorCode::archive_invalid,
                   "entry '" + target + "': absolute paths are not allowed");
  CHECK_FALSE(fs::exists(target));
}

TEST_CASE("archive::extract refuses an absolute path hidden in a pax extended header")
{
  ExtractSandbox box;
  const std::string target = (box.root() / "pax-evil").string();
  ArchiveBuilder b;
  with_manifest(b).pax_path("innocent.txt", target, "gotcha");
  require_refused(box, box.extract(b.finish()), ErrorCode::archive_invalid,
                   "entry '" + target + "': absolute paths are not allowed");
  CHECK_FALSE(fs::exists(target));
}

TEST_CASE("archive::extract refuses an absolute path hidden in a GNU long-name header")
{
  ExtractSandbox box;
  const std::string target = (box.root() / std::string(120, 'g')).string();
  ArchiveBuilder b;
  with_manifest(b).gnu_long_name(target, "gotcha");
  require_refused(box, box.extract(b.finish()), ErrorCode::archive_invalid,
                   "entry '" + target + "': absolute paths are not allowed");
}

TEST_CASE("archive::extract refuses a symlink escaping the component, so nothing is written through it")
{
  ExtractSandbox box;
  ArchiveBuilder b;
  with_manifest(b).symlink("link", "../..").file("link/x", "gotcha");
  require_refused(box, box.extract(b.finish()), ErrorCode::archive_invalid,
                   "entry 'link': symlink target '../..' escapes the component directory");

  ArchiveBuilder absolute;
  with_manifest(absolute).symlink("etc", "/etc");
  require_refused(box, box.extract(absolute.finish()), ErrorCode::archive_invalid,
                   "entry 'etc': symlink target '/etc' is absolute; only relative targets are allowed");

  // "s -> ." is inside, but "t -> s/.." would climb out of the component.
  ArchiveBuilder climb;
  with_manifest(climb).symlink("s", ".").symlink("t", "s/..");
  require_refused(box, box.extract(climb.finish()), ErrorCode::archive_invalid,
                   "entry 't': symlink target 's/..' has '..' after a name; only leading '..' are allowed");
}

TEST_CASE("archive::extract never writes through a symlink, even one pointing inside")
{
  ExtractSandbox box;
  ArchiveBuilder b;
  with_manifest(b).dir("sub").symlink("link", "sub").file("link/x", "through");
  require_refused(box, box.extract(b.finish()), ErrorCode::archive_invalid,
                   "entry 'link/x': parent 'link' is a symlink; nothing is written through a symlink");
}

TEST_CASE("archive::extract refuses a symlink at the path of an earlier directory")
{
  ExtractSandbox box;
  ArchiveBuilder b;
  with_manifest(b).dir("d").symlink("d", "..");
  require_refused(box, box.extract(b.finish()), ErrorCode::archive_invalid,
                   "entry 'd': duplicate path ('d' appears earlier in the archive as a directory)");
}

TEST_CASE("archive::extract refuses duplicate paths")
{
  ExtractSandbox box;
  ArchiveBuilder file_then_dir;
  with_manifest(file_then_dir).file("a", "x").dir("a");
  require_refused(box, box.extract(file_then_dir.finish()), ErrorCode::archive_invalid,
                   "entry 'a': duplicate path ('a' appears earlier in the archive as a regular file)");

  ArchiveBuilder dot_slash;
  with_manifest(dot_slash).file("a", "x").file("./a", "y");
  require_refused(box, box.extract(dot_slash.finish()), ErrorCode::archive_invalid,
                   "entry './a': duplicate path ('a' appears earlier in the archive as a regular file)");

  ArchiveBuilder implied;
  with_manifest(implied).file("d/x", "x").file("d", "y");
  require_refused(box, box.extract(implied.finish()), ErrorCode::archive_invalid,
                   "entry 'd': duplicate path ('d' is already a directory holding earlier entries)");

  ArchiveBuilder manifest_twice;
  with_manifest(manifest_twice).file("manifest.yaml", "name: other\n");
  require_refused(box, box.extract(manifest_twice.finish()), ErrorCode::archive_invalid,
                   "entry 'manifest.yaml': duplicate path ('manifest.yaml' appears earlier in the archive as a "
                   "regular file)");
}

TEST_CASE("archive::extract accepts a directory entry after files that implied it")
{
  ExtractSandbox box;
  ArchiveBuilder b;
  with_manifest(b).file("d/x", "x").dir("d", 0750);
  const auto report = box.extract(b.finish());
  REQUIRE(report);
  CHECK(report->directories == 1);
  CHECK(mode_of(box.staging() / "d") == 0750);
}

TEST_CASE("archive::extract refuses hard links")
{
  ExtractSandbox box;
  ArchiveBuilder b;
  with_manifest(b).hardlink("h", "manifest.yaml");
  require_refused(box, box.extract(b.finish()), ErrorCode::archive_invalid,
                   "entry 'h': hard links are not allowed (link to 'manifest.yaml')");
}

TEST_CASE("archive::extract refuses device nodes and FIFOs")
{
  ExtractSandbox box;
  ArchiveBuilder device;
  with_manifest(device).device("dev/null");
  require_refused(box, box.extract(device.finish()), ErrorCode::archive_invalid,
                   "entry 'dev/null': character devices are not allowed (only regular files, directories and "
                   "symlinks)");

  ArchiveBuilder fifo;
  with_manifest(fifo).fifo("f");
  require_refused(box, box.extract(fifo.finish()), ErrorCode::archive_invalid,
                   "entry 'f': FIFOs are not allowed (only regular files, directories and symlinks)");
}

TEST_CASE("archive::extract refuses backslashes, control characters and empty paths")
{
  ExtractSandbox box;
  ArchiveBuilder backslash;
  with_manifest(backslash).file("..\\evil", "x");
  require_refused(box, box.extract(backslash.finish()), ErrorCode::archive_invalid,
                   "entry '..\\evil': path contains a backslash");

  ArchiveBuilder control;
  with_manifest(control).file("bad\nname", "x");
  require_refused(box, box.extract(control.finish()), ErrorCode::archive_invalid,
                   "entry 'bad\\x0aname': path contains a control character");

  ArchiveBuilder root_file;
  with_manifest(root_file).file(".", "x");
  require_refused(box, box.extract(root_file.finish()), ErrorCode::archive_invalid,
                   "entry '.': path names the component directory itself");

  ArchiveBuilder empty;
  with_manifest(empty).file("", "x");
  require_refused(box, box.extract(empty.finish()), ErrorCode::archive_invalid, "entry '': path is empty");
}

TEST_CASE("archive::extract drops setuid, setgid, sticky and world-writable bits")
{
  ExtractSandbox box;
  ArchiveBuilder b;
  with_manifest(b).file_mode("bin/su", "#!/bin/sh\n", 04755).file_mode("all", "x", 06777);
  b.file_mode("shared", "x", 0666).file_mode("secret", "x", 0600).dir("tmp", 01777);
  const auto report = box.extract(b.finish());
  REQUIRE(report);
  const auto& s = box.staging();
  CHECK(mode_of(s / "bin/su") == 0755);
  CHECK(mode_of(s / "all") == 0755);
  CHECK(mode_of(s / "shared") == 0644);
  CHECK(mode_of(s / "secret") == 0600);
  CHECK(mode_of(s / "tmp") == 0755);
}

TEST_CASE("archive::extract stops a gzip bomb early")
{
  ExtractSandbox box;
  ArchiveBuilder b(Compression::gzip);
  with_manifest(b).zeros("zeros.bin", 64ULL << 20);
  const std::string bytes = b.finish();
  CHECK(bytes.size() < 100'000);
  require_refused(box, box.extract(bytes), ErrorCode::archive_limit,
                   "entry 'zeros.bin': compression ratio exceeds the 200:1 limit (likely a decompression bomb)");
}

TEST_CASE("archive::extract stops a zstd bomb early")
{
  ExtractSandbox box;
  ArchiveBuilder b(Compression::zstd);
  with_manifest(b).zeros("zeros.bin", 64ULL << 20);
  const std::string bytes = b.finish();
  CHECK(bytes.size() < 100'000);
  require_refused(box, box.extract(bytes), ErrorCode::archive_limit,
                   "entry 'zeros.bin': compression ratio exceeds the 200:1 limit (likely a decompression bomb)");
}

TEST_CASE("archive::extract refuses a truncated archive and removes the partial file")
{
  ExtractSandbox box;
  ArchiveBuilder b;
  with_manifest(b).noise("blob.bin", 256ULL * 1024);
  std::string bytes = b.finish();
  bytes.resize(bytes.size() / 2);
  const auto result = box.extract(bytes);
  REQUIRE_FALSE(result);
  CHECK(result.error().code == ErrorCode::archive_invalid);
  CHECK_THAT(result.error().message, Catch::StartsWith("entry 'blob.bin': archive is truncated or corrupt: "));
  CHECK(box.outside() == box.outside_before());
  CHECK(box.staged().empty());
}

TEST_CASE("archive::extract refuses a zip or an uncompressed tar")
{
  ExtractSandbox box;
  require_refused(box, box.extract(noodle::test::zip_bytes("manifest.yaml", k_demo_manifest)), ErrorCode::archive_invalid,
                   "not a tar archive compressed with gzip or zstd");

  ArchiveBuilder plain(Compression::none);
  with_manifest(plain);
  const auto result = box.extract(plain.finish());
  require_refused(box, result, ErrorCode::archive_invalid, "not a tar archive compressed with gzip or zstd");
  CHECK(result.error().details == std::vector<std::string>{"the tar archive is not compressed"});
}

TEST_CASE("archive::extract enforces the entry count limit")
{
  ExtractSandbox box;
  ArchiveBuilder b;
  with_manifest(b).file("a", "a").file("b", "b").file("c", "c").file("d", "d");
  Limits limits;
  limits.max_entries = 3;
  require_refused(box, box.extract(b.finish(), limits), ErrorCode::archive_limit, "archive has more than 3 entries");
}

TEST_CASE("archive::extract enforces the per-file and total byte limits")
{
  ExtractSandbox box;
  Limits limits;
  limits.max_file_bytes = 1000;
  ArchiveBuilder big;
  with_manifest(big).noise("big.bin", 1001);
  require_refused(box, box.extract(big.finish(), limits), ErrorCode::archive_limit,
                   "entry 'big.bin': file is larger than the 1000-byte limit");

  limits.max_total_bytes = 1500;
  ArchiveBuilder many;
  with_manifest(many).noise("a.bin", 1000).noise("b.bin", 1000);
  require_refused(box, box.extract(many.finish(), limits), ErrorCode::archive_limit,
                   "entry 'b.bin': archive unpacks to more than the 1500-byte total limit");
}

TEST_CASE("archive::extract counts directories implied by a path against the entry limit")
{
  ExtractSandbox box;
  Limits limits;
  limits.max_entries = 10;
  ArchiveBuilder b;
  with_manifest(b).file("a/b/c/d/e/f/g/h/i/j/k", "deep");
  require_refused(box, box.extract(b.finish(), limits), ErrorCode::archive_limit,
                   "entry 'a/b/c/d/e/f/g/h/i/j/k': archive creates more than 10 files, directories and symlinks");
}

TEST_CASE("archive::extract enforces the path depth limit")
{
  ExtractSandbox box;
  std::string deep;
  for (int i = 0; i < 65; ++i) {
    deep += "d/";
  }
  deep += "f";
  ArchiveBuilder b;
  with_manifest(b).file(deep, "x");
  const auto result = box.extract(b.finish());
  REQUIRE_FALSE(result);
  CHECK(result.error().code == ErrorCode::archive_limit);
  CHECK(result.error().message == "entry '" + deep + "': path is deeper than 64 components");
  CHECK(box.staged().empty());

  Limits shallow;
  shallow.max_path_depth = 3;
  ArchiveBuilder too_deep;
  with_manifest(too_deep).file("d/d/d/f", "x");
  require_refused(box, box.extract(too_deep.finish(), shallow), ErrorCode::archive_limit,
                   "entry 'd/d/d/f': path is deeper than 3 components");
  ArchiveBuilder ok;
  with_manifest(ok).file("d/d/f", "x");
  REQUIRE(box.extract(ok.finish(), shallow));
  CHECK(fs::exists(box.staging() / "d/d/f"));
}

TEST_CASE("archive::extract enforces the path length and archive size limits")
{
  ExtractSandbox box;
  Limits limits;
  limits.max_path_bytes = 20;
  ArchiveBuilder b;
  with_manifest(b).file("directory/some-long-name", "x");
  require_refused(box, box.extract(b.finish(), limits), ErrorCode::archive_limit,
                   "entry 'directory/some-long-name': path is longer than 20 bytes");

  // A long name is cut in the message, so it stays readable.
  const std::string huge(5000, 'x');
  ArchiveBuilder long_name;
  with_manifest(long_name).file(huge, "x");
  require_refused(box, box.extract(long_name.finish()), ErrorCode::archive_limit,
                   "entry '" + huge.substr(0, 200) + "...': path is longer than 4096 bytes");

  Limits small;
  small.max_archive_bytes = 1024;
  ArchiveBuilder noisy;
  with_manifest(noisy).noise("n.bin", 8192);
  require_refused(box, box.extract(noisy.finish(), small), ErrorCode::archive_limit,
                   "archive is larger than the 1024-byte limit");
}

TEST_CASE("archive::extract requires manifest.yaml at the root")
{
  ExtractSandbox box;
  ArchiveBuilder b;
  b.file("sub/manifest.yaml", k_demo_manifest);
  require_refused(box, box.extract(b.finish()), ErrorCode::archive_invalid,
                   "archive has no regular file 'manifest.yaml' at its root");

  ArchiveBuilder link;
  link.file("real.yaml", k_demo_manifest).symlink("manifest.yaml", "real.yaml");
  require_refused(box, box.extract(link.finish()), ErrorCode::archive_invalid,
                   "archive has no regular file 'manifest.yaml' at its root");
}

TEST_CASE("archive::extract refuses a staging directory that is not empty")
{
  ExtractSandbox box;
  std::ofstream(box.staging() / "left-over") << "x";
  ArchiveBuilder b;
  with_manifest(b);
  const auto result = box.extract(b.finish());
  REQUIRE_FALSE(result);
  CHECK(result.error().code == ErrorCode::io);
  CHECK(result.error().message == "staging directory '" + box.staging().string() + "' is not empty");
  CHECK(box.staged() == std::vector<std::string>{"f left-over"});
}

TEST_CASE("archive::extract leaves nothing behind at any truncation or corruption point")
{
  ExtractSandbox box;
  for (auto compression : {Compression::gzip, Compression::zstd}) {
    ArchiveBuilder b(compression);
    with_manifest(b).dir("bin").file_mode("bin/tool", "#!/bin/sh\n", 0755).noise("data/blob", 20000);
    b.symlink("lib", "bin");
    const std::string good = b.finish();
    for (std::size_t cut = 0; cut < good.size(); cut += std::max<std::size_t>(1, good.size() / 24)) {
      INFO("cut at " << cut << " of " << good.size());
      const auto result = box.extract(good.substr(0, cut));
      REQUIRE_FALSE(result);
      CHECK(result.error().code == ErrorCode::archive_invalid);
      CHECK(box.staged().empty());
    }
    for (std::size_t at = 0; at < good.size(); at += std::max<std::size_t>(1, good.size() / 12)) {
      INFO("byte " << at << " of " << good.size() << " flipped");
      std::string bad = good;
      bad[at] = static_cast<char>(bad[at] ^ 0x5a);
      const auto result = box.extract(bad);
      if (result) {
        CHECK(fs::is_regular_file(box.staging() / "manifest.yaml")); // content checks belong to signatures
        fs::remove_all(box.staging());
        fs::create_directory(box.staging());
      } else {
        CHECK(box.staged().empty());
      }
    }
    CHECK(box.outside() == box.outside_before());
  }
}

TEST_CASE("archive::extract writes every byte of a long archive in order and leaves no descriptor open")
{
  // Longer than the blocks decompressed ahead and than the files queued for
  // closing, so both hand-overs between threads wait on each other.
  const auto open_fds = [] {
    return std::distance(fs::directory_iterator("/proc/self/fd"), fs::directory_iterator{});
  };
  for (auto compression : {Compression::gzip, Compression::zstd}) {
    ExtractSandbox box;
    ArchiveBuilder b(compression);
    with_manifest(b);
    std::vector<std::pair<std::string, std::string>> files;
    for (int i = 0; i < 150; ++i) {
      files.emplace_back("d" + std::to_string(i % 7) + "/f" + std::to_string(i),
                         noodle::test::noise_bytes(static_cast<std::uint64_t>(i), i == 75 ? 3'000'000 : 7'000 + 97 * i));
      b.file(files.back().first, files.back().second);
    }
    const std::string bytes = b.finish();
    const auto before = open_fds();
    const auto report = box.extract(bytes);
    REQUIRE(report);
    CHECK(open_fds() == before);
    CHECK(report->files == files.size() + 1);
    for (const auto& [path, content] : files) {
      INFO(path);
      CHECK(read_file(box.staging() / path) == content);
    }
  }
}

TEST_CASE("archive::extract of a long archive cut short or corrupted leaves nothing behind")
{
  // Long enough to be decompressed on a thread of its own, which is then
  // still reading ahead when the entries stop at the damage.
  ExtractSandbox box;
  for (auto compression : {Compression::gzip, Compression::zstd}) {
    ArchiveBuilder b(compression);
    with_manifest(b).noise("data/a", 1'500'000).file("data/b", std::string(50'000, 'b')).noise("data/c", 900'000);
    const std::string good = b.finish();
    REQUIRE(good.size() > (std::size_t{1} << 20));
    for (std::size_t cut : {good.size() / 5, good.size() / 2, good.size() - 100}) {
      INFO("cut at " << cut << " of " << good.size());
      const auto result = box.extract(good.substr(0, cut));
      REQUIRE_FALSE(result);
      CHECK(result.error().code == ErrorCode::archive_invalid);
      CHECK(box.staged().empty());
    }
    for (std::size_t at : {good.size() / 4, good.size() / 2}) {
      INFO("byte " << at << " of " << good.size() << " flipped");
      std::string bad = good;
      bad[at] = static_cast<char>(bad[at] ^ 0x5a);
      const auto result = box.extract(bad);
      if (result) {
        fs::remove_all(box.staging());
        fs::create_directory(box.staging());
      } else {
        CHECK(box.staged().empty());
      }
    }
    CHECK(box.outside() == box.outside_before());
  }
}

TEST_CASE("archive::extract reports the compressed bytes read to Limits::progress and finishes once")
{
  ExtractSandbox box;
  ArchiveBuilder b(Compression::gzip);
  b.file("manifest.yaml", k_demo_manifest).file("a", std::string(300'000, 'a')).file("b", "b\n");
  const std::string bytes = b.finish();
  noodle::test::RecordingProgress progress;
  Limits limits;
  limits.progress = &progress;
  REQUIRE(box.extract(bytes, limits));
  REQUIRE(progress.updates.size() >= 3); // one per entry at least
  std::uint64_t previous = 0;
  for (const auto& u : progress.updates) {
    CHECK(u.phase == "extract");
    CHECK(u.total == bytes.size());
    CHECK(u.done >= previous);
    CHECK(u.done <= u.total);
    previous = u.done;
  }
  CHECK(previous > 0);
  CHECK(progress.finishes == 1);
}

TEST_CASE("archive::extract finishes Limits::progress when it refuses an archive")
{
  ExtractSandbox box;
  ArchiveBuilder b(Compression::gzip);
  b.file("manifest.yaml", k_demo_manifest).file("../evil", "x");
  noodle::test::RecordingProgress progress;
  Limits limits;
  limits.progress = &progress;
  REQUIRE_FALSE(box.extract(b.finish(), limits));
  CHECK(progress.finishes == 1);
}
