// SPDX-License-Identifier: Apache-2.0
#include <noodle/manifest/batch.hpp>

#include "unit/manifest/support.hpp"

#include <catch2/catch.hpp>

using noodle::ErrorCode;
using noodle::manifest::Batch;
using noodle::manifest::Diagnostic;
using noodle::manifest::parse_batch;
using manifest_test::lines;

namespace {

struct ParsedBatch {
  noodle::Result<Batch> batch;
  std::vector<Diagnostic> diagnostics;
};

ParsedBatch batch_of(std::string_view text)
{
  std::vector<Diagnostic> d;
  auto b = parse_batch(text, "b.yaml", d);
  return {std::move(b), std::move(d)};
}

} // namespace

TEST_CASE("parse_batch reads components, versions, strategies and priorities")
{
  auto p = batch_of("upgrades:\n  - component: jit_compiler\n    version: 2.1.0\n    strategy: blue-green\n"
                    "    priority: 3\n  - {component: telemetry_agent, version: 1.0.0}\n");
  REQUIRE(p.batch);
  CHECK(p.diagnostics.empty());
  REQUIRE(p.batch->items.size() == 2);
  const auto& a = p.batch->items[0];
  CHECK(a.component == "jit_compiler");
  CHECK(a.version.to_string() == "2.1.0");
  CHECK(a.strategy == "blue-green");
  CHECK(a.priority == 3);
  CHECK(a.where.to_string() == "b.yaml:2:5");
  const auto& b = p.batch->items[1];
  CHECK_FALSE(b.strategy);
  CHECK(b.priority == 5); // the default, as --priority's
  CHECK(b.where.to_string() == "b.yaml:6:5");
}

TEST_CASE("parse_batch reports every bad field and fails with the first error")
{
  auto p = batch_of("upgrades:\n  - component: jit_compiler\n    version: \"2.1\"\n    strategy: canery\n"
                    "    priority: high\n    stratgy: rolling\n  - version: 1.0.0\n");
  REQUIRE_FALSE(p.batch);
  CHECK(lines(p.diagnostics) ==
        std::vector<std::string>{
          "3:14 error: invalid version '2.1': expected MAJOR.MINOR.PATCH",
          "4:15 error: field 'upgrades[0].strategy' must be one of immediate, gradual, canary, blue-green, "
          "rolling, got 'canery' (did you mean 'canary'?)",
          "5:15 error: field 'upgrades[0].priority' must be an integer, got 'high'",
          "6:5 error: unknown field 'upgrades[0].stratgy' (did you mean 'upgrades[0].strategy'?)",
          "7:5 error: missing required field 'upgrades[1].component'",
        });
  CHECK(p.batch.error().code == ErrorCode::invalid_version);
  CHECK(p.batch.error().message == "invalid version '2.1': expected MAJOR.MINOR.PATCH");
  REQUIRE(p.batch.error().where);
  CHECK(p.batch.error().where->to_string() == "b.yaml:3:14");
  CHECK(p.diagnostics[1].field == "upgrades[0].strategy");
}

TEST_CASE("parse_batch refuses an empty list and a component listed twice")
{
  CHECK(lines(batch_of("upgrades: []\n").diagnostics) ==
        std::vector<std::string>{"1:11 error: field 'upgrades' must not be empty"});
  auto twice = batch_of("upgrades:\n  - {component: a, version: 1.0.0}\n  - {component: a, version: 2.0.0}\n");
  REQUIRE_FALSE(twice.batch);
  CHECK(lines(twice.diagnostics) ==
        std::vector<std::string>{"3:5 error: component 'a' appears twice in the batch (first at b.yaml:2:5)"});
}

TEST_CASE("parse_batch refuses files that are not a single upgrades mapping")
{
  CHECK(lines(batch_of("").diagnostics) ==
        std::vector<std::string>{"0:0 error: batch file is empty: expected an 'upgrades' list"});
  CHECK(lines(batch_of("- a\n").diagnostics) ==
        std::vector<std::string>{"1:1 error: a batch file must be a mapping with an 'upgrades' list, got a sequence"});
  CHECK(lines(batch_of("upgrade:\n  - {component: a, version: 1.0.0}\n").diagnostics) ==
        std::vector<std::string>{
          "1:1 error: unknown field 'upgrade' (did you mean 'upgrades'?)",
          "1:1 error: missing required field 'upgrades'",
        });
  CHECK(lines(batch_of("upgrades: {a: 1}\n").diagnostics) ==
        std::vector<std::string>{"1:11 error: field 'upgrades' must be a list, got a mapping"});
  CHECK(lines(batch_of("upgrades: [{component: a, version: 1.0.0}]\n---\nupgrades: []\n").diagnostics) ==
        std::vector<std::string>{"3:1 error: a batch file holds a single YAML document"});
  CHECK(lines(batch_of("upgrades: [{component: a, version: 1.0.0, priority: 11}]\n").diagnostics) ==
        std::vector<std::string>{"1:53 error: field 'upgrades[0].priority' must be an integer from 1 to 10, got '11'"});
  CHECK(lines(batch_of("upgrades: [{component: a, version: 1.0.0, priority: 0}]\n").diagnostics) ==
        std::vector<std::string>{"1:53 error: field 'upgrades[0].priority' must be an integer from 1 to 10, got '0'"});
  CHECK(lines(batch_of("upgrades: [{component: a, version: 1.0.0, priority: -3}]\n").diagnostics) ==
        std::vector<std::string>{"1:53 error: field 'upgrades[0].priority' must be an integer from 1 to 10, got '-3'"});
}

TEST_CASE("parse_batch applies the depth limit and reports YAML syntax errors")
{
  auto deep = batch_of("upgrades: " + std::string(100, '[') + std::string(100, ']') + "\n");
  REQUIRE_FALSE(deep.batch);
  CHECK(deep.batch.error().code == ErrorCode::manifest_parse);
  CHECK(deep.batch.error().message == "nesting depth exceeds the limit of 32");
  auto broken = batch_of("upgrades: [\n");
  REQUIRE_FALSE(broken.batch);
  CHECK(broken.batch.error().code == ErrorCode::manifest_parse);
}

TEST_CASE("load_batch reads the example batch files")
{
  const std::string dir = std::string(NOODLE_SOURCE_DIR) + "/tests/data/batches/";
  std::vector<Diagnostic> d;
  auto good = noodle::manifest::load_batch(dir + "good.yaml", d);
  REQUIRE(good);
  CHECK(d.empty());
  CHECK(good->items.size() == 2);
  for (const char* bad : {"empty_list.yaml", "duplicate_component.yaml", "bad_fields.yaml"}) {
    std::vector<Diagnostic> bad_d;
    CHECK_FALSE(noodle::manifest::load_batch(dir + bad, bad_d));
    CHECK(noodle::manifest::has_errors(bad_d));
  }
  std::vector<Diagnostic> small_d;
  auto too_big = noodle::manifest::load_batch(dir + "good.yaml", small_d, 16);
  REQUIRE_FALSE(too_big);
  CHECK(too_big.error().message.find("over the 16-byte limit") != std::string::npos);
  std::vector<Diagnostic> missing_d;
  auto missing = noodle::manifest::load_batch(dir + "nope.yaml", missing_d);
  REQUIRE_FALSE(missing);
  CHECK(missing.error().code == ErrorCode::not_found);
}
