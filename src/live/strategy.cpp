// SPDX-License-Identifier: Apache-2.0
#include "strategy_choice.hpp"

#include <noodle/live/strategy.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <string_view>
#include <thread>
#include <utility>

namespace noodle::live {

namespace {

using detail::Strategy;
using detail::name_of;
using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

// The canary's failure ratio is no verdict before this many checks.
constexpr int k_min_checks_for_ratio = 3;

// At most this many instance names in an event or message: a runtime may
// run thousands, and an event must not grow with them.
constexpr std::size_t k_named_instances = 8;

// The first k_named_instances of `instances`.
std::vector<std::string> named(const std::vector<std::string>& instances)
{
  const auto n = std::min(instances.size(), k_named_instances);
  return {instances.begin(), instances.begin() + static_cast<std::ptrdiff_t>(n)};
}

// "weight 25", "all instances", "instances i0, i1" or, past
// k_named_instances, "instances i0, ..., i7 and 42 more".
std::string describe(const std::vector<std::string>& instances, const std::optional<int>& weight)
{
  if (weight) {
    return fmt::format("weight {}", *weight);
  }
  if (instances.empty()) {
    return "all instances";
  }
  const auto shown = named(instances);
  const auto more = instances.size() - shown.size();
  return fmt::format("instances {}{}", fmt::join(shown, ", "), more == 0 ? "" : fmt::format(" and {} more", more));
}

// What the events of one step say about its instances: a bounded list and
// the words for it.
struct Scope {
  std::string label;
  std::vector<std::string> instances;
};

Scope scope_of(const std::vector<std::string>& instances, const std::optional<int>& weight)
{
  return {describe(instances, weight), named(instances)};
}

std::vector<std::string> failing_instances(const HealthReport& report)
{
  std::vector<std::string> lines;
  for (const auto& [instance, reason] : report.details) {
    if (reason != "ok") {
      lines.push_back(fmt::format("{}: {}", instance, reason));
    }
  }
  return lines;
}

Error unhealthy(std::string_view step, const HealthReport& report)
{
  auto lines = failing_instances(report);
  const std::string first = lines.empty() ? std::string("the runtime reports unhealthy") : lines.front();
  Error e(ErrorCode::unhealthy, fmt::format("health gate failed at {}: {}", step, first));
  e.details = std::move(lines);
  return e;
}

// "probe 'api' (http http://127.0.0.1:8080/i1/health) at i1 failed after 2
// attempts: status 503, expected 200-399 (2 failures in a row reach
// failure_threshold 2)".
std::string probe_line(const ProbeOutcome& outcome)
{
  return fmt::format("probe '{}' ({} {}){} {} after {} attempt{}: {}", outcome.probe, outcome.kind, outcome.target,
                     outcome.instance.empty() ? std::string() : fmt::format(" at {}", outcome.instance),
                     outcome.passed ? "passed" : "failed", outcome.attempts, outcome.attempts == 1 ? "" : "s",
                     outcome.detail);
}

Error probe_failed(std::string_view step, const ProbeVerdict& verdict)
{
  std::vector<std::string> lines;
  for (const auto& outcome : verdict.outcomes) {
    if (!outcome.passed) {
      lines.push_back(probe_line(outcome));
    }
  }
  const std::string first = lines.empty() ? std::string("a probe failed") : lines.front();
  Error e(ErrorCode::unhealthy, fmt::format("health gate failed at {}: {}", step, first));
  e.details = std::move(lines);
  return e;
}

// Whether a prepare that failed may have left a version loaded: a refusal
// loaded nothing (and may be "busy" with someone else's upgrade, which an
// abort would drop); a lost or garbled reply leaves it unknown.
bool may_have_prepared(const Error& error)
{
  return error.code != ErrorCode::runtime_refused;
}

class SteadyTimer final : public Timer {
public:
  Clock::time_point now() override { return Clock::now(); }
  void sleep_for(milliseconds d) override { std::this_thread::sleep_for(d); }
  bool wait_for(milliseconds d, const std::function<bool()>& wake) override
  {
    const auto end = Clock::now() + d;
    for (;;) {
      if (wake && wake()) {
        return true;
      }
      const auto left = std::chrono::duration_cast<milliseconds>(end - Clock::now());
      if (left <= milliseconds{0}) {
        return false;
      }
      std::this_thread::sleep_for(std::min(left, k_steering_poll));
    }
  }
};

// One run of one strategy: the steps it takes and what it must undo.
class Run {
public:
  Run(Runtime& runtime, const HelloInfo& hello, const LiveTarget& target, const StrategyOptions& options, Timer& timer,
      const EventSink& on_event, const std::function<std::optional<Error>()>& stop)
    : m_runtime(runtime), m_hello(hello), m_target(target), m_options(options), m_timer(timer), m_on_event(on_event),
      m_stop(stop), m_start(timer.now())
  {
  }

