// SPDX-License-Identifier: Apache-2.0
#include <noodle/engine/root_lock.hpp>
#include <noodle/util/dir_fd.hpp>
#include <noodle/util/unique_fd.hpp>


#include <fmt/format.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <ctime>
#include <thread>
#include <utility>

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>

namespace noodle::engine {

namespace {

using util::UniqueFd;
using namespace std::chrono_literals;

constexpr auto k_poll = 50ms;
// A holder line is short; more than this is not ours.
constexpr std::size_t k_max_holder_bytes = std::size_t{64} * 1024;

// Parses "<key><digits>" at the front of `text`, consuming it.
std::optional<std::int64_t> take_number(std::string_view& text, std::string_view key)
{
  if (text.substr(0, key.size()) != key) {
    return std::nullopt;
  }
  text.remove_prefix(key.size());
  std::int64_t value = 0;
  const auto* first = text.data();
  const auto* last = text.data() + text.size();
  const auto [end, ec] = std::from_chars(first, last, value);
  if (ec != std::errc() || end == first || value < 0) {
    return std::nullopt;
  }
  text.remove_prefix(static_cast<std::size_t>(end - first));
  return value;
}

// The first line of the file open on `fd`, parsed.
std::optional<LockHolder> holder_in(int fd)
{
  std::string text(k_max_holder_bytes, '\0');
  std::size_t got = 0;
  while (got < text.size()) {
    const ssize_t n = ::pread(fd, text.data() + got, text.size() - got, static_cast<off_t>(got));
    if (n < 0 && errno == EINTR) {
      continue;
    }
    if (n <= 0) {
      break;
    }
    got += static_cast<std::size_t>(n);
  }
  text.resize(got);
  const auto newline = text.find('\n');
  return LockHolder::parse(std::string_view(text).substr(0, newline));
}

// 0 when the lock was taken, else errno (EWOULDBLOCK while another holds it).
int try_lock(int fd)
{
  for (;;) {
    if (::flock(fd, LOCK_EX | LOCK_NB) == 0) {
      return 0;
    }
    if (errno != EINTR) {
      return errno;
    }
  }
}

std::string utc_time(std::int64_t epoch_ms)
{
  const auto seconds = static_cast<std::time_t>(epoch_ms / 1000);
  std::tm tm{};
  char text[32] = {};
  if (::gmtime_r(&seconds, &tm) == nullptr || std::strftime(text, sizeof text, "%Y-%m-%d %H:%M:%S UTC", &tm) == 0) {
    return fmt::format("{} ms after the epoch", epoch_ms);
  }
  return text;
}

Error locked_error(const std::filesystem::path& root, const std::optional<LockHolder>& holder,
                   std::chrono::milliseconds timeout)
{
  std::string message = fmt::format("root '{}' is locked", root.string());
  if (holder) {
    message += fmt::format(" by pid {} (user {}, since {}): {}", holder->pid, holder->user, utc_time(holder->since_ms),
                           holder->command);
  }
  Error error(ErrorCode::locked, std::move(message));
  error.details.push_back(fmt::format("wait for it to finish, or raise --lock-timeout (now {} s)",
                                      static_cast<double>(timeout.count()) / 1000.0));
  return error;
}

Error io_error(std::string_view verb, const std::filesystem::path& path, int err)
{
  return {ErrorCode::io, fmt::format("cannot {} '{}': {}", verb, path.string(), std::strerror(err))};
}

} // namespace

std::string LockHolder::serialize() const
{
  // One line, and the user one word, whatever they hold.
  std::string safe_user = user;
  std::replace_if(
      safe_user.begin(), safe_user.end(), [](char c) { return static_cast<unsigned char>(c) <= ' ' || c == 0x7f; },
      '_');
  std::string safe_command = command;
  std::replace_if(
      safe_command.begin(), safe_command.end(), [](char c) { return static_cast<unsigned char>(c) < ' ' || c == 0x7f; },
      ' ');
  return fmt::format("pid={} user={} since={} command={}", pid, safe_user, since_ms, safe_command);
}

std::optional<LockHolder> LockHolder::parse(std::string_view line)
{
  while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) {
    line.remove_suffix(1);
  }
  LockHolder holder;
  const auto pid = take_number(line, "pid=");
  if (!pid || line.substr(0, 6) != " user=") {
    return std::nullopt;
  }
  line.remove_prefix(6);
  const auto space = line.find(' ');
  if (space == std::string_view::npos) {
    return std::nullopt;
  }
  holder.user = std::string(line.substr(0, space));
  line.remove_prefix(space);
  const auto since = take_number(line, " since=");
  if (!since || line.substr(0, 9) != " command=") {
    return std::nullopt;
  }
  line.remove_prefix(9);
  holder.pid = *pid;
  holder.since_ms = *since;
  holder.command = std::string(line);
  return holder;
}

