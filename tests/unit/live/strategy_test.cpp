// SPDX-License-Identifier: Apache-2.0
#include <noodle/live/strategy.hpp>

#include <catch2/catch.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <string>
#include <vector>

using namespace std::chrono_literals;
using noodle::Error;
using noodle::ErrorCode;
using noodle::Result;
using noodle::live::ActivateRequest;
using noodle::live::HealthReport;
using noodle::live::HelloInfo;
using noodle::live::LiveResult;
using noodle::live::LiveTarget;
using noodle::live::StrategyEvent;
using noodle::live::StrategyOptions;
using Calls = std::vector<std::string>;

namespace {

// Time moves only when a strategy sleeps (or a scripted call takes time).
class FakeTimer final : public noodle::live::Timer {
public:
  std::chrono::steady_clock::time_point now() override { return m_now; }
  void sleep_for(std::chrono::milliseconds d) override
  {
    sleeps.push_back(d);
    m_now += d;
  }
  void advance(std::chrono::milliseconds d) { m_now += d; }

  std::vector<std::chrono::milliseconds> sleeps;

private:
  std::chrono::steady_clock::time_point m_now{};
};

std::string list(const std::vector<std::string>& instances)
{
  return instances.empty() ? std::string("all") : fmt::format("{}", fmt::join(instances, ","));
}

// Records every call as one line ("activate web 2.0.0 weight 25"); answers
// health from a script by call index (healthy otherwise) and fails the n-th
// call of an op when told to.
class FakeRuntime final : public noodle::live::Runtime {
public:
  explicit FakeRuntime(FakeTimer& timer) : m_timer(timer) {}

  void fail_on(const std::string& op, int nth, Error error) { m_errors[op][nth] = std::move(error); }
  void health_answer(int nth, HealthReport report) { m_health[nth] = std::move(report); }

  Calls calls;
  std::vector<ActivateRequest> activations;
  std::chrono::milliseconds activate_cost{0};

  Result<HelloInfo> hello() override { return noodle::fail(ErrorCode::internal, "hello is not scripted"); }

  Result<void> prepare(const std::string& component, const std::string& version, const std::string& path) override
  {
    calls.push_back(fmt::format("prepare {} {} {}", component, version, path));
    return scripted("prepare");
  }

  Result<void> activate(const ActivateRequest& request) override
  {
    const auto target = request.weight ? fmt::format("weight {}", *request.weight) : list(request.instances);
    calls.push_back(fmt::format("activate {} {} {}", request.component, request.version, target));
    activations.push_back(request);
    m_timer.advance(activate_cost);
    return scripted("activate");
  }

  Result<HealthReport> health(const std::string& component, const std::vector<std::string>& instances) override
  {
    calls.push_back(fmt::format("health {} {}", component, list(instances)));
    const int nth = m_counts["health"];
    if (auto r = scripted("health"); !r) {
      return noodle::fail(r.error());
    }
    if (auto it = m_health.find(nth); it != m_health.end()) {
      return it->second;
    }
    HealthReport report{true, {}};
    for (const auto& instance : instances.empty() ? std::vector<std::string>{"i0", "i1", "i2"} : instances) {
      report.details[instance] = "ok";
    }
    return report;
  }

  Result<void> commit(const std::string& component, const std::string& version) override
  {
    calls.push_back(fmt::format("commit {} {}", component, version));
    return scripted("commit");
  }

  Result<void> rollback(const std::string& component, const std::string& version) override
  {
    calls.push_back(fmt::format("rollback {} {}", component, version));
    return scripted("rollback");
  }

  Result<void> abort(const std::string& component) override
  {
    calls.push_back(fmt::format("abort {}", component));
    return scripted("abort");
  }

  Result<std::optional<std::string>> running(const std::string& component) override
  {
    calls.push_back(fmt::format("running {}", component));
    if (auto r = scripted("running"); !r) {
      return noodle::fail(r.error());
    }
    return std::nullopt;
  }

private:
  Result<void> scripted(const std::string& op)
  {
    const int nth = m_counts[op]++;
    if (auto it = m_errors.find(op); it != m_errors.end()) {
      if (auto e = it->second.find(nth); e != it->second.end()) {
        return noodle::fail(e->second);
      }
    }
    return {};
  }

