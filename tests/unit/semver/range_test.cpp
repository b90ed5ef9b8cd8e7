// SPDX-License-Identifier: Apache-2.0
#include <noodle/semver/range.hpp>

#include <catch2/catch.hpp>

#include <string>

using noodle::ErrorCode;
using noodle::semver::Op;
using noodle::semver::Range;
using noodle::semver::Version;

namespace {

Range r(const std::string& text)
{
  auto x = Range::parse(text);
  INFO(text << (x ? "" : " -> " + x.error().message));
  REQUIRE(x.has_value());
  return *x;
}

std::string norm(const std::string& text)
{
  return r(text).to_string();
}

bool sat(const std::string& version, const std::string& range)
{
  auto v = Version::parse(version);
  INFO(version);
  REQUIRE(v.has_value());
  return r(range).satisfies(*v);
}

std::string why(const std::string& text)
{
  auto x = Range::parse(text);
  INFO(text);
  REQUIRE_FALSE(x.has_value());
  CHECK(x.error().code == ErrorCode::invalid_range);
  return x.error().message;
}

} // namespace

TEST_CASE("semver::Range desugars primitive comparators and bare versions")
{
  CHECK(norm("<1.2.3") == "<1.2.3");
  CHECK(norm("<= 1.2.3") == "<=1.2.3");
  CHECK(norm(">1.2.3") == ">1.2.3");
  CHECK(norm(">=v1.2.3") == ">=1.2.3");
  CHECK(norm("=1.2.3") == "1.2.3");
  CHECK(norm("1.2.3") == "1.2.3");
  CHECK(norm("v1.2.3+build") == "1.2.3");
  const auto x = r(">=1.2.3 <2.0.0");
  REQUIRE(x.sets().size() == 1);
  REQUIRE(x.sets()[0].size() == 2);
  CHECK(x.sets()[0][0].op == Op::ge);
  CHECK(x.sets()[0][1].op == Op::lt);
  CHECK(x.sets()[0][1].version == Version(2, 0, 0));
}

TEST_CASE("semver::Range desugars caret ranges like npm")
{
  CHECK(norm("^1.2.3") == ">=1.2.3 <2.0.0-0");
  CHECK(norm("^0.2.3") == ">=0.2.3 <0.3.0-0");
  CHECK(norm("^0.0.3") == ">=0.0.3 <0.0.4-0");
  CHECK(norm("^1.2.3-beta.2") == ">=1.2.3-beta.2 <2.0.0-0");
  CHECK(norm("^0.0.3-beta") == ">=0.0.3-beta <0.0.4-0");
  CHECK(norm("^1.2") == ">=1.2.0 <2.0.0-0");
  CHECK(norm("^0.0") == "<0.1.0-0"); // ">=0.0.0" means "*" and is dropped
  CHECK(norm("^1") == ">=1.0.0 <2.0.0-0");
  CHECK(norm("^1.x") == ">=1.0.0 <2.0.0-0");
  CHECK(norm("^ 1.2.3") == ">=1.2.3 <2.0.0-0");
  CHECK(norm("^*") == "*");
}

TEST_CASE("semver::Range desugars tilde ranges, including ~>")
{
  CHECK(norm("~1.2.3") == ">=1.2.3 <1.3.0-0");
  CHECK(norm("~1.2") == ">=1.2.0 <1.3.0-0");
  CHECK(norm("~1") == ">=1.0.0 <2.0.0-0");
  CHECK(norm("~0.0.1") == ">=0.0.1 <0.1.0-0");
  CHECK(norm("~1.2.3-beta.2") == ">=1.2.3-beta.2 <1.3.0-0");
  CHECK(norm("~>1.2.3") == ">=1.2.3 <1.3.0-0");
  CHECK(norm("~> 1.2") == ">=1.2.0 <1.3.0-0");
  CHECK(norm("~*") == "*");
}

TEST_CASE("semver::Range desugars x-ranges and partial versions")
{
  CHECK(norm("*") == "*");
  CHECK(norm("") == "*");
  CHECK(norm("x") == "*");
  CHECK(norm("X.x.*") == "*");
  CHECK(norm("1.x") == ">=1.0.0 <2.0.0-0");
  CHECK(norm("1.2.*") == ">=1.2.0 <1.3.0-0");
  CHECK(norm("1") == ">=1.0.0 <2.0.0-0");
  CHECK(norm("1.2") == ">=1.2.0 <1.3.0-0");
  CHECK(norm(">1.x") == ">=2.0.0");
  CHECK(norm(">1.2") == ">=1.3.0");
  CHECK(norm(">=1.2") == ">=1.2.0");
  CHECK(norm("<1.2") == "<1.2.0-0");
  CHECK(norm("<=1.2") == "<1.3.0-0");
  CHECK(norm("<=1") == "<2.0.0-0");
  CHECK(norm("=1.x") == ">=1.0.0 <2.0.0-0");
  CHECK(norm(">*") == "<0.0.0-0");
  CHECK(norm("<*") == "<0.0.0-0");
  CHECK(norm(">=*") == "*");
  CHECK(norm(">=0.0.0") == "*");
}

