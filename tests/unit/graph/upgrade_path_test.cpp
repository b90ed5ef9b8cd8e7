// SPDX-License-Identifier: Apache-2.0
#include "support/files.hpp"

#include <noodle/graph/upgrade_path.hpp>

#include "catalog_builder.hpp"

#include <catch2/catch.hpp>

#include <algorithm>

using namespace noodle;
using graph::AllowDowngrade;
using test::ver;

namespace {

using noodle::test::has_line;

struct VersionSpec {
  std::string version;
  std::vector<std::string> upgrade_from = {};
  bool required_stop = false;
};

manifest::Catalog component(const std::vector<VersionSpec>& specs)
{
  manifest::Catalog catalog;
  for (const auto& s : specs) {
    auto m = test::manifest_of({"engine", s.version});
    for (const auto& r : s.upgrade_from) {
      m.upgrade_from.push_back(test::range(r));
    }
    m.required_stop = s.required_stop;
    test::add(catalog, std::move(m));
  }
  return catalog;
}

std::vector<std::string> route(const graph::UpgradePath& path)
{
  std::vector<std::string> out;
  for (const auto& hop : path.hops) {
    out.push_back(hop.to.to_string());
  }
  return out;
}

} // namespace

TEST_CASE("graph::find_upgrade_path hops directly when upgrade_from is empty")
{
  const auto catalog = component({{"1.0.0"}, {"1.1.0"}, {"2.0.0"}});
  auto p = graph::find_upgrade_path(catalog, "engine", ver("1.0.0"), ver("2.0.0"));
  REQUIRE(p);
  CHECK(route(*p) == std::vector<std::string>{"2.0.0"});
  CHECK(p->hops[0].from == ver("1.0.0"));
  CHECK(p->hops[0].manifest == catalog.find("engine", ver("2.0.0")));
  CHECK_FALSE(p->downgrade);
}

TEST_CASE("graph::find_upgrade_path takes the fewest hops, then the highest version at each step")
{
  // 3.0.0 accepts only 2.x; both 2.0.0 and 2.1.0 accept 1.x: two hops,
  // through the higher 2.1.0.
  const auto catalog =
      component({{"1.0.0"}, {"1.5.0"}, {"2.0.0", {"^1.0.0"}}, {"2.1.0", {"^1.0.0"}}, {"3.0.0", {"^2.0.0"}}});
  auto p = graph::find_upgrade_path(catalog, "engine", ver("1.0.0"), ver("3.0.0"));
  REQUIRE(p);
  CHECK(route(*p) == std::vector<std::string>{"2.1.0", "3.0.0"});
}

TEST_CASE("graph::find_upgrade_path stops on every required stop it would cross")
{
  const auto catalog =
      component({{"1.0.0"}, {"1.1.0"}, {"2.0.0", {}, true}, {"2.5.0"}, {"3.0.0", {}, true}, {"4.0.0"}});
  auto p = graph::find_upgrade_path(catalog, "engine", ver("1.0.0"), ver("4.0.0"));
  REQUIRE(p);
  CHECK(route(*p) == std::vector<std::string>{"2.0.0", "3.0.0", "4.0.0"});

  // Landing exactly on a required stop is fine, and starting on one too.
  auto to_stop = graph::find_upgrade_path(catalog, "engine", ver("1.0.0"), ver("2.0.0"));
  REQUIRE(to_stop);
  CHECK(route(*to_stop) == std::vector<std::string>{"2.0.0"});
  auto from_stop = graph::find_upgrade_path(catalog, "engine", ver("2.0.0"), ver("2.5.0"));
  REQUIRE(from_stop);
  CHECK(route(*from_stop) == std::vector<std::string>{"2.5.0"});
}

TEST_CASE("graph::find_upgrade_path never stops on a prerelease in between")
{
  const auto catalog = component({{"1.0.0"},
                                  {"2.0.0-rc.1", {"^1.0.0"}},
                                  {"2.0.0", {"^1.0.0"}},
                                  {"3.0.0-beta.1", {}, true},
                                  {"3.0.0", {">=2.0.0-0 <3.0.0"}}});
  auto p = graph::find_upgrade_path(catalog, "engine", ver("1.0.0"), ver("3.0.0"));
  REQUIRE(p);
  CHECK(route(*p) == std::vector<std::string>{"2.0.0", "3.0.0"});

  // A prerelease target is fine.
  auto pre = graph::find_upgrade_path(catalog, "engine", ver("1.0.0"), ver("2.0.0-rc.1"));
  REQUIRE(pre);
  CHECK(route(*pre) == std::vector<std::string>{"2.0.0-rc.1"});
}

TEST_CASE("graph::find_upgrade_path starts from a version the catalog does not list")
{
  const auto catalog = component({{"1.0.0"}, {"2.0.0", {">=1.2.0 <2.0.0"}}});
  auto p = graph::find_upgrade_path(catalog, "engine", ver("1.3.7"), ver("2.0.0"));
  REQUIRE(p);
  CHECK(route(*p) == std::vector<std::string>{"2.0.0"});
  CHECK(p->hops[0].from == ver("1.3.7"));
}

TEST_CASE("graph::find_upgrade_path gives an empty path when already there")
{
  const auto catalog = component({{"1.0.0"}});
  auto p = graph::find_upgrade_path(catalog, "engine", ver("1.0.0"), ver("1.0.0"));
  REQUIRE(p);
  CHECK(p->hops.empty());
}

