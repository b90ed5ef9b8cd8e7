// SPDX-License-Identifier: Apache-2.0
// Generated catalogs large enough for the resolver's cascades, and a plan
// written out whole (every change, its reason and explanation, the notes,
// or the refusal), so that plans can be compared exactly.
#pragma once

#include <noodle/graph/resolver.hpp>

#include "support/split_mix.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace noodle::test {

inline std::string cascade_name(std::size_t i)
{
  return fmt::format("c{:05}", i);
}

// Component i has 1.0.0, 2.0.0 and often 1.1.0, 1.2.0-beta.1 or 2.1.0; it
// depends on 1-3 lower-numbered components by ^1.0.0 from 1.x and by
// the first `kinds` (1-3) of ^2.0.0, >=1.1.0 <3.0.0 and ~2.0.0 from 2.x.
inline manifest::Catalog cascade_catalog(std::size_t count, std::uint64_t seed, std::size_t kinds)
{
  SplitMix rng(seed);
  const char* const ranges2[] = {"^2.0.0", ">=1.1.0 <3.0.0", "~2.0.0"};
  manifest::Catalog catalog;
  for (std::size_t i = 0; i < count; ++i) {
    const std::vector<std::size_t> deps = test::lower_dependencies(rng, i);
    std::vector<std::string> versions{"1.0.0", "2.0.0"};
    if (rng.below(3) != 0) {
      versions.emplace_back("1.1.0");
    }
    if (rng.below(5) == 0) {
      versions.emplace_back("1.2.0-beta.1");
    }
    if (rng.below(4) == 0) {
      versions.emplace_back("2.1.0");
    }
    const char* range2 = ranges2[rng.below(kinds)];
    for (const auto& text : versions) {
      manifest::Manifest m;
      m.name = cascade_name(i);
      m.version = *semver::Version::parse(text);
      m.where = SourceLocation{fmt::format("manifests/{}.yaml", m.name), 1, 1};
      std::uint32_t line = 5;
      for (std::size_t d : deps) {
        const char* r = m.version.major == 1 ? "^1.0.0" : range2;
        m.dependencies.push_back(
            manifest::Dependency{cascade_name(d), *semver::Range::parse(r), line++, 5});
      }
      (void)catalog.add(std::move(m));
    }
  }
  return catalog;
}

// Every `every`-th component installed at 1.0.0 (every one when 1).
inline state::InstalledState cascade_installed(std::size_t count, std::size_t every)
{
  state::InstalledState installed;
  for (std::size_t i = 0; i < count; i += every) {
    const auto name = cascade_name(i);
    installed.components.emplace(name, state::InstalledComponent{name, semver::Version(1, 0, 0), {}});
  }
  return installed;
}

inline std::string describe(const Result<graph::Resolution>& result)
{
  std::string out;
  if (!result) {
    out += fmt::format("error {} {}\n", static_cast<int>(result.error().code), result.error().message);
    for (const auto& d : result.error().details) {
      out += fmt::format("  {}\n", d);
    }
    return out;
  }
  for (const auto& c : result->changes) {
    out += fmt::format("{} {} -> {} {} {} {}\n", c.name, c.from ? c.from->to_string() : "-", c.to.to_string(),
                       graph::to_string(c.reason), c.priority, c.explanation());
  }
  for (const auto& n : result->notes) {
    out += fmt::format("note {}\n", n);
  }
  return out;
}

// FNV-1a, 64 bits.
inline std::uint64_t digest(std::string_view text)
{
  std::uint64_t h = 0xcbf29ce484222325ULL;
  for (const char ch : text) {
    h = (h ^ static_cast<unsigned char>(ch)) * 0x100000001b3ULL;
  }
  return h;
}

// The plans pinned by resolver_cascade_test: each resolves on
// cascade_catalog(3000, 0x5eed, kinds) and is written out by describe().
struct CascadeCase {
  const char* title;
  std::size_t kinds; // of ranges from 2.x
  std::size_t installed_every; // 0: nothing installed
  std::vector<graph::Request> requests;
  std::vector<graph::Constraint> constraints;
};

inline std::vector<CascadeCase> cascade_cases()
{
  constexpr std::size_t k_count = 3000;
  const auto top = cascade_name(k_count - 1);
  std::vector<CascadeCase> cases;
  cases.push_back({"install the newest top", 3, 0, {graph::Request{top, std::nullopt, 0}}, {}});
  cases.push_back({"upgrade everything installed", 1, 1, {graph::Request{top, semver::Version(2, 0, 0), 0}}, {}});
  cases.push_back({"upgrade a third installed, two priorities", 1, 3,
                   {graph::Request{top, semver::Version(2, 0, 0), 0}, graph::Request{cascade_name(1500), std::nullopt, 5}},
                   {}});
  cases.push_back({"refuse a dependent that cannot follow", 3, 1,
                   {graph::Request{top, semver::Version(2, 0, 0), 0}},
                   {}});
  cases.push_back({"refuse a third installed, two priorities", 3, 3,
                   {graph::Request{top, semver::Version(2, 0, 0), 0}, graph::Request{cascade_name(1500), std::nullopt, 5}},
                   {}});
  cases.push_back({"unsatisfiable when ranges overlap badly", 2, 1, {graph::Request{top, semver::Version(2, 0, 0), 0}}, {}});
  cases.push_back({"refuse what a constraint forbids", 1, 1,
                   {graph::Request{top, semver::Version(2, 0, 0), 0}},
                   {graph::Constraint{cascade_name(0), *semver::Range::parse("<2.0.0")}}});
  return cases;
}

inline std::string describe_case(const CascadeCase& c)
{
  const auto catalog = cascade_catalog(3000, 0x5eed, c.kinds);
  const auto installed = c.installed_every == 0 ? state::InstalledState{} : cascade_installed(3000, c.installed_every);
  graph::ResolveOptions options;
  options.constraints = c.constraints;
  return describe(graph::resolve(catalog, installed, c.requests, options));
}

} // namespace noodle::test
