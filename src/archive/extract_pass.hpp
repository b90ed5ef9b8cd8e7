// SPDX-License-Identifier: Apache-2.0
// Extraction with the archive's own digest taken in the same pass: what the
// one-pass verification (verify_and_extract, inspect_archive) builds on.
#pragma once

#include <noodle/archive/digest.hpp>
#include <noodle/archive/extract.hpp>
#include <noodle/archive/limits.hpp>
#include <noodle/util/error.hpp>

#include <filesystem>
#include <functional>
#include <string>
#include <string_view>

namespace noodle::archive::detail {

struct ExtractPass {
  // Not owned. Fed every byte of the archive file in order, exactly as read
  // for the decompressor, then the rest of the file past the end of the tar
  // stream: after the last entry it covers the whole file as read once.
  Sha256* input_hash = nullptr;
  // Not owned. Given the bytes of the regular file manifest.yaml at the
  // archive's root as they were read (so parsed bytes are hashed bytes); a
  // larger one than `manifest_limit` fails (archive_limit, read_member's
  // words).
  std::string* manifest = nullptr;
  std::uint64_t manifest_limit = 0;
  // Runs after every entry was written and the hash is complete, before
  // anything is synced; its failure fails the extraction, which then removes
  // everything it created (nothing unverified is ever synced or kept).
  std::function<Result<void>()> check;
};

// archive::extract and archive::check_extraction with `pass`.
Result<ExtractReport> extract(int fd, int dir_fd, const std::filesystem::path& shown, const Limits& limits,
                              const ExtractPass& pass);
Result<ExtractReport> check_extraction(int fd, const Limits& limits, const ExtractPass& pass);

// archive::read_member; with `hash`, fed every byte of the file as for
// ExtractPass::input_hash (the rest of the file after the member is read and
// hashed without being parsed).
Result<std::string> read_member(int fd, std::string_view member, std::uint64_t max_bytes, const Limits& limits,
                                Sha256* hash);

} // namespace noodle::archive::detail
