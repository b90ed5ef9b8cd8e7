// SPDX-License-Identifier: Apache-2.0
// The state database's record of live rollouts (the events table) and the
// names it knows: part of StateStore, kept apart from the upgrade records.
#include <noodle/store/state_store.hpp>

#include "sqlite_stmt.hpp"

#include <nlohmann/json.hpp>

namespace noodle::store {

using detail::Statement;
using detail::Transaction;

Result<void> StateStore::append_events(const std::vector<EventRecord>& events)
{
  if (events.empty()) {
    return {};
  }
  sqlite3* db = m_db.get();
  Transaction tx(db);
  if (auto r = tx.open("record rollout events"); !r) {
    return r;
  }
  auto stmt = Statement::prepare(db,
                                 "INSERT INTO events (upgrade_id, operation_id, time, at_ms, phase, detail, weight, "
                                 "instances, healthy) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
                                 "record a rollout event");
  if (!stmt) {
    return fail(stmt.error());
  }
  for (const auto& e : events) {
    stmt->reset();
    // Whole milliseconds are enough for a record; REAL keeps fractions anyway.
    stmt->bind_int(1, e.upgrade_id)
        .bind_optional_int(2, e.operation_id)
        .bind_int(3, e.time)
        .bind_text(5, e.phase)
        .bind_text(6, e.detail)
        .bind_optional_int(7, e.weight)
        .bind_text(8, nlohmann::json(e.instances).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace))
        .bind_optional_int(9, e.healthy ? std::optional<std::int64_t>(*e.healthy ? 1 : 0) : std::nullopt);
    stmt->bind_real(4, e.at_ms);
    if (auto r = stmt->run(); !r) {
      return r;
    }
  }
  return tx.commit("record rollout events");
}

Result<std::vector<EventRecord>> StateStore::events(std::int64_t upgrade_id)
{
  auto stmt = Statement::prepare(m_db.get(),
                                 "SELECT id, upgrade_id, operation_id, time, at_ms, phase, detail, weight, instances, "
                                 "healthy FROM events WHERE upgrade_id = ?1 ORDER BY id",
                                 "read rollout events");
  if (!stmt) {
    return fail(stmt.error());
  }
  stmt->bind_int(1, upgrade_id);
  return detail::collect<EventRecord>(*stmt, [](const Statement& row) {
    EventRecord e;
    e.id = row.int_at(0);
    e.upgrade_id = row.int_at(1);
    e.operation_id = row.optional_int_at(2);
    e.time = row.int_at(3);
    e.at_ms = row.real_at(4);
    e.phase = row.text_at(5);
    e.detail = row.text_at(6);
    e.weight = row.optional_int_at(7);
    const auto instances = nlohmann::json::parse(row.text_at(8), nullptr, false);
    if (instances.is_array()) {
      for (const auto& i : instances) {
        if (i.is_string()) {
          e.instances.push_back(i.get<std::string>());
        }
      }
    }
    if (auto healthy = row.optional_int_at(9)) {
      e.healthy = *healthy != 0;
    }
    return Result<EventRecord>(std::move(e));
  });
}

Result<std::vector<std::string>> StateStore::known_components()
{
  return detail::query_texts(m_db.get(),
                             "SELECT component FROM operations UNION SELECT component FROM audit WHERE component "
                             "<> '' ORDER BY 1",
                             "list the components of the history");
}

} // namespace noodle::store
