// SPDX-License-Identifier: Apache-2.0
// The dense index that manifest::Catalog keeps for the resolver.
#include <noodle/manifest/model.hpp>

#include "catalog_builder.hpp"

#include <catch2/catch.hpp>

#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

using namespace noodle;
using namespace noodle::test;

namespace {

// The dependencies of (*versions_of(id))[version] as "name range" strings,
// read through the index.
std::vector<std::string> indexed_dependencies(const manifest::Catalog& catalog, manifest::ComponentId id,
                                              std::size_t version)
{
  std::vector<std::string> out;
  for (const auto& ref : catalog.dependencies_of(id, version)) {
    out.push_back(std::string(catalog.name_of(ref.component)) + " " + catalog.range(ref.range).raw());
  }
  return out;
}

std::vector<std::string> written_dependencies(const manifest::Manifest& m)
{
  std::vector<std::string> out;
  for (const auto& dep : m.dependencies) {
    out.push_back(dep.name.string() + " " + dep.range.raw());
  }
  return out;
}

} // namespace

TEST_CASE("manifest::Catalog gives every added or depended-on name a dense id")
{
  const auto catalog = catalog_of({
      {"app", "1.0.0", {{"lib", "^1.0.0"}, {"ghost", "*"}}},
      {"lib", "1.0.0"},
  });

  CHECK(catalog.id_count() == 3);
  CHECK(catalog.id_of("app") == 0);
  CHECK(catalog.id_of("lib") == 1);
  CHECK(catalog.id_of("ghost") == 2);
  CHECK(catalog.id_of("nothing") == manifest::k_no_component);
  CHECK(catalog.name_of(2) == "ghost");

  // A name only depended on has an id but no versions, and stays out of the map.
  CHECK(catalog.versions_of(2) == nullptr);
  CHECK_FALSE(catalog.contains("ghost"));
  CHECK(catalog.component_count() == 2);
  CHECK(catalog.names() == std::vector<std::string>{"app", "lib"});
  CHECK(catalog.versions_of(1) == catalog.versions("lib"));
  CHECK(catalog.versions_of(0) == &catalog.components().at("app"));
}

TEST_CASE("manifest::Catalog::ids_of gives what id_of gives for each name of a batch of any size")
{
  // 300 components, each depending on the next one's name, which the last
  // one's names a component no manifest adds.
  std::vector<Spec> specs;
  for (int i = 0; i < 300; ++i) {
    specs.push_back({"c" + std::to_string(i), "1.0.0", {{"c" + std::to_string(i + 1), "*"}}});
  }
  const auto catalog = catalog_of(specs);
  REQUIRE(catalog.id_count() == 301);

  // Added names, the name only depended on, unknown names and an empty one,
  // in an order unlike the ids', repeated: longer than the lookahead.
  std::vector<std::string> words;
  for (int i = 0; i < 340; ++i) {
    words.push_back(i % 7 == 3 ? "unknown" + std::to_string(i) : "c" + std::to_string((i * 37) % 302));
  }
  words.push_back("");
  words.push_back("c300");
  const std::vector<std::string_view> names(words.begin(), words.end());
  for (const std::size_t size : {std::size_t{0}, std::size_t{1}, std::size_t{7}, std::size_t{25}, names.size()}) {
    std::vector<manifest::ComponentId> ids(size, 12345);
    catalog.ids_of(std::span(names.data(), size), ids);
    std::size_t wrong = 0;
    for (std::size_t i = 0; i < size; ++i) {
      wrong += ids[i] == catalog.id_of(names[i]) ? 0 : 1;
    }
    CHECK(wrong == 0);
  }
  std::vector<manifest::ComponentId> all(names.size());
  catalog.ids_of(names, all);
  CHECK(all[names.size() - 1] == 300);
  CHECK(all[3] == manifest::k_no_component);
  CHECK(all[names.size() - 2] == manifest::k_no_component);
  CHECK(catalog.name_of(all[1]) == "c37");

  const manifest::Catalog empty;
  std::vector<manifest::ComponentId> none(2, 0);
  empty.ids_of(std::span(names.data(), 2), none);
  CHECK(none == std::vector<manifest::ComponentId>(2, manifest::k_no_component));
}