  FakeTimer& m_timer;
  std::map<std::string, std::map<int, Error>> m_errors;
  std::map<int, HealthReport> m_health;
  std::map<std::string, int> m_counts;
};

HealthReport unhealthy(const std::string& instance, const std::string& reason)
{
  HealthReport report{false, {{"i0", "ok"}, {"i1", "ok"}, {"i2", "ok"}}};
  report.details[instance] = reason;
  return report;
}

Error timeout()
{
  return Error(ErrorCode::timeout, "no reply within 5000ms");
}
Error interrupted()
{
  return Error(ErrorCode::interrupted, "interrupted");
}

// One strategy run against the fakes: a runtime "demo" with three instances
// and every op, upgrading web 1.0.0 -> 2.0.0.
struct Harness {
  FakeTimer timer;
  FakeRuntime runtime{timer};
  HelloInfo hello{1,
                  "demo",
                  "1.0.0",
                  {"i0", "i1", "i2"},
                  {"hello", "prepare", "activate", "health", "commit", "rollback", "abort"}};
  LiveTarget target{"web", "1.0.0", "2.0.0", "/v/2.0.0"};
  StrategyOptions options;
  std::vector<StrategyEvent> seen;
  std::function<std::optional<Error>()> stop;

  explicit Harness(const std::string& strategy)
  {
    options.name = strategy;
    options.analysis = 1000ms; // canary: two checks
    options.health_interval = 500ms;
  }

  // Stops (with `error`) once the runtime has seen `calls` calls.
  void stop_after(std::size_t calls, Error error = interrupted())
  {
    stop = [this, calls, error]() -> std::optional<Error> {
      if (runtime.calls.size() >= calls) {
        return error;
      }
      return std::nullopt;
    };
  }

  Result<LiveResult> run()
  {
    return noodle::live::run_strategy(
        runtime, hello, target, options, timer, [this](const StrategyEvent& e) { seen.push_back(e); }, stop);
  }

  LiveResult run_ok()
  {
    auto result = run();
    REQUIRE(result.has_value());
    return *result;
  }
};

std::vector<std::string> phases(const LiveResult& result)
{
  std::vector<std::string> out;
  for (const auto& event : result.events) {
    out.push_back(event.phase);
  }
  return out;
}

// The calls of each strategy that succeeds with the harness's options.
Calls success_calls(const std::string& strategy)
{
  if (strategy == "immediate") {
    return {"prepare web 2.0.0 /v/2.0.0", "activate web 2.0.0 all", "health web all", "commit web 2.0.0"};
  }
  if (strategy == "gradual") {
    return {"prepare web 2.0.0 /v/2.0.0",
            "activate web 2.0.0 weight 10",
            "health web all",
            "activate web 2.0.0 weight 25",
            "health web all",
            "activate web 2.0.0 weight 50",
            "health web all",
            "activate web 2.0.0 weight 100",
            "health web all",
            "commit web 2.0.0"};
  }
  if (strategy == "canary") {
    return {"prepare web 2.0.0 /v/2.0.0", "activate web 2.0.0 i0", "health web i0",   "health web i0",
            "activate web 2.0.0 all",     "health web all",        "commit web 2.0.0"};
  }
  if (strategy == "blue-green") {
    return {"prepare web 2.0.0 /v/2.0.0", "health web all", "activate web 2.0.0 all", "health web all",
            "commit web 2.0.0"};
  }
  return {"prepare web 2.0.0 /v/2.0.0", "activate web 2.0.0 i0", "health web i0",
          "activate web 2.0.0 i0,i1",   "health web i0,i1",      "activate web 2.0.0 i0,i1,i2",
          "health web i0,i1,i2",        "commit web 2.0.0"};
}

// `calls` up to and including the first activate.
Calls through_first_activate(const Calls& calls)
{
  const auto it =
      std::find_if(calls.begin(), calls.end(), [](const std::string& c) { return c.rfind("activate", 0) == 0; });
  return Calls(calls.begin(), it + 1);
}

Calls with_call(Calls calls, const std::string& last)
{
  calls.push_back(last);
  return calls;
}

const char* const k_rollback = "rollback web 1.0.0";

} // namespace

// --- success ---------------------------------------------------------------

TEST_CASE("live::run_strategy immediate prepares, switches all, gates once and commits")
{
  Harness h("immediate");
  const auto result = h.run_ok();
  CHECK(h.runtime.calls == success_calls("immediate"));
  CHECK(result.committed);
  CHECK(result.strategy == "immediate");
  CHECK_FALSE(result.error);
  CHECK(phases(result) == std::vector<std::string>{"prepare", "activate", "health", "commit"});
  CHECK_FALSE(h.runtime.activations[0].weight);
  CHECK(h.runtime.activations[0].instances.empty());
}

