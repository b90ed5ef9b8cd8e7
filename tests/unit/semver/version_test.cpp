// SPDX-License-Identifier: Apache-2.0
#include <noodle/semver/version.hpp>

#include <catch2/catch.hpp>

#include <string>
#include <vector>

using noodle::ErrorCode;
using noodle::semver::BuildMetadata;
using noodle::semver::compare;
using noodle::semver::compatibility;
using noodle::semver::Version;

namespace {

Version v(const std::string& text)
{
  auto r = Version::parse(text);
  INFO(text);
  REQUIRE(r.has_value());
  return *r;
}

std::string version_error(const std::string& text)
{
  auto r = Version::parse(text);
  INFO(text);
  REQUIRE_FALSE(r.has_value());
  CHECK(r.error().code == ErrorCode::invalid_version);
  return r.error().message;
}

} // namespace

TEST_CASE("semver::Version::parse reads MAJOR.MINOR.PATCH, prerelease and build")
{
  const auto x = v("1.22.333-rc.1.x-y.0a+build.007");
  CHECK(x.major == 1);
  CHECK(x.minor == 22);
  CHECK(x.patch == 333);
  REQUIRE(x.prerelease().size() == 4);
  CHECK_FALSE(x.prerelease()[0].numeric);
  CHECK(x.prerelease()[0].text == "rc");
  CHECK(x.prerelease()[1].numeric);
  CHECK(x.prerelease()[1].number == 1);
  CHECK(x.prerelease()[2].text == "x-y");
  CHECK_FALSE(x.prerelease()[3].numeric); // digits then a letter: alphanumeric
  CHECK(x.build() == std::vector<std::string>{"build", "007"});
  CHECK(x.is_prerelease());
  CHECK_FALSE(v("1.2.3").is_prerelease());
}

TEST_CASE("semver::Version keeps its identifiers apart, copied with it and changed one part at a time")
{
  // Four words: MAJOR.MINOR.PATCH and one pointer for the identifiers.
  STATIC_REQUIRE(sizeof(Version) == 4 * sizeof(std::uint64_t));
  const Version plain = v("1.2.3");
  CHECK(plain.prerelease().empty());
  CHECK(plain.build().empty());
  CHECK_FALSE(plain.is_prerelease());

  Version tagged = v("1.2.3-rc.1+b.7");
  const Version copy = tagged;
  tagged.set_build({});
  CHECK(tagged.to_string() == "1.2.3-rc.1");
  CHECK(copy.to_string() == "1.2.3-rc.1+b.7"); // the copy kept its own
  tagged.set_prerelease({});
  CHECK(tagged.to_string() == "1.2.3");
  CHECK_FALSE(tagged.is_prerelease());
  CHECK(tagged == plain);

  Version built = plain;
  built.set_build({"sha", "5114f85"});
  CHECK(built.to_string() == "1.2.3+sha.5114f85");
  CHECK_FALSE(built.is_prerelease());
  CHECK(built == plain); // build metadata is ignored for precedence
  built.set_identifiers(copy.prerelease(), {});
  CHECK(built.to_string() == "1.2.3-rc.1");
  CHECK(built < plain);
}

TEST_CASE("semver::Version::to_string gives the canonical form, with or without build")
{
  CHECK(v("1.2.3-rc.1+build.5").to_string() == "1.2.3-rc.1+build.5");
  CHECK(v("1.2.3-rc.1+build.5").to_string(BuildMetadata::omit) == "1.2.3-rc.1");
  CHECK(v("v1.2.3").to_string() == "1.2.3");
  CHECK(Version(4, 5, 6).to_string() == "4.5.6");
  CHECK(v("9007199254740991.0.0").to_string() == "9007199254740991.0.0");
}

