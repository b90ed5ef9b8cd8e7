// SPDX-License-Identifier: Apache-2.0
#include <noodle/engine/fs_ops.hpp>
#include <noodle/engine/recover.hpp>
#include <noodle/engine/root_safety.hpp>
#include <noodle/engine/session.hpp>

#include <fmt/format.h>

#include <fstream>
#include <sstream>
#include <sys/stat.h>
#include <unistd.h>

namespace noodle::engine {

namespace {

Error missing_database(const Layout& layout)
{
  Error e(ErrorCode::corrupt_state, fmt::format("state directory '{}' has no state database '{}'",
                                                layout.state_dir().string(), layout.database().string()));
  e.details.push_back("the history, rollback points and audit trail of this root are missing; "
                      "restore the database from a backup, or move the state directory aside to start a new history");
  return e;
}

// Whether the state directory holds only what a first run that died early
// leaves (the lock, staging), what a repository left before it (the fetch
// cache and its high-water mark), or what read commands keep there (compiled
// catalog caches, "catalog-*.cache"): then it is still a first use.
Result<bool> only_first_use_leftovers(const RootDir& root)
{
  auto names = list_names(root, rel::state());
  if (!names) {
    return fail(names.error());
  }
  // A cache, or the temporary of one whose writer was killed.
  const auto catalog_cache = [](const std::string& name) {
    const bool cache =
        name.rfind("catalog-", 0) == 0 && name.size() > 6 && name.compare(name.size() - 6, 6, ".cache") == 0;
    return cache || (name.rfind(".catalog-", 0) == 0 && name.find(".cache.tmp-") != std::string::npos);
  };
  for (const auto& name : *names) {
    if (name != "lock" && name != "staging" && name != "repository" && name != "repository-version"
        && !catalog_cache(name)) {
      return false;
    }
  }
  return true;
}

// The database by the path the root resolved to: SQLite opens it with
// SQLITE_OPEN_NOFOLLOW, which refuses a symlink anywhere in the path, and the
// root's own path may go through one (/var/run -> /run).
std::filesystem::path database_path(const RootDir& root)
{
  return root.real_path() / rel::database();
}

} // namespace

Actor Actor::current(std::string command, std::string requested_by)
{
  Actor a;
  a.uid = static_cast<std::int64_t>(::getuid());
  a.user = user_name(static_cast<std::int64_t>(::getuid()));
  a.command = std::move(command);
  a.requested_by = requested_by.empty() ? a.user : std::move(requested_by);
  a.pid = static_cast<std::int64_t>(::getpid());
  a.pid_start = process_start_time(a.pid);
  return a;
}

std::string process_start_time(std::int64_t pid)
{
  std::ifstream in(fmt::format("/proc/{}/stat", pid));
  std::string stat;
  if (!in || !std::getline(in, stat)) {
    return {};
  }
  // The command name (field 2) may hold spaces and parentheses: count from the last ')'.
  const auto close = stat.rfind(')');
  if (close == std::string::npos) {
    return {};
  }
  std::istringstream fields(stat.substr(close + 1));
  std::string field;
  for (int i = 3; i <= 22 && fields >> field; ++i) {
    if (i == 22) {
      return field;
    }
  }
  return {};
}

bool process_matches(std::int64_t pid, const std::string& start)
{
  if (pid <= 0) {
    return false;
  }
  const std::string now = process_start_time(pid);
  return !now.empty() && (start.empty() || now == start);
}

store::Millis to_millis(std::chrono::system_clock::time_point t)
{
  return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
}

Result<Session> Session::open_for_change(const Layout& layout, std::chrono::milliseconds lock_timeout,
                                         const Actor& actor, Clock clock,
                                         const std::function<void(const std::optional<LockHolder>&)>& on_wait,
                                         util::ProgressSink* waiting, const RuntimeConnector& runtime)
{
  if (auto made = make_root_dir(layout.root()); !made) {
    return fail(made.error());
  }
  auto root = RootDir::open(layout.root());
  if (!root) {
    return fail(root.error());
  }
  // Before anything is locked, read or changed: a root another user could
  // change, or a link where a directory must be, is refused.
  if (auto safe = refuse_unsafe_root(*root); !safe) {
    return fail(safe.error());
  }
  auto state = exists_no_follow(*root, rel::state());
  if (!state) {
    return fail(state.error());
  }
  const bool first_use = !*state;
  if (auto made = make_dirs(*root, rel::state(), 0700); !made) {
    return fail(made.error());
  }
  Session session(layout, actor, std::move(clock));
  session.m_root.emplace(std::move(*root));
  const RootDir& dir = *session.m_root;
  LockHolder me{actor.pid, actor.user, actor.command, session.now()};
  const auto asked = std::chrono::steady_clock::now();
  auto lock = RootLock::acquire(dir, rel::lock(), lock_timeout, me, on_wait, waiting);
  if (!lock) {
    return fail(lock.error());
  }
  session.m_lock_wait =
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - asked);
  session.m_lock.emplace(std::move(*lock));
  // A first run may have died between creating the directory and the
  // database: an empty state directory (only the lock) is still a first use.
  auto has_database = exists_no_follow(dir, rel::database());
  if (!has_database) {
    return fail(has_database.error());
  }
  if (!*has_database && !first_use) {
    auto leftovers = only_first_use_leftovers(dir);
    if (!leftovers || !*leftovers) {
      return fail(missing_database(layout));
    }
  }
  auto store = store::StateStore::open(database_path(dir), store::StateStore::Create::if_missing);
  if (!store) {
    return fail(store.error());
  }
  session.m_store.emplace(std::move(*store));
  auto recovered = recover(session, runtime);
  if (!recovered) {
    return fail(recovered.error());
  }
  session.m_recovery = std::move(*recovered);
  return session;
}

