// SPDX-License-Identifier: Apache-2.0
#include <noodle/semver/range.hpp>
#include <noodle/semver/version.hpp>
#include <noodle/semver/version_list.hpp>

#include <catch2/catch.hpp>

#include <algorithm>
#include <random>
#include <string>
#include <vector>

using noodle::ErrorCode;
using noodle::semver::Range;
using noodle::semver::Version;
using noodle::semver::VersionList;

namespace {

// A seeded mix of what sorting has to settle: equal MAJOR.MINOR.PATCH with
// and without prereleases, numeric and alphanumeric prerelease identifiers
// (some longer than 19 digits), build metadata that ties as numbers ("001"
// against "1"), a leading "v", surrounding whitespace (Unicode included) and
// numbers long enough for the full scanner.
std::vector<std::string> generate(std::size_t count, unsigned seed)
{
  std::mt19937 rng(seed);
  auto pick = [&](unsigned n) { return static_cast<unsigned>(rng() % n); };
  static const char* k_pre[] = {"alpha", "beta", "rc", "0", "1", "2", "10", "11", "x-y", "A", "123456789012345678901", "a1"};
  static const char* k_build[] = {"1", "001", "01", "2", "10", "a", "b", "build", "z-9", "0"};
  static const char* k_space[] = {" ", "\t", "\xc2\xa0", "\xe3\x80\x80", "\xef\xbb\xbf"};
  std::vector<std::string> out;
  for (std::size_t i = 0; i < count; ++i) {
    std::string v = std::to_string(pick(3)) + "." + std::to_string(pick(3)) + "." + std::to_string(pick(3));
    if (pick(20) == 0) {
      v = std::to_string(1000000000000000ULL + pick(5)) + ".0." + std::to_string(pick(2)); // 16 digits
    }
    if (pick(2) == 0) {
      const unsigned n = 1 + pick(3);
      for (unsigned k = 0; k < n; ++k) {
        v += (k == 0 ? "-" : ".");
        v += k_pre[pick(std::size(k_pre))];
      }
    }
    if (pick(3) == 0) {
      const unsigned n = 1 + pick(2);
      for (unsigned k = 0; k < n; ++k) {
        v += (k == 0 ? "+" : ".");
        v += k_build[pick(std::size(k_build))];
      }
    }
    if (pick(8) == 0) {
      v = "v" + v;
    }
    if (pick(8) == 0) {
      v = k_space[pick(std::size(k_space))] + v + k_space[pick(std::size(k_space))];
    }
    out.push_back(v);
  }
  return out;
}

std::string join_lines(const std::vector<std::string>& lines)
{
  std::string text;
  for (const auto& l : lines) {
    text += l;
    text += '\n';
  }
  return text;
}

std::vector<std::string> texts(const VersionList& list)
{
  std::vector<std::string> out;
  for (std::size_t i = 0; i < list.size(); ++i) {
    out.emplace_back(list.text(i));
  }
  return out;
}

std::vector<std::string> texts(const std::vector<Version>& versions)
{
  std::vector<std::string> out;
  for (const auto& v : versions) {
    out.push_back(v.to_string());
  }
  return out;
}

std::vector<Version> parse_all(const std::vector<std::string>& lines)
{
  std::vector<Version> out;
  for (const auto& l : lines) {
    auto v = Version::parse(l);
    REQUIRE(v.has_value());
    out.push_back(*v);
  }
  return out;
}

VersionList list_of(std::string text)
{
  auto r = VersionList::parse_lines(std::move(text), "<test>");
  REQUIRE(r.has_value());
  return std::move(*r);
}

} // namespace

TEST_CASE("semver::VersionList::parse_lines reads each line as Version::parse and keeps the canonical text")
{
  const auto lines = generate(2000, 1);
  const std::string text = join_lines(lines);
  const auto list = list_of(text);
  REQUIRE(list.size() == lines.size());
  const auto versions = parse_all(lines);
  for (std::size_t i = 0; i < lines.size(); ++i) {
    INFO(lines[i]);
    CHECK(list.text(i) == versions[i].to_string());
    const auto back = list.version(i);
    CHECK(back == versions[i]);
    CHECK(back.build() == versions[i].build());
  }
}

