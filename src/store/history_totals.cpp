// SPDX-License-Identifier: Apache-2.0
// The totals of a root's history that a metrics file reports: part of
// StateStore, kept apart from the records they are counted from.
#include <noodle/store/state_store.hpp>

#include "sqlite_stmt.hpp"

namespace noodle::store {

using detail::collect;
using detail::exec;
using detail::Statement;

namespace {

template <typename T, typename Read>
Result<std::vector<T>> rows(sqlite3* db, const char* sql, std::string_view what, Read read)
{
  auto stmt = Statement::prepare(db, sql, what);
  if (!stmt) {
    return fail(stmt.error());
  }
  return collect<T>(*stmt, [&](const Statement& s) { return Result<T>(read(s)); });
}

Result<void> read_totals(sqlite3* db, HistoryTotals& t)
{
  constexpr std::string_view what = "read the history's totals";
  auto upgrades = rows<HistoryTotals::KindStatus>(
      db, "SELECT kind, status, count(*) FROM upgrades GROUP BY kind, status ORDER BY kind, status", what,
      [](const Statement& s) { return HistoryTotals::KindStatus{s.text_at(0), s.text_at(1), s.int_at(2)}; });
  if (!upgrades) {
    return fail(upgrades.error());
  }
  t.upgrades = std::move(*upgrades);

  // Newest first within a component; the first row of each is kept.
  auto changes = rows<HistoryTotals::LastChange>(
      db,
      "SELECT o.component, o.to_version, coalesce(o.finished_at, u.finished_at) AS at FROM operations o "
      "JOIN upgrades u ON u.id = o.upgrade_id WHERE u.status = 'completed' AND o.status = 'completed' AND "
      "coalesce(o.finished_at, u.finished_at) IS NOT NULL ORDER BY o.component, at DESC, o.id DESC",
      what, [](const Statement& s) { return HistoryTotals::LastChange{s.text_at(0), s.text_at(1), s.int_at(2)}; });
  if (!changes) {
    return fail(changes.error());
  }
  for (auto& c : *changes) {
    if (t.last_changes.empty() || t.last_changes.back().component != c.component) {
      t.last_changes.push_back(std::move(c));
    }
  }

  auto durations = rows<HistoryTotals::Duration>(
      db,
      "SELECT coalesce(o.strategy, u.strategy), o.finished_at - o.started_at FROM operations o JOIN upgrades u ON "
      "u.id = o.upgrade_id WHERE o.started_at IS NOT NULL AND o.finished_at IS NOT NULL AND o.finished_at >= "
      "o.started_at AND o.status NOT IN ('pending', 'in_progress') ORDER BY o.id",
      what, [](const Statement& s) { return HistoryTotals::Duration{s.text_at(0), s.int_at(1)}; });
  if (!durations) {
    return fail(durations.error());
  }
  t.durations = std::move(*durations);

  auto rollbacks = rows<std::pair<std::int64_t, std::int64_t>>(
      db,
      "SELECT (SELECT count(*) FROM upgrades WHERE status = 'rolled_back' AND kind <> 'rollback'), "
      "(SELECT count(*) FROM upgrades WHERE status = 'completed' AND kind = 'rollback')",
      what, [](const Statement& s) { return std::pair(s.int_at(0), s.int_at(1)); });
  if (!rollbacks) {
    return fail(rollbacks.error());
  }
  t.automatic_rollbacks = rollbacks->at(0).first;
  t.rollback_commands = rollbacks->at(0).second;

  auto refusals = rows<HistoryTotals::Refusals>(
      db,
      "SELECT action, coalesce(error_code, 'unknown') AS code, count(*) FROM audit WHERE outcome = 'refused' "
      "GROUP BY action, code ORDER BY action, code",
      what, [](const Statement& s) { return HistoryTotals::Refusals{s.text_at(0), s.text_at(1), s.int_at(2)}; });
  if (!refusals) {
    return fail(refusals.error());
  }
  t.refusals = std::move(*refusals);

  auto waits = rows<std::int64_t>(db, "SELECT lock_wait_ms FROM upgrades WHERE lock_wait_ms IS NOT NULL ORDER BY id",
                                  what, [](const Statement& s) { return s.int_at(0); });
  if (!waits) {
    return fail(waits.error());
  }
  t.lock_waits_ms = std::move(*waits);
  return {};
}

} // namespace

Result<HistoryTotals> StateStore::history_totals()
{
  // One read transaction, so every total comes from the same snapshot even
  // while another process commits (WAL readers never block writers).
  sqlite3* db = m_db.get();
  if (auto r = exec(db, "BEGIN DEFERRED", "read the history's totals"); !r) {
    return fail(r.error());
  }
  HistoryTotals totals;
  auto read = read_totals(db, totals);
  (void)exec(db, read ? "COMMIT" : "ROLLBACK", "read the history's totals");
  if (!read) {
    return fail(read.error());
  }
  return totals;
}

} // namespace noodle::store
