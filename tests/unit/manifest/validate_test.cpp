// SPDX-License-Identifier: Apache-2.0
#include <noodle/manifest/loader.hpp>
#include <noodle/manifest/validate.hpp>

#include "unit/manifest/support.hpp"

#include <catch2/catch.hpp>

using noodle::ErrorCode;
using noodle::manifest::Catalog;
using noodle::manifest::Diagnostic;
using noodle::manifest::validate_catalog;
using manifest_test::lines;
using manifest_test::parse;

namespace {

Catalog catalog_from_text(const std::string& text)
{
  auto p = parse(text);
  REQUIRE(p.diagnostics.empty());
  Catalog c;
  for (auto& m : p.manifests) {
    REQUIRE(c.add(std::move(m)));
  }
  return c;
}

} // namespace

TEST_CASE("validate_catalog reports a dependency on an unknown component with a suggestion")
{
  auto c = catalog_from_text("name: runtime_core\nversion: 1.0.0\n---\nname: app\nversion: 1.0.0\n"
                      "dependencies:\n  runtme_core: ^1.0.0\n  zzz: '*'\n");
  auto d = validate_catalog(c);
  CHECK(lines(d) == std::vector<std::string>{
                      "7:3 error: dependency 'runtme_core' of 'app@1.0.0' is not in the catalog (did you mean "
                      "'runtime_core'?)",
                      "8:3 error: dependency 'zzz' of 'app@1.0.0' is not in the catalog",
                    });
  CHECK(d[0].code == ErrorCode::missing_dependency);
  CHECK(d[0].field == "dependencies.runtme_core");
  CHECK(d[0].where.file == "m.yaml");
}

TEST_CASE("validate_catalog warns when no catalog version satisfies a dependency range")
{
  auto c = catalog_from_text("name: lib\nversion: 1.0.0\n---\nname: lib\nversion: 1.1.0\n---\nname: app\nversion: 1.0.0\n"
                      "dependencies: {lib: ^2.0.0}\n");
  auto d = validate_catalog(c);
  CHECK(lines(d) == std::vector<std::string>{
                      "9:21 warning: no version of 'lib' in the catalog satisfies '^2.0.0' (required by 'app@1.0.0'; "
                      "available: 1.0.0, 1.1.0)"});
  CHECK(d[0].code == ErrorCode::unsatisfiable);
}

TEST_CASE("validate_catalog checks the components and ranges of compatibility rules")
{
  auto c = catalog_from_text("name: lib\nversion: 1.0.0\n---\nname: app\nversion: 1.0.0\n"
                      "compatibility:\n  lbi: ^1.0.0\n  lib: [^3.0.0, ^4.0.0]\n");
  auto d = validate_catalog(c);
  CHECK(lines(d) == std::vector<std::string>{
                      "7:3 error: compatibility rule of 'app@1.0.0' names 'lbi', which is not in the catalog (did "
                      "you mean 'lib'?)",
                      "8:3 warning: no version of 'lib' in the catalog satisfies '^3.0.0' or '^4.0.0' (compatibility "
                      "rule of 'app@1.0.0'; available: 1.0.0)",
                    });
  CHECK(d[0].code == ErrorCode::not_found);
}

TEST_CASE("validate_catalog warns about upgrade_from ranges that match no lower version")
{
  auto c = catalog_from_text("name: rt\nversion: 1.0.0\n---\nname: rt\nversion: 1.5.0\n---\nname: rt\nversion: 2.0.0\n"
                      "upgrade_from: [^1.5.0, ^1.7.0, ^2.0.0]\n");
  auto d = validate_catalog(c);
  CHECK(lines(d) == std::vector<std::string>{
                      "9:24 warning: upgrade_from '^1.7.0' of 'rt@2.0.0' matches no lower version in the catalog",
                      "9:32 warning: upgrade_from '^2.0.0' of 'rt@2.0.0' matches no lower version in the catalog",
                    });
  CHECK(d[0].code == ErrorCode::no_upgrade_path);
  CHECK(d[0].field == "upgrade_from[1]");
}

TEST_CASE("attach_source_lines fills the text of the line a diagnostic points at")
{
  std::vector<Diagnostic> d(1);
  d[0].where = {std::string(NOODLE_SOURCE_DIR) + "/tests/data/catalogs/unknown_field/component.yaml", 3, 1};
  noodle::manifest::attach_source_lines(d);
  CHECK(d[0].source_line == "hot_swapable: true");
}
