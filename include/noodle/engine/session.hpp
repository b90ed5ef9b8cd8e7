// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <noodle/engine/layout.hpp>
#include <noodle/engine/recover.hpp>
#include <noodle/engine/root_dir.hpp>
#include <noodle/engine/root_lock.hpp>
#include <noodle/store/state_store.hpp>
#include <noodle/util/error.hpp>

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>

namespace noodle::engine {

using Clock = std::function<std::chrono::system_clock::time_point()>;

// Who runs a command: written into the lock file, upgrade records and the
// audit trail.
struct Actor {
  std::int64_t uid = 0;
  std::string user;         // the user name of uid ("uid N" when it has none)
  std::string command;      // the command line
  std::string requested_by; // --requested-by, else `user`
  std::int64_t pid = 0;
  std::string pid_start;    // /proc/self/stat start time, against pid reuse

  // The calling process: getuid(), its passwd name, getpid().
  static Actor current(std::string command, std::string requested_by = {});
};

// The start time of process `pid` (field 22 of /proc/PID/stat), empty when
// the process does not exist.
std::string process_start_time(std::int64_t pid);
// Whether `pid` is alive and still the process that started at `start`.
bool process_matches(std::int64_t pid, const std::string& start);

store::Millis to_millis(std::chrono::system_clock::time_point t);

// A root opened for reading or changing.
//
// open_for_change: creates the root (0700) when it does not exist, opens it
// (RootDir), refuses it when it is unsafe (refuse_unsafe_root: another
// user's, writable by others, a link where a directory must be; unsafe_path,
// before anything is locked or read), creates <root>/.noodle-upgrade (0700)
// on first use, takes the root lock (waiting up to lock_timeout; on_wait and
// `waiting` as in RootLock::acquire), opens the state database
// (creating it only when the state directory was just created: a state
// directory without its database is corrupt_state, never a silent new
// history), then runs recovery (recover.hpp) so an interrupted run never
// blocks this one.
//
// open_for_reading: no lock, no ownership check (status, history and check
// may read another user's root), but no link below the root is followed
// either; a root that does not exist, or one without a state directory, has
// an empty history (store() is then nullptr); a state directory without a
// database is corrupt_state, one that is a symlink unsafe_path.
class Session {
public:
  static Result<Session> open_for_change(const Layout& layout, std::chrono::milliseconds lock_timeout,
                                         const Actor& actor, Clock clock,
                                         const std::function<void(const std::optional<LockHolder>&)>& on_wait = {},
                                         util::ProgressSink* waiting = nullptr,
                                         const RuntimeConnector& runtime = {});
  // `actor` is who reads (and, for `cancel`, who asks and is audited).
  static Result<Session> open_for_reading(const Layout& layout, Clock clock, Actor actor = Actor::current(""));

  const Layout& layout() const { return m_layout; }
  // The opened root: always there for open_for_change; for open_for_reading
  // only when the root exists (has_root()).
  const RootDir& root() const { return *m_root; }
  bool has_root() const { return m_root.has_value(); }
  // nullptr only for a read session on a root that has never been changed.
  store::StateStore* store() { return m_store ? &*m_store : nullptr; }
  const Actor& actor() const { return m_actor; }
  store::Millis now() const { return to_millis(m_clock()); }
  const Clock& clock() const { return m_clock; }
  bool locked() const { return m_lock.has_value(); }
  // What the recovery run by open_for_change did.
  const RecoveryReport& recovery() const { return m_recovery; }

  // An audit entry stamped with now() and the actor; `to` and `from`
  // optional; `code` is kept with a refusal or failure (the metrics count
  // refusals by it).
  Result<void> audit(std::string action, std::string component, std::optional<std::string> from,
                     std::optional<std::string> to, std::string outcome, std::optional<std::int64_t> upgrade_id,
                     std::string detail, std::optional<ErrorCode> code = std::nullopt);
  // How long open_for_change waited for the root's lock (zero for a read
  // session); recorded with each change.
  std::chrono::milliseconds lock_wait() const { return m_lock_wait; }

  Session(Session&&) noexcept = default;
  Session& operator=(Session&&) noexcept = default;

private:
  Session(Layout layout, Actor actor, Clock clock) : m_layout(std::move(layout)), m_actor(std::move(actor)), m_clock(std::move(clock)) {}
  Layout m_layout;
  Actor m_actor;
  Clock m_clock;
  std::optional<RootDir> m_root;
  std::optional<RootLock> m_lock;
  std::optional<store::StateStore> m_store;
  RecoveryReport m_recovery;
  std::chrono::milliseconds m_lock_wait{0};
};

} // namespace noodle::engine