TEST_CASE("semver::Version::parse tolerates what npm valid() tolerates and nothing more")
{
  CHECK(v("v1.2.3").to_string() == "1.2.3");
  CHECK(v("  1.2.3\t\n").to_string() == "1.2.3");
  CHECK(v("\xc2\xa0v1.2.3\xe3\x80\x80").to_string() == "1.2.3"); // U+00A0, U+3000
  CHECK(v("\xef\xbb\xbf" "1.2.3").to_string() == "1.2.3");       // U+FEFF
  CHECK(v("1.2.3--").prerelease()[0].text == "-");
  CHECK_FALSE(Version::parse("=1.2.3"));
  CHECK_FALSE(Version::parse("V1.2.3"));
  CHECK_FALSE(Version::parse("vv1.2.3"));
  CHECK_FALSE(Version::parse("v 1.2.3"));
}

TEST_CASE("semver::Version::parse refuses malformed versions with a specific reason")
{
  CHECK(version_error("") == "invalid version '': empty version");
  CHECK(version_error("1.2") == "invalid version '1.2': expected MAJOR.MINOR.PATCH");
  CHECK(version_error("1") == "invalid version '1': expected MAJOR.MINOR.PATCH");
  CHECK(version_error("1..3") == "invalid version '1..3': expected MAJOR.MINOR.PATCH");
  CHECK(version_error("1.2.3.4") == "invalid version '1.2.3.4': unexpected character '.' after patch");
  CHECK(version_error("01.2.3") == "invalid version '01.2.3': leading zero in major");
  CHECK(version_error("1.02.3") == "invalid version '1.02.3': leading zero in minor");
  CHECK(version_error("1.2.03") == "invalid version '1.2.03': leading zero in patch");
  CHECK(version_error("=1.2.3") == "invalid version '=1.2.3': unexpected character '=' before major");
  CHECK(version_error("1.x.3") == "invalid version '1.x.3': unexpected character 'x' in minor");
  CHECK(version_error("1.2.3-") == "invalid version '1.2.3-': empty prerelease identifier");
  CHECK(version_error("1.2.3-a..b") == "invalid version '1.2.3-a..b': empty prerelease identifier");
  CHECK(version_error("1.2.3-01") == "invalid version '1.2.3-01': leading zero in numeric prerelease identifier '01'");
  CHECK(version_error("1.2.3-a_b") == "invalid version '1.2.3-a_b': unexpected character '_' in prerelease");
  CHECK(version_error("1.2.3+") == "invalid version '1.2.3+': empty build identifier");
  CHECK(version_error("1.2.3+a+b") == "invalid version '1.2.3+a+b': unexpected character '+' in build");
  CHECK(version_error("1.2.3 x") == "invalid version '1.2.3 x': unexpected character ' ' after patch");
  CHECK(version_error("1.2.3-\xc3\xbc") == "invalid version '1.2.3-\xc3\xbc': unexpected character '\xc3\xbc' in prerelease");
}

TEST_CASE("semver::Version::parse refuses numbers above 2^53-1 and inputs over 256 characters")
{
  CHECK(version_error("9007199254740992.0.0") == "invalid version '9007199254740992.0.0': major exceeds 9007199254740991");
  CHECK(version_error("0.9007199254740992.0") == "invalid version '0.9007199254740992.0': minor exceeds 9007199254740991");
  CHECK(version_error("0.0.99999999999999999999999") ==
        "invalid version '0.0.99999999999999999999999': patch exceeds 9007199254740991");

  const std::string at_limit = "1.2.3-" + std::string(250, 'a');
  REQUIRE(at_limit.size() == 256);
  CHECK(Version::parse(at_limit));
  CHECK(version_error(at_limit + "a") == "invalid version '" + at_limit + "a': longer than 256 characters");
  // npm counts the untrimmed input, in UTF-16 units
  CHECK(Version::parse(std::string(251, ' ') + "1.2.3"));
  CHECK_FALSE(Version::parse(std::string(252, ' ') + "1.2.3"));
  std::string nbsp;
  for (int i = 0; i < 251; ++i) {
    nbsp += "\xc2\xa0"; // two bytes, one UTF-16 unit
  }
  CHECK(Version::parse(nbsp + "1.2.3"));
}

