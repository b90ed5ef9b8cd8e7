// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <noodle/engine/progress.hpp>
#include <noodle/engine/session.hpp>
#include <noodle/live/runtime.hpp>
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
  std::optional<std::string> running; // what the runtime runs for good (asked over its socket)
  bool pending_restart = false;       // the runtime runs another version than the link names
};

struct RunningUpgrade {
  store::UpgradeRecord record;
  std::vector<store::OperationRecord> operations;
  bool alive = false; // its process still runs; otherwise it is interrupted (recover finishes it)
  std::optional<std::string> steering; // "paused" or "promoted" as the run applied it (steer.hpp)
  std::optional<Progress> progress;    // where its live rollout is (progress.hpp), for display only
};

struct StatusReport {
  std::vector<ComponentStatus> components; // sorted by name
  std::vector<RunningUpgrade> running;     // active or interrupted
  store::Counts counts;
  bool runtime_asked = false; // a runtime answered `running` for every component shown
  std::string runtime_note;   // why the running versions are unknown, when they are
};

// Upgrade `id` (not_found when it does not exist or the root has no history).
Result<store::UpgradeRecord> find_upgrade(Session& session, std::int64_t id);

// What is installed under the root (the links are the truth) and what the
// state database says about it; `component` narrows everything to one.
// A root that was never changed has empty counts.
// With `runtime`, each component's running version is asked too (a
// component the runtime does not run has none); when it cannot answer,
// `runtime_note` says why and the report is otherwise whole.
Result<StatusReport> status(Session& session, const std::optional<std::string>& component,
                            live::Runtime* runtime = nullptr);

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
