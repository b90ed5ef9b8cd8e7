// SPDX-License-Identifier: Apache-2.0
#pragma once

// Thin RAII wrappers over the SQLite C API, private to the store module.

#include <noodle/util/error.hpp>

#include <sqlite3.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace noodle::store::detail {

// How long a call waits for another process's lock before failing.
inline constexpr int k_busy_timeout_ms = 10000;

// The corrupt_state error for the database at `path`, with the advice to
// keep the file.
Error corrupt_error(std::string_view path, std::string_view why);

// Maps a failed SQLite call to an Error: corrupt_state for SQLITE_CORRUPT and
// SQLITE_NOTADB, io otherwise ("state database: <what>: <message>").
Error sqlite_error(sqlite3* db, int rc, std::string_view what, std::string_view message);
// The same with sqlite3_errmsg(db) as the message.
Error sqlite_error(sqlite3* db, int rc, std::string_view what);

// Runs SQL text holding no values (schema, pragmas, transaction control).
Result<void> exec(sqlite3* db, const char* sql, std::string_view what);

// One prepared statement. Bind errors are kept and reported by step(), so
// binds can be chained.
class Statement {
public:
  static Result<Statement> prepare(sqlite3* db, std::string_view sql, std::string_view what);

  Statement(Statement&& other) noexcept;
  Statement& operator=(Statement&& other) noexcept;
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;
  ~Statement();

  // `index` is 1-based, as in SQLite.
  Statement& bind_int(int index, std::int64_t value);
  Statement& bind_text(int index, std::string_view value);
  Statement& bind_null(int index);
  Statement& bind_real(int index, double value);
  // NULL when the optional is empty.
  Statement& bind_optional_int(int index, const std::optional<std::int64_t>& value);
  Statement& bind_optional_text(int index, const std::optional<std::string>& value);
  Statement& bind_optional_text(int index, const std::optional<std::string_view>& value);

  // true when a row is ready, false when the statement is done.
  Result<bool> step();
  // Steps to the end, ignoring any rows.
  Result<void> run();
  // Makes the statement ready to run again with new bindings.
  void reset();

  bool is_null(int column) const;
  std::int64_t int_at(int column) const;
  double real_at(int column) const;
  std::string text_at(int column) const;
  std::optional<std::int64_t> optional_int_at(int column) const;
  std::optional<std::string> optional_text_at(int column) const;

private:
  Statement(sqlite3* db, sqlite3_stmt* stmt, std::string_view what);
  void note_bind(int rc);

  sqlite3* m_db = nullptr;
  sqlite3_stmt* m_stmt = nullptr;
  std::string m_what;
  int m_bind_rc = SQLITE_OK;
};

// Makes a sequence of statements atomic: BEGIN IMMEDIATE ... COMMIT when no
// transaction is open, else a SAVEPOINT inside the caller's transaction.
// Rolls back on destruction unless committed.
class Transaction {
public:
  explicit Transaction(sqlite3* db) : m_db(db) {}
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;
  ~Transaction();

  Result<void> open(std::string_view what);
  Result<void> commit(std::string_view what);

private:
  enum class State { idle, open, done };
  sqlite3* m_db;
  bool m_savepoint = false;
  State m_state = State::idle;
};

// The file the connection has open (absolute, as SQLite names it).
std::string db_path(sqlite3* db);

// Runs a statement that yields one integer.
Result<std::int64_t> query_int(sqlite3* db, const char* sql, std::string_view what);
// Runs a statement and collects the first column of every row.
Result<std::vector<std::string>> query_texts(sqlite3* db, const char* sql, std::string_view what);

// Steps `stmt` to the end, turning every row into a T with `read`.
template <typename T, typename Read> Result<std::vector<T>> collect(Statement& stmt, Read read)
{
  std::vector<T> out;
  for (;;) {
    auto row = stmt.step();
    if (!row) {
      return fail(row.error());
    }
    if (!*row) {
      return out;
    }
    Result<T> item = read(stmt);
    if (!item) {
      return fail(item.error());
    }
    out.push_back(std::move(*item));
  }
}

} // namespace noodle::store::detail
