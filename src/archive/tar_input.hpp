// SPDX-License-Identifier: Apache-2.0
// A libarchive reader restricted to tar + gzip/zstd, reading an fd with
// pread from offset 0, that accounts every byte it hands out against Limits.
// Two stages: one reader only decompresses (raw format), and the tar reader
// parses what it hands out, which TarScan watches on the way. For an archive
// of k_threaded_from bytes or more, the first stage (read, hash, decompress)
// runs on a thread of its own, a few blocks ahead, so that decompression
// overlaps with what the caller does with the entries (writing files,
// mostly); the caller's thread sees the stream in order either way.
#pragma once

#include "tar_scan.hpp"

#include <noodle/archive/digest.hpp>
#include <noodle/archive/limits.hpp>
#include <noodle/util/error.hpp>

#include <array>
#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <thread>

#include <sys/types.h>

struct archive;
struct archive_entry;

namespace noodle::archive::detail {

class TarInput {
public:
  static constexpr std::size_t k_block = std::size_t{64} * 1024;
  static constexpr std::uint64_t k_threaded_from = std::uint64_t{1} << 20;

  // Opens the archive on `fd` (not owned, not closed); this reads its first
  // blocks. With `hash` (not owned), every byte read from `fd` is fed to it,
  // in order, exactly as handed to the decompressor: the bytes hashed are the
  // bytes parsed, whatever happens to the file meanwhile.
  static Result<std::unique_ptr<TarInput>> open(int fd, const Limits& limits, Sha256* hash = nullptr);

  ~TarInput();
  TarInput(const TarInput&) = delete;
  TarInput& operator=(const TarInput&) = delete;

  // The next entry, or nullptr at the end of the archive. The first call
  // checks that the input is tar compressed with exactly one gzip or zstd
  // layer. Fails with archive_limit beyond max_entries or max_archive_bytes.
  Result<archive_entry*> next();

  // The next block of the current entry's data (empty at its end). Counts it
  // against max_total_bytes and max_ratio; errors name `shown` (the entry).
  Result<std::span<const char>> read_block(const std::string& shown);

  // Reads and discards the rest of the current entry's data, accounted like
  // read_block (libarchive's own skip would decompress unchecked).
  Result<std::uint64_t> drain(const std::string& shown);

  // Reads the rest of the file (what lies past the point the decompressor
  // stopped at) through the same descriptor into the hash, so that it covers
  // the whole file, bounded by max_archive_bytes (archive_limit); io when
  // reading fails. compressed_bytes() is then the file's size as read.
  Result<void> hash_rest();

  std::uint64_t unpacked_bytes() const { return m_unpacked; }
  // The compressed bytes read when the block being parsed was decompressed
  // (after hash_rest: the file's size).
  std::uint64_t compressed_bytes() const { return m_seen_offset; }
  std::uint64_t entries() const { return m_entries; }
  // Whether the first stage runs on a thread of its own.
  bool threaded() const { return m_decompressor.joinable(); }

private:
  struct Pipe; // the decompressed blocks between the two threads
  enum class StepEnd { none, eof, error };
  // The raw stage's next block, or how its stream ended.
  struct Step {
    StepEnd end = StepEnd::none;
    std::span<const char> bytes;
    std::uint64_t offset = 0; // compressed bytes read by then
    int err = 0;
    std::string message;
  };
  Step step_here();        // decompressed now, on the calling thread
  Step step_from_thread(); // from the decompression thread

  TarInput(int fd, const Limits& limits);
  // The compressed input, read with pread (the raw stage's source; runs on
  // the decompression thread).
  static ssize_t read_callback(struct archive* a, void* self, const void** buffer);
  // The uncompressed stream (the tar stage's source).
  static ssize_t tar_callback(struct archive* a, void* self, const void** buffer);
  // The decompression thread's body; stop_decompressing() ends it.
  void decompress();
  void stop_decompressing();
  // A failure of libarchive: our own limit or read error if one caused it.
  Error failure(std::string context) const;

  struct archive* m_raw = nullptr;     // decompresses
  struct archive* m_archive = nullptr; // parses tar
  int m_fd;
  Limits m_limits;
  Sha256* m_hash = nullptr;             // fed on the decompression thread
  std::uint64_t m_offset = 0;           // the decompression thread's, until it ends
  std::uint64_t m_seen_offset = 0;
  std::uint64_t m_unpacked = 0;
  std::uint64_t m_entries = 0;
  std::atomic<bool> m_over_archive_limit = false;
  std::atomic<int> m_read_errno = 0;
  bool m_started = false;
  std::unique_ptr<Pipe> m_pipe;
  std::thread m_decompressor;
  TarScan m_scan;
  std::optional<Error> m_scan_error;
  std::string m_last_entry;
  std::array<char, k_block> m_input{};
  std::array<char, k_block> m_output{};
};

} // namespace noodle::archive::detail
