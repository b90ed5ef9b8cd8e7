// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <noodle/engine/install.hpp>
#include <noodle/engine/point.hpp>
#include <noodle/engine/session.hpp>
#include <noodle/live/runtime.hpp>
#include <noodle/live/strategy.hpp>
#include <noodle/manifest/model.hpp>
#include <noodle/store/state_store.hpp>
#include <noodle/util/error.hpp>

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace noodle::engine {

// One component change of a transaction.
struct Change {
  std::string component;
  std::optional<std::string> from; // empty: not installed
  std::string to;
  // Upgrades: the catalog entry of `to`, installed from its archive.
  const manifest::Manifest* entry = nullptr;
  // Rollbacks: config/ is restored from this point, and `to` must already
  // be extracted and match its record.
  std::optional<std::int64_t> restore_point;
  std::string strategy;
  int priority = 5; // 1-10, as --priority
};

enum class OnFailure { roll_back, keep };

// Asked at every safe point: an error (interrupted, terminated, timeout)
// stops the transaction there and rolls back what was done.
using StopCheck = std::function<std::optional<Error>()>;

// The live path: each change is rolled out on the running runtime by the
// strategy, between the rollback point and the runtime's commit; the
// `current` link is swapped just before that commit, so a tool that dies
// earlier leaves the old link and a runtime whose lease reverts it.
struct LivePath {
  live::Runtime* runtime = nullptr;
  live::HelloInfo hello;
  live::StrategyOptions strategy;
  live::Timer* timer = nullptr;
  live::EventSink on_event;
  // A rollback on the runtime gets this budget, never what is left of --timeout.
  std::chrono::milliseconds rollback_timeout{10000};
  std::function<void(std::chrono::milliseconds)> set_request_timeout; // may be empty
  // The independent probes of a version's health gates, from its manifest's
  // health_check.probes (the CLI fills it with probe::make_prober); null
  // when none. May be empty: the runtime's answer alone.
  std::function<std::shared_ptr<live::Prober>(const std::vector<manifest::Probe>& probes,
                                              const std::string& component, const std::string& version)>
      probers;
};

// The prober the health gates of `change` run, one code path for the run,
// `plan` and --dry-run: the manifest's probes of the version it brings; null
// for a rollback (no catalog entry) or when `live` has no probers.
std::shared_ptr<live::Prober> gate_prober(const LivePath& live, const Change& change);

struct TransactionRequest {
  std::string kind = "upgrade"; // "upgrade", "apply" or "rollback"
  std::vector<Change> changes;  // carried out in this order
  std::string strategy;
  int priority = 5; // 1-10, as --priority
  std::string metadata_json = "{}";
  OnFailure on_failure = OnFailure::roll_back;
  std::optional<std::chrono::milliseconds> timeout;
  ArchiveSource source;
  StopCheck stop;                        // may be empty
  std::optional<LivePath> live;          // empty: offline (files only)
  store::Millis point_retention_ms = 30LL * 24 * 3600 * 1000;
  std::optional<std::int64_t> undoes; // a rollback of that upgrade, recorded as a link
};

struct StepReport {
  enum class Outcome { completed, failed, rolled_back, not_started, kept };
  std::string component;
  std::optional<std::string> from;
  std::string to;
  Outcome outcome = Outcome::not_started;
  std::string message; // what failed, or what was noted ("reused the extracted version")
  double seconds = 0;
  double swap_ms = 0;  // the link replacement alone (temporary link + rename)
  double sync_ms = 0;  // the directory fsync after it
  std::optional<std::int64_t> point_id;
  std::optional<Installed> installed;
  std::optional<live::LiveResult> live; // the rollout on the runtime, when live
};

std::string_view to_string(StepReport::Outcome outcome);

struct TransactionReport {
  std::int64_t upgrade_id = 0;
  std::string kind;
  store::UpgradeStatus status = store::UpgradeStatus::pending;
  std::vector<StepReport> steps;
  std::vector<std::string> warnings;
  std::optional<Error> error;          // why it failed or stopped
  std::optional<Error> rollback_error; // rolling back failed too: the operator must act
  std::vector<std::string> root_state; // with rollback_error: where each touched `current` points now
  double seconds = 0;
  // A rollback of an upgrade that an earlier rollback (this id) already
  // undid: nothing was done.
  std::optional<std::int64_t> already_undone_by;
  bool dry_run = false; // the steps that would run, none started
};

// Carries out `request` on a locked session: records the upgrade and its
// operations, then for each change, in order: installs (or checks) the
// version, takes a rollback point (the version `current` points at and a
// copy of config/), replaces `current` (and config/ for a rollback), and
// records it. A failure or a stop at a safe point rolls back what was done in
// reverse order (unless OnFailure::keep) with its own budget, never what is
// left of the timeout. Audit entries are appended for the outcome.
//
// Fails (the Result) only when the state database cannot record the start;
// every later failure is in the report.
Result<TransactionReport> run_transaction(Session& session, const TransactionRequest& request);

// Checks that <component>/versions/<version> exists (not_found) and matches
// its extraction record (integrity, listing the first differences). Returns
// a warning when there is no record to check against, else "".
Result<std::string> check_version_dir(Session& session, const std::string& component, const std::string& version);

// Records that upgrade `upgrade_id`, whose operations `ops` all completed, is
// completed: its status (with `note`), the floor of each component raised to
// the version it reached (not for kind "rollback") and one audit entry per
// operation (`action`, outcome "completed", `detail`), in one database
// transaction, so a crash leaves all of it or none of it. Shared by
// run_transaction and recover, which finishes such a run after a crash.
// `finished_at` defaults to now; recover passes the run's last progress.
// `first`, when given, runs first in the same transaction (run_transaction's
// record of its last step: one commit, one sync fewer).
Result<void> record_completion(Session& session, std::int64_t upgrade_id, const std::string& kind,
                               const std::vector<store::OperationRecord>& ops, const std::string& action,
                               const std::string& note, const std::string& detail,
                               std::optional<store::Millis> finished_at = std::nullopt,
                               const std::function<Result<void>()>& first = {});

// Undoes one recorded operation: `current` back to `from` (removed when
// `from` is empty), config/ from the operation's point when it restored
// config. Shared by run_transaction and recover.
Result<void> undo_operation(Session& session, const store::OperationRecord& op);

} // namespace noodle::engine
