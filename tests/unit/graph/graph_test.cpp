// SPDX-License-Identifier: Apache-2.0
#include <noodle/graph/graph.hpp>

#include "catalog_builder.hpp"

#include <catch2/catch.hpp>

using namespace noodle;
using graph::Direction;
using graph::NodeStatus;
using test::catalog_of;
using test::installed_of;
using test::ver;

namespace {

const graph::DepsNode& node(const graph::DepsResult& r, std::string_view name)
{
  for (const auto& n : r.nodes) {
    if (n.name == name) {
      return n;
    }
  }
  FAIL("no node " << name);
  throw std::logic_error("unreachable");
}

// "child@version" for each child of `n`, in the order given.
std::vector<std::string> children(const graph::DepsResult& r, const graph::DepsNode& n)
{
  std::vector<std::string> out;
  for (auto e : n.children) {
    const auto& child = r.nodes[r.child(e)];
    out.push_back(child.name + "@" + (child.version ? child.version->to_string() : "?"));
  }
  return out;
}

manifest::Catalog sample()
{
  return catalog_of({
      {"runtime_core", "1.2.0"},
      {"runtime_core", "2.0.0"},
      {"runtime_core", "2.1.0"},
      {"runtime_core", "3.0.0-beta.1"},
      {"gc_engine", "1.3.0", {{"runtime_core", "^1.0.0"}}},
      {"gc_engine", "2.0.0", {{"runtime_core", "^2.0.0"}}},
      {"jit_compiler", "2.1.0", {{"runtime_core", ">=2.0.0"}, {"gc_engine", "*"}}},
  });
}

} // namespace

TEST_CASE("graph::dependency_graph resolves dependencies to the installed version when it fits, else the highest")
{
  const auto catalog = sample();
  const auto installed = installed_of({{"gc_engine", "1.3.0"}, {"runtime_core", "1.2.0"}});
  auto r = graph::dependency_graph(catalog, installed, {"jit_compiler", std::nullopt, Direction::dependencies});
  REQUIRE(r);
  const auto& root = r->nodes[r->root];
  CHECK(root.name == "jit_compiler");
  CHECK(root.version == ver("2.1.0"));
  CHECK(root.status == NodeStatus::available);
  // Installed runtime_core 1.2.0 fails >=2.0.0: the highest release that fits.
  CHECK(children(*r, root) == std::vector<std::string>{"gc_engine@1.3.0", "runtime_core@2.1.0"});
  CHECK(node(*r, "gc_engine").status == NodeStatus::installed);
  CHECK(node(*r, "runtime_core").status == NodeStatus::available);
  CHECK(node(*r, "runtime_core").installed == ver("1.2.0"));
  // gc_engine@1.3.0 then wants runtime_core ^1.0.0: the installed 1.2.0 node.
  CHECK(children(*r, node(*r, "gc_engine")) == std::vector<std::string>{"runtime_core@1.2.0"});
  CHECK(r->nodes.size() == 4);

  const auto& edge = r->edges[root.children.back()];
  CHECK(edge.range == ">=2.0.0");
  CHECK(edge.satisfied);
  CHECK(edge.where.to_string() == "manifests/jit_compiler-2.1.0.yaml:5:5");
  CHECK_FALSE(r->has_cycle);
}

TEST_CASE("graph::dependency_graph marks missing and unsatisfied dependencies instead of dropping them")
{
  const auto catalog = catalog_of({
      {"runtime_core", "1.0.0"},
      {"app", "1.0.0", {{"runtime_core", ">=5.0.0"}, {"runtme_core", "*"}}},
  });
  auto r = graph::dependency_graph(catalog, {}, {"app", std::nullopt, Direction::dependencies});
  REQUIRE(r);
  REQUIRE(r->edges.size() == 2);
  CHECK_FALSE(r->edges[0].satisfied);
  CHECK_FALSE(r->edges[1].satisfied);
  const auto& unsat = node(*r, "runtime_core");
  CHECK(unsat.status == NodeStatus::unsatisfied);
  CHECK_FALSE(unsat.version);
  CHECK(unsat.note == "no version satisfies the range; catalog versions: 1.0.0");
  const auto& missing = node(*r, "runtme_core");
  CHECK(missing.status == NodeStatus::missing);
  CHECK(missing.note == "not in the catalog and not installed; did you mean 'runtime_core'?");
}

TEST_CASE("graph::dependency_graph roots at the installed version, else the newest release, else the one asked")
{
  const auto catalog = sample();
  auto latest = graph::dependency_graph(catalog, {}, {"runtime_core", std::nullopt, Direction::dependencies});
  REQUIRE(latest);
  CHECK(latest->nodes[latest->root].version == ver("2.1.0")); // not the 3.0.0 beta

  auto inst = graph::dependency_graph(catalog, installed_of({{"runtime_core", "2.0.0"}}),
                                      {"runtime_core", std::nullopt, Direction::dependencies});
  REQUIRE(inst);
  CHECK(inst->nodes[inst->root].version == ver("2.0.0"));
  CHECK(inst->nodes[inst->root].status == NodeStatus::installed);

  auto asked = graph::dependency_graph(catalog, {}, {"gc_engine", ver("1.3.0"), Direction::dependencies});
  REQUIRE(asked);
  CHECK(children(*asked, asked->nodes[asked->root]) == std::vector<std::string>{"runtime_core@1.2.0"});
}