TEST_CASE("live::run_strategy records a commit (after_commit) before it emits the commit event")
{
  Harness h("canary");
  std::vector<std::string> order;
  h.options.after_commit = [&](const std::string& strategy) {
    order.push_back(fmt::format("recorded {} after {} events", strategy, h.seen.size()));
  };
  const auto result = noodle::live::run_strategy(
      h.runtime, h.hello, h.target, h.options, h.timer,
      [&](const StrategyEvent& e) {
        h.seen.push_back(e);
        order.push_back("event " + e.phase);
      },
      h.stop);
  REQUIRE(result.has_value());
  REQUIRE(order.size() >= 2);
  CHECK(order[order.size() - 2] == fmt::format("recorded canary after {} events", h.seen.size() - 1));
  CHECK(order.back() == "event commit");
}

TEST_CASE("live::run_strategy acknowledges a steering request only once its event is emitted")
{
  // An operator's `pause` returns at the acknowledgment: by then the pause
  // must be in the events, or a reader of the events would not see it yet.
  Harness h("gradual");
  h.options.step_interval = 1000ms;
  int polls = 0;
  std::vector<std::string> acks; // the events emitted when each acknowledgment was made
  h.options.steer = [&] {
    noodle::live::Steering asked;
    asked.paused = ++polls < 6;
    return asked;
  };
  h.options.steer_applied = [&] {
    std::string phases_so_far;
    for (const auto& e : h.seen) {
      phases_so_far += e.phase + " ";
    }
    acks.push_back(phases_so_far);
  };
  const auto result = h.run_ok();
  CHECK(result.committed);
  REQUIRE_FALSE(acks.empty());
  for (const auto& seen : acks) {
    INFO(seen);
    CHECK(seen.find("pause ") != std::string::npos);
  }
  CHECK(std::any_of(acks.begin(), acks.end(), [](const std::string& seen) {
    return seen.find("resume ") != std::string::npos;
  }));
}

TEST_CASE("live::run_strategy never calls after_commit when the runtime refuses the commit")
{
  Harness h("immediate");
  h.runtime.fail_on("commit", 0, Error(ErrorCode::runtime_refused, "runtime refused commit: lease_expired: gone"));
  bool recorded = false;
  h.options.after_commit = [&](const std::string&) { recorded = true; };
  const auto result = h.run_ok();
  CHECK_FALSE(result.committed);
  CHECK_FALSE(recorded);
}

TEST_CASE("live::run_strategy gradual raises the weight step by step, waiting before each gate")
{
  Harness h("gradual");
  h.options.step_interval = 1000ms;
  const auto result = h.run_ok();
  CHECK(h.runtime.calls == success_calls("gradual"));
  CHECK(result.committed);
  CHECK(h.timer.sleeps == std::vector<std::chrono::milliseconds>(4, 1000ms));
}

TEST_CASE("live::run_strategy canary switches one instance, watches it through the analysis, then promotes")
{
  Harness h("canary");
  const auto result = h.run_ok();
  CHECK(h.runtime.calls == success_calls("canary"));
  CHECK(result.committed);
  CHECK(h.timer.sleeps == std::vector<std::chrono::milliseconds>{500ms, 500ms});
}

TEST_CASE("live::run_strategy blue-green checks the prepared version before any traffic, then switches at once")
{
  Harness h("blue-green");
  const auto result = h.run_ok();
  CHECK(h.runtime.calls == success_calls("blue-green"));
  CHECK(result.committed);
  CHECK(phases(result) == std::vector<std::string>{"prepare", "health", "activate", "health", "commit"});
}

TEST_CASE("live::run_strategy rolling switches one instance more at a time and gates each group")
{
  Harness h("rolling");
  const auto result = h.run_ok();
  CHECK(h.runtime.calls == success_calls("rolling"));
  CHECK(result.committed);
}

TEST_CASE("live::run_strategy rolling with max_unavailable 2 over 3 instances takes two groups")
{
  Harness h("rolling");
  h.options.max_unavailable = 2;
  const auto result = h.run_ok();
  CHECK(h.runtime.calls
        == Calls{"prepare web 2.0.0 /v/2.0.0", "activate web 2.0.0 i0,i1", "health web i0,i1",
                 "activate web 2.0.0 i0,i1,i2", "health web i0,i1,i2", "commit web 2.0.0"});
  CHECK(result.committed);
}

