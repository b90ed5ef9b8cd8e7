// SPDX-License-Identifier: Apache-2.0
#include <noodle/engine/fs_ops.hpp>
#include <noodle/util/unique_fd.hpp>


#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <vector>

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
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

// `path` without a trailing '/', so that filename() names its last component.
fs::path clean(const fs::path& path)
{
  return path.has_filename() || !path.has_parent_path() ? path : path.parent_path();
}

fs::path parent_of(const fs::path& path)
{
  const fs::path parent = clean(path).parent_path();
  return parent.empty() ? fs::path(".") : parent;
}

// The names in the directory open on `fd`, "." and ".." left out; errno on failure.
tl::expected<std::vector<std::string>, int> list_names(int fd)
{
  const int copy = ::openat(fd, ".", k_dir_flags);
  if (copy < 0) {
    return tl::unexpected<int>(errno);
  }
  DIR* dir = ::fdopendir(copy);
  if (dir == nullptr) {
    const int err = errno;
    ::close(copy);
    return tl::unexpected<int>(err);
  }
  std::vector<std::string> names;
  errno = 0;
  while (const dirent* d = ::readdir(dir)) {
    if (std::strcmp(d->d_name, ".") != 0 && std::strcmp(d->d_name, "..") != 0) {
      names.emplace_back(d->d_name);
    }
    errno = 0;
  }
  const int err = errno;
  ::closedir(dir);
  if (err != 0) {
    return tl::unexpected<int>(err);
  }
  return names;
}

// readlinkat() into a string that grows until the target fits; errno on failure.
tl::expected<std::string, int> link_text(int dir_fd, const char* name)
{
  std::string target(256, '\0');
  for (;;) {
    const ssize_t n = ::readlinkat(dir_fd, name, target.data(), target.size());
    if (n < 0) {
      return tl::unexpected<int>(errno);
    }
    if (static_cast<std::size_t>(n) < target.size()) {
      target.resize(static_cast<std::size_t>(n));
      return target;
    }
    target.resize(target.size() * 2);
  }
}

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

Result<void> copy_file(int from_dir, int to_dir, const std::string& name, const fs::path& from, const fs::path& to)
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
  if (::fchmod(out.get(), st.st_mode & 07777) != 0) {
    return fail(io_error("set the mode of", to, errno));
  }
  if (auto synced = sync_fd(out.get(), to); !synced) {
    return synced;
  }
  if (::close(out.release()) != 0) {
    return fail(io_error("close", to, errno));
  }
  return {};
}

// Copies everything in directory `from_fd` into the empty directory `to_fd`,
// then gives `to_fd` the mode `mode` and fsyncs it.
Result<void> copy_dir(int from_fd, int to_fd, const fs::path& from, const fs::path& to, mode_t mode)
{
  auto names = list_names(from_fd);
  if (!names) {
    return fail(io_error("read directory", from, names.error()));
  }
  for (const auto& name : *names) {
    const fs::path src = from / name;
    const fs::path dst = to / name;
    struct stat st {};
    if (::fstatat(from_fd, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) {
      return fail(io_error("stat", src, errno));
    }
    if (S_ISREG(st.st_mode)) {
      if (auto copied = copy_file(from_fd, to_fd, name, src, dst); !copied) {
        return copied;
      }
    } else if (S_ISLNK(st.st_mode)) {
      auto target = link_text(from_fd, name.c_str());
      if (!target) {
        return fail(io_error("read link", src, target.error()));
      }
      if (::symlinkat(target->c_str(), to_fd, name.c_str()) != 0) {
        return fail(io_error("create symlink", dst, errno));
      }
    } else if (S_ISDIR(st.st_mode)) {
      // 0700 while filling it; its own mode once full (it may be read-only).
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
      if (auto copied = copy_dir(sub_from.get(), sub_to.get(), src, dst, st.st_mode & 07777); !copied) {
        return copied;
      }
    } else {
      return fail(ErrorCode::io,
                  fmt::format("cannot copy '{}': not a regular file, directory or symlink", src.string()));
    }
  }
  if (::fchmod(to_fd, mode) != 0) {
    return fail(io_error("set the mode of", to, errno));
  }
  return sync_fd(to_fd, to);
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
  auto names = list_names(fd);
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

// Stats `path` (the last component not followed when `follow` is no) and
// requires a directory.
enum class Follow { no, yes };

Result<bool> is_directory(const fs::path& path, Follow follow, int& err)
{
  struct stat st {};
  const int r = follow == Follow::yes ? ::stat(path.c_str(), &st) : ::lstat(path.c_str(), &st);
  if (r != 0) {
    err = errno;
    return false;
  }
  err = 0;
  if (S_ISDIR(st.st_mode)) {
    return true;
  }
  return fail(ErrorCode::io, fmt::format("cannot create directory '{}': {}", path.string(),
                                         S_ISLNK(st.st_mode) ? "it is a symlink" : std::strerror(EEXIST)));
}

} // namespace

Result<void> fsync_dir(const fs::path& dir)
{
  UniqueFd fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!fd.valid()) {
    return fail(io_error("open directory", dir, errno));
  }
  return sync_fd(fd.get(), dir);
}