Result<Session> Session::open_for_reading(const Layout& layout, Clock clock, Actor actor)
{
  Session session(layout, std::move(actor), std::move(clock));
  auto root = RootDir::open(layout.root());
  if (!root) {
    if (root.error().code == ErrorCode::not_found) {
      return session; // nothing was ever installed here
    }
    return fail(root.error());
  }
  session.m_root.emplace(std::move(*root));
  const RootDir& dir = *session.m_root;
  auto state = dir.stat(rel::state());
  if (!state) {
    return fail(state.error());
  }
  if (!*state) {
    return session;
  }
  if (S_ISLNK((*state)->st_mode)) {
    return fail(dir.symlink_error(rel::state()));
  }
  auto has_database = exists_no_follow(dir, rel::database());
  if (!has_database) {
    return fail(has_database.error());
  }
  if (!*has_database) {
    auto leftovers = only_first_use_leftovers(dir);
    if (!leftovers || !*leftovers) {
      return fail(missing_database(layout));
    }
    return session;
  }
  // Read-only where the database cannot be written (another user, a
  // read-only mount): status, history and check work for whoever may read
  // the root. Elsewhere read-write, so SQLite removes its -wal and -shm files
  // when the connection closes.
  const auto database = database_path(dir);
  const bool writable = ::access(database.c_str(), W_OK) == 0 && ::access(database.parent_path().c_str(), W_OK) == 0;
  auto store =
      store::StateStore::open(database, store::StateStore::Create::never,
                              writable ? store::StateStore::Access::read_write : store::StateStore::Access::read_only);
  if (!store) {
    return fail(store.error());
  }
  session.m_store.emplace(std::move(*store));
  return session;
}

Result<void> Session::audit(std::string action, std::string component, std::optional<std::string> from,
                            std::optional<std::string> to, std::string outcome, std::optional<std::int64_t> upgrade_id,
                            std::string detail, std::optional<ErrorCode> code)
{
  if (!m_store) {
    return {};
  }
  store::AuditEntry e;
  e.time = now();
  e.uid = m_actor.uid;
  e.user = m_actor.user;
  e.command = m_actor.command;
  e.action = std::move(action);
  e.component = std::move(component);
  e.from_version = std::move(from);
  e.to_version = std::move(to);
  e.outcome = std::move(outcome);
  e.upgrade_id = upgrade_id;
  e.detail = std::move(detail);
  if (code) {
    e.error_code = std::string(error_code_name(*code));
  }
  auto appended = m_store->append_audit(e);
  if (!appended) {
    return fail(appended.error());
  }
  return {};
}

} // namespace noodle::engine
