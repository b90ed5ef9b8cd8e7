// SPDX-License-Identifier: Apache-2.0
// Which strategy runs; shared by the strategy module's sources, not a public
// interface.
#pragma once

#include <noodle/live/strategy.hpp>

#include <optional>
#include <string>
#include <string_view>

namespace noodle::live::detail {

enum class Strategy { immediate, gradual, canary, blue_green, rolling };

std::string_view name_of(Strategy kind);

// The strategy that will run: the one asked for, or the fallback when the
// runtime cannot run it (with why, for the fallback event).
struct Choice {
  Strategy strategy;
  std::optional<std::string> fell_back; // why the wanted strategy did not run
};

// The strategy options.name names, checked against its option rules and
// what `hello` offers; the fallback when allowed and needed. Fails with
// usage naming what is wrong.
Result<Choice> choose(const HelloInfo& hello, const StrategyOptions& options);

} // namespace noodle::live::detail
