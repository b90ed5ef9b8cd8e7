// SPDX-License-Identifier: Apache-2.0
// `status`, `history`, `check`, `recover`, `gc` and `cancel`.
#include "context.hpp"

#include <noodle/engine/cancel.hpp>
#include <noodle/engine/check.hpp>
#include <noodle/engine/gc.hpp>
#include <noodle/engine/status.hpp>
#include <noodle/manifest/names.hpp>
#include <noodle/output/engine_view.hpp>

#include <memory>

namespace noodle::cli {

namespace {

struct StateOptions {
  std::string name;
  std::int64_t limit = 20;
  bool audit = false;
  std::uint32_t keep = 2;
  std::int64_t upgrade_id = 0;
  double wait = 30;
};

std::optional<std::string> maybe(const std::string& s)
{
  return s.empty() ? std::nullopt : std::optional<std::string>(s);
}

// NAME, when given, must be a component name: a usage error otherwise.
Result<void> check_optional_name(const std::string& name)
{
  return name.empty() ? Result<void>() : manifest::check_name(name);
}

} // namespace

void add_state_commands(CLI::App& app, Registry& registry)
{
  auto o = std::make_shared<StateOptions>();

  auto* status = add_command(app, "status", "Show installed versions, running or interrupted upgrades, and counts", "",
                             "noodle-upgrade status jit_compiler");
  status->add_option("NAME", o->name, "Only this component");
  on_run(status, registry, [o](Context& ctx) {
    if (auto named = check_optional_name(o->name); !named) {
      return ctx.reporter.failure(named.error());
    }
    auto opened = open_read_session(ctx);
    if (opened.exit) {
      return *opened.exit;
    }
    auto report = engine::status(*opened.session, maybe(o->name));
    if (!report) {
      return ctx.reporter.failure(report.error());
    }
    return output::render_status(*report, opened.session->now(), ctx.reporter);
  });

  auto* history = add_command(app, "history", "Show finished upgrades and rollbacks, or the audit trail",
                              "Each entry: when, how long, who, from -> to, outcome. --audit shows every recorded "
                              "action, refusals included.",
                              "noodle-upgrade history jit_compiler --limit 5");
  history->add_option("NAME", o->name, "Only this component");
  history->add_option("--limit", o->limit, "Show at most this many (newest)")->check(CLI::PositiveNumber)
      ->capture_default_str();
  history->add_flag("--audit", o->audit, "Show the audit trail instead");
  on_run(history, registry, [o](Context& ctx) {
    if (auto named = check_optional_name(o->name); !named) {
      return ctx.reporter.failure(named.error());
    }
    auto opened = open_read_session(ctx);
    if (opened.exit) {
      return *opened.exit;
    }
    engine::Session& session = *opened.session;
    if (o->audit) {
      std::vector<store::AuditEntry> entries;
      if (session.store() != nullptr) {
        auto found = session.store()->audit(o->name.empty() ? std::nullopt : std::optional<std::string_view>(o->name),
                                            o->limit);
        if (!found) {
          return ctx.reporter.failure(found.error());
        }
        entries = std::move(*found);
      }
      return output::render_audit(entries, ctx.reporter);
    }
    auto entries = engine::history(session, maybe(o->name), o->limit);
    if (!entries) {
      return ctx.reporter.failure(entries.error());
    }
    return output::render_history(*entries, ctx.reporter);
  });

  auto* check = add_command(app, "check", "Re-hash active versions and rollback targets against their records",
                            "Extraction records every file's digest; check reports each changed, missing or extra "
                            "file. Exit 4 on any difference.",
                            "noodle-upgrade check jit_compiler");
  check->add_option("NAME", o->name, "Only this component");
  on_run(check, registry, [o](Context& ctx) {
    if (auto named = check_optional_name(o->name); !named) {
      return ctx.reporter.failure(named.error());
    }
    auto opened = open_read_session(ctx);
    if (opened.exit) {
      return *opened.exit;
    }
    auto report = engine::check(*opened.session, maybe(o->name));
    if (!report) {
      return ctx.reporter.failure(report.error());
    }
    return output::render_check(*report, ctx.reporter);
  });

  auto* recover = add_command(app, "recover", "Finish or undo an upgrade interrupted by a crash, remove leftovers",
                              "Every changing command runs this first. The `current` links are the truth: an "
                              "interrupted upgrade whose steps all completed is recorded as completed, any other is "
                              "undone in reverse order.",
                              "noodle-upgrade recover");
  on_run(recover, registry, [](Context& ctx) {
    auto opened = open_change_session(ctx);
    if (opened.exit) {
      return *opened.exit;
    }
    return output::render_recover(opened.session->recovery(), ctx.reporter);
  });

  auto* gc = add_command(app, "gc", "Remove unused versions and expired rollback points",
                         "Keeps the current version, every version a rollback point goes back to, and the newest "
                         "--keep versions of each component.",
                         "noodle-upgrade gc --keep 3");
  gc->add_option("--keep", o->keep, "Newest versions to keep per component")
      ->envname("NOODLE_GC_KEEP")
      ->capture_default_str();
  on_run(gc, registry, [o](Context& ctx) {
    auto opened = open_change_session(ctx);
    if (opened.exit) {
      return *opened.exit;
    }
    auto report = engine::collect_garbage(*opened.session, o->keep);
    if (!report) {
      return ctx.reporter.failure(report.error());
    }
    return output::render_gc(*report, ctx.reporter);
  });

  auto* cancel = add_command(app, "cancel", "Stop a running upgrade at its next safe point and roll it back", "",
                             "noodle-upgrade cancel 42");
  cancel->add_option("UPGRADE_ID", o->upgrade_id, "The upgrade's id (see status)")->required();
  cancel->add_option("--wait", o->wait, "Seconds to wait for it to stop")->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  on_run(cancel, registry, [o](Context& ctx) {
    auto opened = open_read_session(ctx);
    if (opened.exit) {
      return *opened.exit;
    }
    auto report = engine::cancel(*opened.session, o->upgrade_id,
                                 seconds_to_ms(o->wait));
    if (!report) {
      return ctx.reporter.failure(report.error());
    }
    return output::render_cancel(*report, ctx.reporter);
  });
}

} // namespace noodle::cli
