// SPDX-License-Identifier: Apache-2.0
#include "support/files.hpp"

#include <noodle/graph/resolver.hpp>

#include "catalog_builder.hpp"

#include <catch2/catch.hpp>
#include <fmt/format.h>

#include <algorithm>

using namespace noodle;
using graph::AllowDowngrade;
using graph::ChangeReason;
using graph::Request;
using graph::ResolveOptions;
using test::catalog_of;
using test::installed_of;
using test::ver;

namespace {

using noodle::test::has_line;

// "name from->to" for each change, in order.
std::vector<std::string> summary(const graph::Resolution& r)
{
  std::vector<std::string> out;
  for (const auto& c : r.changes) {
    out.push_back(c.name + " " + (c.from ? c.from->to_string() : "-") + "->" + c.to.to_string());
  }
  return out;
}

const graph::Change& change(const graph::Resolution& r, std::string_view name)
{
  auto it = std::find_if(r.changes.begin(), r.changes.end(), [&](const auto& c) { return c.name == name; });
  REQUIRE(it != r.changes.end());
  return *it;
}

manifest::Catalog runtime_catalog()
{
  return catalog_of({
      {"runtime_core", "1.0.0"},
      {"runtime_core", "1.5.0"},
      {"runtime_core", "2.0.0"},
      {"runtime_core", "2.2.0"},
      {"gc_engine", "1.3.0", {{"runtime_core", "^1.0.0"}}},
      {"gc_engine", "1.4.0", {{"runtime_core", "^1.2.0"}}},
      {"gc_engine", "2.0.0", {{"runtime_core", "^2.0.0"}}},
      {"jit_compiler", "1.0.0", {{"runtime_core", "^1.0.0"}}},
      {"jit_compiler", "2.1.0", {{"runtime_core", ">=2.0.0"}}},
  });
}

} // namespace

TEST_CASE("graph::resolve installs missing dependencies first and says who requires them")
{
  const auto catalog = runtime_catalog();
  auto r = graph::resolve(catalog, {}, {Request{"jit_compiler", ver("2.1.0"), 0}}, {});
  REQUIRE(r);
  CHECK(summary(*r) == std::vector<std::string>{"runtime_core -->2.2.0", "jit_compiler -->2.1.0"});
  const auto& core = change(*r, "runtime_core");
  CHECK(core.reason == ChangeReason::dependency);
  CHECK(core.explanation() == "required by jit_compiler@2.1.0 (range >=2.0.0, manifests/jit_compiler-2.1.0.yaml:5:5)");
  CHECK(core.manifest == catalog.find("runtime_core", ver("2.2.0")));
  CHECK(change(*r, "jit_compiler").reason == ChangeReason::requested);
  CHECK(change(*r, "jit_compiler").explanation() == "requested");
}

TEST_CASE("graph::resolve keeps an installed dependency that satisfies the range")
{
  const auto catalog = runtime_catalog();
  auto r = graph::resolve(catalog, installed_of({{"runtime_core", "2.0.0"}}),
                          {Request{"jit_compiler", ver("2.1.0"), 0}}, {});
  REQUIRE(r);
  CHECK(summary(*r) == std::vector<std::string>{"jit_compiler -->2.1.0"});
}

TEST_CASE("graph::resolve upgrades an installed dependency that fails the range")
{
  const auto catalog = runtime_catalog();
  auto r = graph::resolve(catalog, installed_of({{"runtime_core", "1.5.0"}, {"jit_compiler", "1.0.0"}}),
                          {Request{"jit_compiler", ver("2.1.0"), 0}}, {});
  REQUIRE(r);
  CHECK(summary(*r) == std::vector<std::string>{"runtime_core 1.5.0->2.2.0", "jit_compiler 1.0.0->2.1.0"});
  CHECK(change(*r, "runtime_core").explanation()
        == "required by jit_compiler@2.1.0 (range >=2.0.0, manifests/jit_compiler-2.1.0.yaml:5:5)");
}

