// SPDX-License-Identifier: Apache-2.0
#include <noodle/engine/fs_ops.hpp>
#include <noodle/util/dir_fd.hpp>
#include <noodle/util/unique_fd.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <vector>

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

namespace noodle::engine {

namespace {

namespace fs = std::filesystem;
using util::UniqueFd;

constexpr int k_dir_flags = O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC;
constexpr std::size_t k_copy_block = std::size_t{256} * 1024;

Error io_error(std::string_view verb, const fs::path& path, int err)
{
  return {ErrorCode::io, fmt::format("cannot {} '{}': {}", verb, path.string(), std::strerror(err))};
}

using util::link_target_at;
using util::names_in;

Result<void> sync_fd(int fd, const fs::path& shown)
{
  if (::fsync(fd) != 0) {
    return fail(io_error("sync", shown, errno));
  }
  return {};
}

// Copies the contents of the open file `from` into `to`; errno on failure.
// copy_file_range first (the kernel may share extents), plain reads and
// writes where the file systems do not support it.
int copy_bytes(int from, int to)
{
  bool kernel_copy = true;
  std::vector<char> buffer;
  for (;;) {
    if (kernel_copy) {
      const ssize_t n = ::copy_file_range(from, nullptr, to, nullptr, k_copy_block * 16, 0);
      if (n > 0) {
        continue;
      }
      if (n == 0) {
        return 0;
      }
      if (errno == EINTR) {
        continue;
      }
      if (errno != EXDEV && errno != ENOSYS && errno != EINVAL && errno != EOPNOTSUPP && errno != EPERM) {
        return errno;
      }
      kernel_copy = false; // both offsets are still where the last copy left them
      buffer.resize(k_copy_block);
    }
    const ssize_t n = ::read(from, buffer.data(), buffer.size());
    if (n < 0) {
      if (errno == EINTR) {
        continue;
      }
      return errno;
    }
    if (n == 0) {
      return 0;
    }
    if (const int error = util::write_all(to, buffer.data(), static_cast<std::size_t>(n)); error != 0) {
      return error;
    }
  }
}

// The directory holding `rel` below the root, and rel's last name; `dir`
// is invalid with `err` set when it cannot be opened (ENOENT: missing).
struct At {
  UniqueFd dir;
  std::string name;
  int err = 0;
};

Result<At> locate(const RootDir& root, const fs::path& rel)
{
  if (auto checked = RootDir::check(rel); !checked) {
    return fail(checked.error());
  }
  At at;
  at.name = rel.filename().string();
  const fs::path parent = rel.parent_path();
  at.dir = UniqueFd(parent.empty() ? ::openat(root.fd(), ".", k_dir_flags)
                                   : util::open_beneath(root.fd(), parent.string(), k_dir_flags));
  at.err = at.dir.valid() ? 0 : errno;
  return at;
}

// locate(), requiring the directory.
Result<At> locate_existing(const RootDir& root, const fs::path& rel)
{
  auto at = locate(root, rel);
  if (at && !at->dir.valid()) {
    return fail(root.error("open directory", rel.parent_path(), at->err));
  }
  return at;
}

// The extended attributes of the file open on `from` (none where the file
// system keeps none), set on `to`: user.*, the POSIX ACLs
// (system.posix_acl_access and _default), security.*.
Result<void> copy_xattrs(int from, int to, const fs::path& shown_from, const fs::path& shown_to)
{
  std::vector<char> names;
  for (;;) {
    const ssize_t size = ::flistxattr(from, nullptr, 0);
    if (size < 0) {
      if (errno == ENOTSUP) {
        return {};
      }
      return fail(io_error("list the extended attributes of", shown_from, errno));
    }
    names.resize(static_cast<std::size_t>(size));
    const ssize_t got = size == 0 ? 0 : ::flistxattr(from, names.data(), names.size());
    if (got >= 0) {
      names.resize(static_cast<std::size_t>(got));
      break;
    }
    if (errno != ERANGE) {
      return fail(io_error("list the extended attributes of", shown_from, errno));
    }
  }
  std::vector<char> value;
  for (std::size_t at = 0; at < names.size(); at += std::strlen(names.data() + at) + 1) {
    const char* name = names.data() + at;
    ssize_t got = -1;
    for (;;) {
      const ssize_t size = ::fgetxattr(from, name, nullptr, 0);
      if (size < 0) {
        break;
      }
      value.resize(static_cast<std::size_t>(size));
      got = size == 0 ? 0 : ::fgetxattr(from, name, value.data(), value.size());
      if (got >= 0 || errno != ERANGE) {
        break;
      }
    }
    if (got < 0) {
      if (errno == ENODATA) {
        continue; // removed since it was listed
      }
      return fail(ErrorCode::io, fmt::format("cannot read the extended attribute '{}' of '{}': {}", name,
                                             shown_from.string(), std::strerror(errno)));
    }
    if (::fsetxattr(to, name, value.data(), static_cast<std::size_t>(got), 0) != 0) {
      return fail(ErrorCode::io, fmt::format("cannot set the extended attribute '{}' of '{}': {}", name,
                                             shown_to.string(), std::strerror(errno)));
    }
  }
  return {};
}

// Gives the file or directory open on `to` what `st` (of the one open on
// `from`) says: owner and group (first: chown clears set-id bits and file
// capabilities), extended attributes (while `to` is still writable by us),
// mode, then times (last: every other change moves them).
Result<void> copy_attributes(int from, const struct stat& st, int to, const fs::path& shown_from,
                             const fs::path& shown_to)
{
  struct stat now {};
  if (::fstat(to, &now) != 0) {
    return fail(io_error("stat", shown_to, errno));
  }
  if ((now.st_uid != st.st_uid || now.st_gid != st.st_gid) && ::fchown(to, st.st_uid, st.st_gid) != 0) {
    return fail(io_error("set the owner of", shown_to, errno));
  }
  if (auto copied = copy_xattrs(from, to, shown_from, shown_to); !copied) {
    return copied;
  }
  if (::fchmod(to, st.st_mode & 07777) != 0) {
    return fail(io_error("set the mode of", shown_to, errno));
  }
  const struct timespec times[2] = {st.st_atim, st.st_mtim};
  if (::futimens(to, times) != 0) {
    return fail(io_error("set the times of", shown_to, errno));
  }
  return {};
}

Result<void> copy_file(int from_dir, int to_dir, const std::string& name, const fs::path& from, const fs::path& to,
                       Sync sync)
{
  // O_NONBLOCK: a node swapped for a FIFO since the fstatat must not hang us.
  UniqueFd in(::openat(from_dir, name.c_str(), O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC));
  if (!in.valid()) {
    return fail(io_error("open", from, errno));
  }
  struct stat st {};
  if (::fstat(in.get(), &st) != 0) {
    return fail(io_error("stat", from, errno));
  }
  if (!S_ISREG(st.st_mode)) {
    return fail(ErrorCode::io,
                fmt::format("cannot copy '{}': not a regular file, directory or symlink", from.string()));
  }
  UniqueFd out(::openat(to_dir, name.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600));
  if (!out.valid()) {
    return fail(io_error("create", to, errno));
  }
  if (const int err = copy_bytes(in.get(), out.get()); err != 0) {
    return fail(io_error("copy", from, err));
  }
  if (auto kept = copy_attributes(in.get(), st, out.get(), from, to); !kept) {
    return kept;
  }
  if (sync == Sync::durable) {
    if (auto synced = sync_fd(out.get(), to); !synced) {
      return synced;
    }
  }
  if (::close(out.release()) != 0) {
    return fail(io_error("close", to, errno));
  }
  return {};
}

// A symlink as it is: its target, owner, group and times (links carry no
// mode and, in user space, no extended attributes).
Result<void> copy_symlink(int from_dir, int to_dir, const std::string& name, const struct stat& st,
                          const fs::path& from, const fs::path& to)
{
  auto target = link_target_at(from_dir, name.c_str());
  if (!target) {
    return fail(io_error("read link", from, target.error()));
  }
  if (::symlinkat(target->c_str(), to_dir, name.c_str()) != 0) {
    return fail(io_error("create symlink", to, errno));
  }
  struct stat made {};
  if (::fstatat(to_dir, name.c_str(), &made, AT_SYMLINK_NOFOLLOW) != 0) {
    return fail(io_error("stat", to, errno));
  }
  if ((made.st_uid != st.st_uid || made.st_gid != st.st_gid) &&
      ::fchownat(to_dir, name.c_str(), st.st_uid, st.st_gid, AT_SYMLINK_NOFOLLOW) != 0) {
    return fail(io_error("set the owner of", to, errno));
  }
  const struct timespec times[2] = {st.st_atim, st.st_mtim};
  if (::utimensat(to_dir, name.c_str(), times, AT_SYMLINK_NOFOLLOW) != 0) {
    return fail(io_error("set the times of", to, errno));
  }
  return {};
}

// Copies everything in directory `from_fd` into the empty directory `to_fd`,
// then gives `to_fd` the attributes `st` of `from_fd` and fsyncs it (unless
// `sync` is scratch, as every file it copies).
Result<void> copy_dir(int from_fd, const struct stat& st, int to_fd, const fs::path& from, const fs::path& to,
                      Sync sync)
{
  auto names = names_in(from_fd);
  if (!names) {
    return fail(io_error("read directory", from, names.error()));
  }
  for (const auto& name : *names) {
    const fs::path src = from / name;
    const fs::path dst = to / name;
    struct stat child {};
    if (::fstatat(from_fd, name.c_str(), &child, AT_SYMLINK_NOFOLLOW) != 0) {
      return fail(io_error("stat", src, errno));
    }
    if (S_ISREG(child.st_mode)) {
      if (auto copied = copy_file(from_fd, to_fd, name, src, dst, sync); !copied) {
        return copied;
      }
    } else if (S_ISLNK(child.st_mode)) {
      if (auto copied = copy_symlink(from_fd, to_fd, name, child, src, dst); !copied) {
        return copied;
      }
    } else if (S_ISDIR(child.st_mode)) {
      // 0700 while filling it; its own attributes once full (it may be read-only).
      if (::mkdirat(to_fd, name.c_str(), 0700) != 0) {
        return fail(io_error("create directory", dst, errno));
      }
      UniqueFd sub_from(::openat(from_fd, name.c_str(), k_dir_flags));
      if (!sub_from.valid()) {
        return fail(io_error("open directory", src, errno));
      }
      UniqueFd sub_to(::openat(to_fd, name.c_str(), k_dir_flags));
      if (!sub_to.valid()) {
        return fail(io_error("open directory", dst, errno));
      }
      if (auto copied = copy_dir(sub_from.get(), child, sub_to.get(), src, dst, sync); !copied) {
        return copied;
      }
    } else {
      return fail(ErrorCode::io,
                  fmt::format("cannot copy '{}': not a regular file, directory or symlink", src.string()));
    }
  }
  if (auto kept = copy_attributes(from_fd, st, to_fd, from, to); !kept) {
    return kept;
  }
  return sync == Sync::scratch ? Result<void>() : sync_fd(to_fd, to);
}

// Removes everything inside the directory open on `fd`, never following a
// symlink. A directory without owner write and search bits gets them first
// (a copied read-only tree must still be removable).
Result<void> empty_dir(int fd, const fs::path& shown)
{
  struct stat st {};
  if (::fstat(fd, &st) == 0 && (st.st_mode & 0700) != 0700) {
    ::fchmod(fd, (st.st_mode & 07777) | 0700); // a failure shows up as the unlink's
  }
  auto names = names_in(fd);
  if (!names) {
    return fail(io_error("read directory", shown, names.error()));
  }
  for (const auto& name : *names) {
    const fs::path path = shown / name;
    struct stat child {};
    if (::fstatat(fd, name.c_str(), &child, AT_SYMLINK_NOFOLLOW) != 0) {
      if (errno == ENOENT) {
        continue;
      }
      return fail(io_error("stat", path, errno));
    }
    int flags = 0;
    if (S_ISDIR(child.st_mode)) {
      UniqueFd sub(::openat(fd, name.c_str(), k_dir_flags));
      if (!sub.valid()) {
        return fail(io_error("open directory", path, errno));
      }
      if (auto emptied = empty_dir(sub.get(), path); !emptied) {
        return emptied;
      }
      flags = AT_REMOVEDIR;
    }
    if (::unlinkat(fd, name.c_str(), flags) != 0 && errno != ENOENT) {
      return fail(io_error("remove", path, errno));
    }
  }
  return {};
}

// Renames `from` to `to` by renameat2(2) with `flags`, then fsyncs the
// directory of `to` and, when another and not scratch, that of `from`.
// `describe` turns the errno of a failed rename into its error.
template <typename Describe>
Result<void> rename_at(const RootDir& root, const fs::path& from, const fs::path& to, unsigned flags, Sync from_dir,
                       Describe&& describe)
{
  auto a = locate_existing(root, from);
  if (!a) {
    return fail(a.error());
  }
  auto b = locate_existing(root, to);
  if (!b) {
    return fail(b.error());
  }
  if (::renameat2(a->dir.get(), a->name.c_str(), b->dir.get(), b->name.c_str(), flags) != 0) {
    return fail(describe(errno));
  }
  if (auto synced = sync_fd(b->dir.get(), root.shown(to.parent_path())); !synced) {
    return synced;
  }
  if (from_dir == Sync::scratch || from.parent_path() == to.parent_path()) {
    return {};
  }
  return sync_fd(a->dir.get(), root.shown(from.parent_path()));
}

} // namespace

Result<bool> exists_no_follow(const RootDir& root, const fs::path& rel)
{
  auto st = root.stat(rel);
  if (!st) {
    return fail(st.error());
  }
  return st->has_value();
}

bool exists_unrooted(const fs::path& path)
{
  struct stat st {};
  return ::lstat(path.c_str(), &st) == 0;
}

Result<std::vector<std::string>> list_names(const RootDir& root, const fs::path& rel)
{
  if (auto checked = RootDir::check(rel); !checked) {
    return fail(checked.error());
  }
  UniqueFd dir(util::open_beneath(root.fd(), rel.string(), k_dir_flags));
  if (!dir.valid()) {
    if (errno == ENOENT || errno == ENOTDIR) {
      return std::vector<std::string>();
    }
    return fail(root.error("open directory", rel, errno));
  }
  auto names = names_in(dir.get());
  if (!names) {
    return fail(io_error("read directory", root.shown(rel), names.error()));
  }
  std::sort(names->begin(), names->end());
  return std::move(*names);
}

Result<void> fsync_dir(const RootDir& root, const fs::path& rel)
{
  auto dir = root.open_dir(rel);
  if (!dir) {
    return fail(dir.error());
  }
  return sync_fd(dir->get(), root.shown(rel));
}

Result<std::optional<std::string>> read_link(const RootDir& root, const fs::path& rel)
{
  auto at = locate(root, rel);
  if (!at) {
    return fail(at.error());
  }
  if (!at->dir.valid()) {
    if (at->err == ENOENT) {
      return std::optional<std::string>();
    }
    return fail(root.error("read link", rel, at->err));
  }
  auto target = link_target_at(at->dir.get(), at->name.c_str());
  if (target) {
    return std::optional<std::string>(std::move(*target));
  }
  if (target.error() == ENOENT) {
    return std::optional<std::string>();
  }
  if (target.error() == EINVAL) {
    return fail(ErrorCode::corrupt_state, fmt::format("'{}' should be a symlink", root.shown(rel).string()));
  }
  return fail(io_error("read link", root.shown(rel), target.error()));
}

Result<void> swap_link(const RootDir& root, const fs::path& rel, const std::string& target, LinkSwapTiming* timing)
{
  const auto started = std::chrono::steady_clock::now();
  static std::atomic<unsigned> counter{0};
  const fs::path shown = root.shown(rel);
  // The link leads to a place inside its own directory, never out of it.
  if (!util::is_plain_relative(target)) {
    return fail(ErrorCode::usage, fmt::format("refusing to point '{}' at '{}': a link target must be a plain "
                                              "relative path",
                                              shown.string(), target));
  }
  auto at = locate_existing(root, rel);
  if (!at) {
    return fail(at.error());
  }
  const int dir_fd = at->dir.get();
  const std::string& name = at->name;
  // Only a symlink is ever replaced: a real file or directory there is state
  // this must not destroy.
  struct stat st {};
  if (::fstatat(dir_fd, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0 && !S_ISLNK(st.st_mode)) {
    return fail(ErrorCode::io, fmt::format("cannot replace '{}': not a symlink", shown.string()));
  }
  std::string temp;
  for (int attempt = 0;; ++attempt) {
    temp = fmt::format(".{}.tmp-{}-{}", name, ::getpid(), counter.fetch_add(1));
    if (::symlinkat(target.c_str(), dir_fd, temp.c_str()) == 0) {
      break;
    }
    // A name left by an earlier process with the same pid: try the next.
    if (errno != EEXIST || attempt >= 100) {
      return fail(io_error("create symlink", shown.parent_path() / temp, errno));
    }
  }
  if (::renameat(dir_fd, temp.c_str(), dir_fd, name.c_str()) != 0) {
    const int err = errno;
    ::unlinkat(dir_fd, temp.c_str(), 0);
    return fail(io_error("replace", shown, err));
  }
  const auto replaced = std::chrono::steady_clock::now();
  auto synced = sync_fd(dir_fd, shown.parent_path());
  if (timing != nullptr) {
    timing->replace_ms = std::chrono::duration<double, std::milli>(replaced - started).count();
    timing->sync_ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - replaced).count();
  }
  return synced;
}

Result<void> remove_link(const RootDir& root, const fs::path& rel)
{
  auto at = locate_existing(root, rel);
  if (!at) {
    return fail(at.error());
  }
  if (::unlinkat(at->dir.get(), at->name.c_str(), 0) != 0 && errno != ENOENT) {
    return fail(io_error("remove", root.shown(rel), errno));
  }
  return sync_fd(at->dir.get(), root.shown(rel.parent_path()));
}

Result<void> rename_durable(const RootDir& root, const fs::path& from, const fs::path& to, Sync from_dir)
{
  return rename_at(root, from, to, RENAME_NOREPLACE, from_dir, [&](int err) {
    if (err == EEXIST) {
      return Error(ErrorCode::io, fmt::format("cannot rename '{}': '{}' already exists", root.shown(from).string(),
                                              root.shown(to).string()));
    }
    return Error(ErrorCode::io, fmt::format("cannot rename '{}' to '{}': {}", root.shown(from).string(),
                                            root.shown(to).string(), std::strerror(err)));
  });
}

Result<void> exchange_durable(const RootDir& root, const fs::path& a, const fs::path& b, Sync a_dir)
{
  return rename_at(root, a, b, RENAME_EXCHANGE, a_dir, [&](int err) {
    return Error(ErrorCode::io, fmt::format("cannot exchange '{}' and '{}': {}", root.shown(a).string(),
                                            root.shown(b).string(), std::strerror(err)));
  });
}

Result<void> copy_tree(const RootDir& root, const fs::path& from, const fs::path& to, Sync sync)
{
  if (auto checked = RootDir::check(from); !checked) {
    return fail(checked.error());
  }
  const fs::path shown_from = root.shown(from);
  const fs::path shown_to = root.shown(to);
  UniqueFd source(util::open_beneath(root.fd(), from.string(), k_dir_flags));
  if (!source.valid() && errno != ENOENT) {
    return fail(root.error("open directory", from, errno));
  }
  struct stat st {};
  if (source.valid() && ::fstat(source.get(), &st) != 0) {
    return fail(io_error("stat", shown_from, errno));
  }
  auto at = locate_existing(root, to);
  if (!at) {
    return fail(at.error());
  }
  if (::mkdirat(at->dir.get(), at->name.c_str(), 0700) != 0) {
    return fail(io_error("create directory", shown_to, errno));
  }
  Result<void> copied;
  UniqueFd target(::openat(at->dir.get(), at->name.c_str(), k_dir_flags));
  if (!target.valid()) {
    copied = fail(io_error("open directory", shown_to, errno));
  } else if (source.valid()) {
    copied = copy_dir(source.get(), st, target.get(), shown_from, shown_to, sync);
  } else if (::fchmod(target.get(), 0755) != 0) {
    // Nothing to copy: an empty directory, as a fresh one would be.
    copied = fail(io_error("set the mode of", shown_to, errno));
  } else if (sync == Sync::durable) {
    copied = sync_fd(target.get(), shown_to);
  }
  target.reset();
  if (copied && sync == Sync::durable) {
    copied = sync_fd(at->dir.get(), shown_to.parent_path());
  }
  if (!copied) {
    if (auto removed = remove_tree(root, to, sync); !removed) {
      copied.error().details.push_back(fmt::format("could not remove the partial copy: {}", removed.error().message));
    }
  }
  return copied;
}

Result<void> remove_tree(const RootDir& root, const fs::path& rel, Sync sync)
{
  auto at = locate(root, rel);
  if (!at) {
    return fail(at.error());
  }
  const fs::path shown = root.shown(rel);
  if (!at->dir.valid()) {
    if (at->err == ENOENT) {
      return {};
    }
    return fail(root.error("open directory", rel.parent_path(), at->err));
  }
  const int dir_fd = at->dir.get();
  const char* name = at->name.c_str();
  struct stat st {};
  if (::fstatat(dir_fd, name, &st, AT_SYMLINK_NOFOLLOW) != 0) {
    if (errno == ENOENT) {
      return {};
    }
    return fail(io_error("stat", shown, errno));
  }
  if (S_ISDIR(st.st_mode)) {
    UniqueFd fd(::openat(dir_fd, name, k_dir_flags));
    if (!fd.valid()) {
      return fail(io_error("open directory", shown, errno));
    }
    if (auto emptied = empty_dir(fd.get(), shown); !emptied) {
      return emptied;
    }
    fd.reset();
    if (::unlinkat(dir_fd, name, AT_REMOVEDIR) != 0 && errno != ENOENT) {
      return fail(io_error("remove", shown, errno));
    }
  } else if (::unlinkat(dir_fd, name, 0) != 0 && errno != ENOENT) {
    return fail(io_error("remove", shown, errno));
  }
  return sync == Sync::scratch ? Result<void>() : sync_fd(dir_fd, shown.parent_path());
}

Result<void> make_dirs(const RootDir& root, const fs::path& rel, unsigned mode, Sync sync)
{
  if (auto checked = RootDir::check(rel); !checked) {
    return fail(checked.error());
  }
  auto current = root.open_dir("");
  if (!current) {
    return fail(current.error());
  }
  UniqueFd dir = std::move(*current);
  fs::path prefix;
  for (const auto& part : rel) {
    prefix /= part;
    const std::string name = part.string();
    const fs::path shown = root.shown(prefix);
    struct stat st {};
    bool made = false;
    if (::fstatat(dir.get(), name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) {
      if (errno != ENOENT) {
        return fail(io_error("stat", shown, errno));
      }
      if (::mkdirat(dir.get(), name.c_str(), static_cast<mode_t>(mode & 07777)) == 0) {
        made = true;
      } else if (errno != EEXIST || ::fstatat(dir.get(), name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) {
        // EEXIST: made by someone else meanwhile, fine if it is a directory.
        return fail(io_error("create directory", shown, errno));
      }
    }
    if (!made && S_ISLNK(st.st_mode)) {
      return fail(root.symlink_error(prefix));
    }
    if (!made && !S_ISDIR(st.st_mode)) {
      return fail(io_error("create directory", shown, EEXIST));
    }
    UniqueFd next(::openat(dir.get(), name.c_str(), k_dir_flags));
    if (!next.valid()) {
      return fail(errno == ELOOP || errno == ENOTDIR ? root.symlink_error(prefix)
                                                     : io_error("open directory", shown, errno));
    }
    if (made) {
      // Exactly `mode`, whatever the umask.
      if (::fchmod(next.get(), static_cast<mode_t>(mode & 07777)) != 0) {
        return fail(io_error("set the mode of", shown, errno));
      }
      if (sync == Sync::durable) {
        if (auto synced = sync_fd(dir.get(), shown.parent_path()); !synced) {
          return synced;
        }
      }
    }
    dir = std::move(next);
  }
  return {};
}

Result<bool> same_filesystem(const RootDir& root, const fs::path& a, const fs::path& b)
{
  const auto device = [&root](const fs::path& rel) -> Result<dev_t> {
    if (auto checked = RootDir::check(rel); !checked) {
      return fail(checked.error());
    }
    UniqueFd fd(util::open_beneath(root.fd(), rel.string(), O_PATH | O_NOFOLLOW));
    struct stat st {};
    if (!fd.valid() || ::fstat(fd.get(), &st) != 0) {
      return fail(root.error("stat", rel, errno));
    }
    return st.st_dev;
  };
  auto da = device(a);
  if (!da) {
    return fail(da.error());
  }
  auto db = device(b);
  if (!db) {
    return fail(db.error());
  }
  return *da == *db;
}

Result<void> make_root_dir(const fs::path& path)
{
  fs::path prefix;
  for (const auto& part : path) {
    prefix /= part;
    if (part.empty() || part == "/" || part == ".") {
      continue;
    }
    struct stat st {};
    if (::stat(prefix.c_str(), &st) == 0) {
      if (!S_ISDIR(st.st_mode)) {
        return fail(io_error("create directory", prefix, EEXIST));
      }
      continue;
    }
    if (errno != ENOENT) {
      return fail(io_error("stat", prefix, errno));
    }
    if (::mkdir(prefix.c_str(), 0700) != 0) {
      if (errno == EEXIST) {
        continue; // made by someone else meanwhile; the open of the root checks it
      }
      return fail(io_error("create directory", prefix, errno));
    }
    UniqueFd made(::open(prefix.c_str(), k_dir_flags));
    if (!made.valid() || ::fchmod(made.get(), 0700) != 0) {
      return fail(io_error("set the mode of", prefix, errno));
    }
    const fs::path parent = prefix.parent_path().empty() ? fs::path(".") : prefix.parent_path();
    UniqueFd up(::open(parent.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (!up.valid()) {
      return fail(io_error("open directory", parent, errno));
    }
    if (auto synced = sync_fd(up.get(), parent); !synced) {
      return synced;
    }
  }
  return {};
}

} // namespace noodle::engine
