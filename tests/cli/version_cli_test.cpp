// SPDX-License-Identifier: Apache-2.0
#include "support/help_pages.hpp"
#include "support/process.hpp"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <string>

using noodle::test::run_binary;

TEST_CASE("cli version compare prints -1, 0 or 1 by precedence")
{
  CHECK(run_binary({"version", "compare", "1.9.0", "1.10.0"}).out == "-1\n");
  CHECK(run_binary({"version", "compare", "1.0.0+a", "1.0.0+b"}).out == "0\n");
  CHECK(run_binary({"version", "compare", "1.0.0", "1.0.0-rc.1"}).out == "1\n");
}

TEST_CASE("cli version sort orders arguments and stdin ascending")
{
  auto r = run_binary({"version", "sort", "1.10.0", "1.2.0", "1.2.0-rc.1", "1.2.0-beta.11", "1.2.0-beta.2"});
  CHECK(r.exit_code == 0);
  CHECK(r.out == "1.2.0-beta.2\n1.2.0-beta.11\n1.2.0-rc.1\n1.2.0\n1.10.0\n");

  auto s = run_binary({"version", "sort"}, "2.0.0\n\n1.0.0\r\n0.1.0\n");
  CHECK(s.exit_code == 0);
  CHECK(s.out == "0.1.0\n1.0.0\n2.0.0\n");
}

TEST_CASE("cli version sort names the stdin line of an invalid version and exits 2")
{
  auto r = run_binary({"version", "sort"}, "1.0.0\n1.2\n");
  CHECK(r.exit_code == 2);
  CHECK(r.out.empty());
  CHECK(r.err.rfind("noodle-upgrade: error: <stdin>:2: invalid version '1.2'", 0) == 0);
}

TEST_CASE("cli version match prints satisfying versions ascending and exits 1 when none")
{
  auto r = run_binary({"version", "match", "^1.2.0", "2.0.0", "1.4.2", "1.2.0", "1.1.9", "1.3.0-rc.1"});
  CHECK(r.exit_code == 0);
  CHECK(r.out == "1.2.0\n1.4.2\n");

  auto none = run_binary({"version", "match", ">=3.0.0"}, "1.0.0\n2.0.0\n");
  CHECK(none.exit_code == 1);
  CHECK(none.out.empty());

  auto ran = run_binary({"--output", "json", "version", "match", "1.x || >=3.0.0", "3.1.0", "1.0.5"});
  auto j = nlohmann::json::parse(ran.out);
  CHECK(j["ok"] == true);
  CHECK(j["matches"] == nlohmann::json({"1.0.5", "3.1.0"}));
}

TEST_CASE("cli version match rejects an invalid range with exit 2 and a JSON error code")
{
  auto r = run_binary({"-o", "json", "version", "match", ">=1.0.0 <", "1.0.0"});
  CHECK(r.exit_code == 2);
  auto j = nlohmann::json::parse(r.out);
  CHECK(j["ok"] == false);
  CHECK(j["error"]["code"] == "invalid_range");
}

TEST_CASE("cli version --loose and --include-prerelease read versions and ranges as npm semver's options do")
{
  auto loose = run_binary({"version", "sort", "--loose"}, "=01.2.3\n\nv1.2.3beta\n");
  CHECK(loose.exit_code == 0);
  CHECK(loose.out == "1.2.3-beta\n1.2.3\n");

  auto strict = run_binary({"version", "compare", "01.2.3", "1.2.3"});
  CHECK(strict.exit_code == 2);
  CHECK(run_binary({"version", "compare", "--loose", "01.2.3", "1.2.3"}).out == "0\n");

  auto bad_line = run_binary({"version", "sort", "--loose"}, "1.2.3\nfoo\n");
  CHECK(bad_line.exit_code == 2);
  CHECK(bad_line.err.rfind("noodle-upgrade: error: <stdin>:2: invalid version 'foo'", 0) == 0);

  auto pre = run_binary({"version", "match", "-p", "^1.2.0", "1.3.0-rc.1", "1.2.0", "2.0.0-0"});
  CHECK(pre.exit_code == 0);
  CHECK(pre.out == "1.2.0\n1.3.0-rc.1\n");

  auto ran = run_binary({"-o", "json", "version", "match", "--loose", "--include-prerelease", ">=01.2 junk", "1.2.0-0"});
  CHECK(ran.exit_code == 0);
  auto j = nlohmann::json::parse(ran.out);
  CHECK(j["range"] == ">=1.2.0-0");
  CHECK(j["matches"] == nlohmann::json({"1.2.0-0"}));
}