TEST_CASE("graph::find_upgrade_path refuses going down unless permitted, then hops straight")
{
  const auto catalog = component({{"1.0.0"}, {"1.5.0", {}, true}, {"2.0.0"}});
  auto refused = graph::find_upgrade_path(catalog, "engine", ver("2.0.0"), ver("1.0.0"));
  REQUIRE_FALSE(refused);
  CHECK(refused.error().code == ErrorCode::downgrade_refused);
  CHECK(refused.error().message == "'engine' would go down from 2.0.0 to 1.0.0");

  auto allowed = graph::find_upgrade_path(catalog, "engine", ver("2.0.0"), ver("1.0.0"), AllowDowngrade::yes);
  REQUIRE(allowed);
  CHECK(allowed->downgrade);
  CHECK(route(*allowed) == std::vector<std::string>{"1.0.0"});
}

TEST_CASE("graph::find_upgrade_path explains which upgrade_from blocks the route")
{
  const auto catalog = component({{"1.0.0"}, {"1.1.0", {"^1.0.0"}}, {"3.0.0", {"^2.0.0"}}});
  auto p = graph::find_upgrade_path(catalog, "engine", ver("1.0.0"), ver("3.0.0"));
  REQUIRE_FALSE(p);
  CHECK(p.error().code == ErrorCode::no_upgrade_path);
  CHECK(p.error().message == "no upgrade path for 'engine' from 1.0.0 to 3.0.0");
  REQUIRE(p.error().where);
  CHECK(p.error().where->to_string() == "manifests/engine-3.0.0.yaml:1:1");
  CHECK(p.error().details
        == std::vector<std::string>{
            "reachable from 1.0.0: 1.1.0",
            "engine@3.0.0 accepts upgrades only from '^2.0.0' (manifests/engine-3.0.0.yaml:1:1), "
            "which excludes 1.0.0, 1.1.0",
        });
}

TEST_CASE("graph::find_upgrade_path explains a required stop that cannot be reached")
{
  const auto catalog = component({{"1.0.0"}, {"2.0.0", {">=1.5.0"}, true}, {"3.0.0"}});
  auto p = graph::find_upgrade_path(catalog, "engine", ver("1.0.0"), ver("3.0.0"));
  REQUIRE_FALSE(p);
  CHECK(p.error().code == ErrorCode::no_upgrade_path);
  CHECK(p.error().where->to_string() == "manifests/engine-2.0.0.yaml:1:1");
  const auto& d = p.error().details;
  CHECK(has_line(d, "no version can be reached from 1.0.0"));
  CHECK(has_line(d, "engine@2.0.0 is a required stop (manifests/engine-2.0.0.yaml:1:1): every upgrade across it "
                    "must stop on it, and it cannot be reached"));
  CHECK(has_line(d, "engine@2.0.0 accepts upgrades only from '>=1.5.0' (manifests/engine-2.0.0.yaml:1:1), which "
                    "excludes 1.0.0"));
}

TEST_CASE("graph::find_upgrade_path names the required stop that forbids skipping ahead")
{
  // 1.0.0 must stop on 2.0.0, but 3.0.0 only accepts 1.x.
  const auto catalog = component({{"1.0.0"}, {"2.0.0", {}, true}, {"3.0.0", {"^1.0.0"}}});
  auto p = graph::find_upgrade_path(catalog, "engine", ver("1.0.0"), ver("3.0.0"));
  REQUIRE_FALSE(p);
  const auto& d = p.error().details;
  CHECK(has_line(d, "reachable from 1.0.0: 2.0.0"));
  CHECK(has_line(d, "engine@3.0.0 accepts upgrades only from '^1.0.0' (manifests/engine-3.0.0.yaml:1:1), which "
                    "excludes 2.0.0"));
  CHECK(has_line(d, "engine@2.0.0 is a required stop (manifests/engine-2.0.0.yaml:1:1), so no earlier version can "
                    "hop past it"));
}

TEST_CASE("graph::find_upgrade_path refuses unknown components and versions")
{
  const auto catalog = component({{"1.0.0"}});
  auto name = graph::find_upgrade_path(catalog, "engin", ver("1.0.0"), ver("2.0.0"));
  REQUIRE_FALSE(name);
  CHECK(name.error().code == ErrorCode::not_found);
  CHECK(name.error().details == std::vector<std::string>{"did you mean 'engine'?"});
  auto version = graph::find_upgrade_path(catalog, "engine", ver("1.0.0"), ver("2.0.0"));
  REQUIRE_FALSE(version);
  CHECK(version.error().code == ErrorCode::not_found);
  CHECK(version.error().message == "unknown version 'engine@2.0.0'");
}

TEST_CASE("graph::find_upgrade_path points at the upgrade_from and required_stop fields when they are known")
{
  manifest::Catalog catalog;
  test::add(catalog, test::manifest_of({"engine", "1.0.0"}));
  auto stop = test::manifest_of({"engine", "2.0.0"});
  stop.required_stop = true;
  stop.where.file = "manifests/engine.yaml";
  stop.field_where.set("required_stop", 14, 16);
  test::add(catalog, std::move(stop));
  auto target = test::manifest_of({"engine", "3.0.0"});
  target.upgrade_from.push_back(test::range("^1.0.0"));
  target.where.file = "manifests/engine.yaml";
  target.field_where.set("upgrade_from[0]", 23, 15);
  test::add(catalog, std::move(target));

  auto p = graph::find_upgrade_path(catalog, "engine", ver("1.0.0"), ver("3.0.0"));
  REQUIRE_FALSE(p);
  REQUIRE(p.error().where);
  CHECK(p.error().where->to_string() == "manifests/engine.yaml:23:15");
  CHECK(p.error().details
        == std::vector<std::string>{
            "reachable from 1.0.0: 2.0.0",
            "engine@3.0.0 accepts upgrades only from '^1.0.0' (manifests/engine.yaml:23:15), which "
            "excludes 2.0.0",
            "engine@2.0.0 is a required stop (manifests/engine.yaml:14:16), so no earlier version "
            "can hop past it",
        });
}
