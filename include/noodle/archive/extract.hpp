// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <noodle/archive/limits.hpp>
#include <noodle/archive/tree_digest.hpp>
#include <noodle/util/error.hpp>

#include <cstdint>
#include <filesystem>
#include <string_view>
#include <vector>

namespace noodle::archive {

// The member every component archive holds at its root.
inline constexpr std::string_view k_manifest_member = "manifest.yaml";

struct ExtractReport {
  std::uint64_t entries = 0;     // archive entries read, "./" included
  std::uint64_t files = 0;       // regular files written
  std::uint64_t directories = 0; // directories created, explicit or implied by a path
  std::uint64_t symlinks = 0;    // symlinks created
  std::uint64_t bytes = 0;       // bytes written to regular files
  // Everything created (manifest.yaml and implied directories included),
  // sorted by path, with each file's sha256 taken from the blocks as they
  // were written and the modes as set on disk: equal to hash_tree() of the
  // staging directory right after a successful extraction.
  std::vector<TreeEntry> tree;
};

// Extracts the component archive open on `fd` (read with pread from offset
// 0; not closed) into `staging_dir`, which the caller created empty (mode
// 0700 advised) and removes itself when done with it. Only regular files,
// directories and symlinks whose target stays inside the component are
// created, each with openat/mkdirat/symlinkat relative to a parent opened
// without following any symlink, so nothing is ever written through a
// symlink. Files get mode & 0755, directories (mode & 0755) | 0700;
// ownership and times are not restored. The archive's root must hold a
// regular file manifest.yaml. Each file's writeback starts as it is closed;
// before success one syncfs(2) of the file system holding `staging_dir` makes
// every written file, directory and symlink durable (one journal commit
// instead of an fsync per object).
//
// Fails, leaving `staging_dir` empty again, with archive_invalid for a
// disallowed format or entry ('..', absolute path, backslash, control
// character, hardlink, device, FIFO, socket, any sparse entry (even one
// without a hole), a malformed pax record, a NUL in a pax path or GNU long
// name, duplicate path,
// escaping symlink, write through a symlink, truncated or corrupt data, no
// manifest.yaml), archive_limit when `limits` are exceeded (entries and
// implied directories, file and total bytes, ratio, path length and depth,
// archive size), io when `staging_dir` is not an empty directory (a symlink
// to one is refused) or writing fails. Entry errors read
// "entry '<path as in the archive>': <rule>".
Result<ExtractReport> extract(int fd, const std::filesystem::path& staging_dir, const Limits& limits);

// The same into the empty directory open on `dir_fd` (opened by the caller,
// e.g. beneath a root without following a link; it stays the caller's);
// errors name it `shown`.
Result<ExtractReport> extract(int fd, int dir_fd, const std::filesystem::path& shown, const Limits& limits);

// Reads the whole archive on `fd` and judges every entry by the rules and
// limits extract() applies, writing nothing: the same refusals, in the same
// words, and the report without digests (files, bytes, symlinks, tree).
// What extract() could still fail on is only the disk (io).
Result<ExtractReport> check_extraction(int fd, const Limits& limits);

} // namespace noodle::archive