TEST_CASE("cli version inc prints the next version, with --preid and --identifier-base, exit 2 when refused")
{
  auto r = run_binary({"version", "inc", "1.2.3", "prerelease", "--preid", "beta"});
  CHECK(r.exit_code == 0);
  CHECK(r.out == "1.2.4-beta.0\n");
  CHECK(run_binary({"version", "inc", "1.2.3-beta.0", "prerelease", "--preid", "beta"}).out == "1.2.3-beta.1\n");
  CHECK(run_binary({"version", "inc", "1.2.3", "premajor", "--identifier-base", "1"}).out == "2.0.0-1\n");
  CHECK(run_binary({"version", "inc", "--loose", "=01.2.3", "minor"}).out == "1.3.0\n");

  auto j = nlohmann::json::parse(
      run_binary({"-o", "json", "version", "inc", "1.2.3+b", "prepatch", "--preid", "rc", "--identifier-base", "false"})
          .out);
  CHECK(j == nlohmann::json::parse(
                 R"({"api_version":1,"ok":true,"version":"1.2.3+b","release":"prepatch","preid":"rc","result":"1.2.4-rc"})"));

  auto refused = run_binary({"version", "inc", "1.2.3", "release"});
  CHECK(refused.exit_code == 2);
  CHECK(refused.err == "noodle-upgrade: error: version '1.2.3' is not a prerelease\n");
  auto bad = run_binary({"version", "inc", "1.2.3", "prerelease", "--preid", "a..b"});
  CHECK(bad.exit_code == 2);
  CHECK(bad.err == "noodle-upgrade: error: invalid identifier 'a..b'\n");
  CHECK(run_binary({"version", "inc", "1.2.3", "micro"}).exit_code == 2);
}

TEST_CASE("cli version diff prints the release type and exits 1 for equal versions")
{
  auto r = run_binary({"version", "diff", "1.2.3", "1.3.0-rc.1"});
  CHECK(r.exit_code == 0);
  CHECK(r.out == "preminor\n");
  auto same = run_binary({"version", "diff", "1.2.3+a", "1.2.3+b"});
  CHECK(same.exit_code == 1);
  CHECK(same.out.empty());
  auto j = nlohmann::json::parse(run_binary({"-o", "json", "version", "diff", "1.2.3", "1.2.3"}).out);
  CHECK(j == nlohmann::json::parse(R"({"api_version":1,"ok":true,"a":"1.2.3","b":"1.2.3","difference":null})"));
  CHECK(run_binary({"version", "diff", "1.2", "1.2.3"}).exit_code == 2);
}

TEST_CASE("cli version coerce finds a version in text, from the right with --rtl, exit 1 when none")
{
  auto r = run_binary({"version", "coerce", "release v2.4 (final)"});
  CHECK(r.exit_code == 0);
  CHECK(r.out == "2.4.0\n");
  CHECK(run_binary({"version", "coerce", "--rtl", "1.2.3.4"}).out == "2.3.4\n");
  CHECK(run_binary({"version", "coerce", "--loose", "v01.2"}).out == "1.2.0\n");
  // Like npm's semver command: the prerelease with -p, never the build.
  CHECK(run_binary({"version", "coerce", "-p", "pkg-1.2.3-rc.1+b7.tgz"}).out == "1.2.3-rc.1\n");
  CHECK(run_binary({"version", "coerce", "pkg-1.2.3-rc.1+b7.tgz"}).out == "1.2.3\n");
  auto none = run_binary({"-o", "json", "version", "coerce", "no digits"});
  CHECK(none.exit_code == 1);
  CHECK(nlohmann::json::parse(none.out)
        == nlohmann::json::parse(R"({"api_version":1,"ok":true,"text":"no digits","version":null})"));
}