TEST_CASE("live::run_strategy canary with a weight routes that share of traffic and watches everything")
{
  Harness h("canary");
  h.options.canary_weight = 5;
  h.hello.instances.clear(); // a weight needs no instances
  const auto result = h.run_ok();
  CHECK(h.runtime.calls
        == Calls{"prepare web 2.0.0 /v/2.0.0", "activate web 2.0.0 weight 5", "health web all", "health web all",
                 "activate web 2.0.0 all", "health web all", "commit web 2.0.0"});
  CHECK(result.committed);
}

TEST_CASE("live::run_strategy gradual follows custom steps")
{
  Harness h("gradual");
  h.options.steps = {50, 100};
  h.options.step_interval = 200ms;
  const auto result = h.run_ok();
  CHECK(h.runtime.calls
        == Calls{"prepare web 2.0.0 /v/2.0.0", "activate web 2.0.0 weight 50", "health web all",
                 "activate web 2.0.0 weight 100", "health web all", "commit web 2.0.0"});
  CHECK(h.timer.sleeps == std::vector<std::chrono::milliseconds>{200ms, 200ms});
  CHECK(result.committed);
}

TEST_CASE("live::run_strategy sends the lease with every activate")
{
  Harness h("rolling");
  h.options.lease = 12345ms;
  h.run_ok();
  REQUIRE(h.runtime.activations.size() == 3);
  for (const auto& request : h.runtime.activations) {
    CHECK(request.lease == 12345ms);
    CHECK(request.component == "web");
    CHECK(request.version == "2.0.0");
  }
}

TEST_CASE("live::run_strategy reports each event to the sink, timed by the timer, and the last switch time")
{
  Harness h("gradual");
  h.options.step_interval = 1000ms;
  h.runtime.activate_cost = 7ms;
  const auto result = h.run_ok();
  REQUIRE(h.seen.size() == result.events.size());
  for (std::size_t i = 0; i < h.seen.size(); ++i) {
    CHECK(h.seen[i].phase == result.events[i].phase);
    CHECK(h.seen[i].detail == result.events[i].detail);
  }
  CHECK(result.events[1].weight == 10);
  CHECK(result.events[1].detail == "weight 10");
  CHECK(result.events[1].at_ms == Approx(7));
  CHECK(result.events[2].healthy == true);
  CHECK(result.events.back().phase == "commit");
  CHECK(result.events.back().at_ms == Approx(4 * 1000 + 4 * 7));
  CHECK(result.switch_ms == Approx(7));
}

// --- failed health gates -----------------------------------------------------

TEST_CASE("live::run_strategy immediate rolls back when its gate reports an instance unhealthy")
{
  Harness h("immediate");
  h.runtime.health_answer(0, unhealthy("i1", "slow replies"));
  const auto result = h.run_ok();
  CHECK(h.runtime.calls == Calls{"prepare web 2.0.0 /v/2.0.0", "activate web 2.0.0 all", "health web all", k_rollback});
  CHECK_FALSE(result.committed);
  REQUIRE(result.error);
  CHECK(result.error->code == ErrorCode::unhealthy);
  CHECK(result.error->message == "health gate failed at all instances: i1: slow replies");
  CHECK(result.events.back().phase == "rollback");
  CHECK(result.events.back().detail == "to 1.0.0");
  CHECK(result.events[2].healthy == false);
  CHECK_FALSE(result.rollback_error);
}

TEST_CASE("live::run_strategy gradual rolls back at the weight whose gate fails")
{
  Harness h("gradual");
  h.runtime.health_answer(1, unhealthy("i2", "500 errors"));
  const auto result = h.run_ok();
  CHECK(h.runtime.calls
        == Calls{"prepare web 2.0.0 /v/2.0.0", "activate web 2.0.0 weight 10", "health web all",
                 "activate web 2.0.0 weight 25", "health web all", k_rollback});
  REQUIRE(result.error);
  CHECK(result.error->code == ErrorCode::unhealthy);
  CHECK(result.error->message == "health gate failed at weight 25: i2: 500 errors");
}

