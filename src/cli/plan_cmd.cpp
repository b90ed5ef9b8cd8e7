// SPDX-License-Identifier: Apache-2.0
// `plan`: the feasibility and validation report of an upgrade or a batch.
#include "context.hpp"
#include "option_checks.hpp"

#include <noodle/engine/plan_file.hpp>
#include <noodle/engine/upgrade.hpp>
#include <noodle/graph/plan.hpp>
#include <noodle/output/engine_view.hpp>
#include <noodle/util/atomic_file.hpp>
#include <noodle/manifest/batch.hpp>
#include <noodle/manifest/names.hpp>
#include <noodle/output/graph_view.hpp>
#include <noodle/state/machine.hpp>
#include <noodle/util/spellcheck.hpp>

#include <fmt/format.h>

#include <memory>

namespace noodle::cli {

namespace {

struct PlanOptions {
  std::string name;
  std::string version;
  std::string batch_file;
  std::vector<std::string> constraints;
  std::string strategy = "gradual";
  std::string validation = "normal";
  bool allow_downgrade = false;
  std::string save;
  bool allow_unsigned = false;
  LiveCliOptions live;
  semver::Options constraint_semver;
};

} // namespace

namespace {

// A requested component the catalog does not hold is a usage error, found
// before anything is locked or contacted.
Result<void> check_requested(const manifest::Catalog& catalog, const graph::PlanRequest& request)
{
  const auto names = catalog.names();
  for (const auto& item : request.items) {
    if (catalog.contains(item.component)) {
      continue;
    }
    std::string message = fmt::format("unknown component '{}'", item.component);
    if (auto suggestion = util::suggest(item.component, names)) {
      message += fmt::format(" (did you mean '{}'?)", *suggestion);
    }
    return fail(ErrorCode::not_found, message);
  }
  for (const auto& c : request.constraints) {
    if (!catalog.contains(c.name)) {
      std::string message = fmt::format("--constraint names unknown component '{}'", c.name);
      if (auto suggestion = util::suggest(c.name, names)) {
        message += fmt::format(" (did you mean '{}'?)", *suggestion);
      }
      return fail(ErrorCode::not_found, message);
    }
  }
  return {};
}

} // namespace

Result<std::pair<graph::PlanRequest, std::string>> build_plan_request(Context& ctx, const PlanRequestOptions& opts,
                                                                      const manifest::Catalog& catalog)
{
  const bool batch = !opts.batch_file.empty();
  graph::PlanRequest request;
  request.validation = validation_from(opts.validation);
  request.default_strategy = opts.strategy;
  request.allow_downgrade = opts.allow_downgrade ? graph::AllowDowngrade::yes : graph::AllowDowngrade::no;
  std::string title;
  if (batch) {
    std::vector<manifest::Diagnostic> diagnostics;
    auto text = manifest::read_input_file(opts.batch_file, manifest::k_max_batch_file_bytes, diagnostics);
    if (!text) {
      // Nothing was parsed: the reason it could not be read is the one message.
      return fail(manifest::to_error(diagnostics.back()));
    }
    auto parsed = manifest::parse_batch(*text, opts.batch_file, diagnostics);
    // Each problem is printed once, with its source line; the error that
    // ends the command sums them up.
    ctx.reporter.diagnostics(diagnostics);
    if (!parsed) {
      const std::size_t errors = manifest::count(diagnostics, manifest::Diagnostic::Severity::error);
      return fail(Error(parsed.error().code, fmt::format("batch file '{}' has {} error{}", opts.batch_file, errors,
                                                         errors == 1 ? "" : "s")));
    }
    for (const auto& item : parsed->items) {
      request.items.push_back({item.component, item.version, item.strategy, item.priority});
    }
    title = fmt::format("batch '{}' ({} upgrade{})", opts.batch_file, parsed->items.size(),
                        parsed->items.size() == 1 ? "" : "s");
  } else {
    if (auto named = manifest::check_name(opts.name); !named) {
      return fail(named.error());
    }
    auto version = semver::Version::parse(opts.version);
    if (!version) {
      return fail(version.error());
    }
    if (auto versioned = manifest::check_version(version->to_string()); !versioned) {
      return fail(versioned.error());
    }
    request.items.push_back({opts.name, *version, std::nullopt, 0});
    title = fmt::format("upgrade {} to {}", opts.name, version->to_string());
  }
  for (const auto& c : opts.constraints) {
    auto constraint = parse_constraint(c, batch ? std::string() : opts.name, opts.constraint_semver);
    if (!constraint) {
      return fail(constraint.error());
    }
    request.constraints.push_back(std::move(*constraint));
  }
  if (auto known = check_requested(catalog, request); !known) {
    return fail(known.error());
  }
  return std::make_pair(std::move(request), std::move(title));
}

// "NAME@RANGE", or a bare RANGE for the single requested component.
Result<graph::Constraint> parse_constraint(const std::string& text, const std::string& requested,
                                           const semver::Options& options)
{
  std::string name = requested;
  std::string range_text = text;
  if (auto at = text.find('@'); at != std::string::npos) {
    name = text.substr(0, at);
    range_text = text.substr(at + 1);
  } else if (requested.empty()) {
    return fail(
        ErrorCode::usage,
        fmt::format("constraint '{}' names no component; expected NAME@RANGE, e.g. 'runtime_core@^2.0.0'", text));
  }
  auto range = semver::Range::parse(range_text, options);
  if (!range) {
    return fail(range.error());
  }
  return graph::Constraint{name, *range};
}

void add_constraint_semver_flags(CLI::App* cmd, semver::Options& options)
{
  cmd->add_flag("--loose", options.loose, "Read --constraint ranges as npm semver's loose mode does");
  cmd->add_flag("-p,--include-prerelease", options.include_prerelease,
                "Let --constraint ranges match prereleases of any MAJOR.MINOR.PATCH");
}

graph::Validation validation_from(const std::string& s)
{
  return s == "strict" ? graph::Validation::strict
                       : (s == "permissive" ? graph::Validation::permissive : graph::Validation::normal);
}

const std::vector<std::string>& strategy_names()
{
  return manifest::batch_strategies();
}

void add_plan_command(CLI::App& app, Registry& registry)
{
  auto opts = std::make_shared<PlanOptions>();
  auto* plan = add_command(
      app, "plan", "Report whether an upgrade (or a batch of upgrades) is feasible, changing nothing",
      "Checks everything the upgrade checks before its first change: the plan, version floors, the hot-swap rule, "
      "each hop's archive, signature and catalog entry (read and verified, not extracted), and, unless --offline, "
      "the running runtime and its strategy. Exit 0 when the upgrade would start, otherwise the code it would fail "
      "with (3 refused, 4 archive or signature rejected, 6 no runtime: pass --offline).",
      "noodle-upgrade plan jit_compiler 2.1.0 --offline --constraint 'runtime_core@<2.1.0'");
  plan->add_option("NAME", opts->name, "Component to upgrade");
  plan->add_option("VERSION", opts->version, "Target version");
  plan->add_option("-f,--file", opts->batch_file, "Plan a batch file instead (upgrades: [...])");
  plan->add_option("--constraint", opts->constraints, "Limit the versions chosen for a component: NAME@RANGE");
  add_constraint_semver_flags(plan, opts->constraint_semver);
  plan->add_option("--strategy", opts->strategy, "Rollout strategy")
      ->envname("NOODLE_STRATEGY")
      ->transform(strategy_alias())
      ->check(CLI::IsMember(strategy_names()))
      ->capture_default_str();
  plan->add_option("--validation", opts->validation, "How strict the checks are")
      ->check(CLI::IsMember({"strict", "normal", "permissive"}))
      ->capture_default_str();
  plan->add_flag("--allow-downgrade", opts->allow_downgrade, "Plan a move to a lower version instead of refusing it");
  add_live_options(plan, opts->live, true);
  plan->add_flag("--allow-unsigned", opts->allow_unsigned,
                 "Check as an upgrade with --allow-unsigned would (refused under --validation strict)");
  plan->add_option("--save", opts->save,
                   "Save a feasible plan with a digest of its inputs, for 'apply --plan' (refused if they drift)");

  on_run(plan, registry, [opts](Context& ctx) {
    const bool batch = !opts->batch_file.empty();
    if (batch == !opts->name.empty() || (!batch && opts->version.empty())) {
      return ctx.reporter.failure(Error(ErrorCode::usage, "expected 'plan NAME VERSION' or 'plan -f BATCH.yaml'; "
                                                          "run 'noodle-upgrade plan --help' for usage"));
    }
    auto loaded = load_catalog(ctx, WithInstalled::yes);
    if (loaded.exit) {
      return *loaded.exit;
    }
    const auto& installed = loaded.installed;

    PlanRequestOptions what{opts->name,       opts->version,    opts->batch_file,     opts->constraints,
                            opts->strategy,   opts->validation, opts->allow_downgrade, opts->constraint_semver};
    auto built = build_plan_request(ctx, what, loaded.result.catalog);
    if (!built) {
      return ctx.reporter.failure(built.error());
    }
    auto& [request, title] = *built;
    engine::ArchiveSource source;
    source.archives_dir = ctx.archives_dir();
    source.keyring_dir = ctx.keyring_dir();
    source.limits = ctx.archive_limits();
    attach_repository(ctx, source);
    if (opts->allow_unsigned) {
      source.allow_unsigned = engine::AllowUnsigned::yes;
      if (request.validation != graph::Validation::strict) {
        ctx.reporter.warning("--allow-unsigned: archives without a signature would be installed; this is for "
                             "development only");
      }
    }
    auto preview = preview_change(ctx, opts->live, request, loaded.result.catalog, source);
    if (preview.exit) {
      return *preview.exit;
    }
    const auto& outcome = *preview.outcome;
    if (outcome.refusal && (outcome.plan.feasible || outcome.plan.checks.empty())) {
      return output::render_upgrade(outcome, title, ctx.reporter); // the run's refusal, before its first change
    }
    if (outcome.prepared) {
      for (const auto& w : outcome.prepared->warnings) {
        ctx.reporter.warning(w);
      }
      // The probes the gates will run, as --dry-run lists them.
      for (const auto& action : outcome.prepared->actions) {
        for (const auto& probe : action.probes) {
          ctx.reporter.note(fmt::format("{}@{} gates will probe: {}\n", action.component, action.to, probe));
        }
      }
    }
    const auto& result = outcome.plan;
    if (!opts->save.empty() && result.feasible) {
      auto inputs = engine::digest_plan_inputs(ctx.catalog_dir(), installed, ctx.keyring_dir());
      if (!inputs) {
        return ctx.reporter.failure(inputs.error());
      }
      const auto saved = engine::make_saved_plan(engine::changes_from_plan(result, loaded.result.catalog), request, std::move(*inputs),
                                                 engine::iso_time(std::chrono::system_clock::now()));
      if (auto written = util::write_file_atomic(opts->save, engine::serialize(saved), 0644); !written) {
        return ctx.reporter.failure(written.error());
      }
      ctx.reporter.note(fmt::format("plan saved to '{}'; carry it out with 'noodle-upgrade apply --plan {}'\n",
                                    opts->save, opts->save));
    }
    return output::render_plan(result, title, ctx.reporter);
  });
}

} // namespace noodle::cli