TEST_CASE("semver::Version orders by SemVer 2.0.0 precedence (spec examples)")
{
  const std::vector<std::string> ascending = {
    "1.0.0-alpha", "1.0.0-alpha.1", "1.0.0-alpha.beta", "1.0.0-beta", "1.0.0-beta.2",
    "1.0.0-beta.11", "1.0.0-rc.1", "1.0.0", "2.0.0", "2.1.0", "2.1.1",
  };
  for (std::size_t i = 0; i + 1 < ascending.size(); ++i) {
    INFO(ascending[i] << " < " << ascending[i + 1]);
    CHECK(v(ascending[i]) < v(ascending[i + 1]));
    CHECK(compare(v(ascending[i]), v(ascending[i + 1])) == -1);
    CHECK(compare(v(ascending[i + 1]), v(ascending[i])) == 1);
  }
}

TEST_CASE("semver::Version compares numeric identifiers numerically and below alphanumeric ones")
{
  CHECK(v("1.0.0-2") < v("1.0.0-10"));
  CHECK(v("1.0.0-999") < v("1.0.0-a"));
  CHECK(v("1.0.0-1") < v("1.0.0-0a"));    // "0a" is alphanumeric
  CHECK(v("1.0.0-B") < v("1.0.0-a"));     // ASCII order
  CHECK(v("1.0.0-a") < v("1.0.0-a.0"));   // a longer set of fields is higher
  CHECK(v("0.0.0-0") < v("0.0.0"));
  CHECK(v("1.9.0") < v("1.10.0"));
  // beyond 2^64, still exact (npm would compare these as rounded doubles)
  CHECK(v("1.0.0-99999999999999999998") < v("1.0.0-99999999999999999999"));
  CHECK(v("1.0.0-18446744073709551615") < v("1.0.0-18446744073709551616"));
  CHECK(v("1.0.0-9007199254740992") < v("1.0.0-9007199254740993"));
}

TEST_CASE("semver::Version ignores build metadata for precedence")
{
  CHECK(v("1.0.0+a") == v("1.0.0+b"));
  CHECK(compare(v("1.0.0-rc.1+x"), v("1.0.0-rc.1")) == 0);
  CHECK(v("1.0.0+zzz") < v("1.0.1+aaa"));
}

TEST_CASE("semver::compatibility flags major bumps, minor bumps below 1.0 and any 0.0.x change")
{
  auto check = [](const char* from, const char* to, bool breaking, const char* reason) {
    INFO(from << " -> " << to);
    const auto c = compatibility(v(from), v(to));
    CHECK(c.breaking == breaking);
    CHECK(c.compatible == !breaking);
    CHECK(c.reason == reason);
  };
  check("1.2.3", "2.0.0", true, "major version changes from 1 to 2");
  check("2.0.0", "1.9.9", true, "major version changes from 2 to 1");
  check("0.1.4", "0.2.0", true, "minor version changes from 1 to 2 while major version is 0");
  check("0.0.1", "0.0.2", true, "patch version changes from 1 to 2 within 0.0.x");
  check("1.2.3", "1.3.0", false, "minor version changes from 2 to 3");
  check("1.2.3", "1.2.4", false, "patch version changes from 3 to 4");
  check("0.3.1", "0.3.7", false, "patch version changes from 1 to 7");
  check("1.0.0-rc.1", "1.0.0", false, "only the prerelease changes");
  check("1.0.0+a", "1.0.0+b", false, "same version");
}

TEST_CASE("semver::compare_build orders equal versions by build metadata as npm does")
{
  using noodle::semver::compare_build;
  CHECK(compare_build(v("1.0.0"), v("1.0.0+a")) == -1); // none sorts first
  CHECK(compare_build(v("1.0.0+a"), v("1.0.0+a")) == 0);
  CHECK(compare_build(v("1.0.0+2"), v("1.0.0+10")) == -1); // numbers as numbers
  CHECK(compare_build(v("1.0.0+10"), v("1.0.0+a")) == -1); // below alphanumerics
  CHECK(compare_build(v("1.0.0+a.b"), v("1.0.0+a")) == 1);
  CHECK(compare_build(v("1.0.0+001.b"), v("1.0.0+1.a")) == 0); // npm stops at "001" vs "1"
}