TEST_CASE("manifest::Catalog keeps each version's dependency ids as versions arrive out of order")
{
  const auto catalog = catalog_of({
      {"x", "2.0.0", {{"y", "^2.0.0"}, {"z", "*"}}},
      {"x", "1.0.0", {{"y", "^1.0.0"}}},
      {"x", "1.5.0"},
      {"y", "1.0.0"},
      {"x", "3.0.0", {{"z", ">=1.0.0"}, {"y", "^2.0.0"}, {"w", "1.x"}}},
      {"x", "0.1.0", {{"w", "*"}}},
  });

  const manifest::ComponentId x = catalog.id_of("x");
  const auto& versions = *catalog.versions_of(x);
  REQUIRE(versions.size() == 5);
  CHECK(versions.front().version == ver("0.1.0"));
  for (std::size_t i = 0; i < versions.size(); ++i) {
    CAPTURE(versions[i].id());
    CHECK(indexed_dependencies(catalog, x, i) == written_dependencies(versions[i]));
  }
  CHECK(catalog.dependencies_of(x, 2).empty()); // 1.5.0
  CHECK(catalog.dependencies_of(catalog.id_of("y"), 0).empty());
}

TEST_CASE("manifest::Catalog shares one range per distinct text")
{
  const auto catalog = catalog_of({
      {"a", "1.0.0", {{"c", "^1.0.0"}, {"d", ">=2.0.0"}}},
      {"b", "1.0.0", {{"c", "^1.0.0"}, {"d", "^1.0.0"}}},
  });

  const auto a = catalog.dependencies_of(catalog.id_of("a"), 0);
  const auto b = catalog.dependencies_of(catalog.id_of("b"), 0);
  REQUIRE(a.size() == 2);
  REQUIRE(b.size() == 2);
  CHECK(a[0].range == b[0].range);
  CHECK(a[0].range == b[1].range);
  CHECK(a[1].range != a[0].range);
  CHECK(catalog.range_count() == 2);
  CHECK(catalog.range(a[1].range).satisfies(ver("2.5.0")));
  CHECK_FALSE(catalog.range(a[0].range).satisfies(ver("2.5.0")));
}

TEST_CASE("manifest::Catalog keeps one parse of each range its manifests spell alike")
{
  auto a = manifest_of({"a", "1.0.0", {{"c", "^1.0.0"}, {"d", ">=2.0.0"}}});
  auto b = manifest_of({"b", "1.0.0", {{"c", "^1.0.0"}, {"d", "^1.0.0"}}});
  a.upgrade_from.push_back(*semver::Range::parse(">=0.5.0 <1.0.0"));
  b.upgrade_from.push_back(*semver::Range::parse(">=0.5.0 <1.0.0"));
  // Parsed apart, so far nothing is shared.
  REQUIRE(&a.dependencies[0].range.sets() != &b.dependencies[0].range.sets());
  manifest::Catalog catalog;
  REQUIRE(catalog.add(std::move(a)));
  REQUIRE(catalog.add(std::move(b)));
  const manifest::Manifest& added_a = *catalog.latest("a");
  const manifest::Manifest& added_b = *catalog.latest("b");
  CHECK(&added_a.dependencies[0].range.sets() == &added_b.dependencies[0].range.sets());
  CHECK(&added_a.dependencies[0].range.sets() == &added_b.dependencies[1].range.sets());
  CHECK(&added_a.dependencies[1].range.sets() != &added_a.dependencies[0].range.sets());
  CHECK(&added_a.upgrade_from[0].sets() == &added_b.upgrade_from[0].sets());
  // Shared, and still the ranges written.
  CHECK(written_dependencies(added_b) == std::vector<std::string>{"c ^1.0.0", "d ^1.0.0"});
  CHECK(added_a.upgrade_from[0].raw() == ">=0.5.0 <1.0.0");
  CHECK(added_a.upgrade_from[0].satisfies(ver("0.7.0")));
}

TEST_CASE("manifest::Catalog leaves its index unchanged when add refuses a duplicate")
{
  auto catalog = catalog_of({{"a", "1.0.0", {{"b", "*"}}}});
  const auto refused = catalog.add(manifest_of({"a", "1.0.0", {{"c", "^1.0.0"}}}));
  REQUIRE_FALSE(refused);
  CHECK(refused.error().code == ErrorCode::duplicate_version);
  CHECK(catalog.id_count() == 2);
  CHECK(catalog.id_of("c") == manifest::k_no_component);
  CHECK(catalog.range_count() == 1);
  CHECK(indexed_dependencies(catalog, catalog.id_of("a"), 0) == std::vector<std::string>{"b *"});
}

