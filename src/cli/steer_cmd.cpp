// SPDX-License-Identifier: Apache-2.0
// Steering a running live rollout: `pause`, `resume`, `promote` and `abort`.
#include "context.hpp"
#include "option_checks.hpp"

#include <noodle/engine/cancel.hpp>
#include <noodle/engine/steer.hpp>
#include <noodle/output/engine_view.hpp>

#include <limits>
#include <memory>

namespace noodle::cli {

namespace {

struct SteerOptions {
  std::int64_t upgrade_id = 0;
  std::chrono::milliseconds wait{5'000};
};

CLI::App* add_steering(CLI::App& app, SteerOptions& o, const std::string& name, const std::string& summary,
                       const std::string& details, const std::string& wait_help)
{
  auto* cmd = add_command(app, name, summary, details, "noodle-upgrade " + name + " 42");
  cmd->add_option("UPGRADE_ID", o.upgrade_id, "The upgrade's id (see status)")
      ->required()
      ->check(whole_number(1, std::numeric_limits<std::int64_t>::max()));
  add_duration_option(cmd, "--wait", o.wait, wait_help);
  return cmd;
}

void add_steer(CLI::App& app, Registry& registry, engine::SteerAction action, const std::string& summary,
               const std::string& details)
{
  auto o = std::make_shared<SteerOptions>();
  const std::string name(engine::to_string(action));
  auto* cmd = add_steering(app, *o, name, summary, details, "How long to wait for the rollout to take it");
  on_run(cmd, registry, [o, action](Context& ctx) {
    auto opened = open_read_session(ctx);
    if (opened.exit) {
      return *opened.exit;
    }
    auto report = engine::steer(*opened.session, o->upgrade_id, action, o->wait);
    if (!report) {
      return ctx.reporter.failure(report.error());
    }
    return output::render_steer(*report, ctx.reporter);
  });
}

} // namespace

void add_steer_commands(CLI::App& app, Registry& registry)
{
  add_steer(app, registry, engine::SteerAction::pause, "Hold a running live rollout at its current step",
            "Takes effect within 100 ms, also in the middle of a step interval or an analysis. The lease is "
            "renewed while paused; --max-pause of the upgrade bounds the pause, after which it rolls back.");
  add_steer(app, registry, engine::SteerAction::resume, "Let a paused live rollout go on from where it stopped",
            "The step interval or analysis goes on with the time it had left.");
  add_steer(app, registry, engine::SteerAction::promote,
            "Skip the remaining steps and analysis of a live rollout: full traffic, then the final health gate",
            "A failing final gate still rolls back.");
  auto o = std::make_shared<SteerOptions>();
  o->wait = std::chrono::milliseconds(30'000);
  auto* abort = add_steering(app, *o, "abort", "Stop a running upgrade at once and roll it back (as cancel)",
                             "Takes effect within 100 ms, also in the middle of a step interval or an analysis.",
                             "How long to wait for it to stop");
  on_run(abort, registry, [o](Context& ctx) {
    auto opened = open_read_session(ctx);
    if (opened.exit) {
      return *opened.exit;
    }
    auto report = engine::cancel(*opened.session, o->upgrade_id, o->wait, "abort");
    if (!report) {
      return ctx.reporter.failure(report.error());
    }
    return output::render_cancel(*report, ctx.reporter);
  });
}

} // namespace noodle::cli