TEST_CASE("semver::Range desugars hyphen ranges with partial ends")
{
  CHECK(norm("1.2.3 - 2.3.4") == ">=1.2.3 <=2.3.4");
  CHECK(norm("1.2 - 2.3.4") == ">=1.2.0 <=2.3.4");
  CHECK(norm("1.2.3 - 2.3") == ">=1.2.3 <2.4.0-0");
  CHECK(norm("1.2.3 - 2") == ">=1.2.3 <3.0.0-0");
  CHECK(norm("1.2.3-pre - 2.0.0-pre") == ">=1.2.3-pre <=2.0.0-pre");
  CHECK(norm("* - 2") == "<3.0.0-0");
  CHECK(norm("1.2.3 - *") == ">=1.2.3");
  CHECK(norm("1.2.3+b - 2.0.0+c") == ">=1.2.3 <=2.0.0");
}

TEST_CASE("semver::Range combines with whitespace as AND and || as OR")
{
  CHECK(norm(">= 1.2.3  < 2") == ">=1.2.3 <2.0.0-0");
  CHECK(norm("1.2.3 || 2.x") == "1.2.3||>=2.0.0 <3.0.0-0");
  CHECK(norm("\t^1.2.3\xc2\xa0||\xe3\x80\x80~2.0 ") == ">=1.2.3 <2.0.0-0||>=2.0.0 <2.1.0-0");
  CHECK(norm("||") == "*");
  CHECK(norm("1.2.3 || *") == "*");
  CHECK(norm("<0.0.0-0 || 1.2.3") == "1.2.3");
  CHECK(norm(">=1.2.3 >=1.2.3 *") == ">=1.2.3");
  CHECK(norm(">=1.2.3 <0.0.0-0") == "<0.0.0-0");
  CHECK(sat("1.5.0", ">=1.2.3 <2"));
  CHECK_FALSE(sat("2.0.0", ">=1.2.3 <2"));
  CHECK(sat("3.1.0", "1.x || >=3.0.0 <4.0.0-0"));
  CHECK_FALSE(sat("2.1.0", "1.x || >=3.0.0 <4.0.0-0"));
}

TEST_CASE("semver::Range keeps npm's quirks of the textual desugaring")
{
  CHECK(norm("*1.2.3") == "1.2.3");     // the star is dropped
  CHECK(norm("~1.x.3") == ">=1.0.0 <2.0.0-0");
  CHECK(norm("1.2.3 - 2.x.1") == ">=1.2.3 <3.0.0-0");
  CHECK(norm(">=v0.0.0 || 1.2.3") == ">=0.0.0||1.2.3");
  CHECK(norm("~ > 1.2") == ">=1.2.0 <1.3.0-0");
  CHECK_FALSE(Range::parse("1.x.3"));
  CHECK_FALSE(Range::parse("=1.2.3 - 2"));
}

TEST_CASE("semver::Range tests each comparator operator")
{
  CHECK(sat("1.2.3", "1.2.3"));
  CHECK(sat("1.2.3+build", "=1.2.3"));
  CHECK_FALSE(sat("1.2.4", "1.2.3"));
  CHECK(sat("1.2.2", "<1.2.3"));
  CHECK_FALSE(sat("1.2.3", "<1.2.3"));
  CHECK(sat("1.2.3", "<=1.2.3"));
  CHECK(sat("1.2.4", ">1.2.3"));
  CHECK_FALSE(sat("1.2.3", ">1.2.3"));
  CHECK(sat("1.2.3", ">=1.2.3"));
  CHECK(sat("0.0.0", "*"));
  CHECK_FALSE(sat("0.0.0", "<0.0.0-0"));
  CHECK(sat("0.2.9", "^0.2.3"));
  CHECK_FALSE(sat("0.3.0", "^0.2.3"));
  CHECK(sat("1.2.9", "~1.2.3"));
  CHECK_FALSE(sat("1.3.0", "~1.2.3"));
  CHECK(sat("2.3.4", "1.2.3 - 2.3.4"));
  CHECK_FALSE(sat("2.3.5", "1.2.3 - 2.3.4"));
}

TEST_CASE("semver::Range excludes prereleases of other tuples")
{
  CHECK(sat("1.2.3-beta.3", "^1.2.3-beta.2"));
  CHECK_FALSE(sat("1.2.3-beta.1", "^1.2.3-beta.2"));
  CHECK_FALSE(sat("1.2.4-beta.1", "^1.2.3-beta.2")); // in bounds, other tuple
  CHECK(sat("1.2.4", "^1.2.3-beta.2"));
  CHECK_FALSE(sat("1.3.0-rc.1", "^1.2.3"));
  CHECK_FALSE(sat("2.0.0-0", "*"));
  CHECK_FALSE(sat("2.0.0-rc.1", "<2.0.0")); // "<2.0.0-0" names no prerelease tuple it allows
  CHECK(sat("2.0.0-rc.1", ">=2.0.0-alpha <2.0.0 || 3.x"));
  CHECK(sat("1.0.0-rc.1", "1.0.0-rc.1"));
  CHECK_FALSE(sat("1.0.0-rc.2", "1.0.0-rc.1"));
}

