// SPDX-License-Identifier: Apache-2.0
// `upgrade` and `apply`: change the active versions of a root.
#include "context.hpp"
#include "option_checks.hpp"

#include <noodle/engine/install.hpp>
#include <noodle/engine/plan_file.hpp>
#include <noodle/engine/prepare.hpp>
#include <noodle/engine/upgrade.hpp>
#include <noodle/manifest/loader.hpp>
#include <noodle/output/engine_view.hpp>
#include <noodle/output/graph_view.hpp>
#include <noodle/output/prepare_view.hpp>
#include <noodle/output/text.hpp>
#include <noodle/state/machine.hpp>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <memory>

namespace noodle::cli {

namespace {

// What upgrade and apply share.
struct ChangeOptions {
  PlanRequestOptions plan;
  bool dry_run = false;
  LiveCliOptions live;
  std::chrono::milliseconds timeout{300'000}; // 0: none
  int priority = 5;
  bool no_rollback = false;
  bool allow_unsigned = false;
  std::string requested_by;
  std::vector<std::string> metadata;
  // apply only
  bool no_atomic = false;
  std::string saved_plan;
};

void add_change_options(CLI::App* cmd, ChangeOptions& o, bool batch)
{
  cmd->add_option("--strategy", o.plan.strategy, "Rollout strategy on the running runtime (offline: at once)")
      ->envname("NOODLE_STRATEGY")
      ->transform(strategy_alias())
      ->check(CLI::IsMember(strategy_names()))
      ->capture_default_str();
  cmd->add_flag("--dry-run", o.dry_run,
                "Check everything the run checks before its first change and list what each hop would do; change "
                "nothing");
  add_live_options(cmd, o.live, true);
  add_duration_option(cmd, "--timeout", o.timeout,
                      "How long the change may take before it is rolled back (0: no limit)");
  cmd->add_option("--validation", o.plan.validation, "How strict the checks are")
      ->check(CLI::IsMember({"strict", "normal", "permissive"}))
      ->capture_default_str();
  cmd->add_flag("--allow-downgrade", o.plan.allow_downgrade, "Allow a move to a lower version");
  cmd->add_flag("--allow-unsigned", o.allow_unsigned,
                "Development only: install archives that have no signature (refused under --validation strict)");
  cmd->add_option("--requested-by", o.requested_by, "Who asked for the change, for the history (default: the user)");
  cmd->add_option("--metadata", o.metadata, "KEY=VALUE recorded with the change (repeatable)");
  if (batch) {
    cmd->add_flag("--no-atomic", o.no_atomic, "Keep the steps that succeeded when a later one fails");
  } else {
    cmd->add_option("--constraint", o.plan.constraints, "Limit the versions chosen for a component: NAME@RANGE");
    add_constraint_semver_flags(cmd, o.plan.constraint_semver);
    cmd->add_option("--priority", o.priority, "Priority 1-10, recorded with the change")->check(whole_number(1, 10));
    cmd->add_flag("--no-rollback", o.no_rollback, "On failure keep the steps already done");
  }
}

engine::ArchiveSource archive_source(const Context& ctx, const ChangeOptions& o)
{
  engine::ArchiveSource source;
  source.archives_dir = ctx.archives_dir();
  source.keyring_dir = ctx.keyring_dir();
  source.limits = ctx.archive_limits();
  source.allow_unsigned = o.allow_unsigned ? engine::AllowUnsigned::yes : engine::AllowUnsigned::no;
  attach_repository(ctx, source);
  return source;
}

constexpr std::string_view k_unsigned_warning =
    "--allow-unsigned: archives without a signature will be installed; this is for development only and is "
    "recorded in the audit trail";

// --dry-run: everything the run checks before its first change (the
// runtime, the plan, floors, the hot-swap rule, each hop's archive and
// signature), then what each hop would do; the run's refusal otherwise.
output::ExitCode dry_run(Context& ctx, const manifest::Catalog& catalog, const graph::PlanRequest& request,
                         const std::string& title, const ChangeOptions& o)
{
  if (o.allow_unsigned && request.validation != graph::Validation::strict) {
    ctx.reporter.warning(k_unsigned_warning);
  }
  auto preview = preview_change(ctx, o.live, request, catalog, archive_source(ctx, o));
  if (preview.exit) {
    return *preview.exit;
  }
  const auto& outcome = *preview.outcome;
  if (outcome.refusal || outcome.no_op || !outcome.prepared) {
    return output::render_upgrade(outcome, title, ctx.reporter);
  }
  return output::render_dry_run(*outcome.prepared, title + " (dry run)", ctx.reporter);
}

// With a repository, the archives the plan needs are fetched and checked
// against the index (their signatures are the run's) before the root is locked: a mirror's failure or attack
// then changes nothing under the root, not even its history.
bool is_repository_error(ErrorCode code)
{
  switch (code) {
  case ErrorCode::repo_unreachable:
  case ErrorCode::repo_invalid:
  case ErrorCode::repo_rollback:
  case ErrorCode::repo_expired:
  case ErrorCode::repo_too_large:
  case ErrorCode::repo_digest_mismatch: return true;
  default: return false;
  }
}

std::optional<output::ExitCode> prefetch_from_repository(Context& ctx, const LoadedCatalog& loaded,
                                                         const graph::PlanRequest& request)
{
  if (!ctx.repository) {
    return std::nullopt;
  }
  const auto plan =
      graph::make_plan(loaded.result.catalog, loaded.installed, request, state::probe_machine(ctx.root()));
  for (const auto& change : engine::changes_from_plan(plan, loaded.result.catalog)) {
    if (change.entry == nullptr) {
      continue;
    }
    auto files = ctx.repository->fetch_archive(change.entry->name, change.entry->version.to_string());
    if (!files && is_repository_error(files.error().code)) {
      return ctx.reporter.failure(files.error());
    }
  }
  return std::nullopt; // anything else is the run's to refuse, record and report
}

output::ExitCode run_change(Context& ctx, const ChangeOptions& o, const std::string& kind)
{
  auto metadata = metadata_json(o.metadata);
  if (!metadata) {
    return ctx.reporter.failure(metadata.error());
  }
  auto loaded = load_catalog(ctx, WithInstalled::yes, CatalogCache::bypass);
  if (loaded.exit) {
    return *loaded.exit;
  }
  auto built = build_plan_request(ctx, o.plan, loaded.result.catalog);
  if (!built) {
    return ctx.reporter.failure(built.error());
  }
  auto& [request, title] = *built;
  if (o.dry_run) {
    return dry_run(ctx, loaded.result.catalog, request, title, o);
  }
  if (o.allow_unsigned && request.validation != graph::Validation::strict) {
    ctx.reporter.warning(k_unsigned_warning);
  }
  // The runtime first: with none listening nothing is locked or changed.
  std::optional<LiveConnection> connection;
  if (!o.live.offline) {
    auto connected = connect_live(ctx, o.live, request.default_strategy);
    if (!connected) {
      return ctx.reporter.failure(connected.error());
    }
    connection.emplace(std::move(*connected));
  }
  if (auto exit = prefetch_from_repository(ctx, loaded, request)) {
    return *exit;
  }
  auto opened = open_change_session(ctx, o.requested_by);
  if (opened.exit) {
    return *opened.exit;
  }
  StopSignals signals;
  engine::UpgradeOptions options;
  if (connection) {
    options.live = connection->path;
    options.live->runtime = connection->runtime.get();
  }
  options.plan = request;
  options.kind = kind;
  options.priority = o.priority;
  options.metadata_json = *metadata;
  options.on_failure = (o.no_rollback || o.no_atomic) ? engine::OnFailure::keep : engine::OnFailure::roll_back;
  if (o.timeout.count() > 0) {
    options.timeout = o.timeout;
  }
  options.source = archive_source(ctx, o);
  options.point_retention_ms = ctx.global.point_retention_ms;
  options.stop = signals.stop_check();
  auto outcome = engine::upgrade(*opened.session, loaded.result.catalog, state::probe_machine(ctx.root()), options);
  if (!outcome) {
    return ctx.reporter.failure(outcome.error());
  }
  return output::render_upgrade(*outcome, title, ctx.reporter);
}

// apply --plan: exactly the saved steps, when nothing drifted.
output::ExitCode run_saved_plan(Context& ctx, const ChangeOptions& o)
{
  auto metadata = metadata_json(o.metadata);
  if (!metadata) {
    return ctx.reporter.failure(metadata.error());
  }
  std::vector<manifest::Diagnostic> diagnostics;
  auto text = manifest::read_input_file(o.saved_plan, 4 * 1024 * 1024, diagnostics);
  if (!text) {
    return ctx.reporter.failure(diagnostics.empty() ? Error(ErrorCode::io, "cannot read '" + o.saved_plan + "'")
                                                    : manifest::to_error(diagnostics.front()));
  }
  auto saved = engine::parse_saved_plan(*text, o.saved_plan);
  if (!saved) {
    return ctx.reporter.failure(saved.error());
  }
  // The saved plan fixes validation and downgrades; --allow-unsigned is
  // judged against its validation.
  if (o.allow_unsigned && saved->request.validation == graph::Validation::strict) {
    return ctx.reporter.failure(Error(ErrorCode::infeasible, "--allow-unsigned is refused under --validation strict "
                                                             "(the validation the plan was saved with)"));
  }
  if (o.allow_unsigned) {
    ctx.reporter.warning(k_unsigned_warning);
  }
  auto loaded = load_catalog(ctx, WithInstalled::no, CatalogCache::bypass);
  if (loaded.exit) {
    return *loaded.exit;
  }
  // --dry-run asks the runtime as the run does.
  std::optional<LiveConnection> connection;
  if (o.dry_run) {
    auto connected = connect_as_the_run(ctx, o.live, o.plan.strategy);
    if (!connected) {
      return ctx.reporter.failure(connected.error());
    }
    connection = std::move(*connected);
  } else if (!o.live.offline) {
    auto connected = connect_live(ctx, o.live, o.plan.strategy);
    if (!connected) {
      return ctx.reporter.failure(connected.error());
    }
    connection.emplace(std::move(*connected));
  }
  auto opened = o.dry_run ? open_read_session(ctx) : open_change_session(ctx, o.requested_by);
  if (opened.exit) {
    return *opened.exit;
  }
  engine::Session& session = *opened.session;
  auto installed = state::read_installed(ctx.root());
  if (!installed) {
    return ctx.reporter.failure(installed.error());
  }
  auto inputs = engine::digest_plan_inputs(ctx.catalog_dir(), *installed, ctx.keyring_dir());
  if (!inputs) {
    return ctx.reporter.failure(inputs.error());
  }
  const std::string title = fmt::format("saved plan '{}'", o.saved_plan);
  // A refusal is audited once per step, with the versions it would have moved
  // (once without a component for a plan whose steps cannot be read).
  const auto refuse = [&](const Error& error) {
    if (!o.dry_run) {
      for (const auto& step : saved->steps) {
        (void)session.audit("apply", step.component, step.from, step.to, "refused", std::nullopt, error.message, error.code);
      }
      if (saved->steps.empty()) {
        (void)session.audit("apply", "", std::nullopt, std::nullopt, "refused", std::nullopt, error.message, error.code);
      }
    }
    return ctx.reporter.failure(error);
  };
  if (saved->edited) {
    return refuse(*saved->edited);
  }
  if (auto drift = engine::check_drift(*saved, *inputs); !drift) {
    return refuse(drift.error());
  }
  // The steps are what the saved request gives now, never the file's word:
  // every field of every step must match them.
  const auto plan = graph::make_plan(loaded.result.catalog, *installed, saved->request, state::probe_machine(ctx.root()));
  if (!plan.feasible) {
    const auto failed = std::find_if(plan.checks.begin(), plan.checks.end(),
                                     [](const graph::Check& c) { return c.status == graph::Check::Status::fail; });
    return refuse(Error(ErrorCode::drift, fmt::format("the saved plan of {} is no longer feasible: {}", saved->created_at,
                                                      failed != plan.checks.end() ? failed->message : "a check fails")));
  }
  auto changes = engine::changes_from_plan(plan, loaded.result.catalog);
  if (auto same = engine::check_saved_steps(*saved, changes); !same) {
    return refuse(same.error());
  }
  if (connection) {
    connection->path.runtime = connection->runtime.get();
  }
  // Everything up to the first change, as --dry-run checks it.
  engine::PrepareRequest prepare;
  prepare.changes = changes;
  prepare.allow_downgrade = saved->request.allow_downgrade;
  prepare.source = archive_source(ctx, o);
  prepare.live = connection ? &connection->path : nullptr;
  prepare.check_extraction = o.dry_run;
  auto prepared = engine::prepare_changes(session, prepare);
  if (!prepared) {
    return refuse(prepared.error());
  }
  if (o.dry_run && !changes.empty()) {
    return output::render_dry_run(*prepared, title + " (still current)", ctx.reporter);
  }
  if (changes.empty()) {
    ctx.reporter.text(output::format_text("{}: nothing to do\n", title));
    return ctx.reporter.success({{"no_op", true}});
  }
  StopSignals signals;
  engine::TransactionRequest request;
  request.kind = "apply";
  request.changes = std::move(changes);
  request.strategy = o.plan.strategy;
  request.metadata_json = *metadata;
  request.on_failure = o.no_atomic ? engine::OnFailure::keep : engine::OnFailure::roll_back;
  if (o.timeout.count() > 0) {
    request.timeout = o.timeout;
  }
  request.source = archive_source(ctx, o);
  request.point_retention_ms = ctx.global.point_retention_ms;
  request.stop = signals.stop_check();
  if (connection) {
    request.live = connection->path;
    request.live->runtime = connection->runtime.get();
  }
  auto report = engine::run_transaction(session, request);
  if (!report) {
    return ctx.reporter.failure(report.error());
  }
  return output::render_transaction(*report, title, ctx.reporter);
}

} // namespace

Result<std::string> metadata_json(const std::vector<std::string>& pairs)
{
  nlohmann::ordered_json j = nlohmann::ordered_json::object();
  for (const auto& p : pairs) {
    const auto eq = p.find('=');
    if (eq == std::string::npos || eq == 0) {
      return fail(ErrorCode::usage, fmt::format("metadata '{}' is not KEY=VALUE", p));
    }
    j[p.substr(0, eq)] = p.substr(eq + 1);
  }
  return j.dump();
}

void add_upgrade_commands(CLI::App& app, Registry& registry)
{
  auto up = std::make_shared<ChangeOptions>();
  auto* upgrade = add_command(
      app, "upgrade", "Upgrade a component (and what it needs) to a version, with rollback on failure",
      "Verifies each signed archive, extracts it beside the running version and takes a rollback point; then rolls "
      "it out on the running runtime by --strategy behind health gates and swaps the `current` link atomically just "
      "before the runtime commits (--offline: the link only). Any failure rolls back every step in reverse. "
      "Upgrading to the active version is a "
      "no-op. Exit 0 done (or nothing to do); otherwise the code of the error that stopped it: 1 failed or timed out, "
      "2 usage or a missing archive, 3 refused, 4 archive or signature rejected, 5 root locked, 6 no runtime "
      "(or an untrusted one, or the connection lost); what was done is "
      "rolled back first, and 7 says that rollback failed.",
      "noodle-upgrade --archives ./archives upgrade telemetry_agent 1.0.0 --strategy canary");
  upgrade->add_option("NAME", up->plan.name, "Component to upgrade")->required();
  upgrade->add_option("VERSION", up->plan.version, "Target version")->required();
  add_change_options(upgrade, *up, false);
  on_run(upgrade, registry, [up](Context& ctx) { return run_change(ctx, *up, "upgrade"); });

  auto ap = std::make_shared<ChangeOptions>();
  auto* apply = add_command(
      app, "apply", "Carry out a batch file of upgrades, or a saved plan, all or nothing",
      "Steps run in dependency order, then by priority; when one fails every step already done is rolled back in "
      "reverse order (--no-atomic keeps them). With --plan, carries out exactly a plan saved by 'plan --save' and "
      "refuses (exit 3) when the catalog, the installed versions or the keyring changed since.",
      "noodle-upgrade apply upgrades.yaml");
  apply->add_option("BATCH", ap->plan.batch_file, "Batch file (upgrades: [...])");
  apply->add_option("--plan", ap->saved_plan,
                    "A plan saved by 'plan --save' (its validation and downgrade choice are the saved ones)");
  add_change_options(apply, *ap, true);
  on_run(apply, registry, [ap](Context& ctx) {
    if (ap->plan.batch_file.empty() == ap->saved_plan.empty()) {
      return ctx.reporter.failure(Error(ErrorCode::usage, "expected 'apply BATCH.yaml' or 'apply --plan PLAN.json'; "
                                                          "run 'noodle-upgrade apply --help' for usage"));
    }
    return ap->saved_plan.empty() ? run_change(ctx, *ap, "apply") : run_saved_plan(ctx, *ap);
  });
}

} // namespace noodle::cli