TEST_CASE("graph::resolve moves an installed dependent that rejects a dependency's new version")
{
  const auto catalog = runtime_catalog();
  const auto installed = installed_of({{"runtime_core", "1.5.0"}, {"gc_engine", "1.3.0"}});
  auto r = graph::resolve(catalog, installed, {Request{"runtime_core", ver("2.0.0"), 0}}, {});
  REQUIRE(r);
  CHECK(summary(*r) == std::vector<std::string>{"runtime_core 1.5.0->2.0.0", "gc_engine 1.3.0->2.0.0"});
  const auto& gc = change(*r, "gc_engine");
  CHECK(gc.reason == ChangeReason::dependent);
  CHECK(gc.explanation()
        == "runtime_core changes to 2.0.0, but installed gc_engine@1.3.0 requires runtime_core "
           "^1.0.0 (manifests/gc_engine-1.3.0.yaml:5:5)");
}

TEST_CASE("graph::resolve explains a dependent that no version can reconcile")
{
  auto catalog = catalog_of({
      {"runtime_core", "1.5.0"},
      {"runtime_core", "2.0.0"},
      {"gc_engine", "1.3.0", {{"runtime_core", "^1.0.0"}}},
      {"gc_engine", "1.4.0", {{"runtime_core", "^1.2.0"}}},
  });
  const auto installed = installed_of({{"runtime_core", "1.5.0"}, {"gc_engine", "1.3.0"}});
  auto r = graph::resolve(catalog, installed, {Request{"runtime_core", ver("2.0.0"), 0}}, {});
  REQUIRE_FALSE(r);
  CHECK(r.error().code == ErrorCode::unsatisfiable);
  CHECK(r.error().message == "no version of 'gc_engine' accepts runtime_core@2.0.0");
  REQUIRE(r.error().where);
  CHECK(r.error().where->to_string() == "manifests/gc_engine-1.3.0.yaml:5:5");
  const auto& d = r.error().details;
  CHECK(has_line(d, "installed gc_engine@1.3.0 requires 'runtime_core' ^1.0.0 (manifests/gc_engine-1.3.0.yaml:5:5)"));
  CHECK(has_line(d, "runtime_core changes to 2.0.0: requested"));
  CHECK(has_line(d, "gc_engine@1.4.0 requires 'runtime_core' ^1.2.0 (manifests/gc_engine-1.4.0.yaml:5:5)"));
}

TEST_CASE("graph::resolve names the constraint that keeps a dependent from moving")
{
  const auto catalog = runtime_catalog();
  const auto installed = installed_of({{"runtime_core", "1.5.0"}, {"gc_engine", "1.3.0"}});
  auto r = graph::resolve(catalog, installed, {Request{"runtime_core", ver("2.0.0"), 0}},
                          ResolveOptions{{graph::Constraint{"gc_engine", test::range("<2")}}, AllowDowngrade::no});
  REQUIRE_FALSE(r);
  CHECK(r.error().message == "no version of 'gc_engine' accepts runtime_core@2.0.0");
  CHECK(has_line(r.error().details, "gc_engine@2.0.0 is excluded: constraint 'gc_engine@<2'"));
  CHECK(has_line(r.error().details,
                 "gc_engine@1.4.0 requires 'runtime_core' ^1.2.0 (manifests/gc_engine-1.4.0.yaml:5:5)"));
  CHECK(has_line(r.error().details, "constraint 'gc_engine@<2'"));
}

TEST_CASE("graph::resolve prefers a dependency version the installed dependents still accept")
{
  const auto catalog = catalog_of({
      {"runtime_core", "1.0.0"},
      {"runtime_core", "2.0.0"},
      {"runtime_core", "3.0.0"},
      {"gc_engine", "1.0.0", {{"runtime_core", "<3.0.0"}}},
      {"app", "1.0.0", {{"runtime_core", ">=2.0.0"}}},
  });
  const auto installed = installed_of({{"runtime_core", "1.0.0"}, {"gc_engine", "1.0.0"}});
  auto r = graph::resolve(catalog, installed, {Request{"app", std::nullopt, 0}}, {});
  REQUIRE(r);
  // 3.0.0 would break gc_engine, which has nowhere to go.
  CHECK(summary(*r) == std::vector<std::string>{"runtime_core 1.0.0->2.0.0", "app -->1.0.0"});
}

