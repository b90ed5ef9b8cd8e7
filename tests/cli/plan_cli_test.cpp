// SPDX-License-Identifier: Apache-2.0
#include "support/example_root.hpp"
#include "support/process.hpp"
#include "support/temp_dir.hpp"

#include <catch2/catch.hpp>
#include <algorithm>
#include <map>
#include <nlohmann/json.hpp>

#include <fstream>

using noodle::test::run_binary;
using noodle::test::source_path;
using noodle::test::TempDir;

namespace {

// plan checks the archives and signatures as the upgrade would, offline
// (no runtime listens in these roots).
std::vector<std::string> demo_args(const TempDir& root, std::vector<std::string> rest)
{
  noodle::test::install_demo_state(root.path());
  const auto& archives = noodle::test::example_archives();
  std::vector<std::string> a{"--root",    root.path().string(),          "--catalog",  source_path("manifests"),
                             "--keyring", (archives / "keyring").string(), "--archives", (archives / "archives").string()};
  a.insert(a.end(), rest.begin(), rest.end());
  if (std::find(rest.begin(), rest.end(), "plan") != rest.end()) {
    a.push_back("--offline");
  }
  return a;
}

std::vector<std::string> step_names(const nlohmann::json& j)
{
  std::vector<std::string> names;
  for (const auto& s : j["steps"]) {
    names.push_back(s["component"]);
  }
  return names;
}

} // namespace

TEST_CASE("cli plan of the demo upgrade pulls dependencies in, dependencies first")
{
  TempDir root;
  auto r = run_binary(demo_args(root, {"-o", "json", "plan", "jit_compiler", "2.1.0"}));
  CHECK(r.exit_code == 0);
  auto j = nlohmann::json::parse(r.out);
  CHECK(j["ok"] == true);
  CHECK(j["feasible"] == true);
  CHECK(step_names(j) == std::vector<std::string>{"runtime_core", "gc_engine", "jit_compiler", "code_assistant"});
  CHECK(j["steps"][0]["reason"] == "dependency");
  CHECK(j["steps"][0]["path"] == nlohmann::json({"1.5.0", "2.1.0"}));
  CHECK(j["steps"][0]["explanation"].get<std::string>().find("required by jit_compiler@2.1.0") == 0);
  CHECK(j["steps"][3]["reason"] == "dependent");
}

TEST_CASE("cli plan text names each change, its path and the result")
{
  TempDir root;
  auto r = run_binary(demo_args(root, {"plan", "jit_compiler", "2.1.0"}));
  CHECK(r.exit_code == 0);
  CHECK(r.out.rfind("plan: upgrade jit_compiler to 2.1.0 (validation normal)\n", 0) == 0);
  CHECK(r.out.find("  1. runtime_core    1.2.0 -> 2.1.0  [dependency]\n") != std::string::npos);
  CHECK(r.out.find("     path: 1.2.0 -> 1.5.0 -> 2.1.0; ") != std::string::npos);
  CHECK(r.out.find("  warn  hot_swap          2 component(s) need a restart\n") != std::string::npos);
  CHECK(r.out.find("  warn  breaking_changes  3 breaking version change(s)\n") != std::string::npos);
  CHECK(r.out.find("\nresult: feasible\n") != std::string::npos);
}

TEST_CASE("cli plan refuses with exit 3 when a constraint makes the upgrade unsatisfiable")
{
  TempDir root;
  auto r = run_binary(demo_args(root, {"plan", "jit_compiler", "2.1.0", "--constraint", "runtime_core@<2.0.0"}));
  CHECK(r.exit_code == 3);
  CHECK(r.out.find("\nresult: NOT feasible\n") != std::string::npos);
  CHECK(r.out.find("constraint 'runtime_core@<2.0.0'") != std::string::npos);
  CHECK(r.err
        == "noodle-upgrade: error: upgrade jit_compiler to 2.1.0 is not feasible: no version of 'runtime_core' "
           "satisfies every demand\n");
  auto j = nlohmann::json::parse(run_binary(demo_args(root, {"-o", "json", "plan", "jit_compiler", "2.1.0",
                                                             "--constraint", "runtime_core@<2.0.0"}))
                                     .out);
  CHECK(j["ok"] == false);
  CHECK(j["error"]["code"] == "unsatisfiable");
}

TEST_CASE("cli plan reports a dependency cycle as a -> b -> c -> a and exits 3")
{
  TempDir root;
  auto r = run_binary(
      {"--root", root.path().string(), "--catalog", source_path("tests/data/catalogs/cycle"), "plan", "a", "1.0.0", "--offline"});
  CHECK(r.exit_code == 3);
  CHECK(r.err == "noodle-upgrade: error: upgrade a to 1.0.0 is not feasible: dependency cycle: a -> b -> c -> a\n");
}

TEST_CASE("cli plan refuses a downgrade unless --allow-downgrade")
{
  TempDir root;
  auto refused = run_binary(demo_args(root, {"-o", "json", "plan", "runtime_core", "1.0.0"}));
  CHECK(refused.exit_code == 3);
  auto j = nlohmann::json::parse(refused.out);
  CHECK(j["error"]["code"] == "downgrade_refused");
  auto allowed = run_binary(demo_args(root, {"-o", "json", "plan", "runtime_core", "1.0.0", "--allow-downgrade"}));
  auto k = nlohmann::json::parse(allowed.out);
  REQUIRE(k["steps"].size() >= 1);
  CHECK(k["steps"][0]["downgrade"] == true);
}