Result<std::optional<std::string>> read_link(const fs::path& link)
{
  auto target = link_text(AT_FDCWD, link.c_str());
  if (target) {
    return std::optional<std::string>(std::move(*target));
  }
  if (target.error() == ENOENT) {
    return std::optional<std::string>();
  }
  if (target.error() == EINVAL) {
    return fail(ErrorCode::corrupt_state, fmt::format("'{}' should be a symlink", link.string()));
  }
  return fail(io_error("read link", link, target.error()));
}

bool exists_no_follow(const fs::path& path)
{
  struct stat st {};
  return ::lstat(path.c_str(), &st) == 0;
}

std::vector<std::string> list_names(const fs::path& dir)
{
  std::vector<std::string> names;
  DIR* d = ::opendir(dir.c_str());
  if (d == nullptr) {
    return names;
  }
  while (const dirent* e = ::readdir(d)) {
    const std::string name = e->d_name;
    if (name != "." && name != "..") {
      names.push_back(name);
    }
  }
  ::closedir(d);
  std::sort(names.begin(), names.end());
  return names;
}

Result<void> swap_link(const fs::path& link, const std::string& target, LinkSwapTiming* timing)
{
  const auto started = std::chrono::steady_clock::now();
  static std::atomic<unsigned> counter{0};
  const fs::path path = clean(link);
  const fs::path dir = parent_of(path);
  const std::string name = path.filename().string();
  UniqueFd dir_fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!dir_fd.valid()) {
    return fail(io_error("open directory", dir, errno));
  }
  // Only a symlink is ever replaced: a real file or directory there is state
  // this must not destroy.
  struct stat st {};
  if (::fstatat(dir_fd.get(), name.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0 && !S_ISLNK(st.st_mode)) {
    return fail(ErrorCode::io, fmt::format("cannot replace '{}': not a symlink", path.string()));
  }
  std::string temp;
  for (int attempt = 0;; ++attempt) {
    temp = fmt::format(".{}.tmp-{}-{}", name, ::getpid(), counter.fetch_add(1));
    if (::symlinkat(target.c_str(), dir_fd.get(), temp.c_str()) == 0) {
      break;
    }
    // A name left by an earlier process with the same pid: try the next.
    if (errno != EEXIST || attempt >= 100) {
      return fail(io_error("create symlink", dir / temp, errno));
    }
  }
  if (::renameat(dir_fd.get(), temp.c_str(), dir_fd.get(), name.c_str()) != 0) {
    const int err = errno;
    ::unlinkat(dir_fd.get(), temp.c_str(), 0);
    return fail(io_error("replace", path, err));
  }
  const auto replaced = std::chrono::steady_clock::now();
  auto synced = sync_fd(dir_fd.get(), dir);
  if (timing != nullptr) {
    timing->replace_ms = std::chrono::duration<double, std::milli>(replaced - started).count();
    timing->sync_ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - replaced).count();
  }
  return synced;
}

Result<void> rename_durable(const fs::path& from, const fs::path& to)
{
  if (::renameat2(AT_FDCWD, from.c_str(), AT_FDCWD, to.c_str(), RENAME_NOREPLACE) != 0) {
    const int err = errno;
    if (err == EEXIST) {
      return fail(ErrorCode::io, fmt::format("cannot rename '{}': '{}' already exists", from.string(), to.string()));
    }
    return fail(ErrorCode::io,
                fmt::format("cannot rename '{}' to '{}': {}", from.string(), to.string(), std::strerror(err)));
  }
  const fs::path from_dir = parent_of(from);
  const fs::path to_dir = parent_of(to);
  if (auto synced = fsync_dir(to_dir); !synced) {
    return synced;
  }
  return from_dir == to_dir ? Result<void>() : fsync_dir(from_dir);
}

Result<void> exchange_durable(const fs::path& a, const fs::path& b)
{
  if (::renameat2(AT_FDCWD, a.c_str(), AT_FDCWD, b.c_str(), RENAME_EXCHANGE) != 0) {
    return fail(ErrorCode::io,
                fmt::format("cannot exchange '{}' and '{}': {}", a.string(), b.string(), std::strerror(errno)));
  }
  const fs::path a_dir = parent_of(a);
  const fs::path b_dir = parent_of(b);
  if (auto synced = fsync_dir(a_dir); !synced) {
    return synced;
  }
  return a_dir == b_dir ? Result<void>() : fsync_dir(b_dir);
}

