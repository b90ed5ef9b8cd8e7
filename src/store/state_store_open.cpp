// SPDX-License-Identifier: Apache-2.0
// Opening the state database: the file (created private, its directory
// synced), the base schema, the checks a database must pass, and the
// migration to the current schema.
#include <noodle/store/state_store.hpp>

#include "schema_migrations.hpp"
#include "sqlite_stmt.hpp"

#include <noodle/util/unique_fd.hpp>

#include <fmt/format.h>

#include <array>
#include <iterator>

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace noodle::store {

using detail::db_path;
using detail::exec;
using detail::query_int;
using detail::query_texts;
using detail::Transaction;

namespace {

// The version k_schema creates; schema_migrations.cpp takes it from there.
constexpr std::int64_t k_base_schema_version = 1;
// PRAGMA application_id: "NUPG", so a foreign SQLite file is told apart from ours.
constexpr std::int64_t k_application_id = 0x4e555047;

constexpr const char* k_schema = R"sql(
CREATE TABLE upgrades (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  kind TEXT NOT NULL,
  status TEXT NOT NULL
    CHECK (status IN ('pending', 'in_progress', 'completed', 'failed', 'cancelled', 'rolled_back')),
  started_at INTEGER NOT NULL,
  finished_at INTEGER,
  requested_by TEXT NOT NULL,
  uid INTEGER NOT NULL,
  user TEXT NOT NULL,
  command TEXT NOT NULL,
  pid INTEGER NOT NULL,
  pid_start TEXT NOT NULL,
  strategy TEXT NOT NULL,
  priority INTEGER NOT NULL,
  metadata_json TEXT NOT NULL,
  error TEXT NOT NULL,
  cancel_requested INTEGER NOT NULL CHECK (cancel_requested IN (0, 1)),
  offline INTEGER NOT NULL CHECK (offline IN (0, 1))
);
CREATE INDEX upgrades_by_status ON upgrades (status);

CREATE TABLE operations (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  upgrade_id INTEGER NOT NULL REFERENCES upgrades (id),
  seq INTEGER NOT NULL,
  component TEXT NOT NULL,
  from_version TEXT,
  to_version TEXT NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('pending', 'in_progress', 'completed', 'failed', 'rolled_back')),
  -- no foreign key: points expire and are removed, the history stays
  point_id INTEGER,
  restores_config INTEGER NOT NULL CHECK (restores_config IN (0, 1)),
  error TEXT NOT NULL
);
CREATE INDEX operations_by_upgrade ON operations (upgrade_id, seq);
CREATE INDEX operations_by_component ON operations (component, upgrade_id);

-- AUTOINCREMENT: a point id names a directory and is never reused
CREATE TABLE rollback_points (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  component TEXT NOT NULL,
  version TEXT,
  created_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL,
  upgrade_id INTEGER REFERENCES upgrades (id),
  reason TEXT NOT NULL
);
CREATE INDEX points_by_component ON rollback_points (component);

CREATE TABLE audit (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  time INTEGER NOT NULL,
  uid INTEGER NOT NULL,
  user TEXT NOT NULL,
  command TEXT NOT NULL,
  action TEXT NOT NULL,
  component TEXT NOT NULL,
  from_version TEXT,
  to_version TEXT,
  outcome TEXT NOT NULL,
  upgrade_id INTEGER,
  detail TEXT NOT NULL
);
CREATE INDEX audit_by_component ON audit (component, id);
CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit
BEGIN
  SELECT RAISE(ABORT, 'the audit trail is append-only');
END;
CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit
BEGIN
  SELECT RAISE(ABORT, 'the audit trail is append-only');
END;

CREATE TABLE floors (
  component TEXT PRIMARY KEY,
  version TEXT NOT NULL
) WITHOUT ROWID;

-- one row per recorded component@version, so an empty record differs from none
CREATE TABLE file_records (
  component TEXT NOT NULL,
  version TEXT NOT NULL,
  PRIMARY KEY (component, version)
) WITHOUT ROWID;

CREATE TABLE files (
  component TEXT NOT NULL,
  version TEXT NOT NULL,
  path TEXT NOT NULL,
  type TEXT NOT NULL CHECK (type IN ('file', 'directory', 'symlink')),
  mode INTEGER NOT NULL,
  size INTEGER NOT NULL,
  digest TEXT NOT NULL,
  PRIMARY KEY (component, version, path),
  FOREIGN KEY (component, version) REFERENCES file_records (component, version) ON DELETE CASCADE
) WITHOUT ROWID;
)sql";

