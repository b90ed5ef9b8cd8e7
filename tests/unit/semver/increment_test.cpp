// SPDX-License-Identifier: Apache-2.0
#include <noodle/semver/coerce.hpp>
#include <noodle/semver/increment.hpp>

#include <catch2/catch.hpp>

#include <string>

using noodle::ErrorCode;
using noodle::semver::IdentifierBase;
using noodle::semver::Increment;
using noodle::semver::Release;
using noodle::semver::Version;

namespace {

std::string inc(const std::string& version, Release release, std::optional<std::string> preid = std::nullopt,
                IdentifierBase base = IdentifierBase::zero)
{
  auto v = Version::parse(version);
  REQUIRE(v.has_value());
  auto next = noodle::semver::increment(*v, Increment{release, std::move(preid), base});
  INFO(version << (next ? "" : " -> " + next.error().message));
  REQUIRE(next.has_value());
  return next->to_string();
}

} // namespace

TEST_CASE("semver::increment bumps as npm's inc(), a prerelease counting towards its release")
{
  CHECK(inc("1.2.3+build", Release::patch) == "1.2.4");
  CHECK(inc("1.2.3-rc.1", Release::patch) == "1.2.3");
  CHECK(inc("1.2.0-rc.1", Release::minor) == "1.2.0");
  CHECK(inc("1.2.3-rc.1", Release::minor) == "1.3.0");
  CHECK(inc("2.0.0-rc.1", Release::major) == "2.0.0");
  CHECK(inc("1.2.3", Release::premajor) == "2.0.0-0");
  CHECK(inc("1.2.3", Release::preminor, "beta") == "1.3.0-beta.0");
  CHECK(inc("1.2.3", Release::prepatch, "rc", IdentifierBase::one) == "1.2.4-rc.1");
  CHECK(inc("1.2.3-beta.1", Release::prerelease, "beta") == "1.2.3-beta.2");
  CHECK(inc("1.2.3-beta.1", Release::prerelease, "rc") == "1.2.3-rc.0");
  CHECK(inc("1.2.3-beta", Release::prerelease) == "1.2.3-beta.0");
  CHECK(inc("1.2.3", Release::prerelease, "dev", IdentifierBase::none) == "1.2.4-dev");
  CHECK(inc("1.2.3-rc.1", Release::release) == "1.2.3");
}

TEST_CASE("semver::increment refuses what npm's inc() refuses")
{
  auto v = Version::parse("1.2.3").value();
  auto not_pre = noodle::semver::increment(v, Increment{Release::release, std::nullopt, IdentifierBase::zero});
  REQUIRE_FALSE(not_pre.has_value());
  CHECK(not_pre.error().code == ErrorCode::invalid_version);
  CHECK(not_pre.error().message == "version '1.2.3' is not a prerelease");
  auto bad_id = noodle::semver::increment(v, Increment{Release::prerelease, "01", IdentifierBase::zero});
  REQUIRE_FALSE(bad_id.has_value());
  CHECK(bad_id.error().message == "invalid identifier '01'");
  CHECK(noodle::semver::increment(v, Increment{Release::prerelease, "01", IdentifierBase::zero}, {.loose = true})
            .has_value());
  CHECK_FALSE(noodle::semver::increment(v, Increment{Release::prerelease, std::nullopt, IdentifierBase::none}));
  auto dev = Version::parse("1.2.3-dev").value();
  CHECK_FALSE(noodle::semver::increment(dev, Increment{Release::prerelease, "dev", IdentifierBase::none}));
}

TEST_CASE("semver::difference names the release type between two versions as npm's diff()")
{
  auto diff = [](const std::string& a, const std::string& b) {
    auto d = noodle::semver::difference(Version::parse(a).value(), Version::parse(b).value());
    return d ? std::string(noodle::semver::release_name(*d)) : std::string("null");
  };
  CHECK(diff("1.2.3", "2.0.0") == "major");
  CHECK(diff("1.2.3", "1.3.0-rc.1") == "preminor");
  CHECK(diff("1.2.3-rc.1", "1.2.3-rc.2") == "prerelease");
  CHECK(diff("1.2.0-rc.1", "1.2.0") == "minor");
  CHECK(diff("1.0.0-0", "1.0.0") == "major");
  CHECK(diff("1.2.3-rc.1", "1.2.3") == "patch");
  CHECK(diff("1.2.3+a", "1.2.3+b") == "null");
}

TEST_CASE("semver::coerce finds the first or last version in text as npm's coerce()")
{
  using noodle::semver::CoerceFrom;
  auto coerce = [](const std::string& text, CoerceFrom from, noodle::semver::Options o = {}) {
    auto v = noodle::semver::coerce(text, from, o);
    return v ? v->to_string() : std::string("null");
  };
  CHECK(coerce("release v2.4 (final)", CoerceFrom::left) == "2.4.0");
  CHECK(coerce("1.2.3.4", CoerceFrom::left) == "1.2.3");
  CHECK(coerce("1.2.3.4", CoerceFrom::right) == "2.3.4");
  CHECK(coerce("12345678901234567 8", CoerceFrom::left) == "8.0.0");
  CHECK(coerce("1.2.12345678901234567", CoerceFrom::left) == "1.2.0");
  CHECK(coerce("no digits", CoerceFrom::left) == "null");
  CHECK(coerce("01.2", CoerceFrom::left) == "null");
  CHECK(coerce("01.2", CoerceFrom::left, {.loose = true}) == "1.2.0");
}

TEST_CASE("semver::coerce with include_prerelease keeps the prerelease and build that follow, as npm does")
{
  using noodle::semver::CoerceFrom;
  const noodle::semver::Options pre{.include_prerelease = true};
  auto coerce = [&](const std::string& text, CoerceFrom from) {
    auto v = noodle::semver::coerce(text, from, pre);
    return v ? v->to_string() : std::string("null");
  };
  CHECK(coerce("v1-beta.1+b.2 x", CoerceFrom::left) == "1.0.0-beta.1+b.2");
  // The pattern must end at a non-digit: "0" before a digit is backed off.
  CHECK(coerce("1.2.3-a.01", CoerceFrom::left) == "1.2.3-a");
  CHECK(coerce("1.2.3-01", CoerceFrom::left) == "1.2.3");
  CHECK(coerce("1.2.3-rc.1 then 2.0.0-beta", CoerceFrom::right) == "2.0.0-beta");
  // A whole non-ASCII character ends the match, so the text's end is reached.
  CHECK(coerce("v4.3.0-11.dev.z0\u3000", CoerceFrom::right) == "4.3.0-11.dev.z0");
  CHECK(noodle::semver::coerce("1.2.3-rc.1", CoerceFrom::left)->to_string() == "1.2.3");
}
