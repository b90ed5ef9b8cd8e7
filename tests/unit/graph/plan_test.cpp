// SPDX-License-Identifier: Apache-2.0
#include "support/files.hpp"

#include <noodle/graph/plan.hpp>

#include "catalog_builder.hpp"

#include <catch2/catch.hpp>

#include <algorithm>

using namespace noodle;
using graph::Check;
using graph::PlanItem;
using graph::PlanRequest;
using graph::Validation;
using test::installed_of;
using test::ver;
using Status = Check::Status;

namespace {

using noodle::test::has_line;

const state::MachineInfo k_big_machine{16384, 8, 100000};

struct Options {
  bool hot_swappable = true;
  std::uint64_t memory_mb = 512;
  double cpu_cores = 1;
  std::uint64_t disk_mb = 100;
};

manifest::Manifest make(const test::Spec& spec, const Options& o = {})
{
  auto m = test::manifest_of(spec);
  m.hot_swappable = o.hot_swappable;
  m.resources = manifest::Resources{o.memory_mb, o.cpu_cores, o.disk_mb};
  return m;
}

manifest::Catalog catalog_from(std::vector<manifest::Manifest> manifests)
{
  manifest::Catalog catalog;
  for (auto& m : manifests) {
    test::add(catalog, std::move(m));
  }
  return catalog;
}

manifest::Catalog plan_catalog()
{
  return catalog_from({
      make({"runtime_core", "1.5.0"}),
      make({"runtime_core", "1.6.0"}),
      make({"runtime_core", "2.0.0"}),
      make({"gc_engine", "1.3.0", {{"runtime_core", "^1.0.0"}}}),
      make({"gc_engine", "2.0.0", {{"runtime_core", "^2.0.0"}}}, Options{false}),
      make({"jit_compiler", "2.1.0", {{"runtime_core", ">=2.0.0"}}}),
  });
}

PlanRequest request(std::vector<PlanItem> items, Validation validation = Validation::normal)
{
  PlanRequest r;
  r.items = std::move(items);
  r.validation = validation;
  return r;
}

Status status_of(const graph::Plan& plan, std::string_view name)
{
  const auto* c = plan.check(name);
  REQUIRE(c != nullptr);
  return c->status;
}

} // namespace

TEST_CASE("graph::make_plan reports ordered steps with paths, strategies and breaking flags")
{
  const auto catalog = plan_catalog();
  const auto installed = installed_of({{"runtime_core", "1.5.0"}, {"gc_engine", "1.3.0"}});
  auto plan =
      graph::make_plan(catalog, installed, request({{"jit_compiler", ver("2.1.0"), std::nullopt, 0}}), k_big_machine);
  REQUIRE(plan.steps.size() == 3);
  CHECK(plan.steps[0].name == "runtime_core");
  CHECK(plan.steps[0].from == ver("1.5.0"));
  CHECK(plan.steps[0].to == ver("2.0.0"));
  CHECK(plan.steps[0].hops == std::vector<semver::Version>{ver("2.0.0")});
  CHECK(plan.steps[0].breaking);
  CHECK(plan.steps[0].breaking_reason == semver::compatibility(ver("1.5.0"), ver("2.0.0")).reason);
  CHECK(plan.steps[0].strategy == "gradual"); // the request's default strategy
  CHECK(plan.steps[0].reason == graph::ChangeReason::dependency);
  // gc_engine@2.0.0 is not hot-swappable: it will be restarted.
  const auto& gc = *std::find_if(plan.steps.begin(), plan.steps.end(), [](auto& s) { return s.name == "gc_engine"; });
  CHECK(gc.reason == graph::ChangeReason::dependent);
  CHECK(gc.strategy == "restart");
  CHECK_FALSE(gc.hot_swappable);
  CHECK(plan.steps[2].name == "jit_compiler");
  CHECK(plan.steps[2].strategy == "install");
  CHECK_FALSE(plan.steps[2].from);

  CHECK(plan.feasible);
  CHECK(status_of(plan, "dependencies") == Status::pass);
  CHECK(status_of(plan, "cycles") == Status::pass);
  CHECK(status_of(plan, "upgrade_path") == Status::pass);
  CHECK(status_of(plan, "breaking_changes") == Status::warn);
  CHECK(plan.check("breaking_changes")->message == "2 breaking version change(s)");
  CHECK(status_of(plan, "hot_swap") == Status::warn);
  CHECK(plan.check("hot_swap")->code == ErrorCode::infeasible);
  CHECK(plan.check("hot_swap")->details
        == std::vector<std::string>{
            "gc_engine@2.0.0 is not hot-swappable (manifests/gc_engine-2.0.0.yaml:1:1): it will be restarted"});
  CHECK(status_of(plan, "resources") == Status::pass);
  CHECK(plan.resources.memory_mb == 3 * 512);
  CHECK(plan.resources.disk_mb == 300);
  CHECK(plan.resources.cpu_cores == 1);
}