// ---- open ----------------------------------------------------------------

Result<void> fsync_dir(const std::filesystem::path& dir)
{
  int fd = ::open(dir.empty() ? "." : dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) {
    return fail(ErrorCode::io, fmt::format("cannot open directory '{}': {}", dir.string(), std::strerror(errno)));
  }
  int rc = ::fsync(fd);
  int err = errno;
  ::close(fd);
  if (rc != 0) {
    return fail(ErrorCode::io, fmt::format("cannot sync directory '{}': {}", dir.string(), std::strerror(err)));
  }
  return {};
}

// Creates an empty file with mode 0600 unless something is already there,
// so the database and its -wal/-shm files (which copy the mode) are never
// readable by others, not even briefly.
Result<void> create_private_file(const std::filesystem::path& path)
{
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (fd < 0) {
    if (errno == EEXIST) {
      return {}; // created concurrently; opened as it is
    }
    return fail(ErrorCode::io,
                fmt::format("cannot create state database '{}': {}", path.string(), std::strerror(errno)));
  }
  int rc = ::fchmod(fd, 0600);
  int err = errno;
  ::close(fd);
  if (rc != 0) {
    return fail(ErrorCode::io,
                fmt::format("cannot set the mode of state database '{}': {}", path.string(), std::strerror(err)));
  }
  return fsync_dir(path.parent_path());
}

Result<void> create_schema(sqlite3* db)
{
  Transaction tx(db);
  if (auto r = tx.open("create the schema"); !r) {
    return r;
  }
  // Another process may have created it between our check and our lock.
  auto version = query_int(db, "PRAGMA user_version", "read the schema version");
  if (!version) {
    return fail(version.error());
  }
  if (*version != 0) {
    return {};
  }
  if (auto r = exec(db, k_schema, "create the schema"); !r) {
    return r;
  }
  // Pragmas take no bound parameters; these are constants.
  const std::string pragmas = fmt::format("PRAGMA application_id = {}; PRAGMA user_version = {}", k_application_id,
                                          k_base_schema_version);
  if (auto r = exec(db, pragmas.c_str(), "set the schema version"); !r) {
    return r;
  }
  return tx.commit("create the schema");
}

// Where open() records the database's files as it left them (see
// files_stamp): beside the database, as SQLite keeps its -wal and -shm.
std::string checked_file(const std::string& path)
{
  return path + "-checked";
}

// The database and its log as stat(2) sees them: device, inode, size,
// modification and change times. Any write to either file, ours or
// anyone's, changes its change time, which no program can set back.
std::string files_stamp(const std::string& path)
{
  std::string out = "noodle-upgrade state database files 1\n";
  for (const char* suffix : {"", "-wal"}) {
    const std::string file = path + suffix;
    struct stat st {};
    if (::lstat(file.c_str(), &st) != 0) {
      fmt::format_to(std::back_inserter(out), "'{}' absent\n", suffix);
      continue;
    }
    fmt::format_to(std::back_inserter(out), "'{}' {} {} {} {} {}.{:09} {}.{:09}\n", suffix, st.st_mode, st.st_dev,
                   st.st_ino, st.st_size, st.st_mtim.tv_sec, st.st_mtim.tv_nsec, st.st_ctim.tv_sec,
                   st.st_ctim.tv_nsec);
  }
  return out;
}

// Whether the database's files are exactly as a connection that had
// checked them left them (checked_file holds `stamp`).
bool unchanged_since_checked(const std::string& path, const std::string& stamp)
{
  util::UniqueFd fd(::open(checked_file(path).c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK));
  if (!fd.valid()) {
    return false;
  }
  std::array<char, 1024> buffer{};
  std::size_t have = 0;
  while (have < buffer.size()) {
    const ssize_t n = ::read(fd.get(), buffer.data() + have, buffer.size() - have);
    if (n < 0 && errno == EINTR) {
      continue;
    }
    if (n <= 0) {
      break;
    }
    have += static_cast<std::size_t>(n);
  }
  return std::string_view(buffer.data(), have) == stamp;
}

