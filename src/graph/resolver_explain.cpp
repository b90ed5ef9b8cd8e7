// SPDX-License-Identifier: Apache-2.0
#include "resolver_impl.hpp"

#include "common.hpp"

#include <noodle/graph/suggest.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <string>
#include <vector>

namespace noodle::graph::detail {

std::string Resolver::id_of(Index id) const
{
  const Node& n = m_nodes[id];
  const auto* v = n.version();
  return v != nullptr ? fmt::format("{}@{}", n.name, v->to_string()) : std::string(n.name);
}

void Resolver::explain(Index id, TextBuffer& out) const
{
  ChangeWhy w;
  std::vector<Index> scratch;
  why(id, scratch, w);
  const Node& n = m_nodes[id];
  put_why(out, w, n.name, n.installed != nullptr ? &n.installed->version : nullptr);
}

void Resolver::why(Index id, std::vector<Index>& scratch, ChangeWhy& out) const
{
  using Kind = ChangeWhy::Kind;
  const Node& n = m_nodes[id];
  out.more.clear();
  switch (n.origin) {
  case Mode::requested: out.kind = n.pinned != nullptr ? Kind::requested : Kind::requested_newest; return;
  case Mode::dependent:
    if (n.trigger != k_none && n.trigger_manifest != nullptr && n.installed != nullptr) {
      out.kind = Kind::trigger;
      out.trigger = m_nodes[n.trigger].selected;
      out.rejecting = DemandRef{n.trigger_manifest, n.trigger_index};
    } else {
      out.kind = Kind::installed_dependent;
    }
    return;
  case Mode::dependency: break;
  }
  scratch.clear();
  explaining_demands(id, scratch);
  if (scratch.empty()) {
    out.kind = Kind::a_dependency;
    return;
  }
  out.kind = Kind::demands;
  out.first = DemandRef{m_demands[scratch[0]].manifest, m_demands[scratch[0]].index};
  out.more.reserve(scratch.size() - 1); // one allocation, not one per doubling
  for (std::size_t k = 1; k < scratch.size(); ++k) {
    out.more.push_back(DemandRef{m_demands[scratch[k]].manifest, m_demands[scratch[k]].index});
  }
}

// The demands whose "required by" parts explain why node `id` (a change
// for a dependency) changes, in order, appended to `out`.
void Resolver::explaining_demands(Index id, std::vector<Index>& out) const
{
  const Node& n = m_nodes[id];
  const std::size_t start = out.size();
  std::size_t live_count = 0;
  for (Index i = n.demands.head; i != k_none && live_count < 2; i = m_demands[i].next) {
    live_count += live(m_demands[i]) ? 1 : 0;
  }
  // For an upgrade, only the demands the installed version fails say why
  // (a single demand says it either way).
  if (n.installed != nullptr && live_count > 1) {
    for (Index i = n.demands.head; i != k_none; i = m_demands[i].next) {
      const auto& d = m_demands[i];
      if (live(d) && !admits(d.range, Keyed{&n.installed->version, n.installed_key})) {
        out.push_back(i);
      }
    }
  }
  if (out.size() == start) {
    for (Index i = n.demands.head; i != k_none; i = m_demands[i].next) {
      if (live(m_demands[i])) {
        out.push_back(i);
      }
    }
  }
}

std::vector<std::string> Resolver::demand_lines(Index id) const
{
  const Node& n = m_nodes[id];
  std::vector<std::string> lines;
  if (n.pinned != nullptr) {
    lines.push_back(fmt::format("requested at version {}", n.pinned->to_string()));
  } else if (n.requested) {
    lines.push_back("requested at the newest allowed version");
  }
  for (Index i = n.demands.head; i != k_none; i = m_demands[i].next) {
    const auto& d = m_demands[i];
    if (live(d)) {
      lines.push_back(fmt::format("required by {}: '{}' {}{}", d.manifest->id(), n.name, d.dependency().range.raw(),
                                  detail::at(d.manifest->location_of(d.dependency()))));
    }
  }
  for (Index c = n.constraints.head; c != k_none; c = m_constraints[c].next) {
    const auto* constraint = m_constraints[c].constraint;
    lines.push_back(fmt::format("constraint '{}@{}'", constraint->name, constraint->range.raw()));
  }
  for (Index i = n.dependents.begin; i < n.dependents.end; ++i) {
    const auto& d = m_dependents[i];
    if (!m_nodes[d.source].changed) {
      const manifest::Manifest& by = *m_nodes[d.source].installed_manifest;
      const auto& dep = by.dependencies[d.index];
      lines.push_back(fmt::format("installed {} requires '{}' {}{}", id_of(d.source), n.name, dep.range.raw(),
                                  detail::at(by.location_of(dep))));
    }
  }
  lines.push_back(fmt::format("catalog versions of '{}': {}", n.name,
                              n.versions != nullptr ? detail::list_versions(*n.versions) : std::string("none")));
  if (n.installed != nullptr) {
    lines.push_back(fmt::format("installed version: {}", n.installed->version.to_string()));
  }
  return lines;
}

// The first demand or constraint `v` fails, in words.
std::string Resolver::exclusion(const Node& n, const semver::Version& v) const
{
  if (n.pinned != nullptr && *n.pinned != v) {
    return fmt::format("version {} is requested", n.pinned->to_string());
  }
  for (Index c = n.constraints.head; c != k_none; c = m_constraints[c].next) {
    const auto* constraint = m_constraints[c].constraint;
    if (!constraint->range.satisfies(v)) {
      return fmt::format("constraint '{}@{}'", constraint->name, constraint->range.raw());
    }
  }
  for (Index i = n.demands.head; i != k_none; i = m_demands[i].next) {
    const auto& d = m_demands[i];
    if (live(d) && !d.dependency().range.satisfies(v)) {
      return fmt::format("{} requires '{}' {}{}", d.manifest->id(), n.name, d.dependency().range.raw(),
                         detail::at(d.manifest->location_of(d.dependency())));
    }
  }
  return "prereleases are chosen only when a range names them";
}

Error Resolver::unsatisfiable(Index id) const
{
  const Node& n = m_nodes[id];
  Error e(ErrorCode::unsatisfiable, fmt::format("no version of '{}' satisfies every demand", n.name));
  for (Index i = n.demands.head; i != k_none; i = m_demands[i].next) {
    const auto& d = m_demands[i];
    if (!live(d)) {
      continue;
    }
    if (SourceLocation where = d.manifest->location_of(d.dependency()); where.known()) {
      e.where = std::move(where);
      break;
    }
  }
  e.details = demand_lines(id);
  return e;
}

Error Resolver::dependent_conflict(Index id, const std::vector<Index>& targets,
                                   const std::vector<const manifest::Dependency*>& ranges) const
{
  const Node& n = m_nodes[id];
  std::string changed;
  for (Index t : targets) {
    if (!changed.empty()) {
      changed += ", ";
    }
    changed += id_of(t);
  }
  Error e(ErrorCode::unsatisfiable, fmt::format("no version of '{}' accepts {}", n.name, changed));
  // The ranges are the dependencies of n.selected (rejected_changes).
  if (!ranges.empty()) {
    e.where = n.selected->location_of(*ranges.front());
  }
  for (std::size_t i = 0; i < targets.size(); ++i) {
    const Node& t = m_nodes[targets[i]];
    e.details.push_back(fmt::format("installed {} requires '{}' {}{}", id_of(id), t.name, ranges[i]->range.raw(),
                                    detail::at(n.selected->location_of(*ranges[i]))));
    e.details.push_back(
        fmt::format("{} changes to {}: {}", t.name, t.selected->version.to_string(), explain(targets[i])));
  }
  for (auto it = n.versions->rbegin(); it != n.versions->rend(); ++it) {
    const auto& m = *it;
    if (n.installed != nullptr && m.version == n.installed->version) {
      continue;
    }
    if (n.installed != nullptr && m.version < n.installed->version && m_options.allow_downgrade == AllowDowngrade::no) {
      e.details.push_back(fmt::format("{} would be a downgrade", m.id()));
      continue;
    }
    if (!acceptable_candidate(n, Keyed{&m.version, manifest::release_key(m.version)})) {
      e.details.push_back(fmt::format("{} is excluded: {}", m.id(), exclusion(n, m.version)));
      continue;
    }
    for (const auto& dep : m.dependencies) {
      const Index t = find(dep.name);
      if (t != k_none && m_nodes[t].changed && !dep.range.satisfies(m_nodes[t].selected->version)) {
        e.details.push_back(
            fmt::format("{} requires '{}' {}{}", m.id(), dep.name, dep.range.raw(), detail::at(m.location_of(dep))));
      }
    }
  }
  for (Index c = n.constraints.head; c != k_none; c = m_constraints[c].next) {
    const auto* constraint = m_constraints[c].constraint;
    e.details.push_back(fmt::format("constraint '{}@{}'", constraint->name, constraint->range.raw()));
  }
  return e;
}

Error Resolver::downgrade(Index id, const manifest::Manifest& best) const
{
  const Node& n = m_nodes[id];
  Error e(ErrorCode::downgrade_refused, fmt::format("'{}' would have to be downgraded from {} to {}", n.name,
                                                    n.installed->version.to_string(), best.version.to_string()));
  e.details = demand_lines(id);
  e.details.push_back("downgrades are not allowed unless explicitly permitted");
  return e;
}

// Drops new installs that no remaining change needs (their demanders moved
// to other versions during the fixpoint).
} // namespace noodle::graph::detail

namespace noodle::graph {

std::string Change::explanation() const
{
  detail::TextBuffer out;
  detail::put_why(out, why, name, from ? &*from : nullptr);
  return std::string(out.view());
}

} // namespace noodle::graph