TEST_CASE("cli plan of an unknown component is an input error")
{
  TempDir root;
  auto r = run_binary(demo_args(root, {"plan", "jit_compiller", "2.1.0"}));
  CHECK(r.exit_code == 2);
  CHECK(r.err.find("unknown component 'jit_compiller'") != std::string::npos);
}

TEST_CASE("cli plan -f plans a batch file")
{
  TempDir root;
  auto batch = root.write("batch.yaml", "upgrades:\n"
                                        "  - component: telemetry_agent\n"
                                        "    version: 1.0.0\n"
                                        "  - component: jit_compiler\n"
                                        "    version: 2.1.0\n"
                                        "    priority: 5\n");
  auto r = run_binary(demo_args(root, {"-o", "json", "plan", "-f", batch.string()}));
  auto j = nlohmann::json::parse(r.out);
  auto names = step_names(j);
  CHECK(std::find(names.begin(), names.end(), "telemetry_agent") != names.end());
  CHECK(std::find(names.begin(), names.end(), "jit_compiler") != names.end());
}

TEST_CASE("cli plan -f reports a bad batch file with its location and exits 2")
{
  TempDir root;
  auto batch = root.write("batch.yaml", "upgrades:\n  - component: jit_compiler\n    version: two\n");
  auto r = run_binary(demo_args(root, {"plan", "-f", batch.string()}));
  CHECK(r.exit_code == 2);
  CHECK(r.err.find(batch.string() + ":3:14: invalid version 'two'") != std::string::npos);
}

TEST_CASE("cli plan needs either NAME VERSION or -f")
{
  auto r = run_binary({"plan", "jit_compiler"});
  CHECK(r.exit_code == 2);
  CHECK(r.err
        == "noodle-upgrade: error: expected 'plan NAME VERSION' or 'plan -f BATCH.yaml'; run 'noodle-upgrade "
           "plan --help' for usage\n");
}

TEST_CASE("cli plan rejects an unknown strategy with the allowed values")
{
  auto r = run_binary({"plan", "jit_compiler", "2.1.0", "--strategy", "yolo"});
  CHECK(r.exit_code == 2);
  CHECK(r.err.find("yolo") != std::string::npos);
  CHECK(r.err.find("immediate") != std::string::npos);
}

TEST_CASE("cli plan -f of the example batch file plans both upgrades")
{
  TempDir root;
  auto r = run_binary(demo_args(root, {"-o", "json", "plan", "-f", source_path("tests/data/batches/good.yaml")}));
  CHECK(r.exit_code == 0);
  auto j = nlohmann::json::parse(r.out);
  CHECK(j["feasible"] == true);
  std::map<std::string, std::string> strategy;
  for (const auto& s : j["steps"]) {
    strategy[s["component"]] = s["strategy"];
  }
  CHECK(strategy["jit_compiler"] == "canary");     // the batch item's own strategy
  CHECK(strategy["telemetry_agent"] == "gradual"); // the default
  CHECK(strategy["runtime_core"] == "restart");    // not hot-swappable
}

TEST_CASE("cli plan reads --constraint ranges loosely only with --loose")
{
  TempDir root;
  // "<02.0.0" is a range only in npm's loose mode.
  auto strict = run_binary(demo_args(root, {"plan", "jit_compiler", "2.1.0", "--constraint", "runtime_core@<02.0.0"}));
  CHECK(strict.exit_code == 2);
  CHECK(strict.err.rfind("noodle-upgrade: error: invalid range '<02.0.0'", 0) == 0);
  auto loose = run_binary(
      demo_args(root, {"plan", "jit_compiler", "2.1.0", "--loose", "--constraint", "runtime_core@<02.0.0"}));
  CHECK(loose.exit_code == 3);
  CHECK(loose.out.find("constraint 'runtime_core@<02.0.0'") != std::string::npos);
  auto fine = run_binary(demo_args(root, {"plan", "jit_compiler", "2.1.0", "--loose", "-p", "--constraint",
                                          "runtime_core@>=02.0.0 junk"}));
  CHECK(fine.exit_code == 0);
}

TEST_CASE("cli plan -f orders steps of equal dependency rank by priority, 5 when a step names none")
{
  TempDir root;
  const auto batch = root.path() / "prio.yaml";
  std::ofstream(batch) << "upgrades:\n"
                          "  - {component: telemetry_agent, version: 1.0.0, priority: 1}\n"
                          "  - {component: gc_engine, version: 1.3.0}\n"
                          "  - {component: runtime_core, version: 1.5.0, priority: 9}\n";
  auto r = run_binary(demo_args(root, {"-o", "json", "plan", "-f", batch.string()}));
  INFO(r.out << r.err);
  REQUIRE(r.exit_code == 0);
  auto j = nlohmann::json::parse(r.out);
  std::vector<std::pair<std::string, int>> order;
  for (const auto& s : j["steps"]) {
    order.emplace_back(s["component"].get<std::string>(), s["priority"].get<int>());
  }
  CHECK(order == std::vector<std::pair<std::string, int>>{{"runtime_core", 9}, {"gc_engine", 5}, {"telemetry_agent", 1}});
}
