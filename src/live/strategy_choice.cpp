// SPDX-License-Identifier: Apache-2.0
// Which strategy runs: the names, the rules of their options, what a runtime
// must offer for each, and the fallback.
#include "strategy_choice.hpp"

#include <noodle/util/text.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <string_view>

namespace noodle::live {

namespace detail {

namespace {

struct StrategyName {
  Strategy kind;
  std::string_view name;
};

constexpr std::array k_strategies{
    StrategyName{Strategy::immediate, "immediate"}, StrategyName{Strategy::gradual, "gradual"},
    StrategyName{Strategy::canary, "canary"},       StrategyName{Strategy::blue_green, "blue-green"},
    StrategyName{Strategy::rolling, "rolling"},
};

// Every strategy switches, watches, then commits or rolls back.
constexpr std::array<std::string_view, 5> k_required_ops{"prepare", "activate", "health", "commit", "rollback"};

std::optional<Strategy> strategy_named(std::string_view name)
{
  for (const auto& entry : k_strategies) {
    if (entry.name == name) {
      return entry.kind;
    }
  }
  return std::nullopt;
}

Error unknown_strategy(std::string_view what, std::string_view name)
{
  Error e(ErrorCode::usage, fmt::format("unknown {} '{}'", what, name));
  e.details.emplace_back("expected immediate, gradual, canary, blue-green or rolling");
  return e;
}

// HelloInfo::can lives with the socket client; the strategies need only this.
bool has_op(const HelloInfo& hello, std::string_view op)
{
  return std::find(hello.capabilities.begin(), hello.capabilities.end(), op) != hello.capabilities.end();
}

// The rules of gradual weights; `shown` is how they were written.
Result<void> check_steps(const std::vector<int>& steps, std::string_view shown)
{
  if (steps.empty()) {
    return fail(ErrorCode::usage, "invalid gradual steps '': expected weights ending with 100");
  }
  for (std::size_t i = 0; i < steps.size(); ++i) {
    const int weight = steps[i];
    if (weight < 1 || weight > 100) {
      return fail(ErrorCode::usage,
                  fmt::format("invalid gradual steps '{}': weight '{}' is not within 1-100", shown, weight));
    }
    if (i > 0 && weight <= steps[i - 1]) {
      return fail(ErrorCode::usage, fmt::format("invalid gradual steps '{}': weights must increase", shown));
    }
  }
  if (steps.back() != 100) {
    return fail(ErrorCode::usage, fmt::format("invalid gradual steps '{}': the last weight must be 100", shown));
  }
  return {};
}

// Why `hello` cannot run `kind` (a missing op, or no instances to switch one
// by one), or nothing when it can.
std::optional<Error> refusal(Strategy kind, const HelloInfo& hello, const StrategyOptions& options)
{
  const auto listed = fmt::format("capabilities: {}", fmt::join(hello.capabilities, ", "));
  for (const auto op : k_required_ops) {
    if (!has_op(hello, op)) {
      Error e(ErrorCode::usage, fmt::format("runtime '{}' does not support '{}', which the {} strategy needs",
                                            hello.runtime, op, name_of(kind)));
      e.details.push_back(listed);
      return e;
    }
  }
  const bool needs_instances = kind == Strategy::rolling || (kind == Strategy::canary && options.canary_weight == 0);
  if (needs_instances && hello.instances.empty()) {
    Error e(ErrorCode::usage, fmt::format("runtime '{}' reports no instances, which the {} strategy needs",
                                          hello.runtime, name_of(kind)));
    e.details.push_back(listed);
    return e;
  }
  return std::nullopt;
}

Result<void> validate(Strategy kind, const StrategyOptions& options)
{
  if (options.lease.count() <= 0) {
    return fail(ErrorCode::usage, fmt::format("invalid lease '{}ms': must be positive", options.lease.count()));
  }
  switch (kind) {
  case Strategy::gradual: {
    if (auto steps = check_steps(options.steps, fmt::format("{}", fmt::join(options.steps, ","))); !steps) {
      return steps;
    }
    if (options.step_interval.count() < 0) {
      return fail(ErrorCode::usage, "invalid step interval: must not be negative");
    }
    return {};
  }
  case Strategy::canary:
    if (options.canary_weight < 0 || options.canary_weight > 99) {
      return fail(ErrorCode::usage, fmt::format("invalid canary weight '{}': expected 1-99, or 0 for one instance",
                                                options.canary_weight));
    }
    if (options.health_interval.count() <= 0) {
      return fail(ErrorCode::usage,
                  fmt::format("invalid health interval '{}ms': must be positive", options.health_interval.count()));
    }
    if (options.analysis.count() < 0) {
      return fail(ErrorCode::usage, "invalid analysis time: must not be negative");
    }
    if (options.max_consecutive_failures < 1) {
      return fail(ErrorCode::usage, fmt::format("invalid consecutive failure budget '{}': must be at least 1",
                                                options.max_consecutive_failures));
    }
    if (!(options.max_failure_ratio >= 0.0 && options.max_failure_ratio <= 1.0)) {
      return fail(ErrorCode::usage, fmt::format("invalid failure ratio '{}': expected 0-1", options.max_failure_ratio));
    }
    return {};
  case Strategy::rolling:
    if (options.max_unavailable < 1) {
      return fail(ErrorCode::usage,
                  fmt::format("invalid max unavailable '{}': must be at least 1", options.max_unavailable));
    }
    return {};
  case Strategy::immediate:
  case Strategy::blue_green: return {};
  }
  return {};
}

} // namespace

std::string_view name_of(Strategy kind)
{
  for (const auto& entry : k_strategies) {
    if (entry.kind == kind) {
      return entry.name;
    }
  }
  return "?";
}

Result<Choice> choose(const HelloInfo& hello, const StrategyOptions& options)
{
  const auto wanted = strategy_named(options.name);
  if (!wanted) {
    return fail(unknown_strategy("strategy", options.name));
  }
  if (auto valid = validate(*wanted, options); !valid) {
    return fail(valid.error());
  }
  auto refused = refusal(*wanted, hello, options);
  if (!refused) {
    return Choice{*wanted, std::nullopt};
  }
  if (!options.fallback) {
    return fail(std::move(*refused));
  }
  const auto fallback = strategy_named(*options.fallback);
  if (!fallback) {
    return fail(unknown_strategy("fallback strategy", *options.fallback));
  }
  if (auto valid = validate(*fallback, options); !valid) {
    return fail(valid.error());
  }
  if (auto also = refusal(*fallback, hello, options)) {
    refused->details.push_back(
        fmt::format("the fallback strategy '{}' cannot run either: {}", *options.fallback, also->message));
    return fail(std::move(*refused));
  }
  return Choice{*fallback, fmt::format("{}: running {} instead", refused->message, name_of(*fallback))};
}

} // namespace detail

using detail::choose;
using detail::name_of;

bool is_strategy(std::string_view name)
{
  return detail::strategy_named(name).has_value();
}

Result<std::vector<int>> parse_steps(std::string_view text)
{
  const std::string shown = util::escape_text(text);
  std::vector<int> steps;
  std::size_t start = 0;
  for (;;) {
    const auto comma = text.find(',', start);
    const std::string_view part = text.substr(start, comma == std::string_view::npos ? text.npos : comma - start);
    int weight = 0;
    const auto [end, ec] = std::from_chars(part.data(), part.data() + part.size(), weight);
    if (part.empty() || ec != std::errc() || end != part.data() + part.size()) {
      return fail(ErrorCode::usage, fmt::format("invalid gradual steps '{}': expected whole numbers from 1 to 100 "
                                                "separated by commas, e.g. '10,25,50,100'",
                                                shown));
    }
    steps.push_back(weight);
    if (comma == std::string_view::npos) {
      break;
    }
    start = comma + 1;
  }
  if (auto checked = detail::check_steps(steps, shown); !checked) {
    return fail(checked.error());
  }
  return steps;
}

Result<std::string> choose_strategy(const HelloInfo& hello, const StrategyOptions& options)
{
  auto chosen = choose(hello, options);
  if (!chosen) {
    return fail(chosen.error());
  }
  return std::string(name_of(chosen->strategy));
}

} // namespace noodle::live