TEST_CASE("graph::dependency_graph refuses unknown names and versions")
{
  const auto catalog = sample();
  auto name = graph::dependency_graph(catalog, {}, {"jit_compilr", std::nullopt, Direction::dependencies});
  REQUIRE_FALSE(name);
  CHECK(name.error().code == ErrorCode::not_found);
  CHECK(name.error().message == "unknown component 'jit_compilr'");
  CHECK(name.error().details == std::vector<std::string>{"did you mean 'jit_compiler'?"});

  auto version = graph::dependency_graph(catalog, {}, {"gc_engine", ver("9.9.9"), Direction::dependencies});
  REQUIRE_FALSE(version);
  CHECK(version.error().code == ErrorCode::not_found);
  CHECK(version.error().message == "unknown version 'gc_engine@9.9.9'");
  CHECK(version.error().details == std::vector<std::string>{"catalog versions: 1.3.0, 2.0.0"});
}

TEST_CASE("graph::dependency_graph shows an installed version missing from the catalog with unknown dependencies")
{
  const auto catalog = sample();
  auto r = graph::dependency_graph(catalog, installed_of({{"gc_engine", "1.1.0"}}),
                                   {"gc_engine", std::nullopt, Direction::dependencies});
  REQUIRE(r);
  const auto& root = r->nodes[r->root];
  CHECK(root.status == NodeStatus::installed);
  CHECK(root.manifest == nullptr);
  CHECK(root.children.empty());
  CHECK(root.note == "this version has no manifest in the catalog, so its dependencies are unknown");
}

TEST_CASE("graph::dependency_graph keeps a shared dependency as one node")
{
  const auto catalog = catalog_of({
      {"base", "1.0.0"},
      {"left", "1.0.0", {{"base", "^1"}}},
      {"right", "1.0.0", {{"base", "^1"}}},
      {"top", "1.0.0", {{"left", "*"}, {"right", "*"}}},
  });
  auto r = graph::dependency_graph(catalog, {}, {"top", std::nullopt, Direction::dependencies});
  REQUIRE(r);
  CHECK(r->nodes.size() == 4);
  CHECK(r->edges.size() == 4);
  CHECK(node(*r, "left").children.size() == 1);
  CHECK(r->edges[node(*r, "left").children[0]].to == r->edges[node(*r, "right").children[0]].to);
}

TEST_CASE("graph::dependency_graph flags a cycle and still terminates")
{
  const auto catalog = catalog_of({
      {"a", "1.0.0", {{"b", "*"}}},
      {"b", "1.0.0", {{"c", "*"}}},
      {"c", "1.0.0", {{"a", "*"}}},
  });
  auto r = graph::dependency_graph(catalog, {}, {"a", std::nullopt, Direction::dependencies});
  REQUIRE(r);
  CHECK(r->has_cycle);
  CHECK(r->nodes.size() == 3);
  CHECK(r->edges.size() == 3);
}

TEST_CASE("graph::dependency_graph --reverse lists dependents transitively with their ranges")
{
  const auto catalog = sample();
  // gc_engine is installed at 1.3.0, so it is taken at that version.
  const auto installed = installed_of({{"gc_engine", "1.3.0"}, {"runtime_core", "1.2.0"}});
  auto r = graph::dependency_graph(catalog, installed, {"runtime_core", std::nullopt, Direction::dependents});
  REQUIRE(r);
  CHECK(r->direction == Direction::dependents);
  const auto& root = r->nodes[r->root];
  CHECK(root.version == ver("1.2.0"));
  CHECK(children(*r, root) == std::vector<std::string>{"gc_engine@1.3.0", "jit_compiler@2.1.0"});
  for (auto e : root.children) {
    const auto& edge = r->edges[e];
    CHECK(edge.to == r->root);
    if (r->nodes[edge.from].name == "gc_engine") {
      CHECK(edge.range == "^1.0.0");
      CHECK(edge.satisfied);
    } else {
      CHECK(edge.range == ">=2.0.0");
      CHECK_FALSE(edge.satisfied); // jit_compiler wants more than the installed 1.2.0
    }
  }
  // Transitively: jit_compiler also depends on gc_engine.
  CHECK(children(*r, node(*r, "gc_engine")) == std::vector<std::string>{"jit_compiler@2.1.0"});
  CHECK(children(*r, node(*r, "jit_compiler")).empty());
}

TEST_CASE("graph::dependency_graph --reverse shows who asks for a component nobody provides")
{
  const auto catalog = catalog_of({{"app", "1.0.0", {{"ghost", "^1"}}}});
  auto r = graph::dependency_graph(catalog, {}, {"ghost", std::nullopt, Direction::dependents});
  REQUIRE(r);
  CHECK(r->nodes[r->root].status == NodeStatus::missing);
  CHECK(children(*r, r->nodes[r->root]) == std::vector<std::string>{"app@1.0.0"});
  CHECK_FALSE(r->edges[0].satisfied);
}

TEST_CASE("graph::dependency_graph walks a 100000-long chain without recursion")
{
  constexpr int k_length = 100000;
  const auto catalog = test::chain_catalog(k_length);
  auto r = graph::dependency_graph(catalog, {}, {"c0", std::nullopt, Direction::dependencies});
  REQUIRE(r);
  CHECK(r->nodes.size() == k_length);
  CHECK(r->edges.size() == k_length - 1);
  CHECK_FALSE(r->has_cycle);
}
