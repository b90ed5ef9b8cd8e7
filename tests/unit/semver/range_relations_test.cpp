// SPDX-License-Identifier: Apache-2.0
#include <noodle/semver/range_relations.hpp>

#include <catch2/catch.hpp>

#include <string>

using noodle::semver::Options;
using noodle::semver::Range;
using noodle::semver::Side;
using noodle::semver::Version;

namespace {

Range range_of(const std::string& text, Options o = {})
{
  auto x = Range::parse(text, o);
  INFO(text);
  REQUIRE(x.has_value());
  return *x;
}

Version version_of(const std::string& text)
{
  return Version::parse(text).value();
}

} // namespace

TEST_CASE("semver::intersects says whether two ranges can share a version, as npm's intersects()")
{
  CHECK(noodle::semver::intersects(range_of("^1.2.0"), range_of(">=1.5.0 <3.0.0")));
  CHECK_FALSE(noodle::semver::intersects(range_of("^1.2.0"), range_of(">=2.0.0")));
  CHECK(noodle::semver::intersects(range_of("1.x || 3.x"), range_of("3.1.0")));
  // An unsatisfiable set never intersects anything.
  CHECK_FALSE(noodle::semver::intersects(range_of(">2.0.0 <1.0.0"), range_of("*")));
  // npm tests an exact version against "*" with the prerelease rule.
  CHECK_FALSE(noodle::semver::intersects(range_of("1.2.3-rc.1"), range_of("*")));
  CHECK(noodle::semver::intersects(range_of("1.2.3-rc.1", {.include_prerelease = true}), range_of("*")));
}

TEST_CASE("semver::outside says whether a version is above or below every version of a range")
{
  CHECK(noodle::semver::outside(version_of("3.0.0"), range_of("^2.1.0"), Side::above));
  CHECK_FALSE(noodle::semver::outside(version_of("3.0.0"), range_of("^2.1.0"), Side::below));
  CHECK(noodle::semver::outside(version_of("1.0.0"), range_of("^2.1.0"), Side::below));
  CHECK_FALSE(noodle::semver::outside(version_of("2.2.0"), range_of("^2.1.0"), Side::above));
  CHECK_FALSE(noodle::semver::outside(version_of("3.0.0"), range_of(">=2.0.0"), Side::above));
  CHECK_FALSE(noodle::semver::outside(version_of("1.5.0"), range_of("<1.0.0 || >2.0.0"), Side::above));
}

TEST_CASE("semver::min_version gives the lowest version a range admits, as npm's minVersion()")
{
  auto min = [](const std::string& text, Options o = {}) {
    auto m = noodle::semver::min_version(range_of(text, o));
    return m ? m->to_string() : std::string("null");
  };
  CHECK(min("*") == "0.0.0");
  CHECK(min(">=0.0.0-0 <0.0.0") == "0.0.0-0");
  CHECK(min(">1.2.3 <2") == "1.2.4");
  CHECK(min(">1.2.3-rc.1") == "1.2.3-rc.1.0");
  CHECK(min("^2.1.0 || ~1.4.2") == "1.4.2");
  CHECK(min(">4.0.0 <3.0.0") == "null");
  CHECK(min("^1.2", {.include_prerelease = true}) == "1.2.0-0");
}
