// SPDX-License-Identifier: Apache-2.0
// The independent probes at the strategies' health gates, through the
// live::Prober seam (a double here; tests/unit/probe runs the real ones).
#include <noodle/live/strategy.hpp>

#include <catch2/catch.hpp>

#include <fmt/format.h>

#include <memory>
#include <string>
#include <vector>

using namespace std::chrono_literals;
using noodle::ErrorCode;
using noodle::Result;
using noodle::live::ActivateRequest;
using noodle::live::HealthReport;
using noodle::live::HelloInfo;
using noodle::live::LiveTarget;
using noodle::live::ProbeOutcome;
using noodle::live::ProbeVerdict;
using noodle::live::StrategyEvent;
using noodle::live::StrategyOptions;

namespace {

class StillTimer final : public noodle::live::Timer {
public:
  std::chrono::steady_clock::time_point now() override { return m_now; }
  void sleep_for(std::chrono::milliseconds d) override { m_now += d; }

private:
  std::chrono::steady_clock::time_point m_now{};
};

// Always healthy; records the ops.
class HealthyRuntime final : public noodle::live::Runtime {
public:
  std::vector<std::string> calls;
  Result<HelloInfo> hello() override { return noodle::fail(ErrorCode::internal, "not scripted"); }
  Result<void> prepare(const std::string&, const std::string&, const std::string&) override
  {
    calls.push_back("prepare");
    return {};
  }
  Result<void> activate(const ActivateRequest&) override
  {
    calls.push_back("activate");
    return {};
  }
  Result<HealthReport> health(const std::string&, const std::vector<std::string>&) override
  {
    calls.push_back("health");
    return HealthReport{true, {{"i0", "ok"}, {"i1", "ok"}}};
  }
  Result<void> commit(const std::string&, const std::string&) override
  {
    calls.push_back("commit");
    return {};
  }
  Result<void> rollback(const std::string&, const std::string&) override
  {
    calls.push_back("rollback");
    return {};
  }
  Result<void> abort(const std::string&) override
  {
    calls.push_back("abort");
    return {};
  }
  Result<std::optional<std::string>> running(const std::string&) override { return std::nullopt; }
};

// Answers each run from a script (pass when the script runs out), and
// records the instances it was asked about.
class ScriptedProber final : public noodle::live::Prober {
public:
  std::vector<bool> script;
  std::vector<std::vector<std::string>> asked;
  bool interrupt_first = false;

  ProbeVerdict run(const std::vector<std::string>& instances, noodle::live::Timer&,
                   const std::function<bool()>&) override
  {
    asked.push_back(instances);
    ProbeVerdict verdict;
    if (interrupt_first && asked.size() == 1) {
      verdict.interrupted = true;
      return verdict;
    }
    const std::size_t n = asked.size() - 1;
    const bool pass = n >= script.size() || script[n];
    ProbeOutcome outcome{"api",
                         "http",
                         "http://127.0.0.1:1/health",
                         "",
                         pass,
                         pass ? 1 : 2,
                         pass ? "status 200" : "status 503, expected 200-399"};
    verdict.outcomes.push_back(outcome);
    return verdict;
  }
  std::vector<std::string> describe() const override { return {"api"}; }
};

struct ProbeHarness {
  StillTimer timer;
  HealthyRuntime runtime;
  HelloInfo hello{
      1, "demo", "1.0.0", {"i0", "i1"}, {"hello", "prepare", "activate", "health", "commit", "rollback", "abort"}};
  LiveTarget target{"web", "1.0.0", "2.0.0", "/v/2.0.0"};
  StrategyOptions options;
  std::shared_ptr<ScriptedProber> prober = std::make_shared<ScriptedProber>();
  std::vector<StrategyEvent> seen;

  explicit ProbeHarness(const std::string& strategy)
  {
    options.name = strategy;
    options.steps = {50, 100};
    options.step_interval = 10ms;
    options.analysis = 20ms;
    options.health_interval = 10ms;
    options.prober = prober;
  }

  noodle::live::LiveResult run()
  {
    auto r = noodle::live::run_strategy(runtime, hello, target, options, timer,
                                        [this](const StrategyEvent& e) { seen.push_back(e); }, {});
    REQUIRE(r);
    return *r;
  }
};

} // namespace

TEST_CASE("live::run_strategy fails the gate and rolls back when a probe fails though the runtime says healthy",
          "[probe]")
{
  for (const char* strategy : {"immediate", "gradual", "canary", "blue-green", "rolling"}) {
    DYNAMIC_SECTION(strategy)
    {
      ProbeHarness h(strategy);
      h.prober->script = {false};
      const auto result = h.run();
      CHECK_FALSE(result.committed);
      REQUIRE(result.error);
      CHECK(result.error->code == ErrorCode::unhealthy);
      CHECK(result.error->message.find("probe 'api' (http http://127.0.0.1:1/health) failed after 2 attempts: status "
                                       "503, expected 200-399")
            != std::string::npos);
      CHECK(std::find(h.runtime.calls.begin(), h.runtime.calls.end(), "commit") == h.runtime.calls.end());
      const bool probe_event = std::any_of(h.seen.begin(), h.seen.end(), [](const StrategyEvent& e) {
        return e.phase == "probe" && e.healthy == false;
      });
      CHECK(probe_event);
    }
  }
}

TEST_CASE("live::run_strategy runs the probes at every gate and commits when they pass", "[probe]")
{
  ProbeHarness gradual("gradual");
  CHECK(gradual.run().committed);
  CHECK(gradual.prober->asked.size() == 2); // weight 50 and weight 100

  ProbeHarness rolling("rolling");
  CHECK(rolling.run().committed);
  REQUIRE(rolling.prober->asked.size() == 2); // one group, then both
  CHECK(rolling.prober->asked[0] == std::vector<std::string>{"i0"});
  CHECK(rolling.prober->asked[1] == std::vector<std::string>{"i0", "i1"});

  ProbeHarness blue_green("blue-green");
  CHECK(blue_green.run().committed);
  CHECK(blue_green.prober->asked.size() == 2); // the preview and the gate after the switch
}

TEST_CASE("live::run_strategy fails at the gradual step whose probes fail, after passing the earlier one", "[probe]")
{
  ProbeHarness h("gradual");
  h.prober->script = {true, false};
  const auto result = h.run();
  CHECK_FALSE(result.committed);
  REQUIRE(result.error);
  CHECK(result.error->message.starts_with("health gate failed at weight 100: probe 'api'"));
  CHECK(h.runtime.calls.back() == "rollback");
}

TEST_CASE("live::run_strategy probes again from the start when a run of its probes was interrupted", "[probe]")
{
  ProbeHarness h("immediate");
  h.prober->interrupt_first = true;
  CHECK(h.run().committed);
  CHECK(h.prober->asked.size() == 2);
}