Result<void> copy_tree(const fs::path& from, const fs::path& to)
{
  UniqueFd source(::open(from.c_str(), k_dir_flags));
  if (!source.valid() && errno != ENOENT) {
    return fail(io_error("open directory", from, errno));
  }
  struct stat st {};
  if (source.valid() && ::fstat(source.get(), &st) != 0) {
    return fail(io_error("stat", from, errno));
  }
  if (::mkdir(to.c_str(), 0700) != 0) {
    return fail(io_error("create directory", to, errno));
  }
  Result<void> copied;
  UniqueFd target(::open(to.c_str(), k_dir_flags));
  if (!target.valid()) {
    copied = fail(io_error("open directory", to, errno));
  } else if (source.valid()) {
    copied = copy_dir(source.get(), target.get(), from, to, st.st_mode & 07777);
  } else {
    // Nothing to copy: an empty directory, as a fresh one would be.
    copied =
        ::fchmod(target.get(), 0755) == 0 ? sync_fd(target.get(), to) : fail(io_error("set the mode of", to, errno));
  }
  target.reset();
  if (copied) {
    copied = fsync_dir(parent_of(to));
  }
  if (!copied) {
    if (auto removed = remove_tree(to); !removed) {
      copied.error().details.push_back(fmt::format("could not remove the partial copy: {}", removed.error().message));
    }
  }
  return copied;
}

Result<void> remove_tree(const fs::path& path)
{
  const fs::path target = clean(path);
  struct stat st {};
  if (::lstat(target.c_str(), &st) != 0) {
    if (errno == ENOENT) {
      return {};
    }
    return fail(io_error("stat", target, errno));
  }
  if (S_ISDIR(st.st_mode)) {
    UniqueFd fd(::open(target.c_str(), k_dir_flags));
    if (!fd.valid()) {
      return fail(io_error("open directory", target, errno));
    }
    if (auto emptied = empty_dir(fd.get(), target); !emptied) {
      return emptied;
    }
    fd.reset();
    if (::rmdir(target.c_str()) != 0 && errno != ENOENT) {
      return fail(io_error("remove", target, errno));
    }
  } else if (::unlink(target.c_str()) != 0 && errno != ENOENT) {
    return fail(io_error("remove", target, errno));
  }
  return fsync_dir(parent_of(target));
}

Result<void> make_dirs(const fs::path& dir, unsigned mode)
{
  const fs::path wanted = clean(dir);
  fs::path prefix;
  for (const auto& part : wanted) {
    prefix /= part;
    if (part.empty() || part == "/" || part == ".") {
      continue;
    }
    // Leading components may be symlinks (/var/run); the last may not.
    const Follow follow = prefix == wanted ? Follow::no : Follow::yes;
    int err = 0;
    auto exists = is_directory(prefix, follow, err);
    if (!exists) {
      return fail(std::move(exists.error()));
    }
    if (*exists) {
      continue;
    }
    if (err != ENOENT) {
      return fail(io_error("stat", prefix, err));
    }
    if (::mkdir(prefix.c_str(), static_cast<mode_t>(mode & 07777)) != 0) {
      if (errno != EEXIST) {
        return fail(io_error("create directory", prefix, errno));
      }
      // Made by someone else meanwhile: fine if it is a directory.
      auto raced = is_directory(prefix, follow, err);
      if (!raced) {
        return fail(std::move(raced.error()));
      }
      if (!*raced) {
        return fail(io_error("stat", prefix, err));
      }
      continue;
    }
    // Exactly `mode`, whatever the umask.
    UniqueFd made(::open(prefix.c_str(), k_dir_flags));
    if (!made.valid() || ::fchmod(made.get(), static_cast<mode_t>(mode & 07777)) != 0) {
      return fail(io_error("set the mode of", prefix, errno));
    }
    if (auto synced = fsync_dir(parent_of(prefix)); !synced) {
      return synced;
    }
  }
  return {};
}

Result<bool> same_filesystem(const fs::path& a, const fs::path& b)
{
  struct stat sa {};
  struct stat sb {};
  if (::stat(a.c_str(), &sa) != 0) {
    return fail(io_error("stat", a, errno));
  }
  if (::stat(b.c_str(), &sb) != 0) {
    return fail(io_error("stat", b, errno));
  }
  return sa.st_dev == sb.st_dev;
}

} // namespace noodle::engine
