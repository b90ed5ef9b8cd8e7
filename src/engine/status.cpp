// SPDX-License-Identifier: Apache-2.0
#include <noodle/engine/status.hpp>
#include <noodle/engine/steer.hpp>
#include <noodle/state/installed.hpp>

#include <fmt/format.h>

namespace noodle::engine {

Result<StatusReport> status(Session& session, const std::optional<std::string>& component, live::Runtime* runtime)
{
  StatusReport report;
  report.runtime_asked = runtime != nullptr;
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
    if (runtime != nullptr && report.runtime_asked) {
      auto running = runtime->running(name);
      if (running) {
        s.running = *running;
        s.pending_restart = running->has_value() && **running != s.version;
      } else {
        report.runtime_asked = false;
        report.runtime_note = fmt::format("the runtime did not say what it runs: {}", running.error().message);
      }
    }
    report.components.push_back(std::move(s));
  }
  if (!report.runtime_asked) {
    for (auto& c : report.components) {
      c.running.reset();
      c.pending_restart = false;
    }
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
    if (r.alive) {
      r.steering = steering_state(session.layout(), record.id);
      r.progress = read_progress(session.layout(), record.id);
    }
    r.record = std::move(record);
    r.operations = std::move(*ops);
    report.running.push_back(std::move(r));
  }
  return report;
}

Result<std::vector<HistoryEntry>> history(Session& session, store::UpgradeFilter filter)
{
  std::vector<HistoryEntry> entries;
  store::StateStore* db = session.store();
  if (db == nullptr) {
    return entries;
  }
  if (filter.statuses.empty()) {
    filter.statuses = {store::UpgradeStatus::completed, store::UpgradeStatus::failed, store::UpgradeStatus::cancelled,
                       store::UpgradeStatus::rolled_back};
  }
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

Result<store::UpgradeRecord> find_upgrade(Session& session, std::int64_t id)
{
  store::StateStore* db = session.store();
  if (db == nullptr) {
    return fail(ErrorCode::not_found, fmt::format("upgrade {} does not exist: this root has no history", id));
  }
  auto record = db->upgrade(id);
  if (!record) {
    return fail(record.error());
  }
  if (!*record) {
    return fail(ErrorCode::not_found, fmt::format("upgrade {} does not exist", id));
  }
  return std::move(**record);
}

Result<UpgradeDetail> upgrade_detail(Session& session, std::int64_t id)
{
  auto record = find_upgrade(session, id);
  if (!record) {
    return fail(record.error());
  }
  store::StateStore* db = session.store();
  UpgradeDetail detail;
  detail.record = std::move(*record);
  auto ops = db->operations(id);
  if (!ops) {
    return fail(ops.error());
  }
  detail.operations = std::move(*ops);
  auto events = db->events(id);
  if (!events) {
    return fail(events.error());
  }
  detail.events = std::move(*events);
  return detail;
}

} // namespace noodle::engine
