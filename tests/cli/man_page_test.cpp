// SPDX-License-Identifier: Apache-2.0
// The man pages render without warnings and document every command and
// option that --help shows, and every op and error code of the protocol.
#include "support/help_pages.hpp"
#include "support/process.hpp"

#include <catch2/catch.hpp>

#include <array>
#include <cstdio>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>

using noodle::test::run_binary;
using noodle::test::source_path;

namespace {

std::string shell_stderr(const std::string& command)
{
  std::string full = command + " 2>&1 >/dev/null";
  std::string out;
  FILE* p = popen(full.c_str(), "r");
  REQUIRE(p != nullptr);
  std::array<char, 4096> buf{};
  while (std::fgets(buf.data(), buf.size(), p) != nullptr) {
    out += buf.data();
  }
  pclose(p);
  return out;
}

// The page's text with roff's escaped hyphens made plain.
std::string man_text(const std::string& page)
{
  std::ifstream in(source_path("man/" + page));
  std::stringstream ss;
  ss << in.rdbuf();
  std::string s = ss.str();
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '\\' && i + 1 < s.size() && s[i + 1] == '-') {
      out += '-';
      ++i;
    } else {
      out += s[i];
    }
  }
  return out;
}

std::set<std::string> long_options(const std::string& help)
{
  std::set<std::string> out;
  static const std::regex k_option(R"((^|[ ,])(--[a-z][a-z-]*))");
  std::istringstream lines(help);
  std::string line;
  while (std::getline(lines, line)) {
    if (line.rfind("  -", 0) != 0) {
      continue;
    }
    for (std::sregex_iterator it(line.begin(), line.end(), k_option), end; it != end; ++it) {
      out.insert((*it)[2]);
    }
  }
  return out;
}

} // namespace

TEST_CASE("man pages render with no groff warnings")
{
  for (const char* page : {"noodle-upgrade.1", "noodle-manifest.5", "noodle-signature.5", "noodle-repository.5"}) {
    INFO(page);
    CHECK(shell_stderr("groff -ww -z -man " + source_path(std::string("man/") + page)) == "");
  }
}

TEST_CASE("noodle-upgrade(1) documents every command and option that --help shows")
{
  const std::string man = man_text("noodle-upgrade.1");
  std::size_t commands_seen = 0;
  for (const auto& page : noodle::test::every_help_page()) {
    const std::string joined = page.words();
    if (!page.path.empty() && page.subcommands.empty()) {
      ++commands_seen;
      INFO("command: " << joined);
      CHECK(man.find(".SS \"" + joined) != std::string::npos);
    }
    for (const auto& option : long_options(page.text)) {
      INFO("command: '" << joined << "' option: " << option);
      CHECK(man.find(option) != std::string::npos);
    }
  }
  CHECK(commands_seen >= 15);
}

TEST_CASE("noodle-upgrade-protocol(7) renders with no groff warnings and documents every op and error code")
{
  CHECK(shell_stderr("groff -man -ww -z " + source_path("man/noodle-upgrade-protocol.7")) == "");
  const std::string man = man_text("noodle-upgrade-protocol.7");
  for (const char* op : {"hello", "prepare", "activate", "health", "commit", "rollback", "abort"}) {
    INFO("op: " << op);
    CHECK(man.find(std::string(".SS ") + op + "\n") != std::string::npos);
    CHECK(man.find(std::string("\"op\": \"") + op + "\"") != std::string::npos); // an example request
  }
  for (const char* code : {"unsupported_protocol", "unknown_op", "bad_request", "unknown_component", "not_prepared",
                           "load_failed", "busy", "lease_expired", "internal"}) {
    INFO("error code: " << code);
    CHECK(man.find(std::string(".TP\n.B ") + code + "\n") != std::string::npos);
  }
  // The contract's numbers and the tool's identity check.
  for (const char* fact : {"1,048,576", "32 deep", "SO_PEERCRED", "lease_ms", "runtime_untrusted"}) {
    INFO("fact: " << fact);
    CHECK(man.find(fact) != std::string::npos);
  }
}
