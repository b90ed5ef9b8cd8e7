// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <noodle/util/error.hpp>

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

// Durable file-system steps the engine is built from. Each one either
// completes and is on disk (fsynced, with its directory) or leaves the old
// state; every failure is ErrorCode::io naming the path and the errno text.
namespace noodle::engine {

// Whether anything (a dangling symlink included) is at `path`; lstat(2).
bool exists_no_follow(const std::filesystem::path& path);

// The names in `dir` except "." and "..", sorted; empty when `dir` cannot
// be read (callers treat a missing directory as empty).
std::vector<std::string> list_names(const std::filesystem::path& dir);

// fsync(2) of a directory (so a rename or create inside it is durable).
Result<void> fsync_dir(const std::filesystem::path& dir);

// The target text of symlink `link`, nullopt when `link` does not exist; a
// non-symlink at `link` fails with corrupt_state.
Result<std::optional<std::string>> read_link(const std::filesystem::path& link);

// How long swap_link took: the replacement itself (temporary link and
// rename(2): the runtime sees the new target from the rename on), and the
// directory fsync that makes it survive power loss.
struct LinkSwapTiming {
  double replace_ms = 0;
  double sync_ms = 0;
};

// Points symlink `link` at `target` with no moment where `link` is missing:
// symlink(2) at "<dir>/.<name>.tmp-<pid>-<n>", rename(2) over `link`, fsync of
// the directory. The temporary link is removed on failure. Never `ln -sfn`.
Result<void> swap_link(const std::filesystem::path& link, const std::string& target,
                       LinkSwapTiming* timing = nullptr);

// rename(2) `from` to `to` (RENAME_NOREPLACE: an existing `to` fails with io
// "'<to>' already exists"), then fsync of both parent directories.
Result<void> rename_durable(const std::filesystem::path& from, const std::filesystem::path& to);

// Atomically exchanges two existing paths (renameat2 RENAME_EXCHANGE), then
// fsyncs their parent directories.
Result<void> exchange_durable(const std::filesystem::path& a, const std::filesystem::path& b);

// Copies the tree at `from` (regular files, directories, symlinks as links;
// permission bits kept, ownership and times not) to `to`, which must not
// exist; every file and directory is fsynced before return. A missing
// `from` makes `to` an empty directory. Other node kinds fail with io.
Result<void> copy_tree(const std::filesystem::path& from, const std::filesystem::path& to);

// Removes `path` and everything under it without following symlinks; a
// missing path is success. Then fsyncs the parent directory.
Result<void> remove_tree(const std::filesystem::path& path);

// Creates `dir` and missing parents with `mode` (an existing directory is
// fine; a symlink or file there fails), fsyncing each parent it changed.
Result<void> make_dirs(const std::filesystem::path& dir, unsigned mode);

// Whether two existing paths are on the same file system (st_dev), so a
// rename between them is atomic.
Result<bool> same_filesystem(const std::filesystem::path& a, const std::filesystem::path& b);

} // namespace noodle::engine