// PRAGMA quick_check, which reads every page: corrupt_state with the
// problems it lists.
Result<void> quick_check(sqlite3* db, const std::string& path)
{
  auto problems = query_texts(db, "PRAGMA quick_check", "check the database");
  if (!problems) {
    return fail(problems.error());
  }
  if (problems->size() != 1 || (*problems)[0] != "ok") {
    std::string why = problems->empty() ? std::string("quick_check returned nothing") : (*problems)[0];
    auto e = detail::corrupt_error(path, why);
    for (std::size_t i = 1; i < problems->size() && i < 10; ++i) {
      e.details.insert(e.details.end() - 2, (*problems)[i]);
    }
    return fail(std::move(e));
  }
  return {};
}

// Everything open() does once SQLite has opened the file; `check`: with
// the quick_check.
Result<void> prepare_database(sqlite3* db, const std::string& path, StateStore::Access access, bool check)
{
  const bool read_only = access == StateStore::Access::read_only;
  sqlite3_extended_result_codes(db, 1);
  sqlite3_busy_timeout(db, detail::k_busy_timeout_ms);

  // The first read: fails with SQLITE_NOTADB on a file that is no database.
  auto objects = query_int(db, "SELECT count(*) FROM sqlite_master", "read the schema");
  if (!objects) {
    return fail(objects.error());
  }

  // A reader only looks: the writer that created the database set WAL.
  auto mode = query_texts(db, read_only ? "PRAGMA journal_mode" : "PRAGMA journal_mode = WAL",
                          "switch to WAL journal mode");
  if (!mode) {
    return fail(mode.error());
  }
  if (!read_only && (mode->size() != 1 || (*mode)[0] != "wal")) {
    return fail(ErrorCode::io, fmt::format("state database '{}': cannot switch to WAL journal mode (it stays '{}')",
                                           path, mode->empty() ? std::string() : (*mode)[0]));
  }
  if (auto r = exec(db, "PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON", "set the pragmas"); !r) {
    return r;
  }
  auto foreign_keys = query_int(db, "PRAGMA foreign_keys", "check foreign keys");
  if (!foreign_keys) {
    return fail(foreign_keys.error());
  }
  if (*foreign_keys != 1) {
    return fail(ErrorCode::io, fmt::format("state database '{}': cannot enable foreign keys", path));
  }

  if (check) {
    if (auto sound = quick_check(db, path); !sound) {
      return sound;
    }
  }

  auto version = query_int(db, "PRAGMA user_version", "read the schema version");
  if (!version) {
    return fail(version.error());
  }
  auto application = query_int(db, "PRAGMA application_id", "read the application id");
  if (!application) {
    return fail(application.error());
  }
  if (*version == 0) {
    if (*objects != 0 || *application != 0) {
      // Never lay a new history over a file someone else wrote.
      Error e(ErrorCode::corrupt_state,
              fmt::format("state database '{}' holds {} tables or indexes but no schema version; it was not "
                          "written by noodle-upgrade",
                          path, *objects));
      e.details.emplace_back("move it aside or point --root at the right directory; it is left as it is");
      return fail(std::move(e));
    }
    if (read_only) {
      return fail(ErrorCode::io, fmt::format("state database '{}' has no schema yet and is opened read-only", path));
    }
    if (auto created = create_schema(db); !created) {
      return created;
    }
    return detail::migrate(db, k_base_schema_version, path);
  }
  if (*version > detail::k_current_schema_version) {
    Error e(ErrorCode::corrupt_state, fmt::format("state database '{}' has schema version {}; this build knows {}",
                                                  path, *version, detail::k_current_schema_version));
    e.details.emplace_back("a newer noodle-upgrade may have written it; use that build, or restore a backup");
    return fail(std::move(e));
  }
  if (*application != k_application_id) {
    Error e(ErrorCode::corrupt_state,
            fmt::format("state database '{}' has application id {}; it was not written by noodle-upgrade", path,
                        *application));
    e.details.emplace_back("move it aside or point --root at the right directory; it is left as it is");
    return fail(std::move(e));
  }
  if (*version < detail::k_current_schema_version) {
    if (read_only) {
      Error e(ErrorCode::io, fmt::format("state database '{}' has schema version {}, older than this build's {}, and "
                                         "is opened read-only",
                                         path, *version, detail::k_current_schema_version));
      e.details.emplace_back("any changing command run by the root's owner upgrades it (e.g. `noodle-upgrade "
                             "recover`)");
      return fail(std::move(e));
    }
    return detail::migrate(db, *version, path);
  }
  return {};
}

