// SPDX-License-Identifier: Apache-2.0
// Checks of option values, run by CLI11 while it parses (flags, NOODLE_*
// variables and configuration defaults alike), so a bad value is refused
// with exit 2 before anything is locked or recorded. Each message quotes the
// value and gives the allowed range in plain numbers.
#pragma once

#include <noodle/util/duration.hpp>

#include <CLI/CLI.hpp>

#include <chrono>
#include <cstdint>
#include <string>

namespace noodle::cli {

// The most instances, checks, versions or entries a count option takes: past
// any real setting, and far from any overflow.
inline constexpr std::int64_t k_max_count = 1'000'000;

// A duration option bound to `target` (util::parse_duration's forms: "30",
// "1.5", "500ms", "5s", "2m", "1h"), shown as DURATION with its default as
// util::duration_text gives it.
CLI::Option* add_duration_option(CLI::App* app, const std::string& name, std::chrono::milliseconds& target,
                                 const std::string& help, util::DurationRange range = {});

// A whole number from `min` to `max` (decimal digits, an optional '-').
CLI::Validator whole_number(std::int64_t min, std::int64_t max);

// A decimal number from `min` to `max`; NaN and infinities are refused.
CLI::Validator number_between(double min, double max);

// Gradual weights, checked by live::parse_steps.
CLI::Validator gradual_steps();

// Turns a strategy's alias (blue_green) into its name, before the check of
// the names (manifest::strategy_alias).
CLI::Validator strategy_alias();

} // namespace noodle::cli
