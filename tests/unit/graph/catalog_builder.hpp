// SPDX-License-Identifier: Apache-2.0
// Builds catalogs and installed states in memory from terse specs, so graph
// tests need neither YAML nor files.
#pragma once

#include <noodle/manifest/model.hpp>
#include <noodle/semver/range.hpp>
#include <noodle/semver/version.hpp>
#include <noodle/state/installed.hpp>

#include <catch2/catch.hpp>

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace noodle::test {

inline semver::Version ver(std::string_view text)
{
  auto v = semver::Version::parse(text);
  REQUIRE(v);
  return std::move(*v);
}

inline semver::Range range(std::string_view text)
{
  auto r = semver::Range::parse(text);
  REQUIRE(r);
  return std::move(*r);
}

// {"jit_compiler", "2.1.0", {{"runtime_core", ">=2.0.0"}}}
struct Spec {
  std::string name;
  std::string version;
  std::vector<std::pair<std::string, std::string>> deps = {};
};

// The manifest sits in "manifests/<name>-<version>.yaml" at 1:1; dependency i
// is declared at line 5 + i, column 5.
inline manifest::Manifest manifest_of(const Spec& spec)
{
  manifest::Manifest m;
  m.name = spec.name;
  m.version = ver(spec.version);
  m.where = SourceLocation{"manifests/" + spec.name + "-" + spec.version + ".yaml", 1, 1};
  std::uint32_t line = 5;
  for (const auto& [name, text] : spec.deps) {
    m.dependencies.push_back(manifest::Dependency{name, range(text), line++, 5});
  }
  return m;
}

inline std::string dep_location(const Spec& spec, std::uint32_t index = 0)
{
  return SourceLocation{"manifests/" + spec.name + "-" + spec.version + ".yaml", 5 + index, 5}.to_string();
}

inline void add(manifest::Catalog& catalog, manifest::Manifest m)
{
  auto ok = catalog.add(std::move(m));
  REQUIRE(ok);
}

inline manifest::Catalog catalog_of(const std::vector<Spec>& specs)
{
  manifest::Catalog catalog;
  for (const auto& s : specs) {
    add(catalog, manifest_of(s));
  }
  return catalog;
}

// {{"runtime_core", "1.2.0"}, ...}
inline state::InstalledState installed_of(const std::vector<std::pair<std::string, std::string>>& items)
{
  state::InstalledState state;
  for (const auto& [name, version] : items) {
    state.components.emplace(
        name, state::InstalledComponent{name, ver(version), "components/" + name + "/versions/" + version});
  }
  return state;
}

// c0 -> c1 -> ... -> c<length-1>, each at 1.0.0 depending on the next by ^1.0.0.
inline manifest::Catalog chain_catalog(int length)
{
  manifest::Catalog catalog;
  for (int i = 0; i < length; ++i) {
    std::vector<std::pair<std::string, std::string>> deps;
    if (i + 1 < length) {
      deps.emplace_back("c" + std::to_string(i + 1), "^1.0.0");
    }
    add(catalog, manifest_of({"c" + std::to_string(i), "1.0.0", deps}));
  }
  return catalog;
}

} // namespace noodle::test