TEST_CASE("graph::resolve reports a dependency on an unknown component with its location")
{
  const auto catalog = catalog_of({{"app", "1.0.0", {{"runtime_cor", "^1.0.0"}}}, {"runtime_core", "1.0.0"}});
  auto r = graph::resolve(catalog, {}, {Request{"app", std::nullopt, 0}}, {});
  REQUIRE_FALSE(r);
  CHECK(r.error().code == ErrorCode::missing_dependency);
  CHECK(r.error().message == "'app@1.0.0' depends on unknown component 'runtime_cor'");
  REQUIRE(r.error().where);
  CHECK(r.error().where->to_string() == "manifests/app-1.0.0.yaml:5:5");
  CHECK(has_line(r.error().details, "did you mean 'runtime_core'?"));
  CHECK(has_line(r.error().details, "'app@1.0.0' is chosen because: requested (newest allowed version)"));
}

TEST_CASE("graph::resolve lists every demand when no version satisfies them all")
{
  const auto catalog = catalog_of({
      {"runtime_core", "1.0.0"},
      {"runtime_core", "2.0.0"},
      {"left", "1.0.0", {{"runtime_core", "^1.0.0"}}},
      {"right", "1.0.0", {{"runtime_core", "^2.0.0"}}},
      {"app", "1.0.0", {{"left", "*"}, {"right", "*"}}},
  });
  auto r = graph::resolve(catalog, {}, {Request{"app", std::nullopt, 0}}, {});
  REQUIRE_FALSE(r);
  CHECK(r.error().code == ErrorCode::unsatisfiable);
  CHECK(r.error().message == "no version of 'runtime_core' satisfies every demand");
  const auto& d = r.error().details;
  CHECK(has_line(d, "required by left@1.0.0: 'runtime_core' ^1.0.0 (manifests/left-1.0.0.yaml:5:5)"));
  CHECK(has_line(d, "required by right@1.0.0: 'runtime_core' ^2.0.0 (manifests/right-1.0.0.yaml:5:5)"));
  CHECK(has_line(d, "catalog versions of 'runtime_core': 1.0.0, 2.0.0"));
}

TEST_CASE("graph::resolve reports a dependency cycle as a -> b -> c -> a")
{
  const auto catalog = catalog_of({
      {"b", "1.0.0", {{"c", "*"}}},
      {"c", "1.0.0", {{"a", "*"}}},
      {"a", "1.0.0", {{"b", "*"}}},
      {"top", "1.0.0", {{"c", "*"}}},
  });
  auto r = graph::resolve(catalog, {}, {Request{"top", std::nullopt, 0}}, {});
  REQUIRE_FALSE(r);
  CHECK(r.error().code == ErrorCode::dependency_cycle);
  CHECK(r.error().message == "dependency cycle: a -> b -> c -> a");
  CHECK(has_line(r.error().details, "a@1.0.0 requires 'b' * (manifests/a-1.0.0.yaml:5:5)"));
  CHECK(r.error().details.size() == 3);
}

TEST_CASE("graph::resolve reports a self-dependency as a cycle")
{
  const auto catalog = catalog_of({{"a", "1.0.0", {{"a", "*"}}}});
  auto r = graph::resolve(catalog, {}, {Request{"a", std::nullopt, 0}}, {});
  REQUIRE_FALSE(r);
  CHECK(r.error().code == ErrorCode::dependency_cycle);
  CHECK(r.error().message == "dependency cycle: a -> a");
}

TEST_CASE("graph::resolve refuses unknown requested components and versions")
{
  const auto catalog = runtime_catalog();
  auto name = graph::resolve(catalog, {}, {Request{"gc_engin", std::nullopt, 0}}, {});
  REQUIRE_FALSE(name);
  CHECK(name.error().code == ErrorCode::not_found);
  CHECK(name.error().message == "unknown component 'gc_engin'");
  CHECK(name.error().details == std::vector<std::string>{"did you mean 'gc_engine'?"});

  auto version = graph::resolve(catalog, {}, {Request{"gc_engine", ver("3.0.0"), 0}}, {});
  REQUIRE_FALSE(version);
  CHECK(version.error().code == ErrorCode::not_found);
  CHECK(version.error().message == "unknown version 'gc_engine@3.0.0'");
  CHECK(version.error().details == std::vector<std::string>{"catalog versions of 'gc_engine': 1.3.0, 1.4.0, 2.0.0"});

  auto constraint =
      graph::resolve(catalog, {}, {Request{"gc_engine", std::nullopt, 0}},
                     ResolveOptions{{graph::Constraint{"runtime_cre", test::range("^1")}}, AllowDowngrade::no});
  REQUIRE_FALSE(constraint);
  CHECK(constraint.error().code == ErrorCode::not_found);
  CHECK(constraint.error().message == "constraint names unknown component 'runtime_cre'");
}