TEST_CASE("graph::make_plan under strict validation turns warnings into failures")
{
  const auto catalog = plan_catalog();
  const auto installed = installed_of({{"runtime_core", "1.5.0"}, {"gc_engine", "1.3.0"}});
  auto plan =
      graph::make_plan(catalog, installed,
                       request({{"jit_compiler", ver("2.1.0"), std::nullopt, 0}}, Validation::strict), k_big_machine);
  CHECK_FALSE(plan.feasible);
  CHECK(status_of(plan, "breaking_changes") == Status::fail);
  CHECK(status_of(plan, "hot_swap") == Status::fail);
  CHECK(has_line(plan.check("hot_swap")->details, "strict validation treats this warning as a failure"));
  CHECK(status_of(plan, "dependencies") == Status::pass);

  auto minor =
      graph::make_plan(catalog, installed,
                       request({{"runtime_core", ver("1.6.0"), std::nullopt, 0}}, Validation::strict), k_big_machine);
  CHECK(minor.feasible);
}

TEST_CASE("graph::make_plan keeps a refused resolution as a failed check")
{
  const auto catalog = plan_catalog();
  auto plan = graph::make_plan(catalog, {}, request({{"jit_compilr", std::nullopt, std::nullopt, 0}}), k_big_machine);
  CHECK_FALSE(plan.feasible);
  REQUIRE(plan.checks.size() == 2);
  CHECK(plan.checks[1].name == "constraints");
  CHECK(plan.checks[0].name == "request");
  CHECK(plan.checks[0].status == Status::fail);
  CHECK(plan.checks[0].code == ErrorCode::not_found);
  CHECK(plan.checks[0].message == "unknown component 'jit_compilr'");
  CHECK(plan.checks[0].details == std::vector<std::string>{"did you mean 'jit_compiler'?"});
  CHECK(plan.steps.empty());

  // Structural failures stay failures under permissive validation.
  const auto cyclic = catalog_from({make({"a", "1.0.0", {{"b", "*"}}}), make({"b", "1.0.0", {{"a", "*"}}})});
  auto cycle = graph::make_plan(cyclic, {}, request({{"a", std::nullopt, std::nullopt, 0}}, Validation::permissive),
                                k_big_machine);
  CHECK_FALSE(cycle.feasible);
  CHECK(status_of(cycle, "cycles") == Status::fail);
  CHECK(cycle.check("cycles")->code == ErrorCode::dependency_cycle);
  CHECK(cycle.check("cycles")->message == "dependency cycle: a -> b -> a");
  CHECK(has_line(cycle.check("cycles")->details, "at manifests/a-1.0.0.yaml:5:5"));
}