Result<RootLock> RootLock::acquire(const RootDir& root, const std::filesystem::path& rel,
                                   std::chrono::milliseconds timeout, const LockHolder& me,
                                   const std::function<void(const std::optional<LockHolder>&)>& on_wait,
                                   util::ProgressSink* waiting)
{
  const std::filesystem::path lock_file = root.shown(rel);
  if (auto checked = RootDir::check(rel); !checked) {
    return fail(checked.error());
  }
  UniqueFd fd(util::open_beneath(root.fd(), rel.string(), O_RDWR | O_CREAT | O_NOFOLLOW | O_NOCTTY, 0600));
  if (!fd.valid()) {
    if (errno == ELOOP) {
      return fail(root.error("open lock file", rel, errno));
    }
    return fail(io_error("open lock file", lock_file, errno));
  }
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0) {
    return fail(io_error("stat lock file", lock_file, errno));
  }
  if (!S_ISREG(st.st_mode)) {
    return fail(ErrorCode::io, fmt::format("cannot use lock file '{}': not a regular file", lock_file.string()));
  }

  int err = try_lock(fd.get());
  if (err == EWOULDBLOCK && timeout.count() > 0) {
    if (on_wait) {
      on_wait(holder_in(fd.get()));
    }
    const util::ProgressScope scope(waiting);
    const auto start = std::chrono::steady_clock::now();
    const auto deadline = start + timeout;
    while (err == EWOULDBLOCK) {
      const auto now = std::chrono::steady_clock::now();
      if (now >= deadline) {
        break;
      }
      std::this_thread::sleep_for(std::min<std::chrono::steady_clock::duration>(k_poll, deadline - now));
      err = try_lock(fd.get());
      if (waiting != nullptr) {
        const auto waited = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start);
        waiting->update("lock", static_cast<std::uint64_t>(waited.count()), static_cast<std::uint64_t>(timeout.count()));
      }
    }
  }
  if (err == EWOULDBLOCK) {
    return fail(locked_error(root.path(), holder_in(fd.get()), timeout));
  }
  if (err != 0) {
    return fail(io_error("lock", lock_file, err));
  }

  // Ours now: say who holds it, for whoever waits next.
  const std::string line = me.serialize() + "\n";
  if (::ftruncate(fd.get(), 0) != 0) {
    return fail(io_error("truncate lock file", lock_file, errno));
  }
  std::size_t done = 0;
  while (done < line.size()) {
    const ssize_t n = ::pwrite(fd.get(), line.data() + done, line.size() - done, static_cast<off_t>(done));
    if (n < 0 && errno == EINTR) {
      continue;
    }
    if (n <= 0) {
      return fail(io_error("write lock file", lock_file, n < 0 ? errno : EIO));
    }
    done += static_cast<std::size_t>(n);
  }
  return RootLock(fd.release());
}

std::optional<LockHolder> RootLock::read_holder(const std::filesystem::path& lock_file)
{
  UniqueFd fd(::open(lock_file.c_str(), O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC));
  struct stat st {};
  if (!fd.valid() || ::fstat(fd.get(), &st) != 0 || !S_ISREG(st.st_mode)) {
    return std::nullopt;
  }
  return holder_in(fd.get());
}

RootLock::RootLock(RootLock&& other) noexcept : m_fd(std::exchange(other.m_fd, -1)) {}

RootLock& RootLock::operator=(RootLock&& other) noexcept
{
  if (this != &other) {
    if (m_fd >= 0) {
      ::flock(m_fd, LOCK_UN);
      ::close(m_fd);
    }
    m_fd = std::exchange(other.m_fd, -1);
  }
  return *this;
}

RootLock::~RootLock()
{
  if (m_fd >= 0) {
    // No stale holder line: whoever takes the lock next without writing one
    // (flock(1), say) must not be reported as us.
    (void)::ftruncate(m_fd, 0);
    ::flock(m_fd, LOCK_UN);
    ::close(m_fd);
  }
}

} // namespace noodle::engine
