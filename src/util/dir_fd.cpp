// SPDX-License-Identifier: Apache-2.0
#include <noodle/util/dir_fd.hpp>
#include <noodle/util/unique_fd.hpp>

#include <fmt/format.h>

#include <atomic>
#include <cerrno>
#include <climits>
#include <cstring>
#include <string>

#include <dirent.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

namespace noodle::util {

namespace {

std::atomic<Resolution> g_resolution{Resolution::automatic};
std::atomic<bool> g_kernel_lacks_openat2{false};

constexpr int k_step_flags = O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC;

bool creates(int flags)
{
  return (flags & O_CREAT) != 0 || (flags & O_TMPFILE) == O_TMPFILE;
}

// openat2; -1 with errno ENOSYS when the kernel (or a seccomp filter) has none.
int open_with_openat2(int dir_fd, const std::string& rel, int flags, mode_t mode)
{
  open_how how{};
  how.flags = static_cast<__u64>(flags);
  how.mode = creates(flags) ? mode : 0;
  how.resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS;
  for (int attempt = 0;; ++attempt) {
    const long fd = ::syscall(SYS_openat2, dir_fd, rel.c_str(), &how, sizeof how);
    if (fd >= 0) {
      return static_cast<int>(fd);
    }
    // EAGAIN: a rename elsewhere raced the lookup; the kernel asks to retry.
    if (errno != EAGAIN || attempt >= 16) {
      return -1;
    }
  }
}

// After a failed openat(O_NOFOLLOW) of `name` in `at`: ELOOP when a symlink
// is there (open reports ENOTDIR for one when O_DIRECTORY is asked), else
// the original error.
int explain(int at, const std::string& name, int err)
{
  struct stat st {};
  if ((err == ENOTDIR || err == ELOOP) && ::fstatat(at, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0 &&
      S_ISLNK(st.st_mode)) {
    return ELOOP;
  }
  return err;
}

int open_per_component(int dir_fd, std::string_view rel, int flags, mode_t mode)
{
  UniqueFd step;
  std::size_t start = 0;
  for (;;) {
    const int at = step.valid() ? step.get() : dir_fd;
    const std::size_t slash = rel.find('/', start);
    const std::string name(rel.substr(start, slash == std::string_view::npos ? std::string_view::npos : slash - start));
    if (slash == std::string_view::npos) {
      const int fd = ::openat(at, name.c_str(), flags | O_NOFOLLOW, creates(flags) ? mode : 0);
      if (fd < 0) {
        errno = explain(at, name, errno);
      }
      return fd;
    }
    UniqueFd next(::openat(at, name.c_str(), k_step_flags));
    if (!next.valid()) {
      errno = explain(at, name, errno);
      return -1;
    }
    // O_PATH | O_NOFOLLOW may hand back the link itself rather than fail.
    struct stat st {};
    if (::fstat(next.get(), &st) != 0 || !S_ISDIR(st.st_mode)) {
      errno = S_ISLNK(st.st_mode) ? ELOOP : ENOTDIR;
      return -1;
    }
    step = std::move(next);
    start = slash + 1;
  }
}

} // namespace

void set_resolution(Resolution resolution)
{
  g_resolution.store(resolution);
}

Resolution resolution()
{
  return g_resolution.load();
}

bool is_plain_relative(std::string_view rel)
{
  if (rel.empty()) {
    return false;
  }
  std::size_t start = 0;
  for (;;) {
    const std::size_t slash = rel.find('/', start);
    const std::string_view name = rel.substr(start, slash == std::string_view::npos ? std::string_view::npos
                                                                                     : slash - start);
    if (name.empty() || name == "." || name == ".." || name.size() > NAME_MAX) {
      return false;
    }
    for (const char c : name) {
      if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) {
        return false;
      }
    }
    if (slash == std::string_view::npos) {
      return true;
    }
    start = slash + 1;
  }
}

int open_beneath(int dir_fd, std::string_view rel, int flags, mode_t mode)
{
  if (!is_plain_relative(rel)) {
    errno = EINVAL;
    return -1;
  }
  flags |= O_CLOEXEC;
  if (g_resolution.load() == Resolution::automatic && !g_kernel_lacks_openat2.load()) {
    // Without O_NOFOLLOW a trailing symlink fails as ELOOP (RESOLVE_NO_SYMLINKS)
    // rather than as ENOTDIR under O_DIRECTORY; O_PATH | O_NOFOLLOW opens the
    // link itself, as asked.
    const int wanted = (flags & O_PATH) != 0 ? flags : flags & ~O_NOFOLLOW;
    const int fd = open_with_openat2(dir_fd, std::string(rel), wanted, mode);
    if (fd >= 0 || (errno != ENOSYS && errno != EPERM && errno != E2BIG)) {
      return fd;
    }
    if (errno == ENOSYS) {
      g_kernel_lacks_openat2.store(true);
    }
  }
  return open_per_component(dir_fd, rel, flags, mode);
}

tl::expected<std::vector<std::string>, int> names_in(int fd)
{
  const int copy = ::openat(fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  DIR* dir = copy >= 0 ? ::fdopendir(copy) : nullptr;
  if (dir == nullptr) {
    const int err = errno;
    if (copy >= 0) {
      ::close(copy);
    }
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

tl::expected<std::string, int> link_target_at(int dir_fd, const char* name)
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

Error symlink_error(const std::filesystem::path& shown)
{
  Error e(ErrorCode::unsafe_path,
          fmt::format("'{}' is a symbolic link where a directory must be: never followed", shown.string()));
  e.details.push_back("noodle-upgrade follows no link below the root; remove it, or put the directory itself there");
  return e;
}

} // namespace noodle::util
