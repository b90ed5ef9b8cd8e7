// SPDX-License-Identifier: Apache-2.0
#include <noodle/util/duration.hpp>

#include <catch2/catch.hpp>
#include <fmt/format.h>

using namespace std::chrono_literals;
using noodle::util::duration_text;
using noodle::util::k_positive_duration;
using noodle::util::parse_duration;

namespace {

std::string message(std::string_view text, noodle::util::DurationRange range = {})
{
  auto d = parse_duration(text, range);
  REQUIRE_FALSE(d);
  CHECK(d.error().code == noodle::ErrorCode::usage);
  return d.error().message;
}

} // namespace

TEST_CASE("util::parse_duration reads seconds, and ms, s, m and h units")
{
  CHECK(parse_duration("30").value() == 30s);
  CHECK(parse_duration("1.5").value() == 1500ms);
  CHECK(parse_duration("0").value() == 0ms);
  CHECK(parse_duration(".25").value() == 250ms);
  CHECK(parse_duration("1e3").value() == 1000s);
  CHECK(parse_duration("500ms").value() == 500ms);
  CHECK(parse_duration("5s").value() == 5s);
  CHECK(parse_duration("2m").value() == 2min);
  CHECK(parse_duration("1h").value() == 1h);
  CHECK(parse_duration("0.0004").value() == 0ms);
  CHECK(parse_duration("8760h").value() == 8760h);
}

TEST_CASE("util::parse_duration refuses NaN, infinities and other spellings, giving the range in plain numbers")
{
  const std::string expected = "expected 0 to 31536000 seconds, e.g. '30', '500ms', '5s', '2m' or '1h'";
  for (const char* bad : {"nan", "NaN", "inf", "-inf", "infinity", "", "s", "ms", "5 s", "+5", "5S", "5d", "0x10",
                          "1.2.3", "5sec", "1e", "--1"}) {
    INFO(bad);
    CHECK(message(bad) == fmt::format("'{}' is not a duration: {}", bad, expected));
  }
  CHECK(message("bad\n\x1b") == "'bad\\n\\x1b' is not a duration: " + expected);
}

TEST_CASE("util::parse_duration refuses negative, too large and overflowing values with the range")
{
  CHECK(message("-1") == "'-1' is out of range: expected 0 to 31536000 seconds");
  CHECK(message("-0.5ms") == "'-0.5ms' is out of range: expected 0 to 31536000 seconds");
  CHECK(message("31536000.001") == "'31536000.001' is out of range: expected 0 to 31536000 seconds");
  CHECK(message("1e300") == "'1e300' is out of range: expected 0 to 31536000 seconds");
  CHECK(message("1e400") == "'1e400' is out of range: expected 0 to 31536000 seconds");
  CHECK(message("9223372036854775807h") == "'9223372036854775807h' is out of range: expected 0 to 31536000 seconds");
  CHECK(message("0", k_positive_duration) == "'0' is out of range: expected 0.001 to 31536000 seconds");
  CHECK(message("0.0004", k_positive_duration) == "'0.0004' is out of range: expected 0.001 to 31536000 seconds");
  CHECK(parse_duration("1ms", k_positive_duration).value() == 1ms);
}

TEST_CASE("util::duration_text gives the shortest form parse_duration reads back")
{
  for (const std::chrono::milliseconds d : {0ms, 1ms, 500ms, 1000ms, 1500ms, 30'000ms, 90'000ms, 120'000ms,
                                            3'600'000ms, 129'600'000ms}) {
    INFO(d.count());
    CHECK(parse_duration(duration_text(d)).value() == d);
  }
  CHECK(duration_text(500ms) == "500ms");
  CHECK(duration_text(1500ms) == "1.5s");
  CHECK(duration_text(30s) == "30s");
  CHECK(duration_text(2min) == "2m");
  CHECK(duration_text(1h) == "1h");
  CHECK(noodle::util::seconds_text(300ms) == "0.3");
  CHECK(noodle::util::seconds_text(31536000s) == "31536000");
}
