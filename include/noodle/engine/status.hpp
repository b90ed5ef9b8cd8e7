// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <noodle/engine/session.hpp>
#include <noodle/store/state_store.hpp>
#include <noodle/util/error.hpp>

#include <optional>
#include <string>
#include <vector>

namespace noodle::engine {

struct ComponentStatus {
  std::string name;
  std::string version;                      // where `current` points
  std::optional<store::Millis> last_change; // the last completed change that touched it
  std::optional<std::string> floor;
};

struct RunningUpgrade {
  store::UpgradeRecord record;
  std::vector<store::OperationRecord> operations;
  bool alive = false; // its process still runs; otherwise it is interrupted (recover finishes it)
};

struct StatusReport {
  std::vector<ComponentStatus> components; // sorted by name
  std::vector<RunningUpgrade> running;     // active or interrupted
  store::Counts counts;
};

// What is installed under the root (the links are the truth) and what the
// state database says about it; `component` narrows everything to one.
// A root that was never changed has empty counts.
Result<StatusReport> status(Session& session, const std::optional<std::string>& component);

struct HistoryEntry {
  store::UpgradeRecord record;
  std::vector<store::OperationRecord> operations;
};

// Finished upgrades, rollbacks and batches that pass `filter`, newest first
// (an empty status list means every finished status).
Result<std::vector<HistoryEntry>> history(Session& session, store::UpgradeFilter filter);

// One upgrade in full: its record, every step with its times and the
// strategy that ran, and the events of its live rollouts.
struct UpgradeDetail {
  store::UpgradeRecord record;
  std::vector<store::OperationRecord> operations;
  std::vector<store::EventRecord> events;
};
// not_found when there is no upgrade `id`.
Result<UpgradeDetail> upgrade_detail(Session& session, std::int64_t id);

} // namespace noodle::engine
