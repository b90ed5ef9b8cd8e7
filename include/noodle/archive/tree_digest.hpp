// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <noodle/util/error.hpp>

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace noodle::archive {

// One node of an extracted component tree, as recorded at extraction and
// re-hashed by `check`.
struct TreeEntry {
  enum class Type { file, directory, symlink };
  std::string path; // relative to the component root, '/'-separated, no "./"
  Type type = Type::file;
  std::uint32_t mode = 0;  // permission bits (& 07777)
  std::uint64_t size = 0;  // regular files only
  std::string digest;      // sha256 hex of a regular file; a symlink's target; "" for a directory

  bool operator==(const TreeEntry&) const = default;
};

std::string_view to_string(TreeEntry::Type type);

// Every file, directory and symlink under `dir` (not `dir` itself), sorted by
// path, never following a symlink. Fails with io naming the path, or
// archive_invalid for any other kind of node (a FIFO, a device, a socket).
Result<std::vector<TreeEntry>> hash_tree(const std::filesystem::path& dir);

// The same for the directory open on `dir_fd` (opened by the caller without
// following a link, e.g. below a root); errors name `shown`.
Result<std::vector<TreeEntry>> hash_tree(int dir_fd, const std::filesystem::path& shown);

struct TreeDifference {
  enum class Kind { changed, missing, extra };
  Kind kind = Kind::changed;
  std::string path;
  std::string detail; // e.g. "sha256 ab12... is now cd34...", "mode 0755 is now 0777", "type file is now symlink"
};

std::string_view to_string(TreeDifference::Kind kind);

// What differs between a recorded tree and the actual one, sorted by path;
// empty when they are equal. Both inputs must be sorted by path.
std::vector<TreeDifference> compare_trees(const std::vector<TreeEntry>& recorded,
                                          const std::vector<TreeEntry>& actual);

} // namespace noodle::archive