TEST_CASE("manifest::Catalog copies and moves keep the index pointing at their own manifests")
{
  auto original = std::make_unique<manifest::Catalog>(catalog_of({
      {"a", "1.0.0", {{"b", "^1.0.0"}}},
      {"b", "1.0.0"},
      {"b", "1.1.0"},
  }));
  manifest::Catalog copy(*original);
  manifest::Catalog assigned;
  assigned = *original;
  original.reset();

  for (const manifest::Catalog* c : {&copy, &assigned}) {
    const manifest::ComponentId b = c->id_of("b");
    REQUIRE(b != manifest::k_no_component);
    CHECK(c->versions_of(b) == &c->components().at("b"));
    CHECK(c->versions_of(b)->size() == 2);
    CHECK(indexed_dependencies(*c, c->id_of("a"), 0) == std::vector<std::string>{"b ^1.0.0"});
  }

  manifest::Catalog moved(std::move(copy));
  CHECK(moved.versions_of(moved.id_of("b")) == &moved.components().at("b"));
  REQUIRE(moved.add(manifest_of({"c", "1.0.0", {{"a", "*"}}})));
  CHECK(indexed_dependencies(moved, moved.id_of("c"), 0) == std::vector<std::string>{"a *"});
}

TEST_CASE("manifest::release_key orders releases as versions and refuses prereleases and large parts")
{
  CHECK(manifest::release_key(ver("1.2.3")) < manifest::release_key(ver("1.10.0")));
  CHECK(manifest::release_key(ver("1.99.99")) < manifest::release_key(ver("2.0.0")));
  CHECK(manifest::release_key(ver("1.2.3+build.7")) == manifest::release_key(ver("1.2.3")));
  CHECK(manifest::release_key(ver("1.2.3-rc.1")) == manifest::k_no_release_key);
  CHECK(manifest::release_key(ver("2097152.0.0")) == manifest::k_no_release_key);
  CHECK(manifest::release_key(ver("2097151.2097151.2097151")) != manifest::k_no_release_key);
}

TEST_CASE("manifest::Catalog::satisfies agrees with semver::Range::satisfies")
{
  const std::vector<std::string> ranges = {
      "*", "^1.2.3", "~1.2.3", ">=1.2.3 <2.0.0", ">1.2.3", "<=1.2.3", "=1.2.3", "1.2.x", "1.x || >=3.0.0",
      ">=1.2.3-rc.1", ">1.2.3-rc.1", "<1.2.3-rc.1", "<=1.2.3-rc.1", "=1.2.3-rc.1", "1.2.3-rc.1 - 2.0.0",
      "^0.0.1", "^0.1.2", "<0.0.0-0", ">=3000000.0.0", "<2.0.0 >=1.0.0 || 4.x", "", ">2.0.0 <1.0.0"};
  const std::vector<std::string> versions = {
      "0.0.0", "0.0.1", "0.0.2", "0.1.2", "0.2.0", "1.0.0", "1.2.2", "1.2.3", "1.2.3-rc.1", "1.2.3-rc.2",
      "1.2.3+b", "1.2.4", "1.3.0", "1.9.9", "2.0.0", "2.0.0-0", "2.0.1", "3.0.0", "4.5.6", "5.0.0",
      "3000000.0.0", "2097151.2097151.2097151"};
  manifest::Catalog catalog;
  manifest::Manifest m = manifest_of({"app", "1.0.0"});
  for (std::size_t i = 0; i < ranges.size(); ++i) {
    m.dependencies.push_back(manifest::Dependency{"dep" + std::to_string(i), range(ranges[i])});
  }
  REQUIRE(catalog.add(std::move(m)));
  const auto refs = catalog.dependencies_of(catalog.id_of("app"), 0);
  REQUIRE(refs.size() == ranges.size());
  for (const auto& ref : refs) {
    const semver::Range& r = catalog.range(ref.range);
    for (const auto& text : versions) {
      const semver::Version v = ver(text);
      CAPTURE(r.raw(), text);
      CHECK(catalog.satisfies(ref.range, manifest::release_key(v), v) == r.satisfies(v));
    }
  }
}

TEST_CASE("manifest::Catalog keeps release keys beside the versions")
{
  const auto catalog = catalog_of({{"x", "2.0.0"}, {"x", "1.0.0-beta"}, {"x", "1.5.0"}});
  const manifest::ComponentId x = catalog.id_of("x");
  const auto& versions = *catalog.versions("x");
  REQUIRE(versions.size() == 3);
  for (std::size_t i = 0; i < versions.size(); ++i) {
    CHECK(catalog.release_key_of(x, i) == manifest::release_key(versions[i].version));
  }
  CHECK(catalog.release_key_of(x, 0) == manifest::k_no_release_key);
}