TEST_CASE("graph::resolve refuses a downgrade unless allowed")
{
  const auto catalog = runtime_catalog();
  const auto installed = installed_of({{"runtime_core", "2.0.0"}});
  auto refused = graph::resolve(catalog, installed, {Request{"runtime_core", ver("1.5.0"), 0}}, {});
  REQUIRE_FALSE(refused);
  CHECK(refused.error().code == ErrorCode::downgrade_refused);
  CHECK(refused.error().message == "requested 'runtime_core@1.5.0' is older than the installed version 2.0.0");

  auto allowed = graph::resolve(catalog, installed, {Request{"runtime_core", ver("1.5.0"), 0}},
                                ResolveOptions{{}, AllowDowngrade::yes});
  REQUIRE(allowed);
  CHECK(summary(*allowed) == std::vector<std::string>{"runtime_core 2.0.0->1.5.0"});
}

TEST_CASE("graph::resolve refuses a dependency downgrade forced by a demand")
{
  const auto catalog = runtime_catalog();
  const auto installed = installed_of({{"runtime_core", "2.0.0"}});
  auto r = graph::resolve(catalog, installed, {Request{"jit_compiler", ver("1.0.0"), 0}}, {});
  REQUIRE_FALSE(r);
  CHECK(r.error().code == ErrorCode::downgrade_refused);
  CHECK(r.error().message == "'runtime_core' would have to be downgraded from 2.0.0 to 1.5.0");
  CHECK(has_line(r.error().details,
                 "required by jit_compiler@1.0.0: 'runtime_core' ^1.0.0 (manifests/jit_compiler-1.0.0.yaml:5:5)"));
}

TEST_CASE("graph::resolve chooses dependency versions inside the user's constraints")
{
  const auto catalog = runtime_catalog();
  auto r =
      graph::resolve(catalog, {}, {Request{"jit_compiler", ver("2.1.0"), 0}},
                     ResolveOptions{{graph::Constraint{"runtime_core", test::range("~2.0.0")}}, AllowDowngrade::no});
  REQUIRE(r);
  CHECK(summary(*r) == std::vector<std::string>{"runtime_core -->2.0.0", "jit_compiler -->2.1.0"});

  auto conflict =
      graph::resolve(catalog, {}, {Request{"runtime_core", ver("2.2.0"), 0}},
                     ResolveOptions{{graph::Constraint{"runtime_core", test::range("<2.0.0")}}, AllowDowngrade::no});
  REQUIRE_FALSE(conflict);
  CHECK(conflict.error().code == ErrorCode::unsatisfiable);
  CHECK(has_line(conflict.error().details, "requested at version 2.2.0"));
  CHECK(has_line(conflict.error().details, "constraint 'runtime_core@<2.0.0'"));
}