  void fallback(std::string detail)
  {
    StrategyEvent event;
    event.phase = "fallback";
    event.detail = std::move(detail);
    emit(std::move(event));
  }

  LiveResult execute(Strategy kind)
  {
    m_result.strategy = std::string(name_of(kind));
    auto done = body(kind);
    if (done) {
      m_result.committed = true;
    } else {
      m_result.error = done.error();
      undo();
    }
    return std::move(m_result);
  }

private:
  // How far the runtime got, to know what a failure must undo.
  enum class Reached { nothing, prepared, activated };

  Result<void> body(Strategy kind)
  {
    if (auto prepared = prepare(); !prepared) {
      return prepared;
    }
    Result<void> done;
    switch (kind) {
    case Strategy::immediate: done = immediate(); break;
    case Strategy::gradual: done = gradual(); break;
    case Strategy::canary: done = canary(); break;
    case Strategy::blue_green: done = blue_green(); break;
    case Strategy::rolling: done = rolling(); break;
    }
    if (!done) {
      return done;
    }
    return commit();
  }

  Result<void> immediate()
  {
    if (auto r = activate({}, std::nullopt); !r) {
      return r;
    }
    return gate("all instances", {});
  }

  Result<void> gradual()
  {
    for (const int weight : m_options.steps) {
      if (m_promoted) {
        break;
      }
      if (auto r = activate({}, weight); !r) {
        return r;
      }
      if (auto r = wait(m_options.step_interval); !r) {
        return r;
      }
      if (m_promoted && weight != 100) {
        break; // straight to full traffic, whose gate is the last word
      }
      if (auto r = gate(fmt::format("weight {}", weight), {}); !r) {
        return r;
      }
      if (weight == 100) {
        return {};
      }
    }
    return promoted_to_full({});
  }

  // After a promote: every instance at once, through the final gate.
  Result<void> promoted_to_full(const std::vector<std::string>& instances)
  {
    if (auto r = activate(instances, std::nullopt); !r) {
      return r;
    }
    return gate("all instances (promoted)", instances);
  }

