// SPDX-License-Identifier: Apache-2.0
#include <noodle/engine/metrics.hpp>

#include <algorithm>
#include <set>

namespace noodle::engine {

const std::vector<double> k_duration_buckets = {0.1, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800};
const std::vector<double> k_lock_wait_buckets = {0.001, 0.01, 0.1, 0.5, 1, 5, 10, 30, 60, 300};

Histogram make_histogram(const std::vector<double>& bounds, const std::vector<double>& samples)
{
  Histogram h;
  h.bounds = bounds;
  h.cumulative.assign(bounds.size() + 1, 0);
  for (const double s : samples) {
    for (std::size_t i = 0; i < bounds.size(); ++i) {
      if (s <= bounds[i]) {
        ++h.cumulative[i];
      }
    }
    ++h.cumulative.back();
    h.sum += s;
    ++h.count;
  }
  return h;
}

Metrics compute_metrics(const store::HistoryTotals& totals)
{
  Metrics m;
  // Every kind by every status the database knows, zero included.
  std::set<std::string> kinds = {"apply", "rollback", "upgrade"};
  for (const auto& u : totals.upgrades) {
    kinds.insert(u.kind);
  }
  const char* const statuses[] = {"pending", "in_progress", "completed", "failed", "cancelled", "rolled_back"};
  for (const auto& kind : kinds) {
    for (const char* status : statuses) {
      std::int64_t count = 0;
      for (const auto& u : totals.upgrades) {
        if (u.kind == kind && u.status == status) {
          count = u.count;
        }
      }
      m.upgrades.push_back({kind, status, count});
    }
  }
  for (const auto& c : totals.last_changes) {
    m.last_success.push_back({c.component, c.version, static_cast<double>(c.at_ms) / 1000.0});
  }
  std::map<std::string, std::vector<double>> by_strategy;
  for (const auto& d : totals.durations) {
    by_strategy[d.strategy].push_back(static_cast<double>(d.ms) / 1000.0);
  }
  for (const auto& [strategy, samples] : by_strategy) {
    m.durations.emplace(strategy, make_histogram(k_duration_buckets, samples));
  }
  m.automatic_rollbacks = totals.automatic_rollbacks;
  m.rollback_commands = totals.rollback_commands;
  m.refusals = totals.refusals;
  std::vector<double> waits;
  waits.reserve(totals.lock_waits_ms.size());
  for (const auto ms : totals.lock_waits_ms) {
    waits.push_back(static_cast<double>(ms) / 1000.0);
  }
  m.lock_wait = make_histogram(k_lock_wait_buckets, waits);
  if (!waits.empty()) {
    m.last_lock_wait_seconds = waits.back();
  }
  return m;
}

Result<Metrics> read_metrics(Session& session)
{
  store::StateStore* db = session.store();
  if (db == nullptr) {
    return compute_metrics(store::HistoryTotals{});
  }
  auto totals = db->history_totals();
  if (!totals) {
    return fail(totals.error());
  }
  return compute_metrics(*totals);
}

} // namespace noodle::engine
