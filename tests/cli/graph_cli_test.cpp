// SPDX-License-Identifier: Apache-2.0
#include "support/process.hpp"
#include "support/temp_dir.hpp"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

using noodle::test::run_binary;
using noodle::test::source_path;
using noodle::test::TempDir;

namespace {

// A root with the demo runtime's installed state (examples/demo-installed.txt).
struct DemoRoot {
  TempDir dir;
  DemoRoot() { noodle::test::install_demo_state(dir.path()); }
  std::vector<std::string> args(std::vector<std::string> rest) const
  {
    std::vector<std::string> a{"--root", dir.path().string(), "--catalog", source_path("manifests")};
    a.insert(a.end(), rest.begin(), rest.end());
    return a;
  }
};

} // namespace

TEST_CASE("cli path goes through the required stop")
{
  DemoRoot demo;
  auto r = run_binary(demo.args({"path", "runtime_core", "--to", "2.1.0"}));
  CHECK(r.exit_code == 0);
  CHECK(r.out
        == "runtime_core 1.2.0 -> 2.1.0: 2 hops\n"
           "  1.2.0 -> 1.5.0  (required stop)\n"
           "  1.5.0 -> 2.1.0\n");
  auto j = nlohmann::json::parse(
      run_binary(demo.args({"-o", "json", "path", "runtime_core", "--to", "2.0.0", "--from", "1.0.0"})).out);
  CHECK(j["hops"].size() == 2);
  CHECK(j["hops"][0]["to"] == "1.5.0");
  CHECK(j["hops"][0]["required_stop"] == true);
}

TEST_CASE("cli path refuses a downgrade with exit 3 and says why")
{
  DemoRoot demo;
  auto r = run_binary(demo.args({"path", "runtime_core", "--from", "2.1.0", "--to", "1.0.0"}));
  CHECK(r.exit_code == 3);
  CHECK(r.err
        == "noodle-upgrade: error: 'runtime_core' would go down from 2.1.0 to 1.0.0\n"
           "  downgrades are not allowed unless explicitly permitted\n");
}

TEST_CASE("cli path asks for --from when the component is not installed")
{
  TempDir empty;
  auto r = run_binary({"--root", empty.path().string(), "--catalog", source_path("manifests"), "path", "runtime_core",
                       "--to", "2.1.0"});
  CHECK(r.exit_code == 2);
  CHECK(r.err.find("give the starting version with --from VERSION") != std::string::npos);
}

TEST_CASE("cli deps shows the tree resolved against installed versions")
{
  DemoRoot demo;
  auto r = run_binary(demo.args({"deps", "jit_compiler@2.1.0"}));
  CHECK(r.exit_code == 0);
  CHECK(r.out
        == "jit_compiler@2.1.0 (available, installed 1.4.0)\n"
           "├── gc_engine@2.0.0 (range >=1.3.0; available, installed 1.1.0)\n"
           "│   └── runtime_core@2.1.0 (range ^2.0.0; available, installed 1.2.0)\n"
           "└── runtime_core@2.1.0 (range >=2.0.0 <3.0.0; available, installed 1.2.0)\n");
}

TEST_CASE("cli deps --reverse lists the dependents transitively")
{
  DemoRoot demo;
  auto r = run_binary(demo.args({"deps", "gc_engine", "--reverse"}));
  CHECK(r.exit_code == 0);
  CHECK(r.out.rfind("gc_engine@1.1.0 (installed)\n", 0) == 0);
  CHECK(r.out.find("jit_compiler@1.4.0 (requires ^1.0.0; installed)") != std::string::npos);
  CHECK(r.out.find("code_assistant@1.0.0") != std::string::npos);
}

TEST_CASE("cli deps --format dot and json describe the same graph")
{
  DemoRoot demo;
  auto dot = run_binary(demo.args({"deps", "gc_engine", "--format", "dot"}));
  CHECK(dot.exit_code == 0);
  CHECK(dot.out.rfind("digraph deps {\n", 0) == 0);
  CHECK(dot.out.find("n0 -> n1 [label=\"^1.0.0\"];") != std::string::npos);
  auto json = run_binary(demo.args({"deps", "gc_engine", "--format", "json"}));
  auto j = nlohmann::json::parse(json.out);
  CHECK(j["ok"] == true);
  CHECK(j["nodes"].size() == 2);
  CHECK(j["edges"][0]["range"] == "^1.0.0");
}

TEST_CASE("cli deps of an unknown component exits 2 with a suggestion")
{
  DemoRoot demo;
  auto r = run_binary(demo.args({"deps", "gc_engin"}));
  CHECK(r.exit_code == 2);
  CHECK(r.err.find("unknown component 'gc_engin'") != std::string::npos);
  CHECK(r.err.find("did you mean 'gc_engine'?") != std::string::npos);
}