  // The failure budget follows Argo Rollouts' analysis: the canary fails as
  // soon as `max_consecutive_failures` checks in a row are unhealthy, or when
  // the share of unhealthy checks exceeds `max_failure_ratio` once at least
  // k_min_checks_for_ratio checks were made (one early blip is no verdict).
  // A runtime error during a check (timeout, lost connection) is no vote on
  // the version's health but leaves it unwatched: it fails at once.
  Result<void> canary()
  {
    std::vector<std::string> watched;
    std::optional<int> weight;
    if (m_options.canary_weight > 0) {
      weight = m_options.canary_weight;
    } else {
      watched.push_back(m_hello.instances.front());
    }
    if (auto r = activate(watched, weight); !r) {
      return r;
    }
    const auto watch_start = m_timer.now();
    const auto paused_before = m_paused_total;
    // Analysis time: a pause stops its clock.
    const auto watched_for = [&] { return m_timer.now() - watch_start - (m_paused_total - paused_before); };
    int checks = 0;
    int failures = 0;
    int consecutive = 0;
    std::optional<Error> last_failure;
    do {
      const auto elapsed = std::chrono::duration_cast<milliseconds>(watched_for());
      if (auto r = wait(std::clamp(m_options.analysis - elapsed, milliseconds{0}, m_options.health_interval)); !r) {
        return r;
      }
      if (m_promoted) {
        break; // the rest of the analysis is skipped
      }
      auto report = check(watched);
      if (!report) {
        return fail(report.error());
      }
      ++checks;
      if (report->healthy) {
        consecutive = 0;
      } else {
        ++failures;
        ++consecutive;
        last_failure = unhealthy(fmt::format("canary check {}", checks), *report);
      }
      if (consecutive >= m_options.max_consecutive_failures) {
        last_failure->details.push_back(fmt::format("{} consecutive unhealthy checks reach the budget of {}",
                                                    consecutive, m_options.max_consecutive_failures));
        return fail(std::move(*last_failure));
      }
      const double ratio = static_cast<double>(failures) / checks;
      if (checks >= k_min_checks_for_ratio && ratio > m_options.max_failure_ratio) {
        last_failure->details.push_back(fmt::format("{} of {} checks unhealthy: ratio {:.2f} above {:.2f}", failures,
                                                    checks, ratio, m_options.max_failure_ratio));
        return fail(std::move(*last_failure));
      }
    } while (!m_promoted && watched_for() < m_options.analysis);
    if (auto r = activate({}, std::nullopt); !r) {
      return r;
    }
    return gate("all instances", {});
  }

  Result<void> blue_green()
  {
    // The preview: the protocol requires `health` with "preview" to report
    // on the prepared version before it gets any traffic. A failure here
    // aborts: blue never stopped serving, green never served.
    if (auto r = preview_gate(); !r) {
      return r;
    }
    if (auto r = activate({}, std::nullopt); !r) {
      return r;
    }
    return gate("all instances", {});
  }

  Result<void> rolling()
  {
    const auto& all = m_hello.instances;
    const auto group_size = static_cast<std::size_t>(m_options.max_unavailable);
    std::vector<std::string> switched;
    for (std::size_t first = 0; first < all.size(); first += group_size) {
      if (m_promoted) {
        return promoted_to_full(all);
      }
      const auto last = std::min(all.size(), first + group_size);
      const std::vector<std::string> group(all.begin() + static_cast<std::ptrdiff_t>(first),
                                           all.begin() + static_cast<std::ptrdiff_t>(last));
      switched.insert(switched.end(), group.begin(), group.end());
      // The events name the group just switched and count the rest, so each
      // stays small however many instances there are.
      const Scope scope = switched.size() <= k_named_instances
                              ? scope_of(switched, std::nullopt)
                              : Scope{fmt::format("{} ({} of {})", describe(group, std::nullopt), switched.size(),
                                                  all.size()),
                                      named(group)};
      // Cumulative: each activate names every instance the new version serves.
      if (auto r = activate(switched, std::nullopt, scope); !r) {
        return r;
      }
      if (auto r = gate(scope.label, switched, scope); !r) {
        return r;
      }
    }
    return {};
  }

  // Waits `d` (a step interval, the time to the next analysis check), or
  // less after a promote; a pause stops the clock of `d` until resumed. A
  // stop or a steering request wakes it within k_steering_poll.
  Result<void> wait(milliseconds d)
  {
    auto left = d;
    for (;;) {
      if (auto r = steer_point(); !r) {
        return r;
      }
      if (m_promoted) {
        return {};
      }
      if (m_paused) {
        m_timer.wait_for(k_steering_poll, {});
        continue;
      }
      if (left <= milliseconds{0}) {
        return {};
      }
      const auto before = m_timer.now();
      const bool woken = m_timer.wait_for(left, [this] { return wants_attention(); });
      if (!woken) {
        left = milliseconds{0};
      } else {
        left -= std::chrono::duration_cast<milliseconds>(m_timer.now() - before);
      }
    }
  }

