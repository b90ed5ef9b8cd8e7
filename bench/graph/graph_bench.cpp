// SPDX-License-Identifier: Apache-2.0
// Times graph::resolve (closure + topological order) on generated catalogs
// of 1k, 10k and 100k components and prints the median of 5 runs, and the
// time Catalog::add took to load each catalog (once, so noisier).
//
//   graph_bench [--json] [COUNT...]   only these catalog sizes (default 1000 10000 100000);
//                                     --json prints one JSON object instead of the table (for bench/report)
//
//   install  nothing installed; request the newest component, whose
//            closure reaches most of the catalog
//   upgrade  everything installed at 1.0.0; request the newest component at
//            2.0.0: its dependencies must move to 2.x, and then every
//            installed dependent of a moved component must follow
#include <noodle/graph/resolver.hpp>

#include "support/split_mix.hpp"

#include <fmt/format.h>

#include <time.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

namespace {

using namespace noodle;
using test::SplitMix;

constexpr int k_runs = 5;

// A row's figure: the catalog load (once, CPU time only) or a median of k_runs.
enum class Row { load, timed };

double cpu_now_ms();

std::string name_of(std::size_t i)
{
  return fmt::format("c{:06}", i);
}

semver::Range must_range(const char* text)
{
  return *semver::Range::parse(text);
}

// Component i has 1.0.0, 2.0.0 and, for two thirds of them, 1.1.0; it
// depends on 1-3 lower-numbered components (one of them among its ten
// nearest), with ^1.0.0 from 1.x and ^2.0.0 from 2.0.0.
// The manifests are made first and then added in one timed pass, so
// `add_ms` is the cost of Catalog::add alone.
manifest::Catalog generate(std::size_t count, std::uint64_t seed, double& add_ms)
{
  SplitMix rng(seed);
  const semver::Range caret1 = must_range("^1.0.0");
  const semver::Range caret2 = must_range("^2.0.0");
  std::vector<manifest::Manifest> manifests;
  for (std::size_t i = 0; i < count; ++i) {
    const std::vector<std::size_t> deps = test::lower_dependencies(rng, i);
    std::vector<semver::Version> versions{semver::Version(1, 0, 0), semver::Version(2, 0, 0)};
    if (rng.below(3) != 0) {
      versions.emplace_back(1, 1, 0);
    }
    for (const auto& v : versions) {
      manifest::Manifest m;
      m.name = name_of(i);
      m.version = v;
      m.where = SourceLocation{fmt::format("manifests/{}.yaml", m.name), 1, 1};
      std::uint32_t line = 5;
      for (std::size_t d : deps) {
        m.dependencies.push_back(manifest::Dependency{name_of(d), v.major == 1 ? caret1 : caret2, line++, 5});
      }
      manifests.push_back(std::move(m));
    }
  }
  manifest::Catalog catalog;
  const double start = cpu_now_ms();
  for (auto& m : manifests) {
    (void)catalog.add(std::move(m));
  }
  add_ms = cpu_now_ms() - start;
  return catalog;
}

struct Figure {
  double wall_ms = 0; // median wall-clock time
  double cpu_ms = 0;  // median CPU time of the process: every thread the resolver runs (steadier on a shared machine)
  std::size_t changes = 0;
};

double cpu_now_ms()
{
  timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) * 1e3 + static_cast<double>(ts.tv_nsec) / 1e6;
}

double median(std::vector<double> values)
{
  std::sort(values.begin(), values.end());
  return values[values.size() / 2];
}

Figure measure(const manifest::Catalog& catalog, const state::InstalledState& installed,
               const std::vector<graph::Request>& requests)
{
  std::vector<double> wall;
  std::vector<double> cpu;
  std::size_t changes = 0;
  for (int run = 0; run < k_runs; ++run) {
    const double cpu_start = cpu_now_ms();
    const auto start = std::chrono::steady_clock::now();
    auto result = graph::resolve(catalog, installed, requests, {});
    const auto stop = std::chrono::steady_clock::now();
    cpu.push_back(cpu_now_ms() - cpu_start);
    if (!result) {
      std::fprintf(stderr, "graph_bench: resolve failed: %s\n", result.error().message.c_str());
      std::exit(1);
    }
    changes = result->changes.size();
    wall.push_back(std::chrono::duration<double, std::milli>(stop - start).count());
  }
  return Figure{median(wall), median(cpu), changes};
}

} // namespace

int main(int argc, char** argv)
{
  std::vector<std::size_t> counts;
  bool json = false;
  for (int i = 1; i < argc; ++i) {
    if (std::string(argv[i]) == "--json") {
      json = true;
      continue;
    }
    const long long count = std::atoll(argv[i]);
    if (count < 1) {
      std::fprintf(stderr, "graph_bench: invalid component count '%s'\n", argv[i]);
      return 2;
    }
    counts.push_back(static_cast<std::size_t>(count));
  }
  if (counts.empty()) {
    counts = {1000, 10000, 100000};
  }
  if (!json) {
    fmt::print("{:>10} {:>10} {:>9} {:>10} {:>14} {:>13}\n", "components", "manifests", "scenario", "changes",
               "median wall ms", "median cpu ms");
  }
  std::string rows;
  auto emit = [&](std::size_t count, std::size_t manifests, const char* scenario, const Figure& f, Row row) {
    if (json) {
      rows += fmt::format("{}{{\"components\": {}, \"manifests\": {}, \"scenario\": \"{}\", \"changes\": {}, "
                          "\"wall_ms\": {:.3f}, \"cpu_ms\": {:.3f}, \"runs\": {}}}",
                          rows.empty() ? "" : ",\n  ", count, manifests, scenario, f.changes, f.wall_ms, f.cpu_ms,
                          row == Row::timed ? k_runs : 1);
    } else if (row == Row::timed) {
      fmt::print("{:>10} {:>10} {:>9} {:>10} {:>14.2f} {:>13.2f}\n", count, manifests, scenario, f.changes, f.wall_ms,
                 f.cpu_ms);
    } else {
      fmt::print("{:>10} {:>10} {:>9} {:>10} {:>14} {:>13.2f}\n", count, manifests, scenario, "", "", f.cpu_ms);
    }
  };
  for (std::size_t count : counts) {
    double add_ms = 0;
    const auto catalog = generate(count, 0x5eed + count, add_ms);
    emit(count, catalog.manifest_count(), "add", Figure{add_ms, add_ms, 0}, Row::load);
    const std::string top = name_of(count - 1);

    const auto install = measure(catalog, {}, {graph::Request{top, std::nullopt, 0}});
    emit(count, catalog.manifest_count(), "install", install, Row::timed);

    state::InstalledState installed;
    for (std::size_t i = 0; i < count; ++i) {
      const auto name = name_of(i);
      installed.components.emplace(name, state::InstalledComponent{name, semver::Version(1, 0, 0), {}});
    }
    const auto upgrade = measure(catalog, installed, {graph::Request{top, semver::Version(2, 0, 0), 0}});
    emit(count, catalog.manifest_count(), "upgrade", upgrade, Row::timed);
  }
  if (json) {
    // The size of one catalog version in memory, for the report's account
    // of a large catalog's RSS.
    fmt::print("{{\"benchmark\": \"graph\", \"manifest_bytes\": {}, \"rows\": [\n  {}\n]}}\n",
               sizeof(manifest::Manifest), rows);
  }
  return 0;
}