TEST_CASE("graph::resolve takes the newest release for an unversioned request and notes what is already there")
{
  auto catalog = runtime_catalog();
  test::add(catalog, test::manifest_of({"runtime_core", "3.0.0-rc.1"}));
  auto r = graph::resolve(catalog, installed_of({{"runtime_core", "1.0.0"}}),
                          {Request{"runtime_core", std::nullopt, 0}}, {});
  REQUIRE(r);
  CHECK(summary(*r) == std::vector<std::string>{"runtime_core 1.0.0->2.2.0"});
  CHECK(change(*r, "runtime_core").explanation() == "requested (newest allowed version)");

  auto same = graph::resolve(catalog, installed_of({{"runtime_core", "2.2.0"}}),
                             {Request{"runtime_core", std::nullopt, 0}}, {});
  REQUIRE(same);
  CHECK(same->changes.empty());
  CHECK(same->notes
        == std::vector<std::string>{"runtime_core@2.2.0 is already installed and is the newest allowed version"});

  auto pinned = graph::resolve(catalog, installed_of({{"runtime_core", "2.2.0"}}),
                               {Request{"runtime_core", ver("2.2.0"), 0}}, {});
  REQUIRE(pinned);
  CHECK(pinned->changes.empty());
  CHECK(pinned->notes == std::vector<std::string>{"runtime_core@2.2.0 is already installed"});

  auto pre = graph::resolve(catalog, {}, {Request{"runtime_core", ver("3.0.0-rc.1"), 0}}, {});
  REQUIRE(pre);
  CHECK(summary(*pre) == std::vector<std::string>{"runtime_core -->3.0.0-rc.1"});
}

TEST_CASE("graph::resolve orders independent changes by priority, then by name")
{
  const auto catalog = catalog_of({
      {"alpha", "1.0.0"},
      {"beta", "1.0.0"},
      {"gamma", "1.0.0", {{"delta", "*"}}},
      {"delta", "1.0.0"},
  });
  auto r = graph::resolve(
      catalog, {},
      {Request{"alpha", std::nullopt, 0}, Request{"beta", std::nullopt, 0}, Request{"gamma", std::nullopt, 5}}, {});
  REQUIRE(r);
  // delta inherits gamma's priority and must precede it.
  CHECK(summary(*r) == std::vector<std::string>{"delta -->1.0.0", "gamma -->1.0.0", "alpha -->1.0.0", "beta -->1.0.0"});
  CHECK(change(*r, "delta").priority == 5);
  CHECK(change(*r, "alpha").priority == 0);
}

namespace {

// base 1.0.0 and 2.0.0; app 1.0.0 needs base ^1.0.0 and app 2.0.0 base
// ^2.0.0; zeta needs any base; lone needs nothing. base and app are
// installed at 1.0.0.
manifest::Catalog base_app_catalog()
{
  return catalog_of({
      {"zeta", "1.0.0", {{"base", "*"}}},
      {"base", "1.0.0"},
      {"base", "2.0.0"},
      {"app", "1.0.0", {{"base", "^1.0.0"}}},
      {"app", "2.0.0", {{"base", "^2.0.0"}}},
      {"lone", "1.0.0"},
  });
}

state::InstalledState base_app_installed()
{
  return installed_of({{"base", "1.0.0"}, {"app", "1.0.0"}});
}

} // namespace

TEST_CASE("graph::resolve gives every change priority 0 when no request has one, and orders by name")
{
  const auto catalog = base_app_catalog();
  const auto installed = base_app_installed();
  auto r = graph::resolve(
      catalog, installed,
      {Request{"zeta", std::nullopt, 0}, Request{"lone", std::nullopt, 0}, Request{"base", ver("2.0.0"), 0}}, {});
  REQUIRE(r);
  // base first (both others need it), then by name; app follows base as an
  // installed dependent.
  CHECK(summary(*r)
        == std::vector<std::string>{"base 1.0.0->2.0.0", "app 1.0.0->2.0.0", "lone -->1.0.0", "zeta -->1.0.0"});
  for (const auto& c : r->changes) {
    CHECK(c.priority == 0);
  }
}

TEST_CASE("graph::resolve gives an installed dependent the priority of the change that moved it")
{
  const auto catalog = base_app_catalog();
  const auto installed = base_app_installed();
  auto r = graph::resolve(catalog, installed, {Request{"lone", std::nullopt, 3}, Request{"base", ver("2.0.0"), 7}}, {});
  REQUIRE(r);
  // app moves because base's new version is outside its range: it follows
  // base's 7, ahead of lone's 3.
  CHECK(summary(*r) == std::vector<std::string>{"base 1.0.0->2.0.0", "app 1.0.0->2.0.0", "lone -->1.0.0"});
  CHECK(change(*r, "app").reason == ChangeReason::dependent);
  CHECK(change(*r, "app").priority == 7);
  CHECK(change(*r, "lone").priority == 3);
}

