// SPDX-License-Identifier: Apache-2.0
#include "support/process.hpp"
#include "support/temp_dir.hpp"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

using noodle::test::run_binary;
using noodle::test::source_path;
using noodle::test::TempDir;

namespace {

std::string catalog(const std::string& name)
{
  return source_path("tests/data/catalogs/" + name);
}

} // namespace

TEST_CASE("cli validate accepts the example catalog")
{
  auto r = run_binary({"--catalog", source_path("manifests"), "--strict", "validate"});
  CHECK(r.exit_code == 0);
  CHECK(r.err.empty());
  CHECK(r.out == "7 files, 25 manifests of 7 components: ok\n");
}

TEST_CASE("cli validate reports a YAML syntax error with file:line:col, the line and a caret")
{
  auto dir = catalog("bad_yaml");
  auto r = run_binary({"--catalog", dir, "validate"});
  CHECK(r.exit_code == 2);
  CHECK(r.out.empty());
  CHECK(r.err
        == "noodle-upgrade: error: " + dir
               + "/broken.yaml:4:12: invalid YAML: did not find expected ',' or ']' (while parsing a flow sequence that "
                 "starts at 3:15)\n"
                 "  description: the list above is never closed\n"
                 "             ^\n"
                 "noodle-upgrade: error: 1 error and 0 warnings in 1 file\n");
}

TEST_CASE("cli validate names the field and the allowed values of a wrongly typed field")
{
  auto dir = catalog("wrong_types");
  auto r = run_binary({"--catalog", dir, "validate"});
  CHECK(r.exit_code == 2);
  CHECK(r.err.find(dir
                   + "/component.yaml:3:7: field 'type' must be one of runtime, compiler, ai_agent, "
                     "deployment, system, got 'runtme' (did you mean 'runtime'?)\n")
        != std::string::npos);
  CHECK(r.err.find(dir + "/component.yaml:4:16: field 'hot_swappable' must be true or false, got 'yes'")
        != std::string::npos);
}

TEST_CASE("cli validate warns on an unknown field and fails on it under --strict")
{
  auto dir = catalog("unknown_field");
  auto normal = run_binary({"--catalog", dir, "validate"});
  CHECK(normal.exit_code == 0);
  CHECK(normal.err.rfind("noodle-upgrade: warning: " + dir
                             + "/component.yaml:3:1: unknown field 'hot_swapable' (did you mean 'hot_swappable'?)\n",
                         0)
        == 0);
  auto strict = run_binary({"--catalog", dir, "--strict", "validate"});
  CHECK(strict.exit_code == 2);
  CHECK(strict.err.rfind("noodle-upgrade: error: " + dir + "/component.yaml:3:1: unknown field 'hot_swapable'", 0)
        == 0);
}

TEST_CASE("cli validate reports a dependency on an unknown component with a suggestion")
{
  auto dir = catalog("missing_dependency");
  auto r = run_binary({"--catalog", dir, "validate"});
  CHECK(r.exit_code == 2);
  CHECK(r.err.rfind("noodle-upgrade: error: " + dir
                        + "/catalog.yaml:7:3: dependency 'runtme_core' of 'app@1.0.0' is not in the catalog "
                          "(did you mean 'runtime_core'?)\n",
                    0)
        == 0);
}

TEST_CASE("cli validate reports duplicates, invalid versions and deep nesting as input errors")
{
  auto dup = run_binary({"--catalog", catalog("duplicate"), "validate"});
  CHECK(dup.exit_code == 2);
  CHECK(dup.err.find("duplicate component version 'dup@1.0.0' (first defined at " + catalog("duplicate")
                     + "/first.yaml:1:1)")
        != std::string::npos);

  auto bad = run_binary({"--catalog", catalog("invalid_version"), "validate"});
  CHECK(bad.exit_code == 2);
  CHECK(bad.err.find("/component.yaml:2:10: invalid version '1.2': expected MAJOR.MINOR.PATCH") != std::string::npos);

  auto deep = run_binary({"--catalog", catalog("deep_nesting"), "validate"});
  CHECK(deep.exit_code == 2);
  CHECK(deep.err.find("nesting depth exceeds the limit of 32") != std::string::npos);
}

TEST_CASE("cli validate --output json carries every diagnostic with its location and code")
{
  auto r = run_binary({"--catalog", catalog("wrong_types"), "validate", "-o", "json"});
  CHECK(r.exit_code == 2);
  auto j = nlohmann::json::parse(r.out);
  CHECK(j["ok"] == false);
  CHECK(j["error"]["code"] == "manifest_invalid");
  REQUIRE(j["diagnostics"].size() >= 2);
  CHECK(j["diagnostics"][0]["location"]["line"] == 3);
  CHECK(j["diagnostics"][0]["location"]["column"] == 7);
  CHECK(j["diagnostics"][0]["field"] == "type");
}

TEST_CASE("cli commands that need the catalog refuse a broken one with exit 2")
{
  auto r = run_binary({"--catalog", catalog("bad_yaml"), "components", "list"});
  CHECK(r.exit_code == 2);
  CHECK(r.out.empty());
  CHECK(r.err.find("noodle-upgrade: error: catalog '" + catalog("bad_yaml") + "' has 1 error") != std::string::npos);
}