  // A step boundary: holds while paused.
  Result<void> hold() { return wait(milliseconds{0}); }

  // Whether a wait must end early: a stop, or steering that changes what runs.
  bool wants_attention()
  {
    if (m_stop) {
      if (auto error = m_stop()) {
        return true;
      }
    }
    if (!m_options.steer) {
      return false;
    }
    const Steering now = m_options.steer();
    return now.paused != m_paused || (now.promote && !m_promoted);
  }

  // Applies what the operator asked, and bounds a pause.
  Result<void> steer_point()
  {
    if (auto r = check_stop(); !r) {
      return r;
    }
    if (!m_options.steer) {
      return {};
    }
    const Steering asked = m_options.steer();
    // Acknowledged on the way out, whichever way that is: after the event.
    const struct Applied {
      const std::function<void()>& done;
      ~Applied()
      {
        if (done) {
          done();
        }
      }
    } applied{m_options.steer_applied};
    const std::string by = asked.by.empty() ? std::string() : fmt::format(" by {}", asked.by);
    if (asked.promote && !m_promoted) {
      m_promoted = true;
      if (m_paused) {
        m_paused = false;
        m_paused_total += m_timer.now() - m_paused_since;
      }
      StrategyEvent event;
      event.phase = "promote";
      event.detail = fmt::format("promoted{}: the remaining steps and analysis are skipped", by);
      emit(std::move(event));
      return {};
    }
    if (m_promoted) {
      return {};
    }
    if (asked.paused && !m_paused) {
      m_paused = true;
      m_paused_since = m_timer.now();
      m_last_renewal = m_paused_since;
      StrategyEvent event;
      event.phase = "pause";
      event.detail = fmt::format("paused{}", by);
      emit(std::move(event));
    } else if (!asked.paused && m_paused) {
      m_paused = false;
      const auto paused_for = m_timer.now() - m_paused_since;
      m_paused_total += paused_for;
      StrategyEvent event;
      event.phase = "resume";
      event.detail = fmt::format("resumed{} after {:.1f} s", by, std::chrono::duration<double>(paused_for).count());
      emit(std::move(event));
      // The rest of the step starts with a whole lease.
      if (m_last_activate) {
        if (auto r = m_runtime.activate(*m_last_activate); !r) {
          return fail(r.error());
        }
      }
    }
    if (!m_paused) {
      return {};
    }
    const auto now = m_timer.now();
    if (m_options.max_pause.count() > 0 && now - m_paused_since > m_options.max_pause) {
      return fail(ErrorCode::timeout, fmt::format("the rollout stayed paused longer than --max-pause of {} s",
                                                  std::chrono::duration<double>(m_options.max_pause).count()));
    }
    // The lease must outlive the pause: each activate renews it.
    if (m_last_activate && now - m_last_renewal >= m_options.lease / 3) {
      m_last_renewal = now;
      if (auto r = m_runtime.activate(*m_last_activate); !r) {
        return fail(r.error());
      }
    }
    return {};
  }

  Result<void> check_stop()
  {
    if (m_stop) {
      if (auto error = m_stop()) {
        return fail(std::move(*error));
      }
    }
    return {};
  }

  Result<void> prepare()
  {
    if (auto r = check_stop(); !r) {
      return r;
    }
    auto r = m_runtime.prepare(m_target.component, m_target.to_version, m_target.path);
    if (r || may_have_prepared(r.error())) {
      m_reached = Reached::prepared;
    }
    StrategyEvent event;
    event.phase = "prepare";
    event.detail = outcome(fmt::format("{} beside {}", m_target.to_version, m_target.from_version), r);
    emit(std::move(event));
    return r;
  }

  Result<void> activate(std::vector<std::string> instances, std::optional<int> weight)
  {
    Scope scope = scope_of(instances, weight);
    return activate(std::move(instances), weight, scope);
  }

