// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <noodle/engine/root_dir.hpp>
#include <noodle/util/error.hpp>
#include <noodle/util/progress.hpp>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>

namespace noodle::engine {

// Who holds a root's lock; written into the lock file once it is taken.
struct LockHolder {
  std::int64_t pid = 0;
  std::string user;
  std::string command;
  std::int64_t since_ms = 0; // Unix epoch milliseconds

  // One line: "pid=<n> user=<u> since=<ms> command=<rest of line>".
  std::string serialize() const;
  static std::optional<LockHolder> parse(std::string_view line);
};

// An exclusive flock(2) on a root's lock file, held for the object's life
// (and released by the kernel if the process dies, so a crash never leaves a
// root locked). Move-only.
class RootLock {
public:
  // Opens or creates the lock file `rel` below `root` (mode 0600, no symlink
  // followed on the way or at the end, O_CLOEXEC) and takes
  // LOCK_EX. When another process holds it, retries every 50 ms until
  // `timeout` has passed (a zero timeout tries once), calling `on_wait` once
  // with the holder when the first try fails and there is time to wait (not
  // for a zero timeout); then fails with
  // ErrorCode::locked: "root '<root>' is locked by pid N (user U, since
  // <time>): <command>" (the holder part left out when the file holds none),
  // with a detail line suggesting --lock-timeout. On success truncates the
  // file and writes `me` into it. Fails with io when the file cannot be opened.
  // While waiting, `waiting` (when not null) gets phase "lock" with the
  // milliseconds waited of `timeout`, after every try, and finish() at the end.
  static Result<RootLock> acquire(const RootDir& root, const std::filesystem::path& rel,
                                  std::chrono::milliseconds timeout, const LockHolder& me,
                                  const std::function<void(const std::optional<LockHolder>&)>& on_wait = {},
                                  util::ProgressSink* waiting = nullptr);

  // The holder recorded in `lock_file`, when it is present and parses.
  static std::optional<LockHolder> read_holder(const std::filesystem::path& lock_file);

  RootLock(RootLock&& other) noexcept;
  RootLock& operator=(RootLock&& other) noexcept;
  RootLock(const RootLock&) = delete;
  RootLock& operator=(const RootLock&) = delete;
  ~RootLock(); // unlocks and closes; the file stays

private:
  explicit RootLock(int fd) : m_fd(fd) {}
  int m_fd = -1;
};

} // namespace noodle::engine