TEST_CASE("live::run_strategy blue-green rolls back when the gate after the switch fails")
{
  Harness h("blue-green");
  h.runtime.health_answer(1, unhealthy("i0", "crashed"));
  const auto result = h.run_ok();
  CHECK(
      h.runtime.calls
      == Calls{"prepare web 2.0.0 /v/2.0.0", "health web all", "activate web 2.0.0 all", "health web all", k_rollback});
  REQUIRE(result.error);
  CHECK(result.error->message == "health gate failed at all instances: i0: crashed");
}

TEST_CASE("live::run_strategy blue-green aborts without any switch when the prepared version is unhealthy")
{
  Harness h("blue-green");
  h.runtime.health_answer(0, unhealthy("i0", "does not start"));
  const auto result = h.run_ok();
  CHECK(h.runtime.calls == Calls{"prepare web 2.0.0 /v/2.0.0", "health web all", "abort web"});
  REQUIRE(result.error);
  CHECK(result.error->code == ErrorCode::unhealthy);
  CHECK(result.error->message
        == "health gate failed at the preview of the prepared version, before traffic: i0: does not start");
  CHECK(result.events.back().phase == "abort");
}

TEST_CASE("live::run_strategy rolling rolls back when the second group's gate fails")
{
  Harness h("rolling");
  h.options.max_unavailable = 2;
  h.runtime.health_answer(1, unhealthy("i2", "crashed"));
  const auto result = h.run_ok();
  CHECK(h.runtime.calls
        == Calls{"prepare web 2.0.0 /v/2.0.0", "activate web 2.0.0 i0,i1", "health web i0,i1",
                 "activate web 2.0.0 i0,i1,i2", "health web i0,i1,i2", k_rollback});
  REQUIRE(result.error);
  CHECK(result.error->message == "health gate failed at instances i0, i1, i2: i2: crashed");
}

TEST_CASE("live::run_strategy names every failing instance in the gate error's details")
{
  Harness h("immediate");
  h.runtime.health_answer(0, HealthReport{false, {{"i0", "oom"}, {"i1", "ok"}, {"i2", "slow"}}});
  const auto result = h.run_ok();
  REQUIRE(result.error);
  CHECK(result.error->message == "health gate failed at all instances: i0: oom");
  CHECK(result.error->details == std::vector<std::string>{"i0: oom", "i2: slow"});
}

TEST_CASE("live::run_strategy keeps a runtime error of a health gate as it is and rolls back")
{
  Harness h("gradual");
  h.runtime.fail_on("health", 0, Error(ErrorCode::runtime_unreachable, "the runtime closed the connection"));
  const auto result = h.run_ok();
  CHECK(h.runtime.calls
        == Calls{"prepare web 2.0.0 /v/2.0.0", "activate web 2.0.0 weight 10", "health web all", k_rollback});
  REQUIRE(result.error);
  CHECK(result.error->code == ErrorCode::runtime_unreachable);
  CHECK_FALSE(result.events[2].healthy);
}

// --- errors, stops and commits, for every strategy ------------------------

TEST_CASE("live::run_strategy rolls back every strategy when an activate times out")
{
  const std::string strategy = GENERATE(as<std::string>{}, "immediate", "gradual", "canary", "blue-green", "rolling");
  Harness h(strategy);
  h.runtime.fail_on("activate", 0, timeout());
  const auto result = h.run_ok();
  CHECK(h.runtime.calls == with_call(through_first_activate(success_calls(strategy)), k_rollback));
  REQUIRE(result.error);
  CHECK(result.error->code == ErrorCode::timeout);
  CHECK_FALSE(result.committed);
  CHECK(result.events.back().phase == "rollback");
}

TEST_CASE("live::run_strategy rolls back every strategy when the commit fails")
{
  const std::string strategy = GENERATE(as<std::string>{}, "immediate", "gradual", "canary", "blue-green", "rolling");
  Harness h(strategy);
  h.runtime.fail_on("commit", 0, Error(ErrorCode::runtime_refused, "runtime refused commit: lease_expired: late"));
  const auto result = h.run_ok();
  CHECK(h.runtime.calls == with_call(success_calls(strategy), k_rollback));
  REQUIRE(result.error);
  CHECK(result.error->code == ErrorCode::runtime_refused);
  CHECK_FALSE(result.committed);
}

