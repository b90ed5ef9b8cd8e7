// SPDX-License-Identifier: Apache-2.0
#include <noodle/manifest/validate.hpp>

#include <noodle/util/spellcheck.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <unordered_map>

namespace noodle::manifest {

namespace {

Diagnostic make(Diagnostic::Severity severity, ErrorCode code, std::string message, SourceLocation where,
                std::string field)
{
  Diagnostic d;
  d.severity = severity;
  d.code = code;
  d.message = std::move(message);
  d.where = std::move(where);
  d.field = std::move(field);
  return d;
}

std::string did_you_mean(std::string_view name, const std::vector<std::string>& names)
{
  if (auto s = util::suggest(name, names)) {
    return fmt::format(" (did you mean '{}'?)", *s);
  }
  return {};
}

bool any_satisfies(const std::vector<Manifest>& versions, const semver::Range& range)
{
  return std::any_of(versions.begin(), versions.end(),
                     [&](const Manifest& m) { return range.satisfies(m.version); });
}

std::string version_list(const std::vector<Manifest>& versions)
{
  constexpr std::size_t k_max_listed = 8;
  std::vector<std::string> shown;
  for (std::size_t i = 0; i < versions.size() && i < k_max_listed; ++i) {
    shown.push_back(versions[i].version.to_string());
  }
  if (versions.size() > k_max_listed) {
    shown.push_back("...");
  }
  return fmt::format("{}", fmt::join(shown, ", "));
}

void check_dependencies(const Manifest& m, const Catalog& catalog, const std::vector<std::string>& names,
                        std::vector<Diagnostic>& out)
{
  for (const Dependency& dep : m.dependencies) {
    std::string field = fmt::format("dependencies.{}", dep.name);
    const auto* versions = catalog.versions(dep.name);
    if (versions == nullptr) {
      out.push_back(make(Diagnostic::Severity::error, ErrorCode::missing_dependency,
                         fmt::format("dependency '{}' of '{}' is not in the catalog{}", dep.name, m.id(),
                                     did_you_mean(dep.name, names)),
                         m.location_of(dep), field));
      continue;
    }
    if (!any_satisfies(*versions, dep.range)) {
      out.push_back(make(Diagnostic::Severity::warning, ErrorCode::unsatisfiable,
                         fmt::format("no version of '{}' in the catalog satisfies '{}' (required by '{}'; "
                                     "available: {})",
                                     dep.name, dep.range.raw(), m.id(), version_list(*versions)),
                         m.location_of(field), field));
    }
  }
}

void check_compatibility(const Manifest& m, const Catalog& catalog, const std::vector<std::string>& names,
                         std::vector<Diagnostic>& out)
{
  for (const CompatibilityRule& rule : m.extras->compatibility) {
    std::string field = fmt::format("compatibility.{}", rule.component);
    const auto* versions = catalog.versions(rule.component);
    if (versions == nullptr) {
      out.push_back(make(Diagnostic::Severity::error, ErrorCode::not_found,
                         fmt::format("compatibility rule of '{}' names '{}', which is not in the catalog{}", m.id(),
                                     rule.component, did_you_mean(rule.component, names)),
                         rule.where, field));
      continue;
    }
    bool satisfiable = std::any_of(rule.ranges.begin(), rule.ranges.end(),
                                   [&](const semver::Range& r) { return any_satisfies(*versions, r); });
    if (!satisfiable) {
      std::vector<std::string> raws;
      for (const auto& r : rule.ranges) {
        raws.push_back(fmt::format("'{}'", r.raw()));
      }
      out.push_back(make(Diagnostic::Severity::warning, ErrorCode::unsatisfiable,
                         fmt::format("no version of '{}' in the catalog satisfies {} (compatibility rule of '{}'; "
                                     "available: {})",
                                     rule.component, fmt::join(raws, " or "), m.id(), version_list(*versions)),
                         rule.where, field));
    }
  }
}

void check_upgrade_from(const Manifest& m, const std::vector<Manifest>& same_name, std::vector<Diagnostic>& out)
{
  for (std::size_t i = 0; i < m.upgrade_from.size(); ++i) {
    const semver::Range& range = m.upgrade_from[i];
    bool matches = std::any_of(same_name.begin(), same_name.end(), [&](const Manifest& other) {
      return other.version < m.version && range.satisfies(other.version);
    });
    if (!matches) {
      std::string field = fmt::format("upgrade_from[{}]", i);
      out.push_back(make(Diagnostic::Severity::warning, ErrorCode::no_upgrade_path,
                         fmt::format("upgrade_from '{}' of '{}' matches no lower version in the catalog",
                                     range.raw(), m.id()),
                         m.location_of(field), field));
    }
  }
}

// Dependency cycles between catalog versions: a@1 depends on b, one of whose
// versions that satisfies the range depends back on a@1. Each is reported
// once, with its path, at the dependency that closes it. A depth-first walk
// with an explicit stack, so a 100,000-long chain cannot overflow the call
// stack.
void check_cycles(const Catalog& catalog, std::vector<Diagnostic>& out)
{
  constexpr std::size_t k_max_reported = 10;
  std::vector<const Manifest*> nodes;
  std::unordered_map<const Manifest*, std::size_t> index;
  for (const auto& [name, versions] : catalog.components()) {
    for (const Manifest& m : versions) {
      index.emplace(&m, nodes.size());
      nodes.push_back(&m);
    }
  }
  // Edges with the dependency that makes them, for the report's location.
  struct Edge {
    std::size_t to;
    const Dependency* dependency;
  };
  std::vector<std::vector<Edge>> edges(nodes.size());
  for (std::size_t i = 0; i < nodes.size(); ++i) {
    for (const Dependency& dep : nodes[i]->dependencies) {
      const auto* versions = catalog.versions(dep.name);
      if (versions == nullptr) {
        continue;
      }
      for (const Manifest& candidate : *versions) {
        if (dep.range.satisfies(candidate.version)) {
          edges[i].push_back({index.at(&candidate), &dep});
        }
      }
    }
  }
  enum class Mark : unsigned char { unseen, on_path, done };
  std::vector<Mark> mark(nodes.size(), Mark::unseen);
  std::vector<bool> reported(nodes.size(), false);
  std::size_t count = 0;
  struct Frame {
    std::size_t node;
    std::size_t next_edge;
  };
  std::vector<Frame> path;
  for (std::size_t start = 0; start < nodes.size() && count < k_max_reported; ++start) {
    if (mark[start] != Mark::unseen) {
      continue;
    }
    path.push_back({start, 0});
    mark[start] = Mark::on_path;
    while (!path.empty()) {
      Frame& top = path.back();
      if (top.next_edge == edges[top.node].size()) {
        mark[top.node] = Mark::done;
        path.pop_back();
        continue;
      }
      const Edge edge = edges[top.node][top.next_edge++];
      if (mark[edge.to] == Mark::unseen) {
        mark[edge.to] = Mark::on_path;
        path.push_back({edge.to, 0});
        continue;
      }
      if (mark[edge.to] != Mark::on_path || reported[edge.to] || count >= k_max_reported) {
        continue;
      }
      // A back edge: the cycle is the path from edge.to to here, then back.
      std::size_t first = path.size();
      while (first > 0 && path[first - 1].node != edge.to) {
        --first;
      }
      std::vector<std::string> ids;
      for (std::size_t k = first - 1; k < path.size(); ++k) {
        ids.push_back(nodes[path[k].node]->id());
        reported[path[k].node] = true;
      }
      ids.push_back(nodes[edge.to]->id());
      const std::string field = fmt::format("dependencies.{}", edge.dependency->name);
      out.push_back(make(Diagnostic::Severity::error, ErrorCode::dependency_cycle,
                         fmt::format("dependency cycle: {}", fmt::join(ids, " -> ")),
                         nodes[top.node]->location_of(*edge.dependency), field));
      ++count;
    }
  }
}

} // namespace

std::vector<Diagnostic> validate_catalog(const Catalog& catalog)
{
  std::vector<Diagnostic> out;
  const std::vector<std::string> names = catalog.names();
  for (const auto& [name, versions] : catalog.components()) {
    for (const Manifest& m : versions) {
      check_dependencies(m, catalog, names, out);
      check_compatibility(m, catalog, names, out);
      check_upgrade_from(m, versions, out);
    }
  }
  check_cycles(catalog, out);
  return out;
}

} // namespace noodle::manifest