TEST_CASE("semver::VersionList::sort agrees with semver::sort, build ties and input order included")
{
  for (unsigned seed : {2u, 3u, 4u}) {
    const auto lines = generate(3000, seed);
    const std::string text = join_lines(lines);
    auto list = list_of(text);
    list.sort();
    auto versions = parse_all(lines);
    noodle::semver::sort(versions);
    CHECK(texts(list) == texts(versions));
    // Sorting a sorted list changes nothing.
    list.sort();
    CHECK(texts(list) == texts(versions));
  }
}

TEST_CASE("semver::VersionList::sort orders like npm semver.sort on a small case")
{
  auto list = list_of("1.10.0\n1.2.0+b\n1.2.0-rc.1\n1.2.0\nv1.2.0\n1.2.0+a\n0.9.0\n1.2.0-beta\n1.2.0+001.z\n"
                      "1.2.0+1.a\n1.2.0-rc.1+2\n1.2.0-rc.1+10\n1.2.0-rc.1\n1.3.0+01\n1.3.0+1\n1.3.0+001\n");
  list.sort();
  CHECK(texts(list) == std::vector<std::string>{"0.9.0", "1.2.0-beta", "1.2.0-rc.1", "1.2.0-rc.1",
                                                "1.2.0-rc.1+2", "1.2.0-rc.1+10", "1.2.0", "1.2.0", "1.2.0+1.a",
                                                "1.2.0+001.z", "1.2.0+a", "1.2.0+b", "1.3.0+01", "1.3.0+1",
                                                "1.3.0+001", "1.10.0"});
}

TEST_CASE("semver::VersionList::sort handles numbers too large to pack")
{
  const std::vector<std::string> lines = {"9007199254740991.9007199254740991.0+x", "3.0.0",
                                          "9007199254740991.9007199254740991.0", "2097152.0.0-rc.1",
                                          "9007199254740991.9007199254740991.0+x", "0.0.1",
                                          "9007199254740991.1.0-rc", "2097151.2097151.2097151", "2097152.0.0"};
  auto list = list_of(join_lines(lines));
  list.sort();
  auto versions = parse_all(lines);
  noodle::semver::sort(versions);
  CHECK(texts(list) == texts(versions));
  CHECK(list.text(0) == "0.0.1");
  CHECK(list.text(8) == "9007199254740991.9007199254740991.0+x");

  // Three 21-bit numbers and the class bits need 65 bits: also unpackable.
  auto full = list_of("2097151.2097151.2097151\n1.1.1\n2097151.2097151.2097151-a\n0.0.0+b\n0.0.0\n");
  full.sort();
  CHECK(texts(full) == std::vector<std::string>{"0.0.0", "0.0.0+b", "1.1.1", "2097151.2097151.2097151-a",
                                                "2097151.2097151.2097151"});
}

TEST_CASE("semver::VersionList::keep_satisfying agrees with semver::Range::satisfies")
{
  const auto lines = generate(3000, 5);
  const std::string text = join_lines(lines);
  for (const char* r : {"*", "^1.2.0", "~0.1", ">=1.0.0-beta <2.0.0", "1.1.1-rc || 2.x", "<=0.2.1-1 || >2.1.0-alpha",
                        "1.0.0 - 2.1.2-rc.123456789012345678901", ">=1000000000000001.0.0-0", "0.0.0-0"}) {
    INFO(r);
    auto range = Range::parse(r);
    REQUIRE(range.has_value());
    auto list = list_of(text);
    list.keep_satisfying(*range);
    list.sort();
    auto versions = parse_all(lines);
    versions.erase(std::remove_if(versions.begin(), versions.end(),
                                  [&](const Version& v) { return !range->satisfies(v); }),
                   versions.end());
    noodle::semver::sort(versions);
    CHECK(texts(list) == texts(versions));
  }
}

