// SPDX-License-Identifier: Apache-2.0
// `rollback`, `rollback list` and `snapshot`: rollback points.
#include "context.hpp"
#include "option_checks.hpp"

#include <noodle/engine/rollback.hpp>
#include <noodle/manifest/loader.hpp>
#include <noodle/manifest/names.hpp>
#include <noodle/output/engine_view.hpp>

#include <fmt/format.h>

#include <limits>
#include <memory>

namespace noodle::cli {

namespace {

struct RollbackCliOptions {
  std::string name;
  std::string to;
  std::int64_t point = 0;
  std::int64_t upgrade = 0;
  bool force = false;
  bool dry_run = false;
  LiveCliOptions live;
  std::string requested_by;
  std::vector<std::string> metadata;
  std::string list_name;
  std::int64_t list_limit = 0;
};

} // namespace

void add_rollback_commands(CLI::App& app, Registry& registry)
{
  auto o = std::make_shared<RollbackCliOptions>();
  auto* rollback = add_command(
      app, "rollback", "Put a component back to its previous version (or a given point), config/ included",
      "Goes back to the newest rollback point holding another version than the current one, or to --to VERSION, or "
      "--point ID; config/ is restored from the point. The version gone back to must match its extraction record. "
      "The rollback takes its own point first, so it can be rolled back too. 'rollback list [NAME]' lists the points.",
      "noodle-upgrade rollback --upgrade 42");
  rollback->add_option("NAME", o->name, "Component to roll back");
  auto* to = rollback->add_option("--to", o->to, "Go back to this version");
  auto* point_opt = rollback->add_option("--point", o->point, "Go back to this rollback point")
                        ->check(whole_number(1, std::numeric_limits<std::int64_t>::max()))
                        ->excludes(to);
  rollback->add_option("--upgrade", o->upgrade,
                       "Undo every change of this completed upgrade (see history), in reverse, in one transaction")
      ->check(whole_number(1, std::numeric_limits<std::int64_t>::max()))
      ->excludes(to)
      ->excludes(point_opt);
  rollback->add_flag("--force", o->force, "Roll back even when it breaks a dependency range of the catalog");
  rollback->add_flag("--dry-run", o->dry_run,
                     "Make every check of the rollback and list its steps; change and record nothing");
  add_live_options(rollback, o->live, false);
  rollback->add_option("--requested-by", o->requested_by, "Who asked for it, for the history (default: the user)");
  rollback->add_option("--metadata", o->metadata, "KEY=VALUE recorded with the rollback (repeatable)");
  on_run(rollback, registry, [o](Context& ctx) {
    if (o->name.empty() == (o->upgrade == 0)) {
      return ctx.reporter.failure(Error(ErrorCode::usage, "expected 'rollback NAME [--to VERSION | --point ID]', "
                                                          "'rollback --upgrade ID' or 'rollback list [NAME]'"));
    }
    // A name or version that could not be a directory under the root is a
    // usage error before anything is locked, opened or recorded.
    if (!o->name.empty()) {
      if (auto named = manifest::check_name(o->name); !named) {
        return ctx.reporter.failure(named.error());
      }
    }
    std::optional<std::string> to_version;
    if (!o->to.empty()) {
      auto version = semver::Version::parse(o->to);
      if (!version) {
        return ctx.reporter.failure(version.error());
      }
      if (auto versioned = manifest::check_version(version->to_string()); !versioned) {
        return ctx.reporter.failure(versioned.error());
      }
      to_version = version->to_string();
    }
    auto metadata = metadata_json(o->metadata);
    if (!metadata) {
      return ctx.reporter.failure(metadata.error());
    }
    if (!o->name.empty()) {
      if (auto reading = open_for_component(ctx, o->name); reading.exit) {
        return *reading.exit;
      }
    }
    std::optional<LiveConnection> connection;
    if (!o->live.offline) {
      auto connected = connect_live(ctx, o->live, "immediate");
      if (!connected) {
        return ctx.reporter.failure(connected.error());
      }
      connection.emplace(std::move(*connected));
    }
    // The catalog checks the versions gone back to; a rollback is the way
    // out of trouble, so a catalog that does not load only skips the check.
    auto catalog = manifest::load_catalog(ctx.catalog_dir(), ctx.load_options());
    if (catalog.has_errors()) {
      ctx.reporter.warning(fmt::format("catalog '{}' does not load: dependency ranges are not checked",
                                       ctx.catalog_dir().string()));
    }
    auto opened = o->dry_run ? open_read_session(ctx) : open_change_session(ctx, o->requested_by);
    if (opened.exit) {
      return *opened.exit;
    }
    if (opened.session->store() == nullptr) {
      return ctx.reporter.failure(Error(ErrorCode::not_found, fmt::format("nothing was ever changed under '{}': there "
                                                                          "is nothing to roll back",
                                                                          ctx.root().string())));
    }
    StopSignals signals;
    engine::RollbackOptions options;
    options.dry_run = o->dry_run;
    options.component = o->name;
    options.catalog = catalog.has_errors() ? nullptr : &catalog.catalog;
    options.force = o->force;
    options.metadata_json = *metadata;
    options.point_retention_ms = ctx.global.point_retention_ms;
    if (o->upgrade != 0) {
      options.upgrade = o->upgrade;
    }
    options.to_version = to_version;
    if (o->point != 0) {
      options.point = o->point;
    }
    options.stop = signals.stop_check();
    if (connection) {
      options.live = connection->path;
      options.live->runtime = connection->runtime.get();
    }
    auto report = engine::rollback(*opened.session, options);
    if (!report) {
      return ctx.reporter.failure(report.error());
    }
    return output::render_transaction(
        *report, o->upgrade != 0 ? fmt::format("rollback of upgrade {}", o->upgrade) : fmt::format("rollback {}", o->name),
        ctx.reporter);
  });

  auto* list = add_command(*rollback, "list", "List rollback points with their age and expiry", "",
                           "noodle-upgrade rollback list jit_compiler");
  list->add_option("NAME", o->list_name, "Only this component's points");
  list->add_option("--limit", o->list_limit, "Show at most this many (newest)")->check(CLI::PositiveNumber);
  on_run(list, registry, [o](Context& ctx) {
    auto opened = open_for_component(ctx, o->list_name);
    if (opened.exit) {
      return *opened.exit;
    }
    engine::Session& session = *opened.session;
    std::vector<store::RollbackPoint> points;
    if (session.store() != nullptr) {
      auto found = session.store()->points(o->list_name.empty() ? std::nullopt
                                                                : std::optional<std::string_view>(o->list_name));
      if (!found) {
        return ctx.reporter.failure(found.error());
      }
      points = std::move(*found);
    }
    if (o->list_limit > 0 && points.size() > static_cast<std::size_t>(o->list_limit)) {
      points.resize(static_cast<std::size_t>(o->list_limit)); // newest first
    }
    return output::render_points(points, session.now(), ctx.reporter);
  });

  auto snap_name = std::make_shared<std::string>();
  auto* snapshot = add_command(app, "snapshot", "Make a rollback point of a component now (its version and config/)",
                               "", "noodle-upgrade snapshot jit_compiler");
  snapshot->add_option("NAME", *snap_name, "Component")->required();
  on_run(snapshot, registry, [snap_name](Context& ctx) {
    if (auto reading = open_for_component(ctx, *snap_name); reading.exit) {
      return *reading.exit;
    }
    auto opened = open_change_session(ctx);
    if (opened.exit) {
      return *opened.exit;
    }
    auto point = engine::snapshot(*opened.session, *snap_name, ctx.global.point_retention_ms);
    if (!point) {
      return ctx.reporter.failure(point.error());
    }
    return output::render_snapshot(*point, ctx.reporter);
  });
}

} // namespace noodle::cli
