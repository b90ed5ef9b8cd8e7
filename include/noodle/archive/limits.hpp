// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <noodle/util/progress.hpp>

#include <cstdint>

namespace noodle::archive {

// Bounds on what reading or extracting one component archive may cost, so a
// hostile archive (a decompression bomb, millions of entries) aborts early
// with bounded memory. Defaults are documented in noodle-upgrade(1).
struct Limits {
  // Archive entries, and also what extraction creates: directories implied
  // by a deeper path count too.
  std::uint64_t max_entries = 100'000;
  std::uint64_t max_file_bytes = 1ULL << 30;    // 1 GiB per regular file
  std::uint64_t max_total_bytes = 4ULL << 30;   // 4 GiB unpacked in all
  std::uint64_t max_ratio = 200;                // unpacked bytes per compressed byte
  std::uint64_t max_path_bytes = 4096;          // one entry's path (and a symlink's target)
  std::uint64_t max_path_depth = 64;            // components in one entry's path
  std::uint64_t max_archive_bytes = 4ULL << 30; // the compressed archive itself
  // The ratio is only enforced once this many bytes are unpacked, so a small
  // archive of very repetitive text is not mistaken for a bomb. The input is
  // read in 64 KiB blocks, so a bomb stops within max_ratio * 64 KiB (+ this).
  std::uint64_t ratio_grace_bytes = 1ULL << 20;
  // Not a limit: where verify_archive / copy_unsigned_archive (phase
  // "verify", bytes copied) and extract (phase "extract", compressed bytes
  // read) report progress. Not owned; null (the default) reports nothing.
  util::ProgressSink* progress = nullptr;
};

} // namespace noodle::archive
