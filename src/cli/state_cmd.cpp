// SPDX-License-Identifier: Apache-2.0
// `status`, `history`, `check`, `recover`, `gc` and `cancel`.
#include "context.hpp"
#include "option_checks.hpp"

#include <noodle/engine/cancel.hpp>
#include <noodle/engine/check.hpp>
#include <noodle/engine/gc.hpp>
#include <noodle/engine/status.hpp>
#include <noodle/manifest/config.hpp>
#include <noodle/manifest/names.hpp>
#include <noodle/output/engine_view.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <ctime>
#include <limits>
#include <memory>
#include <thread>

#include <unistd.h>

namespace noodle::cli {

namespace {

constexpr std::chrono::milliseconds k_status_request_timeout{2000};

struct StateOptions {
  std::string name;
  std::int64_t limit = 20;
  bool audit = false;
  std::uint32_t keep = 2;
  bool gc_dry_run = false;
  bool status_offline = false;
  bool watch = false;
  std::chrono::milliseconds interval{1000};
  bool recover_dry_run = false;
  std::int64_t upgrade_id = 0;
  std::chrono::milliseconds wait{30'000};
  // history filters
  std::string component;
  std::vector<std::string> statuses;
  std::vector<std::string> kinds;
  std::string since;
  std::vector<std::string> metadata;
  std::int64_t before = 0;
  std::int64_t show_id = 0;
};

std::optional<std::string> maybe(const std::string& s)
{
  return s.empty() ? std::nullopt : std::optional<std::string>(s);
}



// --since: a date (2026-12-01), an RFC 3339 time (2026-12-01T08:00:00Z), or
// a span back from now (30m, 12h, 7d).
Result<store::Millis> parse_since(const std::string& text, store::Millis now)
{
  const auto bad = [&] {
    return fail(ErrorCode::usage, fmt::format("--since '{}': expected a date (2026-12-01), a UTC time "
                                              "(2026-12-01T08:00:00Z) or a span back from now (30m, 12h, 7d)",
                                              text));
  };
  if (text.size() >= 2 && std::isdigit(static_cast<unsigned char>(text.front())) != 0 && text.size() <= 12) {
    const char unit = text.back();
    const std::string digits = text.substr(0, text.size() - 1);
    if (std::all_of(digits.begin(), digits.end(), [](char c) { return std::isdigit(static_cast<unsigned char>(c)); })) {
      const std::int64_t n = std::stoll(digits);
      std::int64_t scale = 0;
      switch (unit) {
      case 's': scale = 1000; break;
      case 'm': scale = 60'000; break;
      case 'h': scale = 3'600'000; break;
      case 'd': scale = 86'400'000; break;
      default: break;
      }
      if (scale != 0) {
        return now - n * scale;
      }
    }
  }
  std::tm tm{};
  const char* end = nullptr;
  if (text.size() == 10) {
    end = ::strptime(text.c_str(), "%Y-%m-%d", &tm);
  } else if (text.size() == 20 && text.back() == 'Z') {
    end = ::strptime(text.c_str(), "%Y-%m-%dT%H:%M:%SZ", &tm);
  }
  if (end == nullptr || *end != '\0') {
    return bad();
  }
  return static_cast<store::Millis>(::timegm(&tm)) * 1000;
}

Result<store::UpgradeFilter> history_filter(const StateOptions& o, store::Millis now)
{
  store::UpgradeFilter filter;
  if (!o.name.empty() && !o.component.empty() && o.name != o.component) {
    return fail(ErrorCode::usage, fmt::format("history names two components, '{}' and --component '{}'; give one",
                                              o.name, o.component));
  }
  filter.component = maybe(o.name.empty() ? o.component : o.name);
  for (const auto& text : o.statuses) {
    auto status = store::parse_upgrade_status(text);
    if (!status || *status == store::UpgradeStatus::pending || *status == store::UpgradeStatus::in_progress) {
      return fail(ErrorCode::usage, fmt::format("--status '{}': expected completed, failed, rolled_back or cancelled "
                                                "(running upgrades are in `status`)",
                                                text));
    }
    filter.statuses.push_back(*status);
  }
  filter.kinds = o.kinds;
  if (!o.since.empty()) {
    auto since = parse_since(o.since, now);
    if (!since) {
      return fail(since.error());
    }
    filter.since = *since;
  }
  for (const auto& pair : o.metadata) {
    const auto eq = pair.find('=');
    if (eq == std::string::npos || eq == 0) {
      return fail(ErrorCode::usage, fmt::format("--metadata '{}': expected KEY=VALUE", pair));
    }
    filter.metadata.emplace_back(pair.substr(0, eq), pair.substr(eq + 1));
  }
  if (o.before > 0) {
    filter.before = o.before;
  }
  filter.limit = o.limit;
  return filter;
}

// `history 16`: an upgrade id where a component name goes.
std::optional<Error> looks_like_an_id(const std::string& name)
{
  if (name.empty() || !std::all_of(name.begin(), name.end(), [](char c) { return std::isdigit(static_cast<unsigned char>(c)); })) {
    return std::nullopt;
  }
  Error e(ErrorCode::usage, fmt::format("'{}' is not a component name", name));
  e.details.push_back(fmt::format("to see upgrade {}, run `noodle-upgrade history show {}`", name, name));
  return e;
}


} // namespace

void add_state_commands(CLI::App& app, Registry& registry)
{
  auto o = std::make_shared<StateOptions>();

  auto* status = add_command(app, "status", "Show installed versions, running or interrupted upgrades, and counts", "",
                             "noodle-upgrade status jit_compiler");
  status->add_option("NAME", o->name, "Only this component");
  status->add_flag("--offline", o->status_offline, "Do not ask the runtime what it runs");
  status->add_flag("--watch", o->watch,
                   "Refresh until no upgrade runs: step, weight, time to the next gate, health (-o json: a line each)");
  add_duration_option(status, "--interval", o->interval, "Time between --watch refreshes (default 1s)",
                      util::k_positive_duration);
  on_run(status, registry, [o](Context& ctx) {
    auto opened = open_for_component(ctx, o->name);
    if (opened.exit) {
      return *opened.exit;
    }
    // The runtime is asked when one listens; without one, status still
    // answers from the files and says what it could not learn.
    std::unique_ptr<live::SocketRuntime> runtime;
    std::string unreachable;
    if (!o->status_offline) {
      auto connected = connect_runtime(ctx, k_status_request_timeout);
      if (connected) {
        runtime = std::move(connected->first);
      } else {
        unreachable = connected.error().message;
      }
    }
    const auto compute = [&]() {
      auto report = engine::status(*opened.session, maybe(o->name), runtime.get());
      if (report && !runtime) {
        report->runtime_note = o->status_offline ? "not asked (--offline)" : unreachable;
      }
      return report;
    };
    if (!o->watch) {
      auto report = compute();
      if (!report) {
        return ctx.reporter.failure(report.error());
      }
      return output::render_status(*report, opened.session->now(), ctx.reporter);
    }
    // --watch: compute and render again every --interval until no upgrade
    // runs (one last refresh shows that), or SIGINT. A terminal is redrawn
    // in place; anything else gets each refresh whole after a separator
    // line; -o json gets one JSON line per refresh.
    StopSignals signals;
    const auto stop = signals.stop_check();
    const bool redraw = !ctx.reporter.json() && &ctx.out == &std::cout && isatty(STDOUT_FILENO) == 1;
    for (int refresh = 0;; ++refresh) {
      auto report = compute();
      if (!report) {
        return ctx.reporter.failure(report.error());
      }
      if (redraw) {
        ctx.out << "\x1b[H\x1b[2J";
      } else if (refresh > 0 && !ctx.reporter.json()) {
        ctx.out << "---\n";
      }
      const output::ExitCode code = output::render_status(*report, opened.session->now(), ctx.reporter);
      ctx.out << std::flush;
      const bool running = std::any_of(report->running.begin(), report->running.end(),
                                       [](const engine::RunningUpgrade& u) { return u.alive; });
      if (code != output::ExitCode::ok || !running) {
        return code;
      }
      const auto until = std::chrono::steady_clock::now() + o->interval;
      while (std::chrono::steady_clock::now() < until) {
        if (stop()) {
          return output::ExitCode::interrupted;
        }
        std::this_thread::sleep_for(std::min<std::chrono::steady_clock::duration>(
            std::chrono::milliseconds(10), until - std::chrono::steady_clock::now()));
      }
      if (stop()) {
        return output::ExitCode::interrupted;
      }
    }
  });

  auto* history = add_command(app, "history", "Show finished upgrades and rollbacks, or the audit trail",
                              "Newest first. Each entry: when, how long, who, from -> to, outcome; `history show ID` "
                              "shows one upgrade whole (every step with its times and strategy, its rollout events, "
                              "metadata, who cancelled it, the upgrade it undid or that undid it). --audit shows every "
                              "recorded action, refusals included. Page back with --before ID.",
                              "noodle-upgrade history jit_compiler --status rolled_back --since 7d --limit 5");
  history->add_option("NAME", o->name, "Only upgrades that changed this component (same as --component)");
  history->add_option("--component", o->component, "Only upgrades that changed this component");
  history->add_option("--status", o->statuses, "Only this outcome: completed, failed, rolled_back, cancelled (repeatable)");
  history->add_option("--kind", o->kinds, "Only this kind: upgrade, apply, rollback (repeatable)")
      ->check(CLI::IsMember({"upgrade", "apply", "rollback"}));
  history->add_option("--since", o->since, "Only upgrades started since: 2026-12-01, 2026-12-01T08:00:00Z, or 7d, 12h, 30m ago");
  history->add_option("--metadata", o->metadata, "Only upgrades recorded with KEY=VALUE (repeatable: all must match)");
  history->add_option("--limit", o->limit, "Show at most this many (newest)")
      ->check(whole_number(1, k_max_count))
      ->capture_default_str();
  history->add_option("--before", o->before, "Only entries older than this id (the next page)")
      ->check(CLI::PositiveNumber);
  history->add_flag("--audit", o->audit, "Show the audit trail instead");
  on_run(history, registry, [o](Context& ctx) {
    if (auto id = looks_like_an_id(o->name)) {
      return ctx.reporter.failure(*id);
    }
    const std::string component = o->name.empty() ? o->component : o->name;
    auto opened = open_for_component(ctx, component);
    if (opened.exit) {
      return *opened.exit;
    }
    engine::Session& session = *opened.session;
    if (o->audit) {
      if (!o->statuses.empty() || !o->kinds.empty() || !o->since.empty() || !o->metadata.empty()) {
        return ctx.reporter.failure(Error(ErrorCode::usage, "--status, --kind, --since and --metadata filter "
                                                            "upgrades, not the audit trail; with --audit give only "
                                                            "NAME, --limit and --before"));
      }
      std::vector<store::AuditEntry> entries;
      if (session.store() != nullptr) {
        auto found = session.store()->audit(component.empty() ? std::nullopt : std::optional<std::string_view>(component),
                                            o->limit, o->before > 0 ? std::optional<std::int64_t>(o->before) : std::nullopt);
        if (!found) {
          return ctx.reporter.failure(found.error());
        }
        entries = std::move(*found);
      }
      return output::render_audit(entries, ctx.reporter);
    }
    auto filter = history_filter(*o, session.now());
    if (!filter) {
      return ctx.reporter.failure(filter.error());
    }
    auto entries = engine::history(session, std::move(*filter));
    if (!entries) {
      return ctx.reporter.failure(entries.error());
    }
    return output::render_history(*entries, ctx.reporter);
  });

  auto* show = add_command(*history, "show", "Show one upgrade whole: steps, times, strategy, events, links", "",
                           "noodle-upgrade history show 12");
  show->add_option("UPGRADE_ID", o->show_id, "The upgrade's id (see history)")->required()->check(CLI::PositiveNumber);
  on_run(show, registry, [o](Context& ctx) {
    auto opened = open_read_session(ctx);
    if (opened.exit) {
      return *opened.exit;
    }
    auto detail = engine::upgrade_detail(*opened.session, o->show_id);
    if (!detail) {
      return ctx.reporter.failure(detail.error());
    }
    return output::render_upgrade_detail(*detail, ctx.reporter);
  });

  auto* check = add_command(app, "check", "Re-hash active versions and rollback targets against their records",
                            "Extraction records every file's digest; check reports each changed, missing or extra "
                            "file. Exit 4 on any difference.",
                            "noodle-upgrade check jit_compiler");
  check->add_option("NAME", o->name, "Only this component");
  on_run(check, registry, [o](Context& ctx) {
    auto opened = open_for_component(ctx, o->name);
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
                              "undone in reverse order; but a live change the runtime already committed (it is asked "
                              "with the `running` op when it listens) is finished, never undone.",
                              "noodle-upgrade recover");
  recover->add_flag("--dry-run", o->recover_dry_run,
                    "Say what recovery would finish, undo and remove (asking the runtime as it would); change nothing");
  on_run(recover, registry, [o](Context& ctx) {
    if (o->recover_dry_run) {
      auto reading = open_read_session(ctx);
      if (reading.exit) {
        return *reading.exit;
      }
      if (reading.session->store() == nullptr) {
        engine::RecoveryReport none; // a root never changed has nothing to recover
        none.dry_run = true;
        return output::render_recover(none, ctx.reporter);
      }
      auto preview = engine::recover(*reading.session, recovery_runtime(ctx), true);
      if (!preview) {
        return ctx.reporter.failure(preview.error());
      }
      return output::render_recover(*preview, ctx.reporter);
    }
    auto opened = open_change_session(ctx, {}, RecoveryNotes::quiet);
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
      ->check(whole_number(0, manifest::k_max_gc_keep))
      ->capture_default_str();
  gc->add_flag("--dry-run", o->gc_dry_run, "Say what would be removed; remove nothing");
  on_run(gc, registry, [o](Context& ctx) {
    auto opened = o->gc_dry_run ? open_read_session(ctx) : open_change_session(ctx);
    if (opened.exit) {
      return *opened.exit;
    }
    if (opened.session->store() == nullptr) {
      engine::GcReport none; // a root never changed: nothing extracted, no points
      none.dry_run = o->gc_dry_run;
      return output::render_gc(none, ctx.reporter);
    }
    auto report = engine::collect_garbage(*opened.session, o->keep, o->gc_dry_run);
    if (!report) {
      return ctx.reporter.failure(report.error());
    }
    return output::render_gc(*report, ctx.reporter);
  });

  auto* cancel = add_command(app, "cancel", "Stop a running upgrade at its next safe point and roll it back", "",
                             "noodle-upgrade cancel 42");
  cancel->add_option("UPGRADE_ID", o->upgrade_id, "The upgrade's id (see status)")
      ->required()
      ->check(whole_number(1, std::numeric_limits<std::int64_t>::max()));
  add_duration_option(cancel, "--wait", o->wait, "How long to wait for it to stop");
  on_run(cancel, registry, [o](Context& ctx) {
    auto opened = open_read_session(ctx);
    if (opened.exit) {
      return *opened.exit;
    }
    auto report = engine::cancel(*opened.session, o->upgrade_id, o->wait);
    if (!report) {
      return ctx.reporter.failure(report.error());
    }
    return output::render_cancel(*report, ctx.reporter);
  });
}

} // namespace noodle::cli
