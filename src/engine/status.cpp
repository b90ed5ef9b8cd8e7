// SPDX-License-Identifier: Apache-2.0
#include <noodle/engine/status.hpp>
#include <noodle/state/installed.hpp>

namespace noodle::engine {

Result<StatusReport> status(Session& session, const std::optional<std::string>& component)
{
  StatusReport report;
  auto installed = state::read_installed(session.layout().root());
  if (!installed) {
    return fail(installed.error());
  }
  store::StateStore* db = session.store();
  for (const auto& [name, c] : installed->components) {
    if (component && name != *component) {
      continue;
    }
    ComponentStatus s;
    s.name = name;
    s.version = c.version.to_string();
    if (db != nullptr) {
      auto last = db->last_completed(name);
      if (!last) {
        return fail(last.error());
      }
      s.last_change = *last;
      auto floor = db->floor(name);
      if (!floor) {
        return fail(floor.error());
      }
      s.floor = *floor;
    }
    report.components.push_back(std::move(s));
  }
  if (db == nullptr) {
    return report;
  }
  auto counts = db->counts(component ? std::optional<std::string_view>(*component) : std::nullopt);
  if (!counts) {
    return fail(counts.error());
  }
  report.counts = *counts;
  auto unfinished = db->unfinished();
  if (!unfinished) {
    return fail(unfinished.error());
  }
  for (auto& record : *unfinished) {
    auto ops = db->operations(record.id);
    if (!ops) {
      return fail(ops.error());
    }
    bool touches = !component;
    for (const auto& op : *ops) {
      touches = touches || op.component == *component;
    }
    if (!touches) {
      continue;
    }
    RunningUpgrade r;
    r.alive = process_matches(record.pid, record.pid_start);
    r.record = std::move(record);
    r.operations = std::move(*ops);
    report.running.push_back(std::move(r));
  }
  return report;
}

Result<std::vector<HistoryEntry>> history(Session& session, const std::optional<std::string>& component,
                                          std::optional<std::int64_t> limit)
{
  std::vector<HistoryEntry> entries;
  store::StateStore* db = session.store();
  if (db == nullptr) {
    return entries;
  }
  store::UpgradeFilter filter;
  filter.component = component;
  filter.statuses = {store::UpgradeStatus::completed, store::UpgradeStatus::failed, store::UpgradeStatus::cancelled,
                     store::UpgradeStatus::rolled_back};
  filter.limit = limit;
  auto upgrades = db->upgrades(filter);
  if (!upgrades) {
    return fail(upgrades.error());
  }
  for (auto& record : *upgrades) {
    auto ops = db->operations(record.id);
    if (!ops) {
      return fail(ops.error());
    }
    entries.push_back({std::move(record), std::move(*ops)});
  }
  return entries;
}

} // namespace noodle::engine
