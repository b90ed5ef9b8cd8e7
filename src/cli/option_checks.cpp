// SPDX-License-Identifier: Apache-2.0
#include "option_checks.hpp"

#include <noodle/live/strategy.hpp>
#include <noodle/manifest/batch.hpp>
#include <noodle/util/text.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <cmath>

namespace noodle::cli {

CLI::Validator strategy_alias()
{
  return CLI::Validator(
      [](std::string& value) -> std::string {
        value = manifest::strategy_alias(value);
        return {};
      },
      "");
}

namespace {

// CLI11 runs a check on a copy and a transform on the value itself; the
// duration transform leaves the milliseconds for the bound variable.
CLI::Validator validator(std::function<std::string(std::string&)> check)
{
  return CLI::Validator(std::move(check), "", "");
}

} // namespace

CLI::Option* add_duration_option(CLI::App* app, const std::string& name, std::chrono::milliseconds& target,
                                 const std::string& help, util::DurationRange range)
{
  return app->add_option(name, target, help)
      ->transform(validator([range](std::string& value) -> std::string {
        auto parsed = util::parse_duration(value, range);
        if (!parsed) {
          return parsed.error().message;
        }
        value = std::to_string(parsed->count());
        return {};
      }))
      ->type_name("DURATION")
      ->default_str(util::duration_text(target));
}

CLI::Validator whole_number(std::int64_t min, std::int64_t max)
{
  return validator([min, max](std::string& value) -> std::string {
    const std::string range = fmt::format("expected a whole number from {} to {}", min, max);
    std::int64_t n = 0;
    const auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), n);
    if (value.empty() || end != value.data() + value.size() || (ec != std::errc() && ec != std::errc::result_out_of_range)) {
      return fmt::format("'{}' is not a whole number: {}", util::escape_text(value), range);
    }
    if (ec == std::errc::result_out_of_range || n < min || n > max) {
      return fmt::format("'{}' is out of range: {}", util::escape_text(value), range);
    }
    return {};
  });
}

CLI::Validator number_between(double min, double max)
{
  return validator([min, max](std::string& value) -> std::string {
    double n = 0;
    const auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), n);
    // from_chars takes "nan" and "inf"; neither is a value of any setting.
    if (value.empty() || ec != std::errc() || end != value.data() + value.size() || !std::isfinite(n) || n < min ||
        n > max) {
      return fmt::format("'{}' is not a number from {} to {}", util::escape_text(value), min, max);
    }
    return {};
  });
}

CLI::Validator gradual_steps()
{
  return validator([](std::string& value) -> std::string {
    auto steps = live::parse_steps(value);
    return steps ? std::string() : steps.error().message;
  });
}

} // namespace noodle::cli
