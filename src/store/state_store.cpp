// SPDX-License-Identifier: Apache-2.0
#include <noodle/store/state_store.hpp>

#include "sqlite_stmt.hpp"

#include <fmt/format.h>

namespace noodle::store {

using detail::collect;
using detail::db_path;
using detail::exec;
using detail::query_texts;
using detail::Statement;
using detail::Transaction;

namespace {

Error bad_value(sqlite3* db, std::string_view what, std::string_view value, std::string_view table, std::int64_t id)
{
  return detail::corrupt_error(db_path(db), fmt::format("unknown {} '{}' in {} row {}", what, value, table, id));
}

Error no_row(std::string_view what, std::int64_t id)
{
  return Error(ErrorCode::not_found, fmt::format("no {} with id {} in the state database", what, id));
}

// ---- rows ----------------------------------------------------------------

// Read from `upgrades u`; the last column links an upgrade to the completed
// rollback that undid it.
constexpr const char* k_upgrade_columns =
    "u.id, u.kind, u.status, u.started_at, u.finished_at, u.requested_by, u.uid, u.user, u.command, u.pid, "
    "u.pid_start, u.strategy, u.priority, u.metadata_json, u.error, u.cancel_requested, u.offline, u.undoes, "
    "u.cancelled_by, (SELECT max(r.id) FROM upgrades r WHERE r.undoes = u.id AND r.status = 'completed'), "
    "u.lock_wait_ms";

Result<UpgradeRecord> read_upgrade(sqlite3* db, const Statement& s)
{
  UpgradeRecord r;
  r.id = s.int_at(0);
  r.kind = s.text_at(1);
  auto status_text = s.text_at(2);
  auto status = parse_upgrade_status(status_text);
  if (!status) {
    return fail(bad_value(db, "upgrade status", status_text, "upgrades", r.id));
  }
  r.status = *status;
  r.started_at = s.int_at(3);
  r.finished_at = s.optional_int_at(4);
  r.requested_by = s.text_at(5);
  r.uid = s.int_at(6);
  r.user = s.text_at(7);
  r.command = s.text_at(8);
  r.pid = s.int_at(9);
  r.pid_start = s.text_at(10);
  r.strategy = s.text_at(11);
  r.priority = static_cast<int>(s.int_at(12));
  r.metadata_json = s.text_at(13);
  r.error = s.text_at(14);
  r.cancel_requested = s.int_at(15) != 0;
  r.offline = s.int_at(16) != 0;
  r.undoes = s.optional_int_at(17);
  r.cancelled_by = s.optional_text_at(18);
  r.rolled_back_by = s.optional_int_at(19);
  r.lock_wait_ms = s.optional_int_at(20);
  return r;
}

constexpr const char* k_operation_columns = "id, upgrade_id, seq, component, from_version, to_version, status, "
                                            "point_id, restores_config, error, started_at, finished_at, strategy";

Result<OperationRecord> read_operation(sqlite3* db, const Statement& s)
{
  OperationRecord r;
  r.id = s.int_at(0);
  r.upgrade_id = s.int_at(1);
  r.seq = static_cast<int>(s.int_at(2));
  r.component = s.text_at(3);
  r.from_version = s.optional_text_at(4);
  r.to_version = s.text_at(5);
  auto status_text = s.text_at(6);
  auto status = parse_operation_status(status_text);
  if (!status) {
    return fail(bad_value(db, "operation status", status_text, "operations", r.id));
  }
  r.status = *status;
  r.point_id = s.optional_int_at(7);
  r.restores_config = s.int_at(8) != 0;
  r.error = s.text_at(9);
  r.started_at = s.optional_int_at(10);
  r.finished_at = s.optional_int_at(11);
  r.strategy = s.optional_text_at(12);
  return r;
}

constexpr const char* k_point_columns = "id, component, version, created_at, expires_at, upgrade_id, reason";

RollbackPoint read_point(const Statement& s)
{
  RollbackPoint p;
  p.id = s.int_at(0);
  p.component = s.text_at(1);
  p.version = s.optional_text_at(2);
  p.created_at = s.int_at(3);
  p.expires_at = s.int_at(4);
  p.upgrade_id = s.optional_int_at(5);
  p.reason = s.text_at(6);
  return p;
}

constexpr const char* k_audit_columns =
    "id, time, uid, user, command, action, component, from_version, to_version, outcome, upgrade_id, detail, "
    "error_code";

AuditEntry read_audit(const Statement& s)
{
  AuditEntry a;
  a.id = s.int_at(0);
  a.time = s.int_at(1);
  a.uid = s.int_at(2);
  a.user = s.text_at(3);
  a.command = s.text_at(4);
  a.action = s.text_at(5);
  a.component = s.text_at(6);
  a.from_version = s.optional_text_at(7);
  a.to_version = s.optional_text_at(8);
  a.outcome = s.text_at(9);
  a.upgrade_id = s.optional_int_at(10);
  a.detail = s.text_at(11);
  a.error_code = s.optional_text_at(12);
  return a;
}

// Runs an UPDATE or DELETE of one row by id; not_found when there is none.
Result<void> change_one(sqlite3* db, Statement& stmt, std::string_view what, std::int64_t id)
{
  if (auto r = stmt.run(); !r) {
    return r;
  }
  if (sqlite3_changes64(db) == 0) {
    return fail(no_row(what, id));
  }
  return {};
}

// A negative limit keeps nothing; SQLite would read it as "no limit".
std::int64_t sql_limit(const std::optional<std::int64_t>& limit)
{
  if (!limit) {
    return -1;
  }
  return *limit < 0 ? 0 : *limit;
}

} // namespace

// ---- enum names (public) -------------------------------------------------

std::string_view to_string(UpgradeStatus status)
{
  switch (status) {
  case UpgradeStatus::pending: return "pending";
  case UpgradeStatus::in_progress: return "in_progress";
  case UpgradeStatus::completed: return "completed";
  case UpgradeStatus::failed: return "failed";
  case UpgradeStatus::cancelled: return "cancelled";
  case UpgradeStatus::rolled_back: return "rolled_back";
  }
  return "pending";
}

std::string_view to_string(OperationStatus status)
{
  switch (status) {
  case OperationStatus::pending: return "pending";
  case OperationStatus::in_progress: return "in_progress";
  case OperationStatus::completed: return "completed";
  case OperationStatus::failed: return "failed";
  case OperationStatus::rolled_back: return "rolled_back";
  }
  return "pending";
}

std::optional<UpgradeStatus> parse_upgrade_status(std::string_view text)
{
  for (auto s : {UpgradeStatus::pending, UpgradeStatus::in_progress, UpgradeStatus::completed, UpgradeStatus::failed,
                 UpgradeStatus::cancelled, UpgradeStatus::rolled_back}) {
    if (to_string(s) == text) {
      return s;
    }
  }
  return std::nullopt;
}

std::optional<OperationStatus> parse_operation_status(std::string_view text)
{
  for (auto s : {OperationStatus::pending, OperationStatus::in_progress, OperationStatus::completed,
                 OperationStatus::failed, OperationStatus::rolled_back}) {
    if (to_string(s) == text) {
      return s;
    }
  }
  return std::nullopt;
}

// ---- explicit transactions -----------------------------------------------

Result<void> StateStore::begin()
{
  return exec(m_db.get(), "BEGIN IMMEDIATE", "begin a transaction");
}

Result<void> StateStore::commit()
{
  return exec(m_db.get(), "COMMIT", "commit a transaction");
}

Result<void> StateStore::rollback()
{
  return exec(m_db.get(), "ROLLBACK", "roll back a transaction");
}

// ---- upgrades ------------------------------------------------------------

Result<std::int64_t> StateStore::begin_upgrade(const UpgradeRecord& record)
{
  sqlite3* db = m_db.get();
  auto stmt = Statement::prepare(db,
                                 "INSERT INTO upgrades (kind, status, started_at, finished_at, requested_by, uid, "
                                 "user, command, pid, pid_start, strategy, priority, metadata_json, error, "
                                 "cancel_requested, offline, undoes, lock_wait_ms) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, "
                                 "?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18)",
                                 "record an upgrade");
  if (!stmt) {
    return fail(stmt.error());
  }
  stmt->bind_text(1, record.kind)
      .bind_text(2, to_string(record.status))
      .bind_int(3, record.started_at)
      .bind_optional_int(4, record.finished_at)
      .bind_text(5, record.requested_by)
      .bind_int(6, record.uid)
      .bind_text(7, record.user)
      .bind_text(8, record.command)
      .bind_int(9, record.pid)
      .bind_text(10, record.pid_start)
      .bind_text(11, record.strategy)
      .bind_int(12, record.priority)
      .bind_text(13, record.metadata_json)
      .bind_text(14, record.error)
      .bind_int(15, record.cancel_requested ? 1 : 0)
      .bind_int(16, record.offline ? 1 : 0)
      .bind_optional_int(17, record.undoes)
      .bind_optional_int(18, record.lock_wait_ms);
  if (auto r = stmt->run(); !r) {
    return fail(r.error());
  }
  return sqlite3_last_insert_rowid(db);
}

Result<void> StateStore::set_upgrade_status(std::int64_t id, UpgradeStatus status, std::string_view error,
                                            std::optional<Millis> finished_at)
{
  auto stmt = Statement::prepare(m_db.get(), "UPDATE upgrades SET status = ?1, error = ?2, finished_at = ?3 WHERE id = ?4",
                                 "set an upgrade's status");
  if (!stmt) {
    return fail(stmt.error());
  }
  stmt->bind_text(1, to_string(status)).bind_text(2, error).bind_optional_int(3, finished_at).bind_int(4, id);
  return change_one(m_db.get(), *stmt, "upgrade", id);
}

Result<void> StateStore::request_cancel(std::int64_t id, std::string_view by)
{
  auto stmt = Statement::prepare(m_db.get(), "UPDATE upgrades SET cancel_requested = 1, cancelled_by = ?2 WHERE id = ?1",
                                 "request a cancel");
  if (!stmt) {
    return fail(stmt.error());
  }
  stmt->bind_int(1, id).bind_text(2, by);
  return change_one(m_db.get(), *stmt, "upgrade", id);
}

Result<void> StateStore::set_undoes(std::int64_t id, std::int64_t undoes)
{
  auto stmt = Statement::prepare(m_db.get(), "UPDATE upgrades SET undoes = ?2 WHERE id = ?1",
                                 "link a rollback to its upgrade");
  if (!stmt) {
    return fail(stmt.error());
  }
  stmt->bind_int(1, id).bind_int(2, undoes);
  return change_one(m_db.get(), *stmt, "upgrade", id);
}

Result<std::optional<UpgradeRecord>> StateStore::upgrade(std::int64_t id)
{
  sqlite3* db = m_db.get();
  auto stmt = Statement::prepare(db, fmt::format("SELECT {} FROM upgrades u WHERE u.id = ?1", k_upgrade_columns),
                                 "read an upgrade");
  if (!stmt) {
    return fail(stmt.error());
  }
  stmt->bind_int(1, id);
  auto rows = collect<UpgradeRecord>(*stmt, [db](const Statement& s) { return read_upgrade(db, s); });
  if (!rows) {
    return fail(rows.error());
  }
  if (rows->empty()) {
    return std::optional<UpgradeRecord>();
  }
  return std::optional<UpgradeRecord>(std::move(rows->front()));
}

Result<std::vector<UpgradeRecord>> StateStore::upgrades(const UpgradeFilter& filter)
{
  sqlite3* db = m_db.get();
  // Only the placeholders depend on the filter; every value is bound.
  std::string sql = fmt::format("SELECT {} FROM upgrades u WHERE (?1 IS NULL OR EXISTS (SELECT 1 FROM operations o "
                                "WHERE o.upgrade_id = u.id AND o.component = ?1)) AND (?3 IS NULL OR u.started_at >= "
                                "?3) AND (?4 IS NULL OR u.id < ?4)",
                                k_upgrade_columns);
  int next = 5;
  const auto placeholders = [&](std::size_t count) {
    std::string list;
    for (std::size_t i = 0; i < count; ++i) {
      list += fmt::format("{}?{}", i == 0 ? "" : ", ", next++);
    }
    return list;
  };
  if (!filter.statuses.empty()) {
    sql += fmt::format(" AND u.status IN ({})", placeholders(filter.statuses.size()));
  }
  if (!filter.kinds.empty()) {
    sql += fmt::format(" AND u.kind IN ({})", placeholders(filter.kinds.size()));
  }
  for (std::size_t i = 0; i < filter.metadata.size(); ++i) {
    // json_each, not json_extract: a key is matched as written, dots included.
    const int key = next++;
    const int value = next++;
    sql += fmt::format(" AND EXISTS (SELECT 1 FROM json_each(CASE WHEN json_valid(u.metadata_json) THEN "
                       "u.metadata_json ELSE '{{}}' END) m WHERE m.key = ?{} AND m.value = ?{})",
                       key, value);
  }
  sql += " ORDER BY u.id DESC LIMIT ?2";
  auto stmt = Statement::prepare(db, sql, "list upgrades");
  if (!stmt) {
    return fail(stmt.error());
  }
  stmt->bind_optional_text(1, filter.component)
      .bind_int(2, sql_limit(filter.limit))
      .bind_optional_int(3, filter.since)
      .bind_optional_int(4, filter.before);
  int at = 5;
  for (const auto status : filter.statuses) {
    stmt->bind_text(at++, to_string(status));
  }
  for (const auto& kind : filter.kinds) {
    stmt->bind_text(at++, kind);
  }
  for (const auto& [key, value] : filter.metadata) {
    stmt->bind_text(at++, key);
    stmt->bind_text(at++, value);
  }
  return collect<UpgradeRecord>(*stmt, [db](const Statement& s) { return read_upgrade(db, s); });
}

Result<std::vector<UpgradeRecord>> StateStore::unfinished()
{
  sqlite3* db = m_db.get();
  auto stmt = Statement::prepare(
      db,
      fmt::format("SELECT {} FROM upgrades u WHERE u.status IN ('pending', 'in_progress') ORDER BY u.id",
                  k_upgrade_columns),
      "list unfinished upgrades");
  if (!stmt) {
    return fail(stmt.error());
  }
  return collect<UpgradeRecord>(*stmt, [db](const Statement& s) { return read_upgrade(db, s); });
}

// ---- operations ----------------------------------------------------------

Result<std::int64_t> StateStore::add_operation(const OperationRecord& record)
{
  sqlite3* db = m_db.get();
  auto stmt = Statement::prepare(db,
                                 "INSERT INTO operations (upgrade_id, seq, component, from_version, to_version, "
                                 "status, point_id, restores_config, error) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
                                 "record an operation");
  if (!stmt) {
    return fail(stmt.error());
  }
  stmt->bind_int(1, record.upgrade_id)
      .bind_int(2, record.seq)
      .bind_text(3, record.component)
      .bind_optional_text(4, record.from_version)
      .bind_text(5, record.to_version)
      .bind_text(6, to_string(record.status))
      .bind_optional_int(7, record.point_id)
      .bind_int(8, record.restores_config ? 1 : 0)
      .bind_text(9, record.error);
  if (auto r = stmt->run(); !r) {
    if (sqlite3_extended_errcode(db) == SQLITE_CONSTRAINT_FOREIGNKEY) {
      return fail(no_row("upgrade", record.upgrade_id));
    }
    return fail(r.error());
  }
  return sqlite3_last_insert_rowid(db);
}

Result<void> StateStore::set_operation_status(std::int64_t id, OperationStatus status, std::string_view error)
{
  auto stmt = Statement::prepare(m_db.get(), "UPDATE operations SET status = ?1, error = ?2 WHERE id = ?3",
                                 "set an operation's status");
  if (!stmt) {
    return fail(stmt.error());
  }
  stmt->bind_text(1, to_string(status)).bind_text(2, error).bind_int(3, id);
  return change_one(m_db.get(), *stmt, "operation", id);
}

Result<void> StateStore::start_operation(std::int64_t id, Millis at)
{
  auto stmt = Statement::prepare(m_db.get(),
                                 "UPDATE operations SET status = 'in_progress', error = '', started_at = ?1 WHERE id = ?2",
                                 "start an operation");
  if (!stmt) {
    return fail(stmt.error());
  }
  stmt->bind_int(1, at).bind_int(2, id);
  return change_one(m_db.get(), *stmt, "operation", id);
}

Result<void> StateStore::finish_operation(std::int64_t id, OperationStatus status, std::string_view error, Millis at,
                                          const std::optional<std::string>& strategy)
{
  auto stmt = Statement::prepare(m_db.get(),
                                 "UPDATE operations SET status = ?1, error = ?2, finished_at = ?3, strategy = "
                                 "coalesce(?4, strategy) WHERE id = ?5",
                                 "finish an operation");
  if (!stmt) {
    return fail(stmt.error());
  }
  stmt->bind_text(1, to_string(status)).bind_text(2, error).bind_int(3, at).bind_optional_text(4, strategy).bind_int(5, id);
  return change_one(m_db.get(), *stmt, "operation", id);
}

Result<void> StateStore::set_operation_point(std::int64_t id, std::int64_t point_id)
{
  auto stmt = Statement::prepare(m_db.get(), "UPDATE operations SET point_id = ?1 WHERE id = ?2",
                                 "set an operation's rollback point");
  if (!stmt) {
    return fail(stmt.error());
  }
  stmt->bind_int(1, point_id).bind_int(2, id);
  return change_one(m_db.get(), *stmt, "operation", id);
}

Result<std::vector<OperationRecord>> StateStore::operations(std::int64_t upgrade_id)
{
  sqlite3* db = m_db.get();
  auto stmt = Statement::prepare(
      db, fmt::format("SELECT {} FROM operations WHERE upgrade_id = ?1 ORDER BY seq, id", k_operation_columns),
      "list operations");
  if (!stmt) {
    return fail(stmt.error());
  }
  stmt->bind_int(1, upgrade_id);
  return collect<OperationRecord>(*stmt, [db](const Statement& s) { return read_operation(db, s); });
}

// ---- rollback points -----------------------------------------------------

Result<std::int64_t> StateStore::add_point(const RollbackPoint& point)
{
  sqlite3* db = m_db.get();
  auto stmt = Statement::prepare(db,
                                 "INSERT INTO rollback_points (component, version, created_at, expires_at, upgrade_id, "
                                 "reason) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                                 "record a rollback point");
  if (!stmt) {
    return fail(stmt.error());
  }
  stmt->bind_text(1, point.component)
      .bind_optional_text(2, point.version)
      .bind_int(3, point.created_at)
      .bind_int(4, point.expires_at)
      .bind_optional_int(5, point.upgrade_id)
      .bind_text(6, point.reason);
  if (auto r = stmt->run(); !r) {
    if (sqlite3_extended_errcode(db) == SQLITE_CONSTRAINT_FOREIGNKEY && point.upgrade_id) {
      return fail(no_row("upgrade", *point.upgrade_id));
    }
    return fail(r.error());
  }
  return sqlite3_last_insert_rowid(db);
}

Result<std::optional<RollbackPoint>> StateStore::point(std::int64_t id)
{
  auto stmt = Statement::prepare(m_db.get(), fmt::format("SELECT {} FROM rollback_points WHERE id = ?1", k_point_columns),
                                 "read a rollback point");
  if (!stmt) {
    return fail(stmt.error());
  }
  stmt->bind_int(1, id);
  auto row = stmt->step();
  if (!row) {
    return fail(row.error());
  }
  if (!*row) {
    return std::optional<RollbackPoint>();
  }
  return std::optional<RollbackPoint>(read_point(*stmt));
}

Result<std::vector<RollbackPoint>> StateStore::points(std::optional<std::string_view> component)
{
  auto stmt = Statement::prepare(
      m_db.get(),
      fmt::format("SELECT {} FROM rollback_points WHERE ?1 IS NULL OR component = ?1 ORDER BY id DESC", k_point_columns),
      "list rollback points");
  if (!stmt) {
    return fail(stmt.error());
  }
  stmt->bind_optional_text(1, component);
  return collect<RollbackPoint>(*stmt, [](const Statement& s) { return Result<RollbackPoint>(read_point(s)); });
}

Result<void> StateStore::remove_point(std::int64_t id)
{
  auto stmt = Statement::prepare(m_db.get(), "DELETE FROM rollback_points WHERE id = ?1", "remove a rollback point");
  if (!stmt) {
    return fail(stmt.error());
  }
  stmt->bind_int(1, id);
  return change_one(m_db.get(), *stmt, "rollback point", id);
}

// ---- audit ---------------------------------------------------------------

Result<std::int64_t> StateStore::append_audit(const AuditEntry& entry)
{
  sqlite3* db = m_db.get();
  auto stmt = Statement::prepare(db,
                                 "INSERT INTO audit (time, uid, user, command, action, component, from_version, "
                                 "to_version, outcome, upgrade_id, detail, error_code) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, "
                                 "?8, ?9, ?10, ?11, ?12)",
                                 "append to the audit trail");
  if (!stmt) {
    return fail(stmt.error());
  }
  stmt->bind_int(1, entry.time)
      .bind_int(2, entry.uid)
      .bind_text(3, entry.user)
      .bind_text(4, entry.command)
      .bind_text(5, entry.action)
      .bind_text(6, entry.component)
      .bind_optional_text(7, entry.from_version)
      .bind_optional_text(8, entry.to_version)
      .bind_text(9, entry.outcome)
      .bind_optional_int(10, entry.upgrade_id)
      .bind_text(11, entry.detail)
      .bind_optional_text(12, entry.error_code);
  if (auto r = stmt->run(); !r) {
    return fail(r.error());
  }
  return sqlite3_last_insert_rowid(db);
}

Result<std::vector<AuditEntry>> StateStore::audit(std::optional<std::string_view> component,
                                                  std::optional<std::int64_t> limit, std::optional<std::int64_t> before)
{
  auto stmt = Statement::prepare(m_db.get(),
                                 fmt::format("SELECT {} FROM audit WHERE (?1 IS NULL OR component = ?1) AND (?3 IS NULL "
                                             "OR id < ?3) ORDER BY id DESC LIMIT ?2",
                                             k_audit_columns),
                                 "read the audit trail");
  if (!stmt) {
    return fail(stmt.error());
  }
  stmt->bind_optional_text(1, component).bind_int(2, sql_limit(limit)).bind_optional_int(3, before);
  return collect<AuditEntry>(*stmt, [](const Statement& s) { return Result<AuditEntry>(read_audit(s)); });
}

// ---- floors --------------------------------------------------------------

Result<std::optional<std::string>> StateStore::floor(std::string_view component)
{
  auto stmt = Statement::prepare(m_db.get(), "SELECT version FROM floors WHERE component = ?1", "read a version floor");
  if (!stmt) {
    return fail(stmt.error());
  }
  stmt->bind_text(1, component);
  auto row = stmt->step();
  if (!row) {
    return fail(row.error());
  }
  if (!*row) {
    return std::optional<std::string>();
  }
  return std::optional<std::string>(stmt->text_at(0));
}

Result<void> StateStore::set_floor(std::string_view component, std::string_view version,
                                   std::optional<Millis> set_at, std::optional<std::int64_t> upgrade_id,
                                   std::string_view reason)
{
  auto stmt = Statement::prepare(m_db.get(),
                                 "INSERT INTO floors (component, version, set_at, upgrade_id, reason) "
                                 "VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT (component) DO UPDATE SET "
                                 "version = excluded.version, set_at = excluded.set_at, "
                                 "upgrade_id = excluded.upgrade_id, reason = excluded.reason",
                                 "set a version floor");
  if (!stmt) {
    return fail(stmt.error());
  }
  stmt->bind_text(1, component)
      .bind_text(2, version)
      .bind_optional_int(3, set_at)
      .bind_optional_int(4, upgrade_id)
      .bind_text(5, reason);
  return stmt->run();
}

Result<void> StateStore::clear_floor(std::string_view component)
{
  auto stmt = Statement::prepare(m_db.get(), "DELETE FROM floors WHERE component = ?1", "clear a version floor");
  if (!stmt) {
    return fail(stmt.error());
  }
  stmt->bind_text(1, component);
  return stmt->run();
}

Result<std::vector<Floor>> StateStore::floors()
{
  auto stmt = Statement::prepare(m_db.get(),
                                 "SELECT component, version, set_at, upgrade_id, reason FROM floors ORDER BY component",
                                 "read the version floors");
  if (!stmt) {
    return fail(stmt.error());
  }
  return collect<Floor>(*stmt, [](const Statement& s) {
    Floor f;
    f.component = s.text_at(0);
    f.version = s.text_at(1);
    f.set_at = s.optional_int_at(2);
    f.upgrade_id = s.optional_int_at(3);
    f.reason = s.text_at(4);
    return Result<Floor>(std::move(f));
  });
}

// ---- summaries -----------------------------------------------------------

Result<Counts> StateStore::counts(std::optional<std::string_view> component)
{
  sqlite3* db = m_db.get();
  auto stmt = Statement::prepare(db,
                                 "SELECT status, count(*) FROM upgrades u WHERE ?1 IS NULL OR EXISTS (SELECT 1 FROM "
                                 "operations o WHERE o.upgrade_id = u.id AND o.component = ?1) GROUP BY status",
                                 "count upgrades");
  if (!stmt) {
    return fail(stmt.error());
  }
  stmt->bind_optional_text(1, component);
  Counts counts;
  for (;;) {
    auto row = stmt->step();
    if (!row) {
      return fail(row.error());
    }
    if (!*row) {
      return counts;
    }
    auto status_text = stmt->text_at(0);
    auto status = parse_upgrade_status(status_text);
    if (!status) {
      return fail(detail::corrupt_error(db_path(db), fmt::format("unknown upgrade status '{}'", status_text)));
    }
    std::int64_t n = stmt->int_at(1);
    switch (*status) {
    case UpgradeStatus::pending:
    case UpgradeStatus::in_progress: counts.in_progress += n; break;
    case UpgradeStatus::completed: counts.completed += n; break;
    case UpgradeStatus::failed: counts.failed += n; break;
    case UpgradeStatus::cancelled: counts.cancelled += n; break;
    case UpgradeStatus::rolled_back: counts.rolled_back += n; break;
    }
  }
}

Result<std::optional<Millis>> StateStore::last_completed(std::string_view component)
{
  auto stmt = Statement::prepare(m_db.get(),
                                 "SELECT max(u.finished_at) FROM upgrades u WHERE u.status = 'completed' AND EXISTS "
                                 "(SELECT 1 FROM operations o WHERE o.upgrade_id = u.id AND o.component = ?1)",
                                 "find the last completed upgrade");
  if (!stmt) {
    return fail(stmt.error());
  }
  stmt->bind_text(1, component);
  auto row = stmt->step();
  if (!row) {
    return fail(row.error());
  }
  if (!*row) {
    return std::optional<Millis>();
  }
  return stmt->optional_int_at(0);
}

Result<std::string> StateStore::integrity_check()
{
  auto rows = query_texts(m_db.get(), "PRAGMA integrity_check", "check integrity");
  if (!rows) {
    return fail(rows.error());
  }
  std::string out;
  for (const auto& line : *rows) {
    if (!out.empty()) {
      out += '\n';
    }
    out += line;
  }
  return out;
}

} // namespace noodle::store