TEST_CASE("graph::resolve orders changes through an unchanged component between them")
{
  const auto catalog = catalog_of({
      {"base", "1.0.0"},
      {"base", "2.0.0"},
      {"middle", "1.0.0", {{"base", "*"}}},
      {"app", "1.0.0", {{"middle", "*"}}},
      {"app", "2.0.0", {{"middle", "*"}}},
  });
  const auto installed = installed_of({{"base", "1.0.0"}, {"middle", "1.0.0"}, {"app", "1.0.0"}});
  auto r =
      graph::resolve(catalog, installed, {Request{"app", ver("2.0.0"), -3}, Request{"base", ver("2.0.0"), -9}}, {});
  REQUIRE(r);
  // app goes first by priority alone, but it reaches base through middle.
  CHECK(summary(*r) == std::vector<std::string>{"base 1.0.0->2.0.0", "app 1.0.0->2.0.0"});
  CHECK(change(*r, "base").priority == -9);
}

TEST_CASE("graph::resolve rejects two requests for different versions of one component")
{
  const auto catalog = runtime_catalog();
  auto r = graph::resolve(catalog, {},
                          {Request{"runtime_core", ver("1.0.0"), 0}, Request{"runtime_core", ver("2.0.0"), 0}}, {});
  REQUIRE_FALSE(r);
  CHECK(r.error().code == ErrorCode::unsatisfiable);
  CHECK(r.error().message == "conflicting requests for 'runtime_core': 1.0.0 and 2.0.0");
}

TEST_CASE("graph::resolve handles a 100000-long dependency chain without deep recursion, filling every change")
{
  // Above the size from which the changes are filled by two threads.
  constexpr int k_length = 100000;
  const auto catalog = test::chain_catalog(k_length);
  auto r = graph::resolve(catalog, {}, {Request{"c0", std::nullopt, 0}}, {});
  REQUIRE(r);
  REQUIRE(r->changes.size() == k_length);
  CHECK(r->changes.front().name == "c99999");
  CHECK(r->changes.back().name == "c0");
  CHECK(r->changes[1].explanation() == "required by c99997@1.0.0 (range ^1.0.0, manifests/c99997-1.0.0.yaml:5:5)");
  std::size_t wrong = 0;
  for (int k = 0; k < k_length; ++k) {
    const auto& c = r->changes[static_cast<std::size_t>(k)];
    const int component = k_length - 1 - k;
    const bool requested = component == 0;
    const std::string why = requested
                                ? "requested (newest allowed version)"
                                : fmt::format("required by c{}@1.0.0 (range ^1.0.0, manifests/c{}-1.0.0.yaml:5:5)",
                                              component - 1, component - 1);
    const bool right = c.name == fmt::format("c{}", component) && !c.from && c.to == ver("1.0.0")
                       && c.manifest == catalog.find(c.name, c.to) && c.priority == 0
                       && c.reason == (requested ? ChangeReason::requested : ChangeReason::dependency)
                       && c.explanation() == why;
    if (!right) {
      ++wrong;
      UNSCOPED_INFO("change " << k << ": " << c.name << " " << c.explanation());
    }
  }
  CHECK(wrong == 0);
}

TEST_CASE("graph::resolve explains an upgrade by the demands the installed version fails")
{
  const auto catalog = catalog_of({
      {"runtime_core", "1.5.0"},
      {"runtime_core", "2.0.0"},
      {"logger", "1.0.0", {{"runtime_core", "*"}}},
      {"jit_compiler", "2.1.0", {{"runtime_core", ">=2.0.0"}}},
  });
  auto r = graph::resolve(catalog, installed_of({{"runtime_core", "1.5.0"}}),
                          {Request{"logger", std::nullopt, 0}, Request{"jit_compiler", std::nullopt, 0}}, {});
  REQUIRE(r);
  CHECK(summary(*r)
        == std::vector<std::string>{"runtime_core 1.5.0->2.0.0", "jit_compiler -->2.1.0", "logger -->1.0.0"});
  // logger's "*" accepts the installed 1.5.0, so it is no reason to move.
  CHECK(change(*r, "runtime_core").explanation()
        == "required by jit_compiler@2.1.0 (range >=2.0.0, manifests/jit_compiler-2.1.0.yaml:5:5)");
}