TEST_CASE("semver::VersionList::keep_satisfying decides releases at every bound as semver::Range::satisfies does")
{
  // Releases on, just below and just above each comparator's version, and
  // numbers on both sides of 2^21, where the packed bounds give way to the
  // general test.
  const std::vector<std::string> lines = {"1.2.2", "1.2.3", "1.2.4", "2.0.0", "1.99.99", "3.0.0", "0.0.0",
                                          "2097151.0.0", "2097152.0.0", "1.2097151.1", "1.2097152.0", "4.0.0"};
  const std::string text = join_lines(lines);
  for (const char* r : {"<1.2.3", "<=1.2.3", ">1.2.3", ">=1.2.3", "=1.2.3", "<1.2.3-0", "<=1.2.3-rc.1", ">1.2.3-rc.1",
                        ">=1.2.3-rc.1", "=1.2.3-rc.1", ">=2097151.0.0", "<2097152.0.0", ">1.2097151.0 <1.2097152.1",
                        ">=3.0.0 <4.0.0-0 || <=1.2.2", "^1.2.3 || >=2097152.0.0"}) {
    INFO(r);
    auto range = Range::parse(r);
    REQUIRE(range.has_value());
    auto list = list_of(text);
    list.keep_satisfying(*range);
    auto versions = parse_all(lines);
    versions.erase(std::remove_if(versions.begin(), versions.end(),
                                  [&](const Version& v) { return !range->satisfies(v); }),
                   versions.end());
    CHECK(texts(list) == texts(versions));
  }
}

TEST_CASE("semver::VersionList::keep_satisfying keeps prereleases only through a comparator on their tuple")
{
  auto range = Range::parse(">=1.2.3-rc.1 <2.0.0");
  REQUIRE(range.has_value());
  auto list = list_of("1.2.3-rc.0\n1.2.3-rc.2\n1.2.4-rc.1\n1.2.4\n2.0.0\n1.2.3\n");
  list.keep_satisfying(*range);
  CHECK(texts(list) == std::vector<std::string>{"1.2.3-rc.2", "1.2.4", "1.2.3"});
}

TEST_CASE("semver::VersionList::parse_lines skips blank lines, drops CR and names the line of an error")
{
  auto ok = list_of("2.0.0\r\n\n \t\n1.0.0\r\n0.1.0");
  CHECK(texts(ok) == std::vector<std::string>{"2.0.0", "1.0.0", "0.1.0"});

  auto bad = VersionList::parse_lines("1.0.0\n\n1.02.0\n", "<stdin>");
  REQUIRE_FALSE(bad.has_value());
  CHECK(bad.error().code == ErrorCode::invalid_version);
  CHECK(bad.error().message == "invalid version '1.02.0': leading zero in minor");
  REQUIRE(bad.error().where.has_value());
  CHECK(bad.error().where->to_string() == "<stdin>:3");

  // Whitespace other than spaces and tabs is not a blank line to skip.
  auto vt = VersionList::parse_lines("1.0.0\n\v\n", "<stdin>");
  REQUIRE_FALSE(vt.has_value());
  CHECK(vt.error().message == "invalid version '\v': empty version");
  CHECK(vt.error().where->line == 2);

  CHECK(list_of("").empty());
}

TEST_CASE("semver::VersionList::parse_lines accepts and refuses exactly what Version::parse does")
{
  std::mt19937 rng(6);
  const std::string alphabet = "0123456789..--++vV aZ\t";
  std::vector<std::string> samples = {"1.2.3",     "01.2.3",     "1.2.3-01",   "1.2.3-0a",   "1.2.3-",
                                      "1.2.3+",    "1.2.3-a..b", "1.2.3+a..b", "v1.2.3",     "vv1.2.3",
                                      "1.2.3 ",    " v1.2.3",    "1.2.3-a+b",  "1.2.3+b-a",  "1.2",
                                      "1.2.3.4",   "1.2.3-é",    "9007199254740992.0.0",    "9007199254740991.0.0",
                                      "1.2.3--",   "1.2.3-+",    "0.0.0-0+0",  "00.0.0",     "1.2.3-00"};
  samples.push_back(std::string(300, '1'));
  samples.push_back("1.2.3-" + std::string(250, 'a'));
  samples.push_back("1.2.3-" + std::string(251, 'a'));
  for (int i = 0; i < 3000; ++i) {
    std::string s;
    const auto n = rng() % 14;
    for (unsigned k = 0; k < n; ++k) {
      s += alphabet[rng() % alphabet.size()];
    }
    samples.push_back(s);
  }
  for (const auto& s : samples) {
    INFO("'" << s << "'");
    const auto expected = Version::parse(s);
    const auto got = VersionList::parse_lines(s, "<test>");
    if (s.find_first_not_of(" \t") == std::string::npos) {
      REQUIRE(got.has_value());
      CHECK(got->empty());
      continue;
    }
    REQUIRE(got.has_value() == expected.has_value());
    // Followed by a newline, the line is scanned knowing that one comes.
    const auto ended = VersionList::parse_lines(s + "\n", "<test>");
    REQUIRE(ended.has_value() == expected.has_value());
    if (expected) {
      REQUIRE(got->size() == 1);
      CHECK(got->text(0) == expected->to_string());
      REQUIRE(ended->size() == 1);
      CHECK(ended->text(0) == expected->to_string());
    } else {
      CHECK(got.error().message == expected.error().message);
      CHECK(ended.error().message == expected.error().message);
    }
  }
}

