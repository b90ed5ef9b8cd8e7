// SPDX-License-Identifier: Apache-2.0
// The strategies' limits: how big their progress events may grow, and the
// gradual weights as --steps gives them.
#include <noodle/live/strategy.hpp>

#include <catch2/catch.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <string>
#include <utility>
#include <vector>

using noodle::ErrorCode;
using noodle::Result;
using noodle::live::ActivateRequest;
using noodle::live::HealthReport;
using noodle::live::HelloInfo;
using noodle::live::StrategyEvent;
using noodle::live::StrategyOptions;

namespace {

// Time that never passes: nothing here waits.
class FrozenTimer final : public noodle::live::Timer {
public:
  std::chrono::steady_clock::time_point now() override { return {}; }
  void sleep_for(std::chrono::milliseconds) override {}
};

} // namespace

namespace {

// A runtime that answers every request at once and keeps nothing, for runs
// over many instances.
class SilentRuntime final : public noodle::live::Runtime {
public:
  Result<HelloInfo> hello() override { return noodle::fail(ErrorCode::internal, "hello is not scripted"); }
  Result<void> prepare(const std::string&, const std::string&, const std::string&) override { return {}; }
  Result<void> activate(const ActivateRequest& request) override
  {
    widest = std::max(widest, request.instances.size());
    return {};
  }
  Result<HealthReport> health(const std::string&, const std::vector<std::string>&) override
  {
    return HealthReport{true, {}};
  }
  Result<void> commit(const std::string&, const std::string&) override { return {}; }
  Result<void> rollback(const std::string&, const std::string&) override { return {}; }
  Result<void> abort(const std::string&) override { return {}; }
  Result<std::optional<std::string>> running(const std::string&) override { return std::nullopt; }

  std::size_t widest = 0; // the most instances one activate named
};

} // namespace

TEST_CASE("live::run_strategy rolling over 2,000 instances keeps every progress event small")
{
  constexpr std::size_t k_instances = 2000;
  FrozenTimer timer;
  SilentRuntime runtime;
  HelloInfo hello{1, "demo", "1.0.0", {}, {"hello", "prepare", "activate", "health", "commit", "rollback"}};
  for (std::size_t i = 0; i < k_instances; ++i) {
    hello.instances.push_back(fmt::format("instance-{:04}", i));
  }
  StrategyOptions options;
  options.name = "rolling";
  std::size_t largest = 0;
  auto result = noodle::live::run_strategy(
      runtime, hello, {"web", "1.0.0", "2.0.0", "/v/2.0.0"}, options, timer,
      [&](const StrategyEvent& e) {
        std::size_t size = e.phase.size() + e.detail.size();
        for (const auto& instance : e.instances) {
          size += instance.size();
        }
        largest = std::max(largest, size);
      },
      nullptr);
  REQUIRE(result);
  CHECK(result->committed);
  // Each activate still names every instance switched so far to the runtime.
  CHECK(runtime.widest == k_instances);
  CHECK(result->events.size() == 2 * k_instances + 2);
  CHECK(largest < 300);
  const auto& last = result->events[result->events.size() - 2];
  CHECK(last.phase == "health");
  CHECK(last.detail == "healthy");
  CHECK(result->events[result->events.size() - 3].detail == "instances instance-1999 (2000 of 2000)");
  CHECK(result->events[result->events.size() - 3].instances == std::vector<std::string>{"instance-1999"});
}

TEST_CASE("live::parse_steps reads the gradual weights the strategy runs by, and names the rule a list breaks")
{
  CHECK(noodle::live::parse_steps("10,25,50,100").value() == std::vector<int>{10, 25, 50, 100});
  CHECK(noodle::live::parse_steps("100").value() == std::vector<int>{100});
  for (const auto& [text, why] : std::vector<std::pair<std::string, std::string>>{
           {"50,20,100", "weights must increase"},
           {"10,50", "the last weight must be 100"},
           {"0,100", "weight '0' is not within 1-100"},
           {"10,,100", "expected whole numbers from 1 to 100 separated by commas, e.g. '10,25,50,100'"},
           {"", "expected whole numbers from 1 to 100 separated by commas, e.g. '10,25,50,100'"},
           {"10, 100", "expected whole numbers from 1 to 100 separated by commas, e.g. '10,25,50,100'"},
           {"nan", "expected whole numbers from 1 to 100 separated by commas, e.g. '10,25,50,100'"}}) {
    auto steps = noodle::live::parse_steps(text);
    REQUIRE_FALSE(steps);
    CHECK(steps.error().message == fmt::format("invalid gradual steps '{}': {}", text, why));
  }
}