TEST_CASE("live::run_strategy stopped after the first switch rolls back with the stop's error")
{
  const std::string strategy = GENERATE(as<std::string>{}, "immediate", "gradual", "canary", "blue-green", "rolling");
  Harness h(strategy);
  const auto before = through_first_activate(success_calls(strategy));
  h.stop_after(before.size());
  const auto result = h.run_ok();
  CHECK(h.runtime.calls == with_call(before, k_rollback));
  REQUIRE(result.error);
  CHECK(result.error->code == ErrorCode::interrupted);
  CHECK_FALSE(result.committed);
}

TEST_CASE("live::run_strategy stopped just before the commit rolls back instead")
{
  const std::string strategy = GENERATE(as<std::string>{}, "immediate", "gradual", "canary", "blue-green", "rolling");
  Harness h(strategy);
  auto calls = success_calls(strategy);
  calls.pop_back();
  h.stop_after(calls.size(), Error(ErrorCode::terminated, "terminated"));
  const auto result = h.run_ok();
  CHECK(h.runtime.calls == with_call(calls, k_rollback));
  REQUIRE(result.error);
  CHECK(result.error->code == ErrorCode::terminated);
}

TEST_CASE("live::run_strategy stopped after prepare aborts the prepared version")
{
  const std::string strategy = GENERATE(as<std::string>{}, "immediate", "gradual", "canary", "blue-green", "rolling");
  Harness h(strategy);
  h.stop_after(1);
  const auto result = h.run_ok();
  CHECK(h.runtime.calls == Calls{"prepare web 2.0.0 /v/2.0.0", "abort web"});
  REQUIRE(result.error);
  CHECK(result.error->code == ErrorCode::interrupted);
  CHECK(result.events.back().phase == "abort");
}

TEST_CASE("live::run_strategy stopped before prepare calls nothing")
{
  Harness h("immediate");
  h.stop_after(0);
  const auto result = h.run_ok();
  CHECK(h.runtime.calls.empty());
  REQUIRE(result.error);
  CHECK(result.error->code == ErrorCode::interrupted);
  CHECK(result.events.empty());
}

TEST_CASE("live::run_strategy aborts after a prepare whose reply was lost")
{
  Harness h("immediate");
  h.runtime.fail_on("prepare", 0, timeout());
  const auto result = h.run_ok();
  CHECK(h.runtime.calls == Calls{"prepare web 2.0.0 /v/2.0.0", "abort web"});
  REQUIRE(result.error);
  CHECK(result.error->code == ErrorCode::timeout);
}

TEST_CASE("live::run_strategy does not abort after a refused prepare, which may be another upgrade's")
{
  Harness h("immediate");
  h.runtime.fail_on("prepare", 0, Error(ErrorCode::runtime_refused, "runtime refused prepare: busy: in progress"));
  const auto result = h.run_ok();
  CHECK(h.runtime.calls == Calls{"prepare web 2.0.0 /v/2.0.0"});
  REQUIRE(result.error);
  CHECK(result.error->code == ErrorCode::runtime_refused);
  CHECK(result.events.back().phase == "prepare");
}

TEST_CASE("live::run_strategy keeps a failed rollback apart from the failure it undoes")
{
  Harness h("immediate");
  h.runtime.health_answer(0, unhealthy("i1", "slow replies"));
  h.runtime.fail_on("rollback", 0, timeout());
  const auto result = h.run_ok();
  REQUIRE(result.error);
  CHECK(result.error->code == ErrorCode::unhealthy);
  REQUIRE(result.rollback_error);
  CHECK(result.rollback_error->code == ErrorCode::timeout);
  CHECK(result.events.back().detail == "to 1.0.0 failed: no reply within 5000ms");
}

TEST_CASE("live::run_strategy keeps a failed abort as the rollback error")
{
  Harness h("blue-green");
  h.runtime.health_answer(0, unhealthy("i0", "does not start"));
  h.runtime.fail_on("abort", 0, Error(ErrorCode::runtime_unreachable, "gone"));
  const auto result = h.run_ok();
  REQUIRE(result.rollback_error);
  CHECK(result.rollback_error->code == ErrorCode::runtime_unreachable);
}

// --- canary failure budget -------------------------------------------------

