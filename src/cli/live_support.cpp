// SPDX-License-Identifier: Apache-2.0
// The live path of the changing commands: --offline or the running runtime.
#include "context.hpp"
#include "option_checks.hpp"

#include <noodle/live/strategy.hpp>
#include <noodle/output/engine_view.hpp>
#include <noodle/probe/runner.hpp>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <cerrno>
#include <cstring>
#include <sys/stat.h>

namespace noodle::cli {

void add_live_options(CLI::App* cmd, LiveCliOptions& o, bool strategies)
{
  cmd->add_flag("--offline", o.offline,
                "Change only the files, for a runtime that is stopped or loads `current` at its next start");
  add_duration_option(cmd, "--request-timeout", o.request_timeout, "How long the runtime has to answer each request",
                      util::k_positive_duration)
      ->envname("NOODLE_REQUEST_TIMEOUT");
  add_duration_option(cmd, "--lease", o.lease, "How long an activation stays provisional without a commit",
                      util::k_positive_duration)
      ->envname("NOODLE_LEASE");
  cmd->add_option("--events", o.events,
                  "Write the live progress events to FILE as JSON lines (default: stderr, as JSON lines with -o json)");
  if (!strategies) {
    return;
  }
  cmd->add_option("--steps", o.steps, "gradual: traffic weights, increasing, ending with 100")
      ->check(gradual_steps())
      ->capture_default_str();
  add_duration_option(cmd, "--step-interval", o.step_interval, "gradual: time between a step and its health gate");
  cmd->add_option("--canary-weight", o.canary_weight, "canary: traffic share instead of one instance (0: one instance)")
      ->check(whole_number(0, 99));
  add_duration_option(cmd, "--analysis", o.analysis, "canary: how long health is watched before promotion");
  add_duration_option(cmd, "--health-interval", o.health_interval, "canary: time between health checks",
                      util::k_positive_duration);
  cmd->add_option("--max-failures", o.max_consecutive_failures, "canary: consecutive failed checks that abort")
      ->check(whole_number(1, k_max_count))
      ->capture_default_str();
  cmd->add_option("--max-failure-ratio", o.max_failure_ratio, "canary: share of failed checks that aborts")
      ->check(number_between(0, 1))
      ->capture_default_str();
  cmd->add_option("--max-unavailable", o.max_unavailable, "rolling: instances switched at once")
      ->check(whole_number(1, k_max_count))
      ->capture_default_str();
  add_duration_option(cmd, "--max-pause", o.max_pause,
                      "How long the rollout may stay paused before it rolls back (0: no bound)");
  cmd->add_option("--fallback-strategy", o.fallback, "Strategy to use when the runtime cannot run the chosen one")
      ->transform(strategy_alias())
      ->check(CLI::IsMember(strategy_names()));
}

Result<std::pair<std::unique_ptr<live::SocketRuntime>, live::HelloInfo>>
connect_runtime(const Context& ctx, std::chrono::milliseconds request_timeout)
{
  live::ConnectOptions options;
  options.request_timeout = request_timeout;
  // Root, and whoever owns the root: the runtime that loads from it.
  options.trusted_uids.push_back(0);
  struct stat st {};
  if (::stat(ctx.root().c_str(), &st) == 0 && st.st_uid != 0) {
    options.trusted_uids.push_back(st.st_uid);
  }
  auto runtime = live::SocketRuntime::connect(ctx.socket_path(), options);
  if (!runtime) {
    return fail(runtime.error());
  }
  auto hello = (*runtime)->hello();
  if (!hello) {
    return fail(hello.error());
  }
  return std::make_pair(std::move(*runtime), std::move(*hello));
}

Result<LiveConnection> connect_live(Context& ctx, const LiveCliOptions& o, const std::string& strategy)
{
  // Checked while parsing (gradual_steps); parsed again here for its value.
  auto steps = live::parse_steps(o.steps);
  if (!steps) {
    return fail(steps.error());
  }
  auto connected = connect_runtime(ctx, o.request_timeout);
  if (!connected) {
    return fail(connected.error());
  }
  auto& [runtime_ptr, hello_info] = *connected;
  auto* runtime = &runtime_ptr;
  const auto* hello = &hello_info;
  LiveConnection connection;
  connection.path.hello = *hello;
  connection.path.strategy.name = strategy;
  connection.path.strategy.steps = *steps;
  connection.path.strategy.step_interval = o.step_interval;
  connection.path.strategy.canary_weight = o.canary_weight;
  connection.path.strategy.analysis = o.analysis;
  connection.path.strategy.health_interval = o.health_interval;
  connection.path.strategy.max_consecutive_failures = o.max_consecutive_failures;
  connection.path.strategy.max_failure_ratio = o.max_failure_ratio;
  connection.path.strategy.max_unavailable = o.max_unavailable;
  connection.path.strategy.lease = o.lease;
  connection.path.strategy.max_pause = o.max_pause;
  if (!o.fallback.empty()) {
    connection.path.strategy.fallback = o.fallback;
  }
  connection.path.timer = &live::system_timer();
  connection.path.probers = probe::make_prober;
  connection.path.rollback_timeout = std::max(o.request_timeout, std::chrono::milliseconds(10000));
  auto* raw = runtime->get();
  connection.path.set_request_timeout = [raw](std::chrono::milliseconds t) { raw->set_request_timeout(t); };
  // Progress never goes to stdout, which holds the one result document.
  if (!o.events.empty()) {
    auto file = std::make_unique<std::ofstream>(o.events, std::ios::out | std::ios::trunc);
    if (!*file) {
      return fail(ErrorCode::io, fmt::format("cannot write the events file '{}': {}", o.events, std::strerror(errno)));
    }
    ctx.events_file = std::move(file);
    ctx.reporter.set_event_stream(ctx.events_file.get());
  }
  output::Reporter* reporter = &ctx.reporter;
  connection.path.on_event = [reporter](const live::StrategyEvent& e) {
    reporter->event(output::event_json(e), fmt::format("  {:>8.1f} ms  {:<8} {}\n", e.at_ms, e.phase, e.detail));
  };
  connection.runtime = std::move(*runtime);
  return connection;
}

} // namespace noodle::cli
