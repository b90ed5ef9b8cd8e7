// SPDX-License-Identifier: Apache-2.0
#include <noodle/manifest/diagnostic.hpp>

#include <catch2/catch.hpp>

using noodle::ErrorCode;
using noodle::manifest::Diagnostic;

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
