// SPDX-License-Identifier: Apache-2.0
#include "sqlite_stmt.hpp"

#include <fmt/format.h>

#include <utility>

namespace noodle::store::detail {

std::string db_path(sqlite3* db)
{
  const char* name = db != nullptr ? sqlite3_db_filename(db, "main") : nullptr;
  return name != nullptr ? std::string(name) : std::string();
}

Error corrupt_error(std::string_view path, std::string_view why)
{
  Error e(ErrorCode::corrupt_state, fmt::format("state database '{}' is corrupt: {}", path, why));
  e.details.emplace_back(
      "do not delete it blindly: it holds the upgrade history, the audit trail and the rollback points");
  e.details.emplace_back("restore it from a backup, or move it aside to start an empty history");
  return e;
}

Error sqlite_error(sqlite3* db, int rc, std::string_view what, std::string_view message)
{
  switch (rc & 0xff) {
  case SQLITE_CORRUPT:
  case SQLITE_NOTADB: return corrupt_error(db_path(db), message);
  case SQLITE_BUSY:
  case SQLITE_LOCKED:
    return Error(ErrorCode::io,
                 fmt::format("state database: {}: another process kept it locked for more than {} s ({})", what,
                             k_busy_timeout_ms / 1000, message));
  default: return Error(ErrorCode::io, fmt::format("state database: {}: {}", what, message));
  }
}

Error sqlite_error(sqlite3* db, int rc, std::string_view what)
{
  return sqlite_error(db, rc, what, db != nullptr ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
}

Result<void> exec(sqlite3* db, const char* sql, std::string_view what)
{
  char* message = nullptr;
  int rc = sqlite3_exec(db, sql, nullptr, nullptr, &message);
  if (rc != SQLITE_OK) {
    std::string text = message != nullptr ? message : sqlite3_errstr(rc);
    sqlite3_free(message);
    return fail(sqlite_error(db, rc, what, text));
  }
  return {};
}

Statement::Statement(sqlite3* db, sqlite3_stmt* stmt, std::string_view what)
    : m_db(db), m_stmt(stmt), m_what(what)
{
}

Result<Statement> Statement::prepare(sqlite3* db, std::string_view sql, std::string_view what)
{
  sqlite3_stmt* stmt = nullptr;
  int rc = sqlite3_prepare_v2(db, sql.data(), static_cast<int>(sql.size()), &stmt, nullptr);
  if (rc != SQLITE_OK) {
    sqlite3_finalize(stmt);
    return fail(sqlite_error(db, rc, what));
  }
  return Statement(db, stmt, what);
}

Statement::Statement(Statement&& other) noexcept
    : m_db(other.m_db), m_stmt(std::exchange(other.m_stmt, nullptr)), m_what(std::move(other.m_what)),
      m_bind_rc(other.m_bind_rc)
{
}

Statement& Statement::operator=(Statement&& other) noexcept
{
  if (this != &other) {
    sqlite3_finalize(m_stmt);
    m_db = other.m_db;
    m_stmt = std::exchange(other.m_stmt, nullptr);
    m_what = std::move(other.m_what);
    m_bind_rc = other.m_bind_rc;
  }
  return *this;
}

Statement::~Statement()
{
  sqlite3_finalize(m_stmt);
}

void Statement::note_bind(int rc)
{
  if (rc != SQLITE_OK && m_bind_rc == SQLITE_OK) {
    m_bind_rc = rc;
  }
}

Statement& Statement::bind_int(int index, std::int64_t value)
{
  note_bind(sqlite3_bind_int64(m_stmt, index, value));
  return *this;
}

Statement& Statement::bind_text(int index, std::string_view value)
{
  // Values outlive no call: SQLite copies them.
  note_bind(sqlite3_bind_text64(m_stmt, index, value.data(), value.size(), SQLITE_TRANSIENT, SQLITE_UTF8));
  return *this;
}

Statement& Statement::bind_null(int index)
{
  note_bind(sqlite3_bind_null(m_stmt, index));
  return *this;
}

Statement& Statement::bind_real(int index, double value)
{
  note_bind(sqlite3_bind_double(m_stmt, index, value));
  return *this;
}

Statement& Statement::bind_optional_int(int index, const std::optional<std::int64_t>& value)
{
  return value ? bind_int(index, *value) : bind_null(index);
}

Statement& Statement::bind_optional_text(int index, const std::optional<std::string>& value)
{
  return value ? bind_text(index, std::string_view(*value)) : bind_null(index);
}

Statement& Statement::bind_optional_text(int index, const std::optional<std::string_view>& value)
{
  return value ? bind_text(index, *value) : bind_null(index);
}

Result<bool> Statement::step()
{
  if (m_bind_rc != SQLITE_OK) {
    return fail(sqlite_error(m_db, m_bind_rc, m_what, sqlite3_errstr(m_bind_rc)));
  }
  int rc = sqlite3_step(m_stmt);
  if (rc == SQLITE_ROW) {
    return true;
  }
  if (rc == SQLITE_DONE) {
    return false;
  }
  Error e = sqlite_error(m_db, rc, m_what);
  sqlite3_reset(m_stmt);
  return fail(std::move(e));
}

Result<void> Statement::run()
{
  for (;;) {
    auto row = step();
    if (!row) {
      return fail(row.error());
    }
    if (!*row) {
      return {};
    }
  }
}

void Statement::reset()
{
  sqlite3_reset(m_stmt);
  sqlite3_clear_bindings(m_stmt);
  m_bind_rc = SQLITE_OK;
}

bool Statement::is_null(int column) const
{
  return sqlite3_column_type(m_stmt, column) == SQLITE_NULL;
}

std::int64_t Statement::int_at(int column) const
{
  return sqlite3_column_int64(m_stmt, column);
}

double Statement::real_at(int column) const
{
  return sqlite3_column_double(m_stmt, column);
}

std::string Statement::text_at(int column) const
{
  const auto* text = sqlite3_column_text(m_stmt, column);
  if (text == nullptr) {
    return {};
  }
  return std::string(reinterpret_cast<const char*>(text), static_cast<std::size_t>(sqlite3_column_bytes(m_stmt, column)));
}

std::optional<std::int64_t> Statement::optional_int_at(int column) const
{
  if (is_null(column)) {
    return std::nullopt;
  }
  return int_at(column);
}

std::optional<std::string> Statement::optional_text_at(int column) const
{
  if (is_null(column)) {
    return std::nullopt;
  }
  return text_at(column);
}

Transaction::~Transaction()
{
  if (m_state != State::open) {
    return;
  }
  // An I/O error may already have ended the transaction; nothing to undo then.
  if (sqlite3_get_autocommit(m_db) != 0) {
    return;
  }
  if (m_savepoint) {
    sqlite3_exec(m_db, "ROLLBACK TO noodle_atomic; RELEASE noodle_atomic", nullptr, nullptr, nullptr);
  } else {
    sqlite3_exec(m_db, "ROLLBACK", nullptr, nullptr, nullptr);
  }
}

Result<void> Transaction::open(std::string_view what)
{
  m_savepoint = sqlite3_get_autocommit(m_db) == 0;
  auto r = exec(m_db, m_savepoint ? "SAVEPOINT noodle_atomic" : "BEGIN IMMEDIATE", what);
  if (r) {
    m_state = State::open;
  }
  return r;
}

Result<void> Transaction::commit(std::string_view what)
{
  auto r = exec(m_db, m_savepoint ? "RELEASE noodle_atomic" : "COMMIT", what);
  if (r) {
    m_state = State::done;
  }
  return r;
}


Result<std::int64_t> query_int(sqlite3* db, const char* sql, std::string_view what)
{
  auto stmt = Statement::prepare(db, sql, what);
  if (!stmt) {
    return fail(stmt.error());
  }
  auto row = stmt->step();
  if (!row) {
    return fail(row.error());
  }
  if (!*row) {
    return fail(ErrorCode::io, fmt::format("state database: {}: no result", what));
  }
  return stmt->int_at(0);
}

Result<std::vector<std::string>> query_texts(sqlite3* db, const char* sql, std::string_view what)
{
  auto stmt = Statement::prepare(db, sql, what);
  if (!stmt) {
    return fail(stmt.error());
  }
  std::vector<std::string> out;
  for (;;) {
    auto row = stmt->step();
    if (!row) {
      return fail(row.error());
    }
    if (!*row) {
      return out;
    }
    out.push_back(stmt->text_at(0));
  }
}

} // namespace noodle::store::detail