TEST_CASE("graph::resolve notes installed components whose manifests the catalog lacks")
{
  const auto catalog = runtime_catalog();
  const auto installed = installed_of({{"runtime_core", "1.0.0"}, {"legacy_tool", "0.9.0"}});
  auto r = graph::resolve(catalog, installed, {Request{"runtime_core", ver("1.5.0"), 0}}, {});
  REQUIRE(r);
  CHECK(summary(*r) == std::vector<std::string>{"runtime_core 1.0.0->1.5.0"});
  CHECK(r->notes == std::vector<std::string>{"installed legacy_tool@0.9.0 has no manifest in the catalog, so what it "
                                             "depends on was not checked"});

  auto unknown = graph::resolve(catalog, installed, {Request{"legacy_tool", std::nullopt, 0}}, {});
  REQUIRE_FALSE(unknown);
  CHECK(unknown.error().code == ErrorCode::not_found);
  CHECK(unknown.error().message == "component 'legacy_tool' has no manifest in the catalog");
}

TEST_CASE("graph::resolve keeps an installed dependency missing from the catalog when it satisfies the range")
{
  const auto catalog = catalog_of({{"app", "1.0.0", {{"vendor_lib", "^2.0.0"}}}});
  auto kept = graph::resolve(catalog, installed_of({{"vendor_lib", "2.3.0"}}), {Request{"app", std::nullopt, 0}}, {});
  REQUIRE(kept);
  CHECK(summary(*kept) == std::vector<std::string>{"app -->1.0.0"});

  auto refused =
      graph::resolve(catalog, installed_of({{"vendor_lib", "1.0.0"}}), {Request{"app", std::nullopt, 0}}, {});
  REQUIRE_FALSE(refused);
  CHECK(refused.error().code == ErrorCode::unsatisfiable);
  CHECK(has_line(refused.error().details, "catalog versions of 'vendor_lib': none"));
  CHECK(has_line(refused.error().details, "installed version: 1.0.0"));
}

TEST_CASE("graph::resolve explains a new dependency by every component that demands it")
{
  const auto catalog = catalog_of({
      {"base", "1.0.0"},
      {"base", "2.0.0"},
      {"tool", "1.0.0", {{"base", "^2.0.0"}}},
      {"app", "1.0.0", {{"base", "*"}, {"tool", "*"}}},
  });
  auto r = graph::resolve(catalog, {}, {Request{"app", std::nullopt, 0}}, {});
  REQUIRE(r);
  CHECK(summary(*r) == std::vector<std::string>{"base -->2.0.0", "tool -->1.0.0", "app -->1.0.0"});
  CHECK(change(*r, "base").explanation() ==
        "required by app@1.0.0 (range *, manifests/app-1.0.0.yaml:5:5); required by tool@1.0.0 (range ^2.0.0, "
        "manifests/tool-1.0.0.yaml:5:5)");
}

TEST_CASE("graph::resolve drops a new install that a later choice no longer needs")
{
  // a@2.0.0 is chosen first and pulls in helper; then b demands a <2.0.0,
  // a moves to 1.0.0, and helper is needed by nothing.
  const auto catalog = catalog_of({
      {"helper", "1.0.0"},
      {"a", "1.0.0"},
      {"a", "2.0.0", {{"helper", "*"}}},
      {"b", "1.0.0", {{"a", "<2.0.0"}}},
      {"x", "1.0.0", {{"a", "*"}, {"b", "*"}}},
  });
  auto r = graph::resolve(catalog, {}, {Request{"x", std::nullopt, 0}}, {});
  REQUIRE(r);
  CHECK(summary(*r) == std::vector<std::string>{"a -->1.0.0", "b -->1.0.0", "x -->1.0.0"});
  CHECK(change(*r, "a").explanation() == "required by x@1.0.0 (range *, manifests/x-1.0.0.yaml:5:5); required by "
                                       "b@1.0.0 (range <2.0.0, manifests/b-1.0.0.yaml:5:5)");
}
