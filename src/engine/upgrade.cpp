// SPDX-License-Identifier: Apache-2.0
#include <noodle/engine/prepare.hpp>
#include <noodle/engine/upgrade.hpp>
#include <noodle/semver/version.hpp>
#include <noodle/state/installed.hpp>

#include <fmt/format.h>

#include <map>

namespace noodle::engine {

namespace {

// One audit entry per requested component, from the version installed now
// (none for a new one) to the version asked for.
void audit_refusal(Session& session, const UpgradeOptions& options, const state::InstalledState& installed,
                   const Error& refusal)
{
  for (const auto& item : options.plan.items) {
    const auto* current = installed.find(item.component);
    (void)session.audit(options.kind, item.component,
                        current != nullptr ? std::optional(current->version.to_string()) : std::nullopt,
                        item.version ? std::optional(item.version->to_string()) : std::nullopt, "refused", std::nullopt,
                        refusal.message, refusal.code);
  }
}

} // namespace

std::vector<Change> changes_from_plan(const graph::Plan& plan, const manifest::Catalog& catalog)
{
  std::vector<Change> changes;
  for (const auto& step : plan.steps) {
    std::optional<std::string> from;
    if (step.from) {
      from = step.from->to_string();
    }
    // A downgrade or a new install is one hop; an upgrade passes every stop.
    std::vector<semver::Version> hops = step.hops;
    if (hops.empty() || step.downgrade) {
      hops = {step.to};
    }
    for (const auto& hop : hops) {
      Change c;
      c.component = step.name;
      c.from = from;
      c.to = hop.to_string();
      c.entry = hop == step.to ? step.manifest : catalog.find(step.name, hop);
      c.strategy = step.strategy;
      c.priority = step.priority;
      from = c.to;
      changes.push_back(std::move(c));
    }
  }
  return changes;
}

Result<void> check_hot_swappable(const std::vector<Change>& changes)
{
  // A component that cannot be hot-swapped is never switched in a running runtime.
  for (const auto& change : changes) {
    if (change.from && change.entry != nullptr && !change.entry->hot_swappable) {
      Error e(ErrorCode::infeasible, fmt::format("{}@{} is not hot-swappable: it cannot be switched in the running "
                                                 "runtime",
                                                 change.component, change.to));
      e.details.push_back("upgrade with --offline: the files change now and the runtime loads the new version at its "
                          "next start (pending restart)");
      return fail(std::move(e));
    }
  }
  return {};
}

Result<void> check_floors(Session& session, const std::vector<Change>& changes, graph::AllowDowngrade allow)
{
  if (allow == graph::AllowDowngrade::yes) {
    return {};
  }
  // A floor binds where a component ends up, not the required stops on the
  // way: the last change of each component is its target.
  std::map<std::string_view, const Change*> targets;
  for (const auto& change : changes) {
    targets[change.component] = &change;
  }
  for (const auto& [name, target] : targets) {
    const Change& change = *target;
    auto floor = session.store()->floor(change.component);
    if (!floor) {
      return fail(floor.error());
    }
    if (!*floor) {
      continue;
    }
    auto to = semver::Version::parse(change.to);
    auto lowest = semver::Version::parse(**floor);
    if (to && lowest && semver::compare(*to, *lowest) < 0) {
      Error e(ErrorCode::downgrade_refused,
              fmt::format("{}@{} is below {}, the highest version ever activated on this root", change.component,
                          change.to, **floor));
      e.details.push_back("going below it could reinstate a fixed vulnerability; pass --allow-downgrade if this is "
                          "meant");
      return fail(std::move(e));
    }
  }
  return {};
}

namespace {

enum class Purpose { preview, run }; // a run audits its refusals

// What upgrade() does before its first change: the outcome is a refusal, a
// no-op, or `prepared` with `changes` to carry out.
Result<UpgradeOutcome> decide(Session& session, const manifest::Catalog& catalog, const state::MachineInfo& machine,
                              const UpgradeOptions& options, Purpose purpose, std::vector<Change>& changes)
{
  UpgradeOutcome outcome;
  auto installed = state::read_installed(session.layout().root());
  if (!installed) {
    return fail(installed.error());
  }
  if (options.source.allow_unsigned == AllowUnsigned::yes && options.plan.validation == graph::Validation::strict) {
    Error e(ErrorCode::infeasible, "--allow-unsigned is refused under --validation strict");
    e.details.push_back("unsigned archives are for development only; sign the archive with `noodle-upgrade sign`");
    outcome.refusal = std::move(e);
    if (purpose == Purpose::run) {
      audit_refusal(session, options, *installed, *outcome.refusal);
    }
    return outcome;
  }
  outcome.plan = graph::make_plan(catalog, *installed, options.plan, machine);

  if (!outcome.plan.feasible) {
    Error e(ErrorCode::infeasible, "the upgrade is refused: the plan is not feasible");
    for (const auto& check : outcome.plan.checks) {
      if (check.status == graph::Check::Status::fail) {
        e.code = check.code.value_or(ErrorCode::infeasible);
        e.message = fmt::format("the upgrade is refused: {}", check.message);
        e.details = check.details;
        break;
      }
    }
    outcome.refusal = std::move(e);
    if (purpose == Purpose::run) {
      audit_refusal(session, options, *installed, *outcome.refusal);
    }
    return outcome;
  }
  changes = changes_from_plan(outcome.plan, catalog);
  if (changes.empty()) {
    outcome.no_op = true;
    return outcome;
  }
  // Everything up to the first change, as `plan` and --dry-run check it.
  PrepareRequest prepare;
  prepare.changes = changes;
  prepare.allow_downgrade = options.plan.allow_downgrade;
  prepare.source = options.source;
  prepare.live = options.live ? &*options.live : nullptr;
  prepare.check_extraction = purpose == Purpose::preview;
  auto prepared = prepare_changes(session, prepare);
  if (!prepared) {
    outcome.refusal = prepared.error();
    if (purpose == Purpose::run) {
      audit_refusal(session, options, *installed, *outcome.refusal);
    }
    return outcome;
  }
  outcome.prepared = std::move(*prepared);
  return outcome;
}

} // namespace

Result<UpgradeOutcome> preview_upgrade(Session& session, const manifest::Catalog& catalog,
                                       const state::MachineInfo& machine, const UpgradeOptions& options)
{
  std::vector<Change> changes;
  return decide(session, catalog, machine, options, Purpose::preview, changes);
}

Result<UpgradeOutcome> upgrade(Session& session, const manifest::Catalog& catalog, const state::MachineInfo& machine,
                               const UpgradeOptions& options)
{
  std::vector<Change> changes;
  auto decided = decide(session, catalog, machine, options, Purpose::run, changes);
  if (!decided || decided->refusal || decided->no_op) {
    return decided;
  }
  UpgradeOutcome outcome = std::move(*decided);
  TransactionRequest request;
  request.kind = options.kind;
  request.changes = std::move(changes);
  request.strategy = options.plan.default_strategy;
  request.priority = options.priority;
  request.metadata_json = options.metadata_json;
  request.on_failure = options.on_failure;
  request.timeout = options.timeout;
  request.source = options.source;
  request.stop = options.stop;
  request.point_retention_ms = options.point_retention_ms;
  request.live = options.live;
  auto report = run_transaction(session, request);
  if (!report) {
    return fail(report.error());
  }
  outcome.transaction = std::move(*report);
  return outcome;
}

} // namespace noodle::engine
