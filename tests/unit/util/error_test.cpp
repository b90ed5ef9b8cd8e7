// SPDX-License-Identifier: Apache-2.0
#include <noodle/util/error.hpp>

#include <catch2/catch.hpp>

TEST_CASE("SourceLocation renders as much of file:line:col as is known")
{
  CHECK(noodle::SourceLocation{"a.yaml", 3, 7}.to_string() == "a.yaml:3:7");
  CHECK(noodle::SourceLocation{"a.yaml", 3, 0}.to_string() == "a.yaml:3");
  CHECK(noodle::SourceLocation{"a.yaml", 0, 0}.to_string() == "a.yaml");
}
