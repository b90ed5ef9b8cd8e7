// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <noodle/live/prober.hpp>
#include <noodle/live/runtime.hpp>
#include <noodle/util/error.hpp>

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace noodle::live {

// What an operator asks of a running rollout (pause, resume, promote), as
// the engine last read it. `promote` never goes back to false.
struct Steering {
  bool paused = false;
  bool promote = false;
  std::string by; // who asked, for the events
};

struct StrategyOptions {
  std::string name = "gradual"; // immediate, gradual, canary, blue-green, rolling
  std::vector<int> steps{10, 25, 50, 100};        // gradual weights
  std::chrono::milliseconds step_interval{1000};  // gradual: wait after each step before its gate
  int canary_weight = 0;                          // canary: 0 = one instance, else this traffic share
  std::chrono::milliseconds analysis{5000};       // canary: how long health is watched
  std::chrono::milliseconds health_interval{500}; // canary: between health checks
  int max_consecutive_failures = 2;               // canary failure budget
  double max_failure_ratio = 0.2;                 // canary failure budget
  int max_unavailable = 1;                        // rolling: instances switched at once
  std::chrono::milliseconds lease{30000};         // sent with every activate
  std::optional<std::string> fallback;            // --fallback-strategy when the runtime lacks an op
  // Read at every step boundary and while the strategy waits (a step
  // interval, between analysis checks, while paused): at least every
  // k_steering_poll on the real clock. May be empty: nothing steers.
  std::function<Steering()> steer;
  // Called at each step boundary and wait once what steer() returned has
  // been applied and its event emitted: an acknowledged request is then
  // already in the events. May be empty.
  std::function<void()> steer_applied;
  // How long a pause may last before the rollout rolls back; 0: no bound.
  std::chrono::milliseconds max_pause{0};
  // Called after the last gate, just before commit (the engine swaps the
  // `current` link there); an error fails the rollout like a failed gate.
  std::function<Result<void>()> before_commit;
  // Called once the runtime has committed, before the commit event is
  // emitted, with the strategy that ran: the engine records the step there,
  // so that nothing is shown about a commit the state database does not hold.
  std::function<void(const std::string& strategy)> after_commit;
  // The independent probes every health gate runs once the runtime's own
  // answer is healthy (the preview of blue-green included; not the canary's
  // analysis checks, which are the runtime's): a failed probe fails the
  // gate. Null: the runtime's answer alone.
  std::shared_ptr<Prober> prober;
};

// Time for the strategies: tests run them without waiting.
class Timer {
public:
  virtual ~Timer() = default;
  virtual std::chrono::steady_clock::time_point now() = 0;
  virtual void sleep_for(std::chrono::milliseconds d) = 0;
  // Waits up to `d`, returning true as soon as `wake` does (checked at
  // least every k_steering_poll), false when `d` ran out. The default
  // sleeps all of `d` and never wakes early (clocks of tests).
  virtual bool wait_for(std::chrono::milliseconds d, const std::function<bool()>& wake)
  {
    (void)wake;
    sleep_for(d);
    return false;
  }
};

// How often a waiting strategy looks for a stop or a steering request: a
// request takes effect within this (plus the time of one poll).
inline constexpr std::chrono::milliseconds k_steering_poll{20};
// The real clock.
Timer& system_timer();

struct StrategyEvent {
  std::string phase;   // "prepare", "activate", "health", "probe", "commit", "rollback", "abort", "fallback",
                       // "pause", "resume", "promote"
  std::string detail;  // e.g. "weight 25", "i1: unhealthy: slow replies"
  std::optional<int> weight;
  std::vector<std::string> instances;
  std::optional<bool> healthy;
  double at_ms = 0;    // since the strategy started
  // Which change it belongs to: component and versions filled by
  // run_strategy from its target; the upgrade id and the wall-clock time
  // (ms since the epoch) by the engine, which knows them.
  std::string component;
  std::string from_version;
  std::string to_version;
  std::int64_t upgrade_id = 0;
  std::int64_t time_ms = 0;
};

using EventSink = std::function<void(const StrategyEvent&)>;

struct LiveTarget {
  std::string component;
  std::string from_version; // what the runtime runs now (rolled back to on failure)
  std::string to_version;
  std::string path;         // the extracted, verified version directory
};

struct LiveResult {
  bool committed = false;
  std::string strategy;                // the one that ran (after any fallback)
  std::vector<StrategyEvent> events;
  std::optional<Error> error;          // why it was rolled back
  std::optional<Error> rollback_error; // the runtime's rollback failed too
  bool activated = false;              // an activate was sent: the lease covers what the undo could not
  double switch_ms = 0;                // the last activate's round trip (the traffic switch)
};

// Gradual traffic weights as --steps takes them, "10,25,50,100": whole
// numbers from 1 to 100, separated by commas, increasing, the last 100; the
// rules run_strategy holds the steps to. Fails with ErrorCode::usage
// ("invalid gradual steps '<text>': <the rule it breaks>").
Result<std::vector<int>> parse_steps(std::string_view text);

// True for the name of a strategy run_strategy knows (immediate, gradual,
// canary, blue-green, rolling); false for a plan's "install" or "restart".
bool is_strategy(std::string_view name);

// The strategy run_strategy would run for `options` on a runtime that said
// `hello`, asking it nothing: options.name, or the fallback's name when the
// runtime cannot run it. Fails exactly as run_strategy does before prepare.
Result<std::string> choose_strategy(const HelloInfo& hello, const StrategyOptions& options);

// Runs one strategy against `runtime` (hello already done: `hello`), from
// prepare to commit. A runtime lacking an op the strategy needs fails with
// ErrorCode::usage naming the op, unless options.fallback names a strategy
// it can run (an event "fallback" says so). Any failed gate, error or stop
// (`stop` returns an error) rolls the runtime back to from_version (abort
// when nothing was activated) and returns the result with `error` set; the
// Result itself fails only for a refused strategy (before prepare).
Result<LiveResult> run_strategy(Runtime& runtime, const HelloInfo& hello, const LiveTarget& target,
                                const StrategyOptions& options, Timer& timer, const EventSink& on_event,
                                const std::function<std::optional<Error>()>& stop);

} // namespace noodle::live
