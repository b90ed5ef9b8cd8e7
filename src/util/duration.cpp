// SPDX-License-Identifier: Apache-2.0
#include <noodle/util/duration.hpp>
#include <noodle/util/text.hpp>

#include <fmt/format.h>

#include <charconv>
#include <cmath>

namespace noodle::util {

namespace {

using std::chrono::milliseconds;

bool digit(char c)
{
  return c >= '0' && c <= '9';
}

// -?(D+(.D*)?|.D+)([eE][+-]?D+)? exactly: no sign '+', no "inf" or "nan",
// which std::from_chars would take.
bool decimal_number(std::string_view s)
{
  std::size_t i = 0;
  const auto digits = [&] {
    const std::size_t start = i;
    while (i < s.size() && digit(s[i])) {
      ++i;
    }
    return i - start;
  };
  if (i < s.size() && s[i] == '-') {
    ++i;
  }
  std::size_t mantissa = digits();
  if (i < s.size() && s[i] == '.') {
    ++i;
    mantissa += digits();
  }
  if (mantissa == 0) {
    return false;
  }
  if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
    ++i;
    if (i < s.size() && (s[i] == '+' || s[i] == '-')) {
      ++i;
    }
    if (digits() == 0) {
      return false;
    }
  }
  return i == s.size();
}

std::string range_text(DurationRange range)
{
  return fmt::format("{} to {} seconds", seconds_text(range.min), seconds_text(range.max));
}

} // namespace

Result<milliseconds> parse_duration(std::string_view text, DurationRange range)
{
  // Shown escaped: the text may come from anywhere, and JSON keeps only UTF-8.
  const std::string shown = escape_text(text);
  std::string_view number = text;
  double unit_ms = 1000;
  if (number.size() > 2 && number.substr(number.size() - 2) == "ms") {
    unit_ms = 1;
    number.remove_suffix(2);
  } else if (!number.empty() && (number.back() == 's' || number.back() == 'm' || number.back() == 'h')) {
    unit_ms = number.back() == 's' ? 1000 : number.back() == 'm' ? 60'000 : 3'600'000;
    number.remove_suffix(1);
  }
  double value = 0;
  if (!decimal_number(number)) {
    return fail(ErrorCode::usage, fmt::format("'{}' is not a duration: expected {}, e.g. '30', '500ms', '5s', '2m' "
                                              "or '1h'",
                                              shown, range_text(range)));
  }
  const auto [end, ec] = std::from_chars(number.data(), number.data() + number.size(), value);
  const double ms = value * unit_ms;
  // Too large for a double, or for the range: checked before any rounding
  // to an integer, which would overflow.
  const bool in_range = ec == std::errc() && end == number.data() + number.size() && std::isfinite(ms) &&
                        ms >= 0 && ms <= static_cast<double>(range.max.count());
  const milliseconds rounded = in_range ? milliseconds(std::llround(ms)) : milliseconds(-1);
  if (!in_range || rounded < range.min || rounded > range.max) {
    return fail(ErrorCode::usage, fmt::format("'{}' is out of range: expected {}", shown, range_text(range)));
  }
  return rounded;
}

std::string seconds_text(milliseconds d)
{
  const auto ms = d.count();
  std::string s = fmt::format("{}{}", ms < 0 ? "-" : "", (ms < 0 ? -ms : ms) / 1000);
  auto fraction = (ms < 0 ? -ms : ms) % 1000;
  if (fraction == 0) {
    return s;
  }
  std::string digits = fmt::format("{:03}", fraction);
  while (digits.back() == '0') {
    digits.pop_back();
  }
  return s + "." + digits;
}

std::string duration_text(milliseconds d)
{
  const auto ms = d.count();
  if (ms == 0) {
    return "0s";
  }
  if (ms % 3'600'000 == 0) {
    return fmt::format("{}h", ms / 3'600'000);
  }
  if (ms % 60'000 == 0) {
    return fmt::format("{}m", ms / 60'000);
  }
  if (ms % 1000 == 0 || ms > 1000) {
    return seconds_text(d) + "s";
  }
  return fmt::format("{}ms", ms);
}

} // namespace noodle::util
