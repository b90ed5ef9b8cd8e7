// SPDX-License-Identifier: Apache-2.0
// The input as a component archive, through the real safe extraction into a
// staging directory. Input that is not already gzip or zstd (by its magic
// bytes) is wrapped in a stored, uncompressed gzip stream first, since only
// compressed tar archives are accepted: so the fuzzer mutates tar headers
// directly instead of a deflate stream. One scratch directory is made per process (on /dev/shm
// when there is one, so the fsyncs cost nothing) holding the staging
// directory and an empty sibling; each input gets a fresh staging directory.
// Properties: nothing appears beside the staging directory; a failure leaves
// it empty; after success the tree on disk is the reported tree, and every
// symlink resolves inside it.

#include "check.hpp"

#include <noodle/archive/extract.hpp>
#include <noodle/archive/limits.hpp>
#include <noodle/archive/tree_digest.hpp>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <string_view>
#include <system_error>

#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

using namespace noodle;
namespace fs = std::filesystem;

namespace {

fs::path scratch_parent()
{
  if (const char* tmp = std::getenv("TMPDIR"); tmp != nullptr && *tmp != '\0') {
    return tmp;
  }
  std::error_code ec;
  if (fs::is_directory("/dev/shm", ec) && ::access("/dev/shm", W_OK) == 0) {
    return "/dev/shm";
  }
  return "/tmp";
}

// A private directory for one input, removed with it: libFuzzer ends a run
// with _Exit, so an atexit handler would never remove one kept for the run.
struct Scratch {
  Scratch()
  {
    std::string pattern = (scratch_parent() / "noodle-extract-fuzz.XXXXXX").string();
    if (::mkdtemp(pattern.data()) == nullptr) {
      std::perror("extract_fuzz: mkdtemp");
      std::abort();
    }
    base = fs::canonical(pattern);
    staging = base / "staging";
    beside = base / "beside";
    fs::create_directory(beside);
  }
  ~Scratch()
  {
    std::error_code ec;
    fs::remove_all(base, ec);
  }
  Scratch(const Scratch&) = delete;
  Scratch& operator=(const Scratch&) = delete;

  fs::path base;
  fs::path staging;
  fs::path beside;
};

std::uint32_t crc32(std::string_view bytes)
{
  std::uint32_t crc = 0xffffffffU;
  for (const char c : bytes) {
    crc ^= static_cast<unsigned char>(c);
    for (int bit = 0; bit < 8; ++bit) {
      crc = (crc >> 1) ^ (0xedb88320U & (0U - (crc & 1U)));
    }
  }
  return ~crc;
}

void put_le(std::string& out, std::uint32_t value, int bytes)
{
  for (int i = 0; i < bytes; ++i) {
    out += static_cast<char>((value >> (8 * i)) & 0xffU);
  }
}

// RFC 1952 member whose deflate data (RFC 1951) is stored blocks only.
std::string stored_gzip(std::string_view raw)
{
  std::string out("\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03", 10);
  std::size_t at = 0;
  do {
    const std::size_t n = std::min<std::size_t>(raw.size() - at, 0xffff);
    const bool last = at + n == raw.size();
    out += static_cast<char>(last ? 1 : 0);
    put_le(out, static_cast<std::uint32_t>(n), 2);
    put_le(out, static_cast<std::uint32_t>(~n & 0xffffU), 2);
    out.append(raw.substr(at, n));
    at += n;
  } while (at < raw.size());
  put_le(out, crc32(raw), 4);
  put_le(out, static_cast<std::uint32_t>(raw.size()), 4);
  return out;
}

bool compressed(std::string_view bytes)
{
  return bytes.substr(0, 2) == "\x1f\x8b" || bytes.substr(0, 4) == std::string_view("\x28\xb5\x2f\xfd", 4);
}

bool is_empty_dir(const fs::path& dir)
{
  std::error_code ec;
  return fs::is_directory(fs::symlink_status(dir, ec)) && fs::is_empty(dir, ec);
}

bool inside(const fs::path& path, const fs::path& root)
{
  const auto rel = path.lexically_relative(root);
  return !rel.empty() && *rel.begin() != "..";
}

// Every symlink in the tree, followed as the kernel would follow it, lands
// inside the staging directory (or nowhere: dangling, a loop).
void check_symlinks(const fs::path& staging)
{
  std::error_code ec;
  for (auto it = fs::recursive_directory_iterator(staging, ec); !ec && it != fs::recursive_directory_iterator();
       it.increment(ec)) {
    if (!it->is_symlink(ec)) {
      continue;
    }
    // Resolved from the link's directory, so a dangling target is judged too.
    std::error_code dir_ec;
    std::error_code link_ec;
    std::error_code resolve_ec;
    const auto link_dir = fs::canonical(it->path().parent_path(), dir_ec);
    const auto link_target = fs::read_symlink(it->path(), link_ec);
    NOODLE_FUZZ_CHECK(!dir_ec && !link_ec);
    const auto target = fs::weakly_canonical(link_dir / link_target, resolve_ec);
    if (!resolve_ec) { // else a loop: it leads nowhere
      NOODLE_FUZZ_CHECK(target == staging || inside(target, staging));
    }
  }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
  const Scratch s;
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const std::string archive = compressed(input) ? std::string(input) : stored_gzip(input);
  const int fd = ::memfd_create("noodle-extract-fuzz", MFD_CLOEXEC);
  NOODLE_FUZZ_CHECK(fd >= 0);
  NOODLE_FUZZ_CHECK(::write(fd, archive.data(), archive.size()) == static_cast<ssize_t>(archive.size()));
  NOODLE_FUZZ_CHECK(::mkdir(s.staging.c_str(), 0700) == 0);

  archive::Limits limits;
  limits.max_entries = 64;
  limits.max_file_bytes = 64 * 1024;
  limits.max_total_bytes = 256 * 1024;
  limits.max_ratio = 50;
  limits.ratio_grace_bytes = 16 * 1024;
  limits.max_path_bytes = 256;
  limits.max_path_depth = 16;
  limits.max_archive_bytes = 1024 * 1024;
  auto report = archive::extract(fd, s.staging, limits);
  ::close(fd);
  if (std::getenv("NOODLE_FUZZ_VERBOSE") != nullptr) { // to see what a seed reaches
    std::fprintf(stderr, "extract: %s\n", report ? "extracted" : report.error().message.c_str());
  }

  std::size_t others = 0;
  for (const auto& entry : fs::directory_iterator(s.base)) {
    if (entry.path() != s.staging && entry.path() != s.beside) {
      ++others;
    }
  }
  NOODLE_FUZZ_CHECK(others == 0);
  NOODLE_FUZZ_CHECK(is_empty_dir(s.beside));
  if (!report) {
    NOODLE_FUZZ_CHECK(is_empty_dir(s.staging));
  } else {
    auto on_disk = archive::hash_tree(s.staging);
    NOODLE_FUZZ_CHECK(on_disk.has_value());
    NOODLE_FUZZ_CHECK(*on_disk == report->tree);
    check_symlinks(s.staging);
  }
  std::error_code ec;
  fs::remove_all(s.staging, ec);
  NOODLE_FUZZ_CHECK(!ec);
  return 0;
}
