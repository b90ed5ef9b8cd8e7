// SPDX-License-Identifier: Apache-2.0
// The state database's extraction records: what extraction wrote for each
// component@version, file by file, and the archive it came from; part of
// StateStore, kept apart from the upgrade records.
#include <noodle/store/state_store.hpp>

#include "sqlite_stmt.hpp"

#include <fmt/format.h>

namespace noodle::store {

using detail::db_path;
using detail::Statement;
using detail::Transaction;

namespace {

std::string_view type_name(archive::TreeEntry::Type type)
{
  switch (type) {
  case archive::TreeEntry::Type::file: return "file";
  case archive::TreeEntry::Type::directory: return "directory";
  case archive::TreeEntry::Type::symlink: return "symlink";
  }
  return "file";
}

std::optional<archive::TreeEntry::Type> parse_type(std::string_view text)
{
  using Type = archive::TreeEntry::Type;
  for (Type t : {Type::file, Type::directory, Type::symlink}) {
    if (type_name(t) == text) {
      return t;
    }
  }
  return std::nullopt;
}

} // namespace

// ---- extraction records --------------------------------------------------

Result<void> StateStore::record_files(std::string_view component, std::string_view version,
                                      const std::vector<archive::TreeEntry>& entries, std::string_view archive_sha256)
{
  sqlite3* db = m_db.get();
  constexpr std::string_view what = "record extracted files";
  Transaction tx(db);
  if (auto r = tx.open(what); !r) {
    return r;
  }
  // Deleting the record drops its files too (ON DELETE CASCADE).
  auto forget = Statement::prepare(db, "DELETE FROM file_records WHERE component = ?1 AND version = ?2", what);
  if (!forget) {
    return fail(forget.error());
  }
  forget->bind_text(1, component).bind_text(2, version);
  if (auto r = forget->run(); !r) {
    return r;
  }
  auto record = Statement::prepare(
      db, "INSERT INTO file_records (component, version, archive_sha256) VALUES (?1, ?2, NULLIF(?3, ''))", what);
  if (!record) {
    return fail(record.error());
  }
  record->bind_text(1, component).bind_text(2, version).bind_text(3, archive_sha256);
  if (auto r = record->run(); !r) {
    return r;
  }
  auto insert = Statement::prepare(db,
                                   "INSERT INTO files (component, version, path, type, mode, size, digest) "
                                   "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                                   what);
  if (!insert) {
    return fail(insert.error());
  }
  for (const auto& entry : entries) {
    insert->reset();
    insert->bind_text(1, component)
        .bind_text(2, version)
        .bind_text(3, entry.path)
        .bind_text(4, type_name(entry.type))
        .bind_int(5, static_cast<std::int64_t>(entry.mode))
        .bind_int(6, static_cast<std::int64_t>(entry.size))
        .bind_text(7, entry.digest);
    if (auto r = insert->run(); !r) {
      if ((sqlite3_extended_errcode(db)) == SQLITE_CONSTRAINT_PRIMARYKEY) {
        return fail(ErrorCode::internal,
                    fmt::format("state database: {}: path '{}' appears twice in {}@{}", what, entry.path, component,
                                version));
      }
      return r;
    }
  }
  return tx.commit(what);
}

Result<std::optional<std::vector<archive::TreeEntry>>>
StateStore::files(std::string_view component, std::string_view version)
{
  sqlite3* db = m_db.get();
  // One statement, so the record and its files are read from one snapshot: a
  // record without files yields one row of NULLs.
  auto stmt = Statement::prepare(db,
                                 "SELECT f.path, f.type, f.mode, f.size, f.digest FROM file_records r "
                                 "LEFT JOIN files f ON f.component = r.component AND f.version = r.version "
                                 "WHERE r.component = ?1 AND r.version = ?2 ORDER BY f.path",
                                 "read extracted files");
  if (!stmt) {
    return fail(stmt.error());
  }
  stmt->bind_text(1, component).bind_text(2, version);
  bool recorded = false;
  std::vector<archive::TreeEntry> entries;
  for (;;) {
    auto row = stmt->step();
    if (!row) {
      return fail(row.error());
    }
    if (!*row) {
      break;
    }
    recorded = true;
    if (stmt->is_null(0)) {
      continue;
    }
    archive::TreeEntry e;
    e.path = stmt->text_at(0);
    auto type_text = stmt->text_at(1);
    auto type = parse_type(type_text);
    if (!type) {
      return fail(detail::corrupt_error(db_path(db), fmt::format("unknown file type '{}' for '{}' of {}@{}",
                                                                 type_text, e.path, component, version)));
    }
    e.type = *type;
    e.mode = static_cast<std::uint32_t>(stmt->int_at(2));
    e.size = static_cast<std::uint64_t>(stmt->int_at(3));
    e.digest = stmt->text_at(4);
    entries.push_back(std::move(e));
  }
  if (!recorded) {
    return std::optional<std::vector<archive::TreeEntry>>();
  }
  return std::optional<std::vector<archive::TreeEntry>>(std::move(entries));
}

Result<std::optional<std::string>> StateStore::recorded_archive(std::string_view component, std::string_view version)
{
  auto stmt = Statement::prepare(m_db.get(),
                                 "SELECT coalesce(archive_sha256, '') FROM file_records WHERE component = ?1 AND "
                                 "version = ?2",
                                 "read the archive of an extraction record");
  if (!stmt) {
    return fail(stmt.error());
  }
  stmt->bind_text(1, component).bind_text(2, version);
  auto row = stmt->step();
  if (!row) {
    return fail(row.error());
  }
  if (!*row) {
    return std::optional<std::string>();
  }
  return std::optional<std::string>(stmt->text_at(0));
}

Result<void> StateStore::forget_files(std::string_view component, std::string_view version)
{
  auto stmt = Statement::prepare(m_db.get(), "DELETE FROM file_records WHERE component = ?1 AND version = ?2",
                                 "forget extracted files");
  if (!stmt) {
    return fail(stmt.error());
  }
  stmt->bind_text(1, component).bind_text(2, version);
  return stmt->run();
}

Result<std::vector<std::pair<std::string, std::string>>> StateStore::recorded_versions()
{
  auto stmt = Statement::prepare(m_db.get(), "SELECT component, version FROM file_records ORDER BY component, version",
                                 "list extraction records");
  if (!stmt) {
    return fail(stmt.error());
  }
  return detail::collect<std::pair<std::string, std::string>>(*stmt, [](const Statement& row) {
    return Result<std::pair<std::string, std::string>>(std::make_pair(row.text_at(0), row.text_at(1)));
  });
}

} // namespace noodle::store