  Result<void> activate(std::vector<std::string> instances, std::optional<int> weight, const Scope& scope)
  {
    if (auto r = hold(); !r) {
      return r;
    }
    ActivateRequest request;
    request.component = m_target.component;
    request.version = m_target.to_version;
    request.instances = std::move(instances);
    request.weight = weight;
    request.lease = m_options.lease;
    // Whatever the reply, the runtime may have switched: only a rollback undoes it.
    m_reached = Reached::activated;
    m_result.activated = true;
    m_last_activate = request;
    const auto before = m_timer.now();
    auto r = m_runtime.activate(request);
    m_result.switch_ms = std::chrono::duration<double, std::milli>(m_timer.now() - before).count();
    StrategyEvent event;
    event.phase = "activate";
    event.detail = outcome(scope.label, r);
    event.weight = request.weight;
    event.instances = scope.instances;
    emit(std::move(event));
    return r;
  }

  Result<HealthReport> check(const std::vector<std::string>& instances)
  {
    return check(instances, scope_of(instances, std::nullopt));
  }

  Result<HealthReport> check(const std::vector<std::string>& instances, const Scope& scope)
  {
    if (auto r = check_stop(); !r) {
      return fail(r.error());
    }
    auto report = m_runtime.health(m_target.component, instances);
    StrategyEvent event;
    event.phase = "health";
    event.instances = scope.instances;
    if (!report) {
      event.detail = fmt::format("failed: {}", report.error().message);
    } else {
      event.healthy = report->healthy;
      const auto lines = failing_instances(*report);
      const auto shown = named(lines);
      event.detail = lines.empty() ? std::string(report->healthy ? "healthy" : "unhealthy")
                                   : fmt::format("{}{}", fmt::join(shown, "; "),
                                                 lines.size() > shown.size()
                                                     ? fmt::format("; and {} more", lines.size() - shown.size())
                                                     : std::string());
    }
    emit(std::move(event));
    return report;
  }

  // The health of the prepared version before any activate.
  Result<void> preview_gate()
  {
    if (auto r = hold(); !r) {
      return r;
    }
    auto report = m_runtime.preview_health(m_target.component, m_target.to_version, {});
    StrategyEvent event;
    event.phase = "health";
    if (!report) {
      event.detail = fmt::format("preview of {} failed: {}", m_target.to_version, report.error().message);
    } else {
      event.healthy = report->healthy;
      const auto lines = failing_instances(*report);
      event.detail = fmt::format("preview of {}: {}", m_target.to_version,
                                 lines.empty() ? std::string(report->healthy ? "healthy" : "unhealthy")
                                               : fmt::format("{}", fmt::join(named(lines), "; ")));
    }
    emit(std::move(event));
    if (!report) {
      return fail(report.error());
    }
    if (!report->healthy) {
      return fail(unhealthy("the preview of the prepared version, before traffic", *report));
    }
    return probe_gate("the preview of the prepared version, before traffic", {});
  }

  // A health gate: an unhealthy report or any runtime error fails it.
  Result<void> gate(std::string_view step, const std::vector<std::string>& instances)
  {
    return gate(step, instances, scope_of(instances, std::nullopt));
  }

  Result<void> gate(std::string_view step, const std::vector<std::string>& instances, const Scope& scope)
  {
    auto report = check(instances, scope);
    if (!report) {
      return fail(report.error());
    }
    if (!report->healthy) {
      return fail(unhealthy(step, *report));
    }
    return probe_gate(step, instances);
  }

