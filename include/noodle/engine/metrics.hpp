// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <noodle/engine/session.hpp>
#include <noodle/store/history_totals.hpp>
#include <noodle/util/error.hpp>

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace noodle::engine {

// A cumulative histogram as Prometheus keeps one: `cumulative[i]` counts the
// samples at or below `bounds[i]`; the last entry of `cumulative` (one more
// than `bounds`) counts them all (le="+Inf") and equals `count`.
struct Histogram {
  std::vector<double> bounds; // seconds, ascending
  std::vector<std::uint64_t> cumulative;
  double sum = 0; // seconds
  std::uint64_t count = 0;
};

// Buckets of the change durations and of the lock wait, in seconds.
extern const std::vector<double> k_duration_buckets;
extern const std::vector<double> k_lock_wait_buckets;

// `samples` (seconds) in a histogram over `bounds`.
Histogram make_histogram(const std::vector<double>& bounds, const std::vector<double>& samples);

// What the metrics file of a root reports, computed from its history alone
// (so that every process that writes it writes the same file for the same
// history, and it survives restarts).
struct Metrics {
  struct Upgrades {
    std::string kind;
    std::string status;
    std::int64_t count = 0;
  };
  struct LastSuccess {
    std::string component;
    std::string version;
    double timestamp_seconds = 0; // since the epoch
  };
  // Every kind (upgrade, apply, rollback, and any other recorded) by every
  // status, zero included, so a series never appears from nowhere.
  std::vector<Upgrades> upgrades;
  std::vector<LastSuccess> last_success;      // by component
  std::map<std::string, Histogram> durations; // by strategy that ran
  std::int64_t automatic_rollbacks = 0;
  std::int64_t rollback_commands = 0;
  std::vector<store::HistoryTotals::Refusals> refusals;
  Histogram lock_wait;
  std::optional<double> last_lock_wait_seconds; // the newest change's wait
};

Metrics compute_metrics(const store::HistoryTotals& totals);

// The metrics of the root `session` opened: an empty history (no state
// database yet) gives zero counts. Fails with the store's errors.
Result<Metrics> read_metrics(Session& session);

} // namespace noodle::engine