TEST_CASE("cli components list shows installed and latest versions")
{
  TempDir root;
  noodle::test::install_fake_version(root.path(), "runtime_core", "1.2.0");
  auto r = run_binary({"--root", root.path().string(), "--catalog", source_path("manifests"), "components", "list"});
  CHECK(r.exit_code == 0);
  CHECK(r.out.rfind("NAME               TYPE        INSTALLED  LATEST  VERSIONS\n", 0) == 0);
  CHECK(r.out.find("runtime_core       runtime     1.2.0      2.1.0   5\n") != std::string::npos);
  CHECK(r.out.find("jit_compiler       compiler    -          2.1.0   4\n") != std::string::npos);
}

TEST_CASE("cli components list reads the root and catalog from the environment")
{
  TempDir root;
  noodle::test::install_fake_version(root.path(), "gc_engine", "1.1.0");
  auto r = run_binary({"-o", "json", "components", "list"}, "",
                      {{"NOODLE_ROOT", root.path().string()}, {"NOODLE_CATALOG", source_path("manifests")}});
  CHECK(r.exit_code == 0);
  auto j = nlohmann::json::parse(r.out);
  bool found = false;
  for (const auto& c : j["components"]) {
    if (c["name"] == "gc_engine") {
      found = true;
      CHECK(c["installed"] == "1.1.0");
      CHECK(c["latest"] == "2.0.0");
    }
  }
  CHECK(found);
}

TEST_CASE("cli components show suggests the nearest name for a typo")
{
  auto r = run_binary(
      {"--catalog", source_path("manifests"), "--root", "/nonexistent", "components", "show", "jit_compiller"});
  CHECK(r.exit_code == 2);
  CHECK(r.err == "noodle-upgrade: error: unknown component 'jit_compiller' (did you mean 'jit_compiler'?)\n");
}

TEST_CASE("cli components show prints a version's rules and where it is defined")
{
  auto r = run_binary(
      {"--catalog", source_path("manifests"), "--root", "/nonexistent", "components", "show", "runtime_core@1.5.0"});
  CHECK(r.exit_code == 0);
  CHECK(r.out.rfind("runtime_core 1.5.0 (runtime)\n", 0) == 0);
  CHECK(r.out.find("  required stop:  yes\n") != std::string::npos);
  CHECK(r.out.find("  defined at:     " + source_path("manifests") + "/runtime_core.yaml:") != std::string::npos);
  auto missing = run_binary(
      {"--catalog", source_path("manifests"), "--root", "/nonexistent", "components", "show", "runtime_core@9.9.9"});
  CHECK(missing.exit_code == 2);
  CHECK(missing.err
        == "noodle-upgrade: error: component 'runtime_core' has no version '9.9.9'; available: 1.0.0, "
           "1.2.0, 1.5.0, 2.0.0, 2.1.0\n");
}

TEST_CASE("cli -v says on stderr what catalog and root were read, -q keeps warnings quiet")
{
  TempDir root;
  noodle::test::install_fake_version(root.path(), "runtime_core", "1.2.0");
  auto r =
      run_binary({"-v", "--root", root.path().string(), "--catalog", source_path("manifests"), "components", "list"});
  CHECK(r.exit_code == 0);
  CHECK(r.err
        == "noodle-upgrade: catalog '" + source_path("manifests")
               + "': 25 manifest(s) of 7 component(s) in 7 file(s)\n"
                 "noodle-upgrade: root '"
               + root.path().string() + "': 1 component(s) installed\n");
  auto quiet = run_binary({"-q", "--catalog", source_path("tests/data/catalogs/unknown_field"), "validate"});
  CHECK(quiet.exit_code == 0);
  CHECK(quiet.err.empty());
}

TEST_CASE("cli validate refuses a version or a name longer than a directory under the root may be named")
{
  TempDir dir;
  const std::string version = "1.0.0-" + std::string(123, 'a'); // 129 characters
  dir.write("long.yaml", "name: a\nversion: " + version + "\ntype: runtime\n---\nname: " + std::string(129, 'b') +
                             "\nversion: 1.0.0\ntype: runtime\n");
  auto r = run_binary({"--catalog", dir.path().string(), "validate"});
  CHECK(r.exit_code == 2);
  CHECK(r.err.find((dir / "long.yaml").string() + ":2:10: invalid version '" + version.substr(0, 60) +
                   "...': longer than 128 characters")
        != std::string::npos);
  CHECK(r.err.find((dir / "long.yaml").string() + ":5:7: invalid component name '" + std::string(60, 'b') +
                   "...': longer than 128 characters")
        != std::string::npos);
}

TEST_CASE("cli validate loads a jit_compiler descriptor written in the original system's field names with no warning")
{
  const std::string dir = source_path("tests/data/seed-catalog");
  auto strict = run_binary({"--catalog", dir, "--strict", "validate"});
  INFO(strict.out << strict.err);
  CHECK(strict.exit_code == 0);
  CHECK(strict.err.empty());
  auto shown = run_binary({"--catalog", dir, "-o", "json", "components", "show", "jit_compiler"});
  INFO(shown.out << shown.err);
  REQUIRE(shown.exit_code == 0);
  auto j = nlohmann::json::parse(shown.out);
  INFO(j.dump(2));
  auto m = j["component"];
  CHECK(m["type"] == "compiler");
  CHECK(m["upgrade_from"].size() == 2);
  CHECK(m["compatibility"].contains("runtime_core"));
  CHECK(m["resources"]["memory_mb"] == 384);
  CHECK(m["health_check"]["endpoint"] == "http://127.0.0.1:8080/{instance}/healthz");
  CHECK(m["location"] == "/opt/noodle/components/jit_compiler");
  CHECK(m["entry_point"] == "bin/jit_compiler");
  CHECK(m["configuration_schema"]["properties"].contains("tier_threshold"));
}