TEST_CASE("semver::Range is \"*\" by default")
{
  const Range any;
  CHECK(any.to_string() == "*");
  CHECK(any.satisfies(Version(0, 0, 0)));
  CHECK(any.satisfies(Version(99, 1, 2)));
  CHECK(r("1.2.3 ").raw() == "1.2.3 ");
}

TEST_CASE("semver::Comparator renders npm's comparator value")
{
  const auto x = r("^1.2.3");
  CHECK(x.sets()[0][0].to_string() == ">=1.2.3");
  CHECK(x.sets()[0][1].to_string() == "<2.0.0-0");
  CHECK(r("*").sets()[0][0].to_string().empty());
  CHECK(r("*").sets()[0][0].any_version);
}

TEST_CASE("semver::Range::parse refuses invalid ranges with a specific reason")
{
  CHECK(why("1.x.3") == "invalid range '1.x.3': '1.x.3' has a number after a wildcard");
  CHECK(why("a") == "invalid range 'a': 'a': unexpected character 'a' in major");
  CHECK(why(">=") == "invalid range '>=': '>=' is not followed by a version");
  CHECK(why("~") == "invalid range '~': '~' is not followed by a version");
  CHECK(why("1.2.3.4") == "invalid range '1.2.3.4': '1.2.3.4': expected at most MAJOR.MINOR.PATCH");
  CHECK(why("1.2-beta") == "invalid range '1.2-beta': '1.2-beta': a prerelease or build needs MAJOR.MINOR.PATCH");
  CHECK(why("~1.02") == "invalid range '~1.02': '~1.02': leading zero in minor");
  CHECK(why("^1.2.3-01") ==
        "invalid range '^1.2.3-01': '^1.2.3-01': leading zero in numeric prerelease identifier '01'");
  CHECK(why("=>1.2.3") == "invalid range '=>1.2.3': '=>1.2.3': unexpected character '>' in major");
  CHECK(why("1.2.3 - 2.0.0 - 3") ==
        "invalid range '1.2.3 - 2.0.0 - 3': stray '-': a hyphen range 'A - B' must be alone between '||'");
  CHECK(why("^9007199254740991") ==
        "invalid range '^9007199254740991': '<9007199254740992.0.0-0': major exceeds 9007199254740991");
  CHECK(why(">=1.2.3 <=a") == "invalid range '>=1.2.3 <=a': '<=a': unexpected character 'a' in major");
}

TEST_CASE("semver::Range loose parsing drops invalid comparators and fails only when none is left")
{
  const noodle::semver::Options loose{.loose = true};
  auto norm_loose = [&](const std::string& text) {
    auto x = Range::parse(text, loose);
    INFO(text << (x ? "" : " -> " + x.error().message));
    REQUIRE(x.has_value());
    return x->to_string();
  };
  CHECK(norm_loose(">=01.2.3 junk") == ">=1.2.3");
  CHECK(norm_loose("~01.02.03beta") == ">=1.2.3-beta <1.3.0-0");
  CHECK(norm_loose("a || 1.2.3") == "1.2.3");
  CHECK(norm_loose("^1.2.100.01") == ">=1.2.10-0.1 <2.0.0-0");
  auto none = Range::parse("a || b", loose);
  REQUIRE_FALSE(none.has_value());
  CHECK(none.error().message == "invalid range 'a || b': no valid comparator");
  CHECK_FALSE(Range::parse(">=1.2.3 junk").has_value());
}

TEST_CASE("semver::Range with include_prerelease starts ranges at -0 and admits prereleases of any tuple")
{
  const noodle::semver::Options pre{.include_prerelease = true};
  auto range = [&](const std::string& text) {
    auto x = Range::parse(text, pre);
    REQUIRE(x.has_value());
    return *x;
  };
  CHECK(range("^1.2").to_string() == ">=1.2.0-0 <2.0.0-0");
  CHECK(range("1.x").to_string() == ">=1.0.0-0 <2.0.0-0");
  CHECK(range("1.2.3 - 2.3.4").to_string() == ">=1.2.3-0 <2.3.5-0");
  CHECK(range(">=0.0.0-0").to_string() == "*");
  CHECK(range("^1.2.0").satisfies(Version::parse("1.3.0-rc.1").value()));
  CHECK(range("*").satisfies(Version::parse("3.0.0-alpha").value()));
  CHECK_FALSE(r("^1.2.0").satisfies(Version::parse("1.3.0-rc.1").value()));
}