TEST_CASE("graph::make_plan maps unsatisfiable demands and refused downgrades to their checks")
{
  const auto catalog = plan_catalog();
  const auto installed = installed_of({{"runtime_core", "2.0.0"}});
  auto down =
      graph::make_plan(catalog, installed, request({{"runtime_core", ver("1.5.0"), std::nullopt, 0}}), k_big_machine);
  CHECK_FALSE(down.feasible);
  CHECK(status_of(down, "downgrade") == Status::fail);
  CHECK(down.check("downgrade")->code == ErrorCode::downgrade_refused);

  auto allowed_request = request({{"runtime_core", ver("1.5.0"), std::nullopt, 0}});
  allowed_request.allow_downgrade = graph::AllowDowngrade::yes;
  auto allowed = graph::make_plan(catalog, installed, allowed_request, k_big_machine);
  CHECK(allowed.feasible);
  CHECK(status_of(allowed, "downgrade") == Status::warn);
  CHECK(allowed.check("downgrade")->message == "1 component(s) go down, as permitted");
  CHECK(allowed.check("downgrade")->details == std::vector<std::string>{"runtime_core goes down from 2.0.0 to 1.5.0"});
  REQUIRE(allowed.steps.size() == 1);
  CHECK(allowed.steps[0].downgrade);
  CHECK(allowed.steps[0].hops == std::vector<semver::Version>{ver("1.5.0")});

  auto constrained = request({{"jit_compiler", ver("2.1.0"), std::nullopt, 0}});
  constrained.constraints.push_back(graph::Constraint{"runtime_core", test::range("<2.0.0")});
  auto unsat = graph::make_plan(catalog, {}, constrained, k_big_machine);
  CHECK_FALSE(unsat.feasible);
  CHECK(status_of(unsat, "dependencies") == Status::fail);
  CHECK(status_of(unsat, "constraints") == Status::pass);
  CHECK(unsat.checks.size() == 3);
  CHECK(unsat.check("dependencies")->code == ErrorCode::unsatisfiable);
  CHECK(has_line(unsat.check("dependencies")->details, "constraint 'runtime_core@<2.0.0'"));
}

TEST_CASE("graph::make_plan fails the constraints check on an unknown component")
{
  const auto catalog = plan_catalog();
  auto r = request({{"jit_compiler", std::nullopt, std::nullopt, 0}});
  r.constraints.push_back(graph::Constraint{"gc_engin", test::range("^1")});
  auto plan = graph::make_plan(catalog, {}, r, k_big_machine);
  CHECK_FALSE(plan.feasible);
  CHECK(status_of(plan, "constraints") == Status::fail);
  CHECK(plan.check("constraints")->details
        == std::vector<std::string>{"constraint 'gc_engin@^1' names unknown component 'gc_engin'",
                                    "did you mean 'gc_engine'?"});
}

TEST_CASE("graph::make_plan checks compatibility rules of the final state; permissive only warns")
{
  auto catalog = plan_catalog();
  auto agent = make({"agent", "1.0.0"});
  agent.extras.edit().compatibility.push_back(manifest::CompatibilityRule{
      "runtime_core", {test::range("^1.0.0"), test::range("~2.5.0")}, SourceLocation{"manifests/agent.yaml", 9, 3}});
  test::add(catalog, std::move(agent));
  const auto installed = installed_of({{"runtime_core", "1.5.0"}, {"agent", "1.0.0"}});

  auto plan =
      graph::make_plan(catalog, installed, request({{"runtime_core", ver("2.0.0"), std::nullopt, 0}}), k_big_machine);
  CHECK_FALSE(plan.feasible);
  CHECK(status_of(plan, "compatibility") == Status::fail);
  CHECK(plan.check("compatibility")->code == ErrorCode::incompatible);
  CHECK(plan.check("compatibility")->details
        == std::vector<std::string>{
            "agent@1.0.0 requires runtime_core at '^1.0.0' or '~2.5.0' (manifests/agent.yaml:9:3), "
            "but it will be at 2.0.0"});

  auto permissive = graph::make_plan(catalog, installed,
                                     request({{"runtime_core", ver("2.0.0"), std::nullopt, 0}}, Validation::permissive),
                                     k_big_machine);
  CHECK(permissive.feasible);
  CHECK(status_of(permissive, "compatibility") == Status::warn);

  CHECK(plan.check("compatibility")->message == "1 of 1 compatibility rule(s) fail in the final state");

  auto fine =
      graph::make_plan(catalog, installed, request({{"runtime_core", ver("1.6.0"), std::nullopt, 0}}), k_big_machine);
  CHECK(status_of(fine, "compatibility") == Status::pass);
  CHECK(fine.check("compatibility")->message == "1 compatibility rule(s) hold in the final state");
}

