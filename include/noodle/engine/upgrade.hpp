// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <noodle/engine/change.hpp>
#include <noodle/engine/prepare.hpp>
#include <noodle/engine/session.hpp>
#include <noodle/graph/plan.hpp>
#include <noodle/manifest/model.hpp>
#include <noodle/state/machine.hpp>
#include <noodle/util/error.hpp>

#include <optional>
#include <vector>

namespace noodle::engine {

struct UpgradeOptions {
  graph::PlanRequest plan;
  std::string kind = "upgrade"; // or "apply"
  int priority = 0;
  std::string metadata_json = "{}";
  OnFailure on_failure = OnFailure::roll_back;
  std::optional<std::chrono::milliseconds> timeout;
  ArchiveSource source;
  StopCheck stop;
  store::Millis point_retention_ms = 30LL * 24 * 3600 * 1000;
  std::optional<LivePath> live; // empty: offline
};

struct UpgradeOutcome {
  graph::Plan plan;
  // Set when nothing was changed on purpose: the plan was refused, unsigned
  // archives were asked for under strict validation, or prepare_changes
  // refused (hot-swap rule, floors, strategy, an archive or signature).
  std::optional<Error> refusal;
  bool no_op = false; // every requested component is already at its target
  // What each hop will do, as found before the first change.
  std::optional<Prepared> prepared;
  std::optional<TransactionReport> transaction;
};

// The plan's steps as changes, in the plan's order; a step through required
// stops becomes one change per hop (1.2.0 -> 1.5.0, then 1.5.0 -> 2.1.0),
// each stop installed and activated in turn.
std::vector<Change> changes_from_plan(const graph::Plan& plan, const manifest::Catalog& catalog);

// Refuses a change whose target (the last change of a component; required
// stops on the way are not judged) is below the component's floor (the
// highest version ever activated here) unless downgrades are allowed.
Result<void> check_floors(Session& session, const std::vector<Change>& changes, graph::AllowDowngrade allow);

// Refuses (infeasible) a live change of a component whose catalog entry is
// not hot-swappable: it can only be switched with --offline.
Result<void> check_hot_swappable(const std::vector<Change>& changes);

// Plans against what is installed under the locked root now, refuses (and
// audits the refusal: the plan, or prepare_changes) or carries the plan out
// with run_transaction.
Result<UpgradeOutcome> upgrade(Session& session, const manifest::Catalog& catalog, const state::MachineInfo& machine,
                               const UpgradeOptions& options);

// upgrade() up to its first change, changing nothing and auditing nothing:
// the same refusal (plan, unsigned under strict validation, prepare_changes),
// the same no-op, or `prepared` -- for `plan` and --dry-run. Works on a
// session opened for reading.
Result<UpgradeOutcome> preview_upgrade(Session& session, const manifest::Catalog& catalog,
                                       const state::MachineInfo& machine, const UpgradeOptions& options);

} // namespace noodle::engine