TEST_CASE("live::run_strategy canary fails when consecutive unhealthy checks reach the budget")
{
  Harness h("canary");
  h.options.analysis = 5000ms;
  h.options.max_consecutive_failures = 2;
  h.options.max_failure_ratio = 1.0; // only the consecutive rule can fail
  h.runtime.health_answer(1, unhealthy("i0", "slow replies"));
  h.runtime.health_answer(2, unhealthy("i0", "slow replies"));
  const auto result = h.run_ok();
  CHECK(h.runtime.calls
        == Calls{"prepare web 2.0.0 /v/2.0.0", "activate web 2.0.0 i0", "health web i0", "health web i0",
                 "health web i0", k_rollback});
  REQUIRE(result.error);
  CHECK(result.error->code == ErrorCode::unhealthy);
  CHECK(result.error->message == "health gate failed at canary check 3: i0: slow replies");
  CHECK(result.error->details.back() == "2 consecutive unhealthy checks reach the budget of 2");
}

TEST_CASE("live::run_strategy canary tolerates isolated unhealthy checks under both budgets")
{
  Harness h("canary");
  h.options.analysis = 5000ms; // ten checks
  h.options.max_consecutive_failures = 2;
  h.options.max_failure_ratio = 0.2;
  // Checks 6 and 10: 1 of 6, then 2 of 10 (0.2, not above the ratio).
  h.runtime.health_answer(5, unhealthy("i0", "blip"));
  h.runtime.health_answer(9, unhealthy("i0", "blip"));
  const auto result = h.run_ok();
  CHECK(result.committed);
  CHECK(std::count(h.runtime.calls.begin(), h.runtime.calls.end(), "health web i0") == 10);
}

TEST_CASE("live::run_strategy canary fails when the unhealthy share exceeds the ratio after three checks")
{
  Harness h("canary");
  h.options.analysis = 5000ms;
  h.options.max_consecutive_failures = 5;
  h.options.max_failure_ratio = 0.2;
  h.runtime.health_answer(0, unhealthy("i0", "slow replies"));
  const auto result = h.run_ok();
  // 1 of 1 and 1 of 2 are no verdict yet; 1 of 3 (0.33) is.
  CHECK(h.runtime.calls
        == Calls{"prepare web 2.0.0 /v/2.0.0", "activate web 2.0.0 i0", "health web i0", "health web i0",
                 "health web i0", k_rollback});
  REQUIRE(result.error);
  CHECK(result.error->message == "health gate failed at canary check 1: i0: slow replies");
  CHECK(result.error->details.back() == "1 of 3 checks unhealthy: ratio 0.33 above 0.20");
}

TEST_CASE("live::run_strategy canary does not judge the ratio before three checks")
{
  Harness h("canary"); // two checks
  h.options.max_consecutive_failures = 5;
  h.options.max_failure_ratio = 0.2;
  h.runtime.health_answer(0, unhealthy("i0", "slow replies"));
  const auto result = h.run_ok();
  CHECK(result.committed);
}

TEST_CASE("live::run_strategy canary rolls back when a watch check fails with a runtime error")
{
  Harness h("canary");
  h.runtime.fail_on("health", 1, timeout());
  const auto result = h.run_ok();
  CHECK(h.runtime.calls
        == Calls{"prepare web 2.0.0 /v/2.0.0", "activate web 2.0.0 i0", "health web i0", "health web i0", k_rollback});
  REQUIRE(result.error);
  CHECK(result.error->code == ErrorCode::timeout);
}

TEST_CASE("live::run_strategy canary promotes even after an unhealthy check when it is its last within budget")
{
  Harness h("canary");
  h.options.analysis = 1200ms; // checks at 500, 1000 and 1200
  h.options.max_consecutive_failures = 2;
  h.options.max_failure_ratio = 0.5;
  h.runtime.health_answer(2, unhealthy("i0", "blip"));
  const auto result = h.run_ok();
  CHECK(h.timer.sleeps == std::vector<std::chrono::milliseconds>{500ms, 500ms, 200ms});
  CHECK(result.committed);
}

// --- capabilities and options ----------------------------------------------

TEST_CASE("live::run_strategy refuses a runtime lacking an op the strategy needs")
{
  Harness h("gradual");
  h.hello.capabilities = {"hello", "prepare", "activate", "health", "commit"};
  const auto result = h.run();
  REQUIRE_FALSE(result);
  CHECK(result.error().code == ErrorCode::usage);
  CHECK(result.error().message == "runtime 'demo' does not support 'rollback', which the gradual strategy needs");
  CHECK(result.error().details == std::vector<std::string>{"capabilities: hello, prepare, activate, health, commit"});
  CHECK(h.runtime.calls.empty());
}