  // The independent probes of a gate, at `instances` (all of them when
  // none are named). A stop or steering request interrupts them: the
  // rollout applies it (holding while paused) and probes again from the
  // start, so no verdict is drawn from probes cut short.
  Result<void> probe_gate(std::string_view step, const std::vector<std::string>& instances)
  {
    if (!m_options.prober) {
      return {};
    }
    const auto& targets = instances.empty() ? m_hello.instances : instances;
    for (;;) {
      if (auto r = check_stop(); !r) {
        return r;
      }
      const auto verdict = m_options.prober->run(targets, m_timer, [this] { return wants_attention(); });
      for (const auto& outcome : verdict.outcomes) {
        StrategyEvent event;
        event.phase = "probe";
        event.healthy = outcome.passed;
        if (!outcome.instance.empty()) {
          event.instances.push_back(outcome.instance);
        }
        event.detail = probe_line(outcome);
        emit(std::move(event));
      }
      if (verdict.interrupted) {
        if (auto r = hold(); !r) {
          return r;
        }
        continue;
      }
      if (!verdict.passed()) {
        return fail(probe_failed(step, verdict));
      }
      return {};
    }
  }

  Result<void> commit()
  {
    if (auto r = hold(); !r) {
      return r;
    }
    // The caller's last word before the commit (the engine swaps the link).
    if (m_options.before_commit) {
      if (auto ready = m_options.before_commit(); !ready) {
        return ready;
      }
    }
    auto r = m_runtime.commit(m_target.component, m_target.to_version);
    if (r && m_options.after_commit) {
      m_options.after_commit(m_result.strategy); // recorded before anything is shown about it
    }
    StrategyEvent event;
    event.phase = "commit";
    event.detail = outcome(m_target.to_version, r);
    emit(std::move(event));
    return r;
  }

  // Undoes what the runtime reached; never stopped by `stop`.
  void undo()
  {
    StrategyEvent event;
    Result<void> r;
    if (m_reached == Reached::activated && !m_target.from_version.empty()) {
      r = m_runtime.rollback(m_target.component, m_target.from_version);
      event.phase = "rollback";
      event.detail = outcome(fmt::format("to {}", m_target.from_version), r);
    } else if (m_reached == Reached::prepared || m_reached == Reached::activated) {
      // Nothing to go back to (a new component): drop the new version.
      r = m_runtime.abort(m_target.component);
      event.phase = "abort";
      event.detail = outcome(fmt::format("drop {}", m_target.to_version), r);
    } else {
      return;
    }
    if (!r) {
      m_result.rollback_error = r.error();
    }
    emit(std::move(event));
  }

  static std::string outcome(std::string what, const Result<void>& r)
  {
    if (r) {
      return what;
    }
    return fmt::format("{} failed: {}", what, r.error().message);
  }

  void emit(StrategyEvent event)
  {
    event.at_ms = std::chrono::duration<double, std::milli>(m_timer.now() - m_start).count();
    event.component = m_target.component;
    event.from_version = m_target.from_version;
    event.to_version = m_target.to_version;
    if (m_on_event) {
      m_on_event(event);
    }
    m_result.events.push_back(std::move(event));
  }

  Runtime& m_runtime;
  const HelloInfo& m_hello;
  const LiveTarget& m_target;
  const StrategyOptions& m_options;
  Timer& m_timer;
  const EventSink& m_on_event;
  const std::function<std::optional<Error>()>& m_stop;
  Clock::time_point m_start;
  Reached m_reached = Reached::nothing;
  LiveResult m_result;
  // Steering: what was applied, since when, and the activate a pause renews.
  bool m_paused = false;
  bool m_promoted = false;
  Clock::time_point m_paused_since{};
  Clock::duration m_paused_total{};
  Clock::time_point m_last_renewal{};
  std::optional<ActivateRequest> m_last_activate;
};

} // namespace

Timer& system_timer()
{
  static SteadyTimer timer;
  return timer;
}

Result<LiveResult> run_strategy(Runtime& runtime, const HelloInfo& hello, const LiveTarget& target,
                                const StrategyOptions& options, Timer& timer, const EventSink& on_event,
                                const std::function<std::optional<Error>()>& stop)
{
  auto chosen = detail::choose(hello, options);
  if (!chosen) {
    return fail(chosen.error());
  }
  Run run(runtime, hello, target, options, timer, on_event, stop);
  if (chosen->fell_back) {
    run.fallback(*chosen->fell_back);
  }
  return run.execute(chosen->strategy);
}

} // namespace noodle::live