TEST_CASE("graph::make_plan only warns about a compatibility rule broken before the plan")
{
  auto catalog = plan_catalog();
  auto agent = make({"agent", "1.0.0"});
  agent.extras.edit().compatibility.push_back(
      manifest::CompatibilityRule{"gc_engine", {test::range("^2.0.0")}, SourceLocation{"manifests/agent.yaml", 4, 3}});
  test::add(catalog, std::move(agent));
  const auto installed = installed_of({{"runtime_core", "1.5.0"}, {"gc_engine", "1.3.0"}, {"agent", "1.0.0"}});
  auto plan =
      graph::make_plan(catalog, installed, request({{"runtime_core", ver("1.6.0"), std::nullopt, 0}}), k_big_machine);
  CHECK(plan.feasible);
  CHECK(status_of(plan, "compatibility") == Status::warn);
  CHECK(plan.check("compatibility")->details
        == std::vector<std::string>{"agent@1.0.0 requires gc_engine at '^2.0.0' (manifests/agent.yaml:4:3), but it "
                                    "will be at 1.3.0 (already so before this plan)"});
}

TEST_CASE("graph::make_plan compares resource needs with the machine")
{
  const auto catalog = catalog_from({
      make({"big", "1.0.0"}, Options{true, 6000, 4, 500}),
      make({"small", "1.0.0"}, Options{true, 1000, 2, 100}),
  });
  const auto items =
      std::vector<PlanItem>{{"big", std::nullopt, std::nullopt, 0}, {"small", std::nullopt, std::nullopt, 0}};

  auto roomy = graph::make_plan(catalog, {}, request(items), state::MachineInfo{16000, 8, 10000});
  CHECK(status_of(roomy, "resources") == Status::pass);
  CHECK(roomy.resources.memory_mb == 7000);
  CHECK(roomy.resources.cpu_cores == 4);
  CHECK(roomy.resources.disk_mb == 600);

  auto tight = graph::make_plan(catalog, {}, request(items), state::MachineInfo{7500, 8, 10000});
  CHECK(tight.feasible);
  CHECK(status_of(tight, "resources") == Status::warn);
  CHECK(
      has_line(tight.check("resources")->details, "memory: 7000 MB needed, 7500 MB available: less than 10% headroom"));
  auto strict = graph::make_plan(catalog, {}, request(items, Validation::strict), state::MachineInfo{7500, 8, 10000});
  CHECK_FALSE(strict.feasible);
  CHECK(status_of(strict, "resources") == Status::fail);

  auto short_machine = graph::make_plan(catalog, {}, request(items), state::MachineInfo{16000, 2, 500});
  CHECK_FALSE(short_machine.feasible);
  CHECK(status_of(short_machine, "resources") == Status::fail);
  CHECK(short_machine.check("resources")->code == ErrorCode::insufficient_resources);
  CHECK(has_line(short_machine.check("resources")->details, "cpu: 4 cores needed, 2 cores available"));
  CHECK(has_line(short_machine.check("resources")->details, "disk: 600 MB needed, 500 MB available"));
  auto permissive =
      graph::make_plan(catalog, {}, request(items, Validation::permissive), state::MachineInfo{16000, 2, 500});
  CHECK(permissive.feasible);
  CHECK(status_of(permissive, "resources") == Status::warn);
}