// SQLite names the file by its absolute path; errors from open() name it as
// the caller gave it.
Error as_given(Error e, sqlite3* db, const std::string& shown)
{
  const std::string prefix = fmt::format("state database '{}'", db_path(db));
  if (e.message.rfind(prefix, 0) == 0) {
    e.message = fmt::format("state database '{}'{}", shown, e.message.substr(prefix.size()));
  }
  return e;
}

} // namespace

// ---- lifetime ------------------------------------------------------------

void StateStore::Close::operator()(sqlite3* db) const
{
  // Statements are all finalized by then; close_v2 copes even if not.
  sqlite3_close_v2(db);
}

StateStore::StateStore(sqlite3* db) : m_db(db) {}
StateStore::StateStore(StateStore&&) noexcept = default;
StateStore& StateStore::operator=(StateStore&&) noexcept = default;

StateStore::~StateStore()
{
  if (!m_db || m_files_at_open.empty()) {
    return;
  }
  const std::string path = db_path(m_db.get());
  m_db.reset(); // the last connection checkpoints its log here
  // Recorded only when the files changed while this connection was open,
  // so that a connection that only read leaves the state directory as it
  // found it. Best effort: a record not written, torn or stale only costs
  // the next open its quick_check. Written in place (no temporary file to
  // leave behind) and not synced, for the same reason.
  const std::string stamp = files_stamp(path);
  if (stamp == m_files_at_open) {
    return;
  }
  util::UniqueFd fd(::open(checked_file(path).c_str(), O_WRONLY | O_CREAT | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK, 0600));
  if (fd.valid() && util::write_all(fd.get(), stamp.data(), stamp.size()) == 0) {
    (void)::ftruncate(fd.get(), static_cast<off_t>(stamp.size()));
  }
}

Result<StateStore> StateStore::open(const std::filesystem::path& path, Create create, Access access)
{
  const std::string shown = path.string();
  std::error_code ec;
  auto status = std::filesystem::symlink_status(path, ec);
  if (ec && ec != std::errc::no_such_file_or_directory) {
    return fail(ErrorCode::io, fmt::format("cannot inspect state database '{}': {}", shown, ec.message()));
  }
  if (!std::filesystem::exists(status)) {
    if (create == Create::never || access == Access::read_only) {
      return fail(ErrorCode::not_found, fmt::format("state database '{}' does not exist", shown));
    }
    if (auto r = create_private_file(path); !r) {
      return fail(r.error());
    }
  }

  // Taken before SQLite opens anything: the files as the last connection left them.
  const std::string stamp = files_stamp(shown);
  const bool check = !unchanged_since_checked(shown, stamp);
  int flags = (access == Access::read_only ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE) | SQLITE_OPEN_NOFOLLOW;
  if (create == Create::if_missing && access == Access::read_write) {
    flags |= SQLITE_OPEN_CREATE;
  }
  sqlite3* raw = nullptr;
  int rc = sqlite3_open_v2(shown.c_str(), &raw, flags, nullptr);
  StateStore store(raw); // owns the handle even when opening failed
  if (rc != SQLITE_OK) {
    const char* message = raw != nullptr ? sqlite3_errmsg(raw) : sqlite3_errstr(rc);
    if ((rc & 0xff) == SQLITE_NOTADB || (rc & 0xff) == SQLITE_CORRUPT) {
      return fail(detail::corrupt_error(shown, message));
    }
    return fail(ErrorCode::io, fmt::format("cannot open state database '{}': {}", shown, message));
  }
  if (auto r = prepare_database(raw, shown, access, check); !r) {
    return fail(as_given(std::move(r.error()), raw, shown));
  }
  store.m_checked_on_open = check;
  if (access == Access::read_write) {
    store.m_files_at_open = stamp;
  }
  return store;
}

} // namespace noodle::store