TEST_CASE("semver::sort orders like npm semver.sort: precedence, build, then input order")
{
  std::vector<Version> vs;
  for (const char* t : {"1.10.0", "1.2.0+b", "1.2.0-rc.1", "1.2.0", "v1.2.0", "1.2.0+a", "0.9.0", "1.2.0-beta",
                        "1.2.0+001.z", "1.2.0+1.a"}) {
    vs.push_back(v(t));
  }
  vs[4].set_build({}); // a second plain "1.2.0", after the first in input order
  noodle::semver::sort(vs);
  std::vector<std::string> got;
  for (const auto& x : vs) {
    got.push_back(x.to_string());
  }
  CHECK(got == std::vector<std::string>{"0.9.0", "1.2.0-beta", "1.2.0-rc.1", "1.2.0", "1.2.0", "1.2.0+1.a",
                                        "1.2.0+001.z", "1.2.0+a", "1.2.0+b", "1.10.0"});
}

TEST_CASE("semver::sort is stable and handles numbers too large to pack")
{
  // 53-bit major and minor: the keys do not fit one word, the fallback sorts
  std::vector<Version> vs = {v("9007199254740991.9007199254740991.0+x"), v("3.0.0"),
                             v("9007199254740991.9007199254740991.0"), v("9007199254740991.9007199254740991.0+x"),
                             v("0.0.1"), v("9007199254740991.1.0-rc")};
  noodle::semver::sort(vs);
  std::vector<std::string> got;
  for (const auto& x : vs) {
    got.push_back(x.to_string());
  }
  CHECK(got == std::vector<std::string>{"0.0.1", "3.0.0", "9007199254740991.1.0-rc",
                                        "9007199254740991.9007199254740991.0",
                                        "9007199254740991.9007199254740991.0+x",
                                        "9007199254740991.9007199254740991.0+x"});

  std::vector<Version> empty;
  noodle::semver::sort(empty);
  CHECK(empty.empty());
}

TEST_CASE("semver::Version::append_to appends the canonical text")
{
  std::string out = "> ";
  v("1.2.3-rc.1+b.5").append_to(out);
  out += ' ';
  v("1.2.3-rc.1+b.5").append_to(out, BuildMetadata::omit);
  CHECK(out == "> 1.2.3-rc.1+b.5 1.2.3-rc.1");
}

TEST_CASE("semver::Version loose parsing reads leading zeros, prefixes and hyphenless prereleases as npm does")
{
  const noodle::semver::Options loose{.loose = true};
  auto text = [&](const std::string& s) {
    auto v = noodle::semver::Version::parse(s, loose);
    INFO(s << (v ? "" : " -> " + v.error().message));
    REQUIRE(v.has_value());
    return v->to_string();
  };
  CHECK(text("=01.002.3") == "1.2.3");
  CHECK(text("== v 1.2.3") == "1.2.3");
  CHECK(text("1.2.3beta") == "1.2.3-beta");
  CHECK(text("1.2.3-") == "1.2.3--");
  CHECK(text("1.2.3-01.00") == "1.2.3-1.0");
  // The pattern backtracks into the patch digits when nothing else matches.
  CHECK(text("1.2.100.01") == "1.2.10-0.1");
  CHECK_FALSE(noodle::semver::Version::parse("1.2", loose).has_value());
  CHECK_FALSE(noodle::semver::Version::parse("9007199254740992.0.0", loose).has_value());
  // Strict parsing is unchanged.
  CHECK_FALSE(noodle::semver::Version::parse("=01.002.3").has_value());
}