TEST_CASE("live::run_strategy refuses rolling on a runtime without instances")
{
  Harness h("rolling");
  h.hello.instances.clear();
  const auto result = h.run();
  REQUIRE_FALSE(result);
  CHECK(result.error().code == ErrorCode::usage);
  CHECK(result.error().message == "runtime 'demo' reports no instances, which the rolling strategy needs");
}

TEST_CASE("live::run_strategy runs the fallback strategy when the runtime cannot run the chosen one")
{
  Harness h("rolling");
  h.hello.instances.clear();
  h.options.fallback = "immediate";
  const auto result = h.run_ok();
  CHECK(result.strategy == "immediate");
  CHECK(result.committed);
  CHECK(phases(result) == std::vector<std::string>{"fallback", "prepare", "activate", "health", "commit"});
  CHECK(result.events[0].detail
        == "runtime 'demo' reports no instances, which the rolling strategy needs: running immediate instead");
  CHECK(h.runtime.calls == success_calls("immediate"));
}

TEST_CASE("live::run_strategy canary without instances falls back to gradual")
{
  Harness h("canary");
  h.hello.instances.clear();
  h.options.fallback = "gradual";
  const auto result = h.run_ok();
  CHECK(result.strategy == "gradual");
  CHECK(h.runtime.calls == success_calls("gradual"));
}

TEST_CASE("live::run_strategy refuses when the fallback cannot run either")
{
  Harness h("canary");
  h.hello.capabilities = {"hello", "prepare", "activate", "commit", "rollback"};
  h.options.fallback = "immediate";
  const auto result = h.run();
  REQUIRE_FALSE(result);
  CHECK(result.error().code == ErrorCode::usage);
  CHECK(result.error().message == "runtime 'demo' does not support 'health', which the canary strategy needs");
  CHECK(result.error().details.back()
        == "the fallback strategy 'immediate' cannot run either: runtime 'demo' does not support 'health', which the "
           "immediate strategy needs");
  CHECK(h.runtime.calls.empty());
}

TEST_CASE("live::run_strategy refuses an unknown strategy or fallback")
{
  Harness h("big-bang");
  auto result = h.run();
  REQUIRE_FALSE(result);
  CHECK(result.error().code == ErrorCode::usage);
  CHECK(result.error().message == "unknown strategy 'big-bang'");

  Harness f("rolling");
  f.hello.instances.clear();
  f.options.fallback = "yolo";
  result = f.run();
  REQUIRE_FALSE(result);
  CHECK(result.error().message == "unknown fallback strategy 'yolo'");
}

TEST_CASE("live::run_strategy refuses gradual steps that do not increase to 100")
{
  const auto steps = GENERATE(std::vector<int>{}, std::vector<int>{10, 50}, std::vector<int>{0, 100},
                              std::vector<int>{50, 50, 100}, std::vector<int>{50, 25, 100}, std::vector<int>{50, 101});
  Harness h("gradual");
  h.options.steps = steps;
  const auto result = h.run();
  REQUIRE_FALSE(result);
  CHECK(result.error().code == ErrorCode::usage);
  CHECK(h.runtime.calls.empty());
}

TEST_CASE("live::run_strategy names the problem with gradual steps")
{
  Harness h("gradual");
  h.options.steps = {10, 50};
  auto result = h.run();
  REQUIRE_FALSE(result);
  CHECK(result.error().message == "invalid gradual steps '10,50': the last weight must be 100");
  h.options.steps = {50, 25, 100};
  result = h.run();
  REQUIRE_FALSE(result);
  CHECK(result.error().message == "invalid gradual steps '50,25,100': weights must increase");
}

TEST_CASE("live::run_strategy refuses options the strategy cannot use")
{
  Harness lease("immediate");
  lease.options.lease = 0ms;
  CHECK_FALSE(lease.run());
  Harness rolling("rolling");
  rolling.options.max_unavailable = 0;
  CHECK_FALSE(rolling.run());
  Harness interval("canary");
  interval.options.health_interval = 0ms;
  CHECK_FALSE(interval.run());
  Harness weight("canary");
  weight.options.canary_weight = 100;
  CHECK_FALSE(weight.run());
  CHECK(lease.runtime.calls.empty());
}

TEST_CASE("live::system_timer advances with real time")
{
  auto& timer = noodle::live::system_timer();
  const auto before = timer.now();
  timer.sleep_for(1ms);
  CHECK(timer.now() - before >= 1ms);
}