TEST_CASE("cli version intersects and outside print true or false and exit 1 for false")
{
  auto yes = run_binary({"version", "intersects", "^1.2.0", ">=1.5.0 <3.0.0"});
  CHECK(yes.exit_code == 0);
  CHECK(yes.out == "true\n");
  auto no = run_binary({"-o", "json", "version", "intersects", "^1.2.0", ">=2.0.0"});
  CHECK(no.exit_code == 1);
  CHECK(nlohmann::json::parse(no.out)
        == nlohmann::json::parse(
            R"({"api_version":1,"ok":true,"range1":">=1.2.0 <2.0.0-0","range2":">=2.0.0","intersects":false})"));

  CHECK(run_binary({"version", "outside", "3.0.0", "^2.1.0", "--gtr"}).out == "true\n");
  auto below = run_binary({"version", "outside", "3.0.0", "^2.1.0", "--ltr"});
  CHECK(below.exit_code == 1);
  CHECK(below.out == "false\n");
  auto neither = run_binary({"version", "outside", "3.0.0", "^2.1.0"});
  CHECK(neither.exit_code == 2);
  CHECK(neither.err == "noodle-upgrade: error: version outside needs --gtr or --ltr\n");
  CHECK(run_binary({"version", "outside", "3.0.0", "^2.1.0", "--gtr", "--ltr"}).exit_code == 2);
}

TEST_CASE("cli version min-satisfying, max-satisfying and min-version print one version, exit 1 when none")
{
  CHECK(run_binary({"version", "max-satisfying", "^1.2.0", "1.2.0", "1.4.2", "2.0.0"}).out == "1.4.2\n");
  auto stdin_min = run_binary({"version", "min-satisfying", "^1.2.0"}, "1.4.2\n\n1.2.5\n1.1.0\n");
  CHECK(stdin_min.exit_code == 0);
  CHECK(stdin_min.out == "1.2.5\n");
  CHECK(run_binary({"version", "max-satisfying", "-p", "^1.2.0", "1.2.0", "1.9.0-rc.1"}).out == "1.9.0-rc.1\n");
  auto none = run_binary({"-o", "json", "version", "max-satisfying", ">=3.0.0", "1.0.0"});
  CHECK(none.exit_code == 1);
  CHECK(nlohmann::json::parse(none.out)
        == nlohmann::json::parse(R"({"api_version":1,"ok":true,"range":">=3.0.0","version":null})"));
  CHECK(run_binary({"version", "min-satisfying", "^1.0.0"}, "1.0.0\nnope\n").exit_code == 2);

  CHECK(run_binary({"version", "min-version", ">1.2.3 <2"}).out == "1.2.4\n");
  auto empty = run_binary({"version", "min-version", ">4.0.0 <3.0.0"});
  CHECK(empty.exit_code == 1);
  CHECK(empty.out.empty());
}

TEST_CASE("cli version parse writes numeric identifiers past 2^53-1 as JSON strings")
{
  auto r = run_binary({"-o", "json", "version", "parse", "1.2.3-beta.90071992547409910.9007199254740991.9007199254740992"});
  CHECK(r.exit_code == 0);
  // Compared as text: a JSON reader that rounds through doubles must not
  // decide the outcome.
  CHECK(r.out.find(R"("prerelease":["beta","90071992547409910",9007199254740991,"9007199254740992"])")
        != std::string::npos);
  auto huge = run_binary({"-o", "json", "version", "parse", "1.0.0-99999999999999999999"});
  CHECK(huge.out.find(R"("prerelease":["99999999999999999999"])") != std::string::npos);
}

TEST_CASE("cli version parse shows the parts of a version")
{
  auto r = run_binary({"version", "parse", "2.1.0-rc.1+build.7"});
  CHECK(r.exit_code == 0);
  CHECK(r.out
        == "version:    2.1.0-rc.1+build.7\nmajor:      2\nminor:      1\npatch:      0\n"
           "prerelease: rc.1\nbuild:      build.7\n");
  auto j = nlohmann::json::parse(run_binary({"version", "parse", "2.1.0-rc.1+build.7", "--output=json"}).out);
  CHECK(j["prerelease"] == nlohmann::json({"rc", 1}));
  CHECK(j["build"] == nlohmann::json({"build", "7"}));
}

