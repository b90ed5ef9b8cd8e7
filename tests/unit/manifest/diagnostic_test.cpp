// SPDX-License-Identifier: Apache-2.0
#include <noodle/manifest/diagnostic.hpp>

#include <catch2/catch.hpp>

using noodle::ErrorCode;
using noodle::manifest::Diagnostic;
using noodle::manifest::suggest_spelling;

TEST_CASE("suggest_spelling finds the nearest candidate within a few edits")
{
  const std::vector<std::string> fields = {"name", "version", "hot_swappable", "required_stop", "resources"};
  CHECK(suggest_spelling("hot_swapable", fields) == "hot_swappable");
  CHECK(suggest_spelling("verison", fields) == "version");
  CHECK(suggest_spelling("nme", fields) == "name");
  CHECK(suggest_spelling("required-stop", fields) == "required_stop");
  CHECK(suggest_spelling("lbi", {"lib", "app"}) == "lib");
}

TEST_CASE("suggest_spelling stays silent for distant words and exact matches")
{
  const std::vector<std::string> fields = {"name", "version", "type"};
  CHECK_FALSE(suggest_spelling("zzz", fields));
  CHECK_FALSE(suggest_spelling("completely_different", fields));
  CHECK_FALSE(suggest_spelling("name", fields));
  CHECK_FALSE(suggest_spelling("ab", {"xy"}));
}

TEST_CASE("Diagnostic renders as file:line:col: severity: message and converts to an Error")
{
  Diagnostic d;
  d.severity = Diagnostic::Severity::warning;
  d.code = ErrorCode::manifest_invalid;
  d.message = "unknown field 'x'";
  d.where = {"a.yaml", 3, 1};
  CHECK(noodle::manifest::to_string(d) == "a.yaml:3:1: warning: unknown field 'x'");
  auto e = noodle::manifest::to_error(d);
  CHECK(e.code == ErrorCode::manifest_invalid);
  CHECK(e.message == "unknown field 'x'");
  REQUIRE(e.where);
  CHECK(e.where->to_string() == "a.yaml:3:1");
  CHECK_FALSE(noodle::manifest::has_errors({d}));
  d.severity = Diagnostic::Severity::error;
  CHECK(noodle::manifest::has_errors({d}));
}
