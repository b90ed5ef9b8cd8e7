// SPDX-License-Identifier: Apache-2.0
// Owning file descriptors and full writes, shared by the archive and engine
// modules' system-call code.
#pragma once

#include <cerrno>
#include <cstddef>
#include <sys/types.h>
#include <unistd.h>
#include <utility>

namespace noodle::util {

// Owns one file descriptor; closes it on destruction.
class UniqueFd {
public:
  UniqueFd() = default;
  explicit UniqueFd(int fd) : m_fd(fd) {}
  ~UniqueFd() { reset(); }
  UniqueFd(UniqueFd&& other) noexcept : m_fd(std::exchange(other.m_fd, -1)) {}
  UniqueFd& operator=(UniqueFd&& other) noexcept
  {
    if (this != &other) {
      reset();
      m_fd = std::exchange(other.m_fd, -1);
    }
    return *this;
  }
  UniqueFd(const UniqueFd&) = delete;
  UniqueFd& operator=(const UniqueFd&) = delete;

  int get() const { return m_fd; }
  int release() { return std::exchange(m_fd, -1); }
  bool valid() const { return m_fd >= 0; }
  void reset()
  {
    if (m_fd >= 0) {
      ::close(m_fd);
      m_fd = -1;
    }
  }
  // Closes and reports close()'s errno (0 on success): a deferred write
  // error may only show up here.
  int close_checked()
  {
    const int fd = std::exchange(m_fd, -1);
    return fd >= 0 && ::close(fd) != 0 ? errno : 0;
  }

private:
  int m_fd = -1;
};

// Writes all of `data`, retrying short writes and EINTR; returns 0 or errno.
inline int write_all(int fd, const char* data, std::size_t size)
{
  while (size > 0) {
    const ssize_t n = ::write(fd, data, size);
    if (n < 0) {
      if (errno == EINTR) {
        continue;
      }
      return errno;
    }
    data += n;
    size -= static_cast<std::size_t>(n);
  }
  return 0;
}

} // namespace noodle::util
