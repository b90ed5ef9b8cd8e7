// SPDX-License-Identifier: Apache-2.0
#include <noodle/output/timestamp.hpp>

#include <fmt/format.h>

#include <ctime>

namespace noodle::output {

namespace {

// Whole seconds and the milliseconds left, rounding towards the past (a time
// before 1970 still prints its own second).
std::tm utc(store::Millis t, int& millis)
{
  std::int64_t secs = t / 1000;
  std::int64_t rest = t % 1000;
  if (rest < 0) {
    rest += 1000;
    --secs;
  }
  millis = static_cast<int>(rest);
  const auto as_time = static_cast<std::time_t>(secs);
  std::tm tm{};
  ::gmtime_r(&as_time, &tm);
  return tm;
}

} // namespace

std::string format_time(store::Millis t)
{
  int millis = 0;
  const std::tm tm = utc(t, millis);
  char buf[40];
  std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S UTC", &tm);
  return buf;
}

std::string format_timestamp(store::Millis t)
{
  int millis = 0;
  const std::tm tm = utc(t, millis);
  char buf[40];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
  return fmt::format("{}.{:03}Z", buf, millis);
}

std::string format_age(store::Millis from, store::Millis now)
{
  const std::int64_t d = now - from;
  const std::int64_t a = d < 0 ? -d : d;
  std::string s;
  if (a < 60'000) {
    s = fmt::format("{}s", a / 1000);
  } else if (a < 3'600'000) {
    s = fmt::format("{}m", a / 60'000);
  } else if (a < 86'400'000) {
    s = fmt::format("{}h", a / 3'600'000);
  } else {
    s = fmt::format("{}d", a / 86'400'000);
  }
  return d < 0 ? "in " + s : s + " ago";
}

} // namespace noodle::output