TEST_CASE("cli version compat calls a major bump and a 0.x minor bump breaking")
{
  auto major = run_binary({"version", "compat", "1.4.0", "2.0.0"});
  CHECK(major.exit_code == 1);
  CHECK(major.out == "breaking: major version changes from 1 to 2\n");
  auto minor = run_binary({"version", "compat", "1.4.0", "1.5.0"});
  CHECK(minor.exit_code == 0);
  CHECK(minor.out.rfind("compatible", 0) == 0);
  auto zero = run_binary({"-o", "json", "version", "compat", "0.3.0", "0.4.0"});
  auto j = nlohmann::json::parse(zero.out);
  CHECK(j["breaking"] == true);
}

TEST_CASE("cli usage errors say what was expected and exit 2")
{
  auto missing = run_binary({"version", "compare", "1.0.0"});
  CHECK(missing.exit_code == 2);
  CHECK(missing.err.find("run 'noodle-upgrade version compare --help' for usage") != std::string::npos);

  auto typo = run_binary({"verison"});
  CHECK(typo.exit_code == 2);
  CHECK(typo.err.find("unknown command 'verison' (did you mean 'version'?)") != std::string::npos);

  auto ran = run_binary({"--output", "json", "plna"});
  CHECK(ran.exit_code == 2);
  auto j = nlohmann::json::parse(ran.out);
  CHECK(j["error"]["code"] == "usage");
}

TEST_CASE("cli --help and --version exit 0")
{
  auto help = run_binary({"--help"});
  CHECK(help.exit_code == 0);
  CHECK(help.out.find("version") != std::string::npos);
  auto version = run_binary({"--version"});
  CHECK(version.exit_code == 0);
  CHECK(version.out.rfind("noodle-upgrade ", 0) == 0);
}

TEST_CASE("cli a missing or misspelt subcommand lists the commands expected there")
{
  auto missing = run_binary({"components"});
  CHECK(missing.exit_code == 2);
  CHECK(missing.err == "noodle-upgrade: error: expected a command after 'noodle-upgrade components': list, show\n");
  auto nested = run_binary({"version", "sortt"});
  CHECK(nested.exit_code == 2);
  CHECK(nested.err
        == "noodle-upgrade: error: unknown command 'sortt' for 'version' (did you mean 'sort'?); expected "
           "one of: parse, compare, match, sort, inc, diff, coerce, intersects, outside, min-satisfying, "
                    "max-satisfying, min-version, compat\n");
  auto valued = run_binary({"--root", "/x"});
  CHECK(valued.exit_code == 2);
  CHECK(valued.err.rfind("noodle-upgrade: error: expected a command after 'noodle-upgrade': ", 0) == 0);
}

TEST_CASE("cli --help of every command has a summary, its options and an example of that command")
{
  const auto pages = noodle::test::every_help_page();
  REQUIRE(pages.front().subcommands.size() >= 20);
  for (const auto& page : pages) {
    if (page.path.empty()) {
      continue; // the top level lists commands; each has its own example
    }
    const std::string& text = page.text;
    const std::string command = page.command();
    INFO(command << " --help");
    // A one-line summary first, then the usage, the options and an example of this very command.
    const auto first_line = text.substr(0, text.find('\n'));
    CHECK(first_line.size() > 10);
    CHECK(first_line.find("Usage:") == std::string::npos);
    CHECK(text.find("\nUsage: " + command) != std::string::npos);
    CHECK(text.find("\nOptions:\n") != std::string::npos);
    // The example line runs this command (global options may come first).
    auto example_at = text.find("\nExample:\n  noodle-upgrade ");
    REQUIRE(example_at != std::string::npos);
    auto example = text.substr(example_at + 11);
    example = " " + example.substr(0, example.find('\n')) + " ";
    CHECK(example.find(" " + page.words() + " ") != std::string::npos);
  }
}

TEST_CASE("cli a usage error keeps the case of the argument it names")
{
  auto r = run_binary({"upgrade", "telemetry_agent"});
  CHECK(r.exit_code == 2);
  CHECK(r.err.find("VERSION is required") != std::string::npos);
}
