// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <noodle/util/error.hpp>

#include <chrono>
#include <string>
#include <string_view>

namespace noodle::util {

// A year: any longer wait, lease or timeout is a mistake, not a setting.
inline constexpr std::chrono::milliseconds k_max_duration{365LL * 24 * 3600 * 1000};

// The values a duration setting accepts, both ends included.
struct DurationRange {
  std::chrono::milliseconds min{0};
  std::chrono::milliseconds max = k_max_duration;
};
// Durations that must be more than zero: at least a millisecond.
inline constexpr DurationRange k_positive_duration{std::chrono::milliseconds(1), k_max_duration};

// A duration as written on the command line, in a NOODLE_* variable or in
// the configuration file: a decimal number of seconds ("30", "1.5", "1e3"),
// or a number with a unit: "500ms", "5s", "2m", "1h". Rounded to the
// millisecond. Fails with ErrorCode::usage, the text quoted and the range
// given in seconds: "'nan' is not a duration: expected 0 to 31536000 seconds,
// e.g. '30', '500ms', '5s', '2m' or '1h'" (also for infinities and for any
// other spelling), "'-1' is out of range: expected 0 to 31536000 seconds"
// (negative, too large, or a positive duration under a millisecond).
Result<std::chrono::milliseconds> parse_duration(std::string_view text, DurationRange range = {});

// Plain decimal seconds, no exponent, no trailing zeros: "30", "1.5", "0.001".
std::string seconds_text(std::chrono::milliseconds d);

// The shortest form parse_duration reads back: "30s", "1.5s", "500ms", "2m",
// "1h", "0s".
std::string duration_text(std::chrono::milliseconds d);

} // namespace noodle::util