TEST_CASE("semver::VersionList::parse_lines_borrowed refers into the caller's text")
{
  const std::string text = "2.0.0\n v1.0.0-rc.1 \n1.0.0\n";
  auto r = VersionList::parse_lines_borrowed(text, "<test>");
  REQUIRE(r.has_value());
  VersionList list = std::move(*r);
  list.sort();
  CHECK(texts(list) == std::vector<std::string>{"1.0.0-rc.1", "1.0.0", "2.0.0"});
  CHECK(list.text(0).data() == text.data() + 8);

  auto bad = VersionList::parse_lines_borrowed("1.0.0\n1.0\n", "<stdin>");
  REQUIRE_FALSE(bad.has_value());
  CHECK(bad.error().where->to_string() == "<stdin>:2");
}

TEST_CASE("semver::VersionList::parse_lines_borrowed reads nothing past the end of its text")
{
  // Exactly sized heap buffers with no terminator, so that a sanitizer
  // catches any read beyond them; each ends inside a version's grammar.
  for (const std::string s : {"1.0.0\n2.0.0-rc.1+b", "1.0.0\n1", "1.0.0\n1.2.3-", "1.0.0\n1.2.3+", "1.0.0\nv",
                              "1.0.0\n1.2.3-a.", "2.0.0\n1.0.0\r", "1.0.0\n1.2.30"}) {
    INFO(s);
    std::vector<char> buffer(s.begin(), s.end());
    const std::string_view text(buffer.data(), buffer.size());
    auto r = VersionList::parse_lines_borrowed(text, "<test>");
    const auto last = s.substr(s.find('\n') + 1);
    const auto expected = Version::parse(last.back() == '\r' ? last.substr(0, last.size() - 1) : last);
    REQUIRE(r.has_value() == expected.has_value());
    if (r) {
      REQUIRE(r->size() == 2);
      CHECK(r->text(1) == expected->to_string());
    }
  }
}

TEST_CASE("semver::VersionList::parse_each copies its inputs and fails without a location")
{
  VersionList list;
  {
    std::vector<std::string> args = {"v1.10.0", "1.2.0", " 1.2.0-rc.1 "};
    auto r = VersionList::parse_each(args);
    REQUIRE(r.has_value());
    list = std::move(*r);
  }
  list.sort();
  CHECK(texts(list) == std::vector<std::string>{"1.2.0-rc.1", "1.2.0", "1.10.0"});

  auto bad = VersionList::parse_each({"1.0.0", ""});
  REQUIRE_FALSE(bad.has_value());
  CHECK(bad.error().message == "invalid version '': empty version");
  CHECK_FALSE(bad.error().where.has_value());

  auto none = VersionList::parse_each({});
  REQUIRE(none.has_value());
  CHECK(none->empty());
}

TEST_CASE("semver::VersionList::append_lines appends a slice of the list, one version a line")
{
  const auto list = list_of("1.0.0\nv2.0.0-rc.1+b\n3.0.0\n");
  std::string out = "> ";
  list.append_lines(out, 1, 5);
  CHECK(out == "> 2.0.0-rc.1+b\n3.0.0\n");
  out.clear();
  list.append_lines(out, 0, 1);
  CHECK(out == "1.0.0\n");
  list.append_lines(out, 7, 1);
  CHECK(out == "1.0.0\n");
}
