// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <noodle/engine/root_dir.hpp>
#include <noodle/util/error.hpp>

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

// Durable file-system steps the engine is built from. Each one either
// completes and is on disk (fsynced, with its directory) or leaves the old
// state; every failure is ErrorCode::io naming the path and the errno text.
//
// Every path is relative to a RootDir and resolved beneath it without
// following a symlink; each change is an *at() call on the directory so
// opened. A symlink met on the way fails with unsafe_path naming it: nothing
// is ever read, removed, renamed or exchanged through one.
namespace noodle::engine {

// Whether a step's change to a directory must survive power loss on its own,
// by an fsync of that directory. `scratch` is for a staging work directory or
// a temporary name: whatever a power cut leaves of it, `recover` removes, and
// what the step makes durable (the destination of a rename) is synced anyway.
enum class Sync { durable, scratch };

// Whether anything (a symlink included) is at `rel`; lstat(2).
Result<bool> exists_no_follow(const RootDir& root, const std::filesystem::path& rel);

// Whether anything is at `path`, not followed: a file outside any root (an
// archive, a signature), where a failed lookup only means "no".
bool exists_unrooted(const std::filesystem::path& path);

// The names in directory `rel` except "." and "..", sorted; empty when there
// is no directory there (nothing, or not a directory).
Result<std::vector<std::string>> list_names(const RootDir& root, const std::filesystem::path& rel);

// fsync(2) of directory `rel` (so a rename or create inside it is durable).
Result<void> fsync_dir(const RootDir& root, const std::filesystem::path& rel);

// The target text of symlink `rel`, nullopt when `rel` (or its directory) does
// not exist; a non-symlink at `rel` fails with corrupt_state.
Result<std::optional<std::string>> read_link(const RootDir& root, const std::filesystem::path& rel);

// How long swap_link took: the replacement itself (temporary link and
// rename(2): the runtime sees the new target from the rename on), and the
// directory fsync that makes it survive power loss.
struct LinkSwapTiming {
  double replace_ms = 0;
  double sync_ms = 0;
};

// Points symlink `rel` at `target`, a plain relative path (no "..": the link
// never leads out of its directory), with no moment where `rel` is missing:
// symlinkat(2) at ".<name>.tmp-<pid>-<n>" beside it, renameat(2) over it,
// fsync of the directory. The temporary link is removed on failure. Never
// `ln -sfn`.
Result<void> swap_link(const RootDir& root, const std::filesystem::path& rel, const std::string& target,
                       LinkSwapTiming* timing = nullptr);

// Removes symlink (or file) `rel`, a missing one included, then fsyncs its
// directory.
Result<void> remove_link(const RootDir& root, const std::filesystem::path& rel);

// renameat2(2) `from` to `to` (RENAME_NOREPLACE: an existing `to` fails with
// io "'<to>' already exists"), then fsync of both parent directories; of the
// destination's alone when `from_dir` is scratch.
Result<void> rename_durable(const RootDir& root, const std::filesystem::path& from, const std::filesystem::path& to,
                            Sync from_dir = Sync::durable);

// Atomically exchanges two existing paths (renameat2 RENAME_EXCHANGE), then
// fsyncs their parent directories; that of `b` alone when `a_dir` is scratch.
Result<void> exchange_durable(const RootDir& root, const std::filesystem::path& a, const std::filesystem::path& b,
                              Sync a_dir = Sync::durable);

// Copies the tree at `from` (regular files, directories, symlinks as links)
// to `to`, which must not exist, as it is: every node keeps its owner, group,
// mode and modification and access times; files and directories keep their
// extended attributes too (the POSIX ACLs among them). Every file and
// directory is fsynced before return, unless `sync` is scratch: a copy under
// a temporary name that a later syncfs makes durable before it is renamed.
// A missing `from` makes `to` an empty directory (0755). Other node kinds
// fail with io, and so does an owner or attribute that cannot be set (never
// a copy that is silently less).
Result<void> copy_tree(const RootDir& root, const std::filesystem::path& from, const std::filesystem::path& to,
                       Sync sync = Sync::durable);

// Removes `rel` and everything under it without following symlinks; a
// missing path is success. Then fsyncs the parent directory, unless `sync`
// is scratch.
Result<void> remove_tree(const RootDir& root, const std::filesystem::path& rel, Sync sync = Sync::durable);

// Creates directory `rel` and its missing parents below the root with `mode`
// (an existing directory is fine; a symlink or file there fails), fsyncing
// each parent it changed, unless `sync` is scratch.
Result<void> make_dirs(const RootDir& root, const std::filesystem::path& rel, unsigned mode,
                       Sync sync = Sync::durable);

// Whether two existing paths are on the same file system (st_dev), so a
// rename between them is atomic.
Result<bool> same_filesystem(const RootDir& root, const std::filesystem::path& a, const std::filesystem::path& b);

// Creates the directory `path` and its missing parents (mode 0700), fsyncing
// each parent it changed, for a root that does not exist yet; symlinks in
// the root's own path are followed (as /var/run -> /run).
Result<void> make_root_dir(const std::filesystem::path& path);

} // namespace noodle::engine