TEST_CASE("graph::make_plan restarts a component that cannot hot-swap whatever the strategy, failing under strict")
{
  const auto catalog = plan_catalog();
  const auto installed = installed_of({{"runtime_core", "1.5.0"}, {"gc_engine", "1.3.0"}});
  const std::vector<graph::PlanItem> items = {{"runtime_core", ver("2.0.0"), std::nullopt, 0},
                                              {"gc_engine", ver("2.0.0"), std::string("canary"), 0}};
  auto plan = graph::make_plan(catalog, installed, request(items, Validation::normal), k_big_machine);
  CHECK(status_of(plan, "hot_swap") == Status::warn);
  const auto& gc = *std::find_if(plan.steps.begin(), plan.steps.end(), [](auto& s) { return s.name == "gc_engine"; });
  CHECK(gc.strategy == "restart");
  CHECK(plan.check("hot_swap")->details
        == std::vector<std::string>{"gc_engine@2.0.0 is not hot-swappable (manifests/gc_engine-2.0.0.yaml:1:1): it "
                                    "will be restarted"});
  auto strict = graph::make_plan(catalog, installed, request(items, Validation::strict), k_big_machine);
  CHECK_FALSE(strict.feasible);
  CHECK(status_of(strict, "hot_swap") == Status::fail);
}

TEST_CASE("graph::make_plan fails a step without an upgrade path, even under permissive validation")
{
  auto catalog = plan_catalog();
  auto blocked = make({"runtime_core", "3.0.0"});
  blocked.upgrade_from.push_back(test::range("^2.0.0"));
  test::add(catalog, std::move(blocked));
  const auto installed = installed_of({{"runtime_core", "1.5.0"}});
  auto plan = graph::make_plan(catalog, installed,
                               request({{"runtime_core", ver("3.0.0"), std::nullopt, 0}}, Validation::permissive),
                               k_big_machine);
  // 1.5.0 -> 2.0.0 -> 3.0.0 exists...
  CHECK(plan.feasible);
  REQUIRE(plan.steps.size() == 1);
  CHECK(plan.steps[0].hops == std::vector<semver::Version>{ver("2.0.0"), ver("3.0.0")});

  // ...until 2.0.0 can no longer be reached from 1.5.0.
  auto closed = catalog_from({make({"runtime_core", "1.5.0"}), make({"runtime_core", "3.0.0"})});
  auto only = make({"runtime_core", "2.0.0"});
  only.upgrade_from.push_back(test::range("^1.8.0"));
  test::add(closed, std::move(only));
  auto refused = graph::make_plan(closed, installed,
                                  request({{"runtime_core", ver("2.0.0"), std::nullopt, 0}}, Validation::permissive),
                                  k_big_machine);
  CHECK_FALSE(refused.feasible);
  CHECK(status_of(refused, "upgrade_path") == Status::fail);
  CHECK(refused.check("upgrade_path")->code == ErrorCode::no_upgrade_path);
  CHECK(refused.check("upgrade_path")->message == "no upgrade path for 'runtime_core' from 1.5.0 to 2.0.0");
}

TEST_CASE("graph::make_plan with nothing to change is feasible and says so")
{
  const auto catalog = plan_catalog();
  auto plan = graph::make_plan(catalog, installed_of({{"runtime_core", "2.0.0"}}),
                               request({{"runtime_core", std::nullopt, std::nullopt, 0}}), k_big_machine);
  CHECK(plan.feasible);
  CHECK(plan.steps.empty());
  CHECK(has_line(plan.notes, "nothing to change"));
  CHECK(has_line(plan.notes, "runtime_core@2.0.0 is already installed and is the newest allowed version"));
  CHECK(plan.checks.size() == 10);
}

TEST_CASE("graph::make_plan warns when an untouched installed version lies outside its constraint")
{
  const auto catalog = plan_catalog();
  auto r = request({{"jit_compiler", ver("2.1.0"), std::nullopt, 0}});
  r.constraints.push_back(graph::Constraint{"gc_engine", test::range("^2.0.0")});
  r.constraints.push_back(graph::Constraint{"runtime_core", test::range("^2.0.0")});
  auto plan = graph::make_plan(catalog, installed_of({{"gc_engine", "1.3.0"}, {"runtime_core", "2.0.0"}}), r,
                               k_big_machine);
  CHECK(status_of(plan, "constraints") == Status::warn);
  CHECK(plan.check("constraints")->details ==
        std::vector<std::string>{"'gc_engine@^2.0.0': installed 1.3.0 lies outside and is left unchanged",
                                 "'runtime_core@^2.0.0': ends at 2.0.0"});
}
