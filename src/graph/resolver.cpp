// SPDX-License-Identifier: Apache-2.0
#include <noodle/graph/resolver.hpp>

#include <noodle/graph/suggest.hpp>

#include "common.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cstdint>
#include <deque>
#include <limits>
#include <queue>
#include <unordered_map>

namespace noodle::graph {

std::string_view to_string(ChangeReason reason)
{
  switch (reason) {
  case ChangeReason::requested: return "requested";
  case ChangeReason::dependency: return "dependency";
  case ChangeReason::dependent: return "dependent";
  }
  return "requested";
}

namespace {

using Index = std::uint32_t;
constexpr Index k_no_index = std::numeric_limits<Index>::max();
constexpr int k_no_priority = std::numeric_limits<int>::min();
// A component whose choice keeps moving is a conflict the greedy choice
// cannot settle; this bounds the fixpoint.
constexpr std::uint32_t k_max_reselections = 16;

// What a changed component's manifest asks of another. Live only while the
// source is still changed and still at that manifest.
struct Demand {
  Index source;
  const manifest::Manifest* manifest;
  const manifest::Dependency* dependency;
};

// An installed component's manifest asking something of another.
struct InstalledDependent {
  Index source;
  const manifest::Dependency* dependency;
};

enum class Mode { requested, dependency, dependent };

struct Node {
  std::string_view name;
  const std::vector<manifest::Manifest>* versions = nullptr; // nullptr when not in the catalog
  const state::InstalledComponent* installed = nullptr;
  const manifest::Manifest* installed_manifest = nullptr;
  // The manifest of the version this component ends at; for an untouched
  // installed component, its installed manifest (nullptr when the catalog
  // lacks it); nullptr for an absent component.
  const manifest::Manifest* selected = nullptr;
  std::vector<Demand> demands;
  std::vector<InstalledDependent> installed_dependents;
  std::vector<const Constraint*> constraints;
  const semver::Version* pinned = nullptr;
  bool requested = false;
  bool chosen = false; // an unversioned request has been settled once
  int priority = k_no_priority;
  Mode origin = Mode::dependency;
  bool has_origin = false;
  Index trigger = k_no_index; // for a dependent: the dependency whose new version it rejected
  const manifest::Dependency* trigger_dependency = nullptr;
  std::vector<Index> triggered; // dependents this component's change moved
  std::uint32_t reselections = 0;
  bool queued = false;

  bool present() const { return selected != nullptr || installed != nullptr; }
  bool changed() const
  {
    return selected != nullptr && (installed == nullptr || selected->version != installed->version);
  }
  const semver::Version* version() const
  {
    if (selected != nullptr) {
      return &selected->version;
    }
    return installed != nullptr ? &installed->version : nullptr;
  }
};

std::string range_at(const manifest::Dependency& dep)
{
  return dep.where.known() ? fmt::format("range {}, {}", dep.range.raw(), dep.where.to_string())
                           : fmt::format("range {}", dep.range.raw());
}

class Resolver {
public:
  Resolver(const manifest::Catalog& catalog, const state::InstalledState& installed, const ResolveOptions& options)
    : m_catalog(catalog), m_installed(installed), m_options(options)
  {
  }

  Result<Resolution> run(const std::vector<Request>& requests);

private:
  Index node_of(std::string_view name);
  Index find(std::string_view name) const;
  void enqueue(Index id);

  Result<void> seed_requests(const std::vector<Request>& requests);
  Result<void> process(Index id);
  Result<void> select(Index id, const manifest::Manifest* manifest, Mode mode);
  Result<void> choose(Index id, Mode mode);

  bool live(const Demand& d) const
  {
    const Node& s = m_nodes[d.source];
    return s.selected == d.manifest && s.changed();
  }
  bool acceptable(const Node& n, const semver::Version& v) const;
  bool acceptable_candidate(const Node& n, const semver::Version& v) const;
  bool accepts_changed(const manifest::Manifest& m) const;
  bool accepted_by_installed(const Node& n, const semver::Version& v) const;
  std::vector<const manifest::Dependency*> rejected_changes(const manifest::Manifest& m, std::vector<Index>* who) const;

  std::string id_of(Index id) const;
  std::string explain(Index id) const;
  std::vector<std::string> demand_lines(Index id) const;
  Error unsatisfiable(Index id) const;
  Error dependent_conflict(Index id, const std::vector<Index>& targets,
                           const std::vector<const manifest::Dependency*>& ranges) const;
  Error downgrade(Index id, const manifest::Manifest& best) const;

  void prune();
  void propagate_priorities();
  Result<std::vector<Index>> order();

  const manifest::Catalog& m_catalog;
  const state::InstalledState& m_installed;
  const ResolveOptions& m_options;
  std::vector<Node> m_nodes;
  std::unordered_map<std::string_view, Index> m_index;
  std::deque<Index> m_queue;
};

Index Resolver::find(std::string_view name) const
{
  auto it = m_index.find(name);
  return it == m_index.end() ? k_no_index : it->second;
}

Index Resolver::node_of(std::string_view name)
{
  if (auto it = m_index.find(name); it != m_index.end()) {
    return it->second;
  }
  Node n;
  n.name = name;
  if (auto it = m_catalog.components().find(name); it != m_catalog.components().end()) {
    n.name = it->first; // the catalog's key outlives any caller's buffer
    n.versions = &it->second;
  }
  if (auto it = m_installed.components.find(name); it != m_installed.components.end()) {
    n.name = it->first;
    n.installed = &it->second;
    n.installed_manifest = m_catalog.find(name, it->second.version);
    n.selected = n.installed_manifest;
  }
  const auto id = static_cast<Index>(m_nodes.size());
  m_nodes.push_back(std::move(n));
  m_index.emplace(m_nodes.back().name, id);
  return id;
}

void Resolver::enqueue(Index id)
{
  if (!m_nodes[id].queued) {
    m_nodes[id].queued = true;
    m_queue.push_back(id);
  }
}

bool Resolver::acceptable(const Node& n, const semver::Version& v) const
{
  if (n.pinned != nullptr && *n.pinned != v) {
    return false;
  }
  for (const auto* c : n.constraints) {
    if (!c->range.satisfies(v)) {
      return false;
    }
  }
  for (const auto& d : n.demands) {
    if (live(d) && !d.dependency->range.satisfies(v)) {
      return false;
    }
  }
  return true;
}

// A candidate prerelease must be asked for: pinned, or named by a range
// (ranges only match prereleases of the tuple they name).
bool Resolver::acceptable_candidate(const Node& n, const semver::Version& v) const
{
  if (!acceptable(n, v)) {
    return false;
  }
  if (!v.is_prerelease() || n.pinned != nullptr) {
    return true;
  }
  if (!n.constraints.empty()) {
    return true;
  }
  return std::any_of(n.demands.begin(), n.demands.end(), [&](const Demand& d) { return live(d); });
}

bool Resolver::accepts_changed(const manifest::Manifest& m) const
{
  for (const auto& dep : m.dependencies) {
    const Index t = find(dep.name);
    if (t != k_no_index && m_nodes[t].changed() && !dep.range.satisfies(m_nodes[t].selected->version)) {
      return false;
    }
  }
  return true;
}

bool Resolver::accepted_by_installed(const Node& n, const semver::Version& v) const
{
  for (const auto& d : n.installed_dependents) {
    if (!m_nodes[d.source].changed() && !d.dependency->range.satisfies(v)) {
      return false;
    }
  }
  return true;
}

std::vector<const manifest::Dependency*> Resolver::rejected_changes(const manifest::Manifest& m,
                                                                    std::vector<Index>* who) const
{
  std::vector<const manifest::Dependency*> out;
  for (const auto& dep : m.dependencies) {
    const Index t = find(dep.name);
    if (t != k_no_index && m_nodes[t].changed() && !dep.range.satisfies(m_nodes[t].selected->version)) {
      out.push_back(&dep);
      if (who != nullptr) {
        who->push_back(t);
      }
    }
  }
  return out;
}

Result<void> Resolver::seed_requests(const std::vector<Request>& requests)
{
  for (const auto& c : m_options.constraints) {
    const Index id = node_of(c.name);
    if (m_nodes[id].versions == nullptr && m_nodes[id].installed == nullptr) {
      Error e(ErrorCode::not_found, fmt::format("constraint names unknown component '{}'", c.name));
      if (auto hint = did_you_mean(m_catalog, c.name); !hint.empty()) {
        e.details.push_back(hint);
      }
      return fail(std::move(e));
    }
    m_nodes[id].constraints.push_back(&c);
  }

  for (const auto& r : requests) {
    const Index id = node_of(r.name);
    Node& n = m_nodes[id];
    if (n.versions == nullptr) {
      Error e(ErrorCode::not_found, n.installed != nullptr
                                      ? fmt::format("component '{}' has no manifest in the catalog", r.name)
                                      : fmt::format("unknown component '{}'", r.name));
      if (auto hint = did_you_mean(m_catalog, r.name); !hint.empty() && n.installed == nullptr) {
        e.details.push_back(hint);
      }
      return fail(std::move(e));
    }
    if (r.version) {
      const auto* m = m_catalog.find(r.name, *r.version);
      if (m == nullptr) {
        Error e(ErrorCode::not_found, fmt::format("unknown version '{}@{}'", r.name, r.version->to_string()));
        e.details.push_back(fmt::format("catalog versions of '{}': {}", r.name, detail::list_versions(*n.versions)));
        return fail(std::move(e));
      }
      if (n.pinned != nullptr && *n.pinned != *r.version) {
        Error e(ErrorCode::unsatisfiable, fmt::format("conflicting requests for '{}': {} and {}", r.name,
                                                      n.pinned->to_string(), r.version->to_string()));
        return fail(std::move(e));
      }
      if (n.installed != nullptr && m->version < n.installed->version &&
          m_options.allow_downgrade == AllowDowngrade::no) {
        Error e(ErrorCode::downgrade_refused,
                fmt::format("requested '{}' is older than the installed version {}", m->id(),
                            n.installed->version.to_string()));
        e.details.push_back("downgrades are not allowed unless explicitly permitted");
        return fail(std::move(e));
      }
      n.pinned = &m->version;
    }
    n.requested = true;
    n.priority = std::max(n.priority, r.priority);
    if (!n.has_origin) {
      n.origin = Mode::requested;
      n.has_origin = true;
    }
    enqueue(id);
  }
  return {};
}

Result<void> Resolver::process(Index id)
{
  m_nodes[id].queued = false;
  const Node& n = m_nodes[id];

  if (n.requested) {
    if (n.pinned == nullptr && !n.chosen) {
      return choose(id, Mode::requested);
    }
    if (n.present() && acceptable(n, *n.version()) && (n.pinned == nullptr || *n.version() == *n.pinned)) {
      return {};
    }
    return choose(id, Mode::requested);
  }

  if (n.present() && acceptable(n, *n.version())) {
    if (n.changed() || n.selected == nullptr) {
      return {};
    }
    // Untouched installed component: does it still accept what changed below it?
    if (rejected_changes(*n.selected, nullptr).empty()) {
      return {};
    }
    return choose(id, Mode::dependent);
  }
  if (!n.present() && std::none_of(n.demands.begin(), n.demands.end(), [&](const Demand& d) { return live(d); })) {
    return {}; // whatever asked for it has moved on
  }
  return choose(id, Mode::dependency);
}

Result<void> Resolver::choose(Index id, Mode mode)
{
  const Node& n = m_nodes[id];
  if (n.versions == nullptr) {
    return fail(unsatisfiable(id));
  }
  const bool allow_down = m_options.allow_downgrade == AllowDowngrade::yes;
  const manifest::Manifest* best = nullptr;
  const manifest::Manifest* refused_downgrade = nullptr;
  int best_tier = 4;
  for (auto it = n.versions->rbegin(); it != n.versions->rend() && best_tier > 0; ++it) {
    const manifest::Manifest& m = *it;
    if (!acceptable_candidate(n, m.version)) {
      continue;
    }
    if (!allow_down && n.installed != nullptr && m.version < n.installed->version) {
      if (refused_downgrade == nullptr) {
        refused_downgrade = &m;
      }
      continue;
    }
    if (mode == Mode::requested) {
      // The request names this component: take the newest it allows and let
      // dependents follow.
      best = &m;
      break;
    }
    const bool accepts = accepts_changed(m);
    if (mode == Mode::dependent && !accepts) {
      continue;
    }
    const bool soft = accepted_by_installed(n, m.version);
    const int tier = accepts ? (soft ? 0 : 1) : (soft ? 2 : 3);
    if (tier < best_tier) {
      best = &m;
      best_tier = tier;
    }
  }

  if (best == nullptr) {
    if (mode == Mode::requested && n.pinned == nullptr && n.present() && acceptable(n, *n.version())) {
      m_nodes[id].chosen = true; // nothing newer is allowed; stays
      return {};
    }
    if (mode == Mode::dependent) {
      std::vector<Index> targets;
      auto ranges = rejected_changes(*n.selected, &targets);
      return fail(dependent_conflict(id, targets, ranges));
    }
    if (refused_downgrade != nullptr) {
      return fail(downgrade(id, *refused_downgrade));
    }
    return fail(unsatisfiable(id));
  }
  m_nodes[id].chosen = true;
  if (best == n.selected) {
    return {};
  }
  if (mode == Mode::dependent) {
    std::vector<Index> targets;
    auto ranges = rejected_changes(*n.selected, &targets);
    if (!targets.empty() && m_nodes[id].trigger == k_no_index) {
      m_nodes[id].trigger = targets.front();
      m_nodes[id].trigger_dependency = ranges.front();
      m_nodes[targets.front()].triggered.push_back(id);
    }
  }
  return select(id, best, mode);
}

Result<void> Resolver::select(Index id, const manifest::Manifest* manifest, Mode mode)
{
  {
    Node& n = m_nodes[id];
    if (++n.reselections > k_max_reselections) {
      Error e = unsatisfiable(id);
      e.message = fmt::format("no stable choice for '{}': the demands on it keep changing", n.name);
      return fail(std::move(e));
    }
    n.selected = manifest;
    if (!n.has_origin) {
      n.origin = mode;
      n.has_origin = true;
    }
    if (!n.changed()) {
      return {};
    }
  }
  for (const auto& dep : manifest->dependencies) {
    const Index t = node_of(dep.name);
    Node& target = m_nodes[t];
    if (target.versions == nullptr && target.installed == nullptr) {
      Error e(ErrorCode::missing_dependency,
              fmt::format("'{}' depends on unknown component '{}'", manifest->id(), dep.name), dep.where);
      e.details.push_back(fmt::format("'{}' requires '{}' {}", manifest->id(), dep.name, range_at(dep)));
      e.details.push_back(fmt::format("'{}' is neither in the catalog nor installed", dep.name));
      if (auto hint = did_you_mean(m_catalog, dep.name); !hint.empty()) {
        e.details.push_back(hint);
      }
      e.details.push_back(fmt::format("'{}' is chosen because: {}", manifest->id(), explain(id)));
      return fail(std::move(e));
    }
    target.demands.push_back(Demand{id, manifest, &dep});
    enqueue(t);
  }
  for (const auto& d : m_nodes[id].installed_dependents) {
    const Node& source = m_nodes[d.source];
    if (!source.changed() && source.selected != nullptr && !d.dependency->range.satisfies(manifest->version)) {
      enqueue(d.source);
    }
  }
  return {};
}

std::string Resolver::id_of(Index id) const
{
  const Node& n = m_nodes[id];
  const auto* v = n.version();
  return v != nullptr ? fmt::format("{}@{}", n.name, v->to_string()) : std::string(n.name);
}

std::string Resolver::explain(Index id) const
{
  const Node& n = m_nodes[id];
  switch (n.origin) {
  case Mode::requested:
    return n.pinned != nullptr ? std::string("requested") : std::string("requested (newest allowed version)");
  case Mode::dependent:
    if (n.trigger != k_no_index && n.trigger_dependency != nullptr && n.installed != nullptr) {
      const Node& t = m_nodes[n.trigger];
      return fmt::format("{} changes to {}, but installed {}@{} requires {} {}{}", t.name,
                         t.selected->version.to_string(), n.name, n.installed->version.to_string(), t.name,
                         n.trigger_dependency->range.raw(), detail::at(n.trigger_dependency->where));
    }
    return "an installed dependent requires it";
  case Mode::dependency: break;
  }
  std::string text;
  auto add = [&](const Demand& d) {
    if (!text.empty()) {
      text += "; ";
    }
    text += fmt::format("required by {} ({})", d.manifest->id(), range_at(*d.dependency));
  };
  for (const auto& d : n.demands) {
    // For an upgrade, only the demands the installed version fails say why.
    if (live(d) && (n.installed == nullptr || !d.dependency->range.satisfies(n.installed->version))) {
      add(d);
    }
  }
  if (text.empty()) {
    for (const auto& d : n.demands) {
      if (live(d)) {
        add(d);
      }
    }
  }
  return text.empty() ? std::string("required by a dependency") : text;
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
  for (const auto& d : n.demands) {
    if (live(d)) {
      lines.push_back(fmt::format("required by {}: '{}' {}{}", d.manifest->id(), n.name, d.dependency->range.raw(),
                                  detail::at(d.dependency->where)));
    }
  }
  for (const auto* c : n.constraints) {
    lines.push_back(fmt::format("constraint '{}@{}'", c->name, c->range.raw()));
  }
  for (const auto& d : n.installed_dependents) {
    if (!m_nodes[d.source].changed()) {
      lines.push_back(fmt::format("installed {} requires '{}' {}{}", id_of(d.source), n.name,
                                  d.dependency->range.raw(), detail::at(d.dependency->where)));
    }
  }
  lines.push_back(fmt::format("catalog versions of '{}': {}", n.name,
                              n.versions != nullptr ? detail::list_versions(*n.versions) : std::string("none")));
  if (n.installed != nullptr) {
    lines.push_back(fmt::format("installed version: {}", n.installed->version.to_string()));
  }
  return lines;
}

Error Resolver::unsatisfiable(Index id) const
{
  const Node& n = m_nodes[id];
  Error e(ErrorCode::unsatisfiable, fmt::format("no version of '{}' satisfies every demand", n.name));
  for (const auto& d : n.demands) {
    if (live(d) && d.dependency->where.known()) {
      e.where = d.dependency->where;
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
  if (!ranges.empty()) {
    e.where = ranges.front()->where;
  }
  for (std::size_t i = 0; i < targets.size(); ++i) {
    e.details.push_back(fmt::format("installed {} requires '{}' {}{}", id_of(id), m_nodes[targets[i]].name,
                                    ranges[i]->range.raw(), detail::at(ranges[i]->where)));
    e.details.push_back(fmt::format("{} changes to {}: {}", m_nodes[targets[i]].name,
                                    m_nodes[targets[i]].selected->version.to_string(), explain(targets[i])));
  }
  for (auto it = n.versions->rbegin(); it != n.versions->rend(); ++it) {
    const auto& m = *it;
    if (n.installed != nullptr && m.version == n.installed->version) {
      continue;
    }
    if (n.installed != nullptr && m.version < n.installed->version &&
        m_options.allow_downgrade == AllowDowngrade::no) {
      e.details.push_back(fmt::format("{} would be a downgrade", m.id()));
      continue;
    }
    if (!acceptable_candidate(n, m.version)) {
      e.details.push_back(fmt::format("{} is excluded by the demands on '{}'", m.id(), n.name));
      continue;
    }
    for (const auto& dep : m.dependencies) {
      const Index t = find(dep.name);
      if (t != k_no_index && m_nodes[t].changed() && !dep.range.satisfies(m_nodes[t].selected->version)) {
        e.details.push_back(fmt::format("{} requires '{}' {}{}", m.id(), dep.name, dep.range.raw(),
                                        detail::at(dep.where)));
      }
    }
  }
  for (const auto* c : n.constraints) {
    e.details.push_back(fmt::format("constraint '{}@{}'", c->name, c->range.raw()));
  }
  return e;
}

Error Resolver::downgrade(Index id, const manifest::Manifest& best) const
{
  const Node& n = m_nodes[id];
  Error e(ErrorCode::downgrade_refused,
          fmt::format("'{}' would have to be downgraded from {} to {}", n.name, n.installed->version.to_string(),
                      best.version.to_string()));
  e.details = demand_lines(id);
  e.details.push_back("downgrades are not allowed unless explicitly permitted");
  return e;
}

// Drops new installs that no remaining change needs (their demanders moved
// to other versions during the fixpoint).
void Resolver::prune()
{
  std::vector<char> needed(m_nodes.size(), 0);
  std::vector<Index> stack;
  for (Index i = 0; i < m_nodes.size(); ++i) {
    const Node& n = m_nodes[i];
    if (n.changed() && (n.requested || n.installed != nullptr)) {
      needed[i] = 1;
      stack.push_back(i);
    }
  }
  while (!stack.empty()) {
    const Index i = stack.back();
    stack.pop_back();
    for (const auto& dep : m_nodes[i].selected->dependencies) {
      const Index t = find(dep.name);
      if (t != k_no_index && !needed[t] && m_nodes[t].changed()) {
        needed[t] = 1;
        stack.push_back(t);
      }
    }
  }
  for (Index i = 0; i < m_nodes.size(); ++i) {
    if (m_nodes[i].changed() && !needed[i]) {
      m_nodes[i].selected = nullptr;
    }
  }
}

// A dependency inherits the highest priority of what pulls it in; priorities
// only grow, so this settles.
void Resolver::propagate_priorities()
{
  std::vector<Index> stack;
  for (Index i = 0; i < m_nodes.size(); ++i) {
    if (m_nodes[i].changed() && m_nodes[i].requested) {
      stack.push_back(i);
    }
  }
  auto raise = [&](Index t, int priority) {
    if (m_nodes[t].changed() && m_nodes[t].priority < priority) {
      m_nodes[t].priority = priority;
      stack.push_back(t);
    }
  };
  while (!stack.empty()) {
    const Index i = stack.back();
    stack.pop_back();
    const int priority = m_nodes[i].priority;
    for (const auto& dep : m_nodes[i].selected->dependencies) {
      if (const Index t = find(dep.name); t != k_no_index) {
        raise(t, priority);
      }
    }
    for (Index d : m_nodes[i].triggered) {
      raise(d, priority);
    }
  }
  for (auto& n : m_nodes) {
    if (n.priority == k_no_priority) {
      n.priority = 0;
    }
  }
}

// Kahn's algorithm over the changed components and everything they depend
// on in the final state (unchanged ones still carry order through them).
Result<std::vector<Index>> Resolver::order()
{
  std::vector<Index> local(m_nodes.size(), k_no_index);
  std::vector<Index> members;
  for (Index i = 0; i < m_nodes.size(); ++i) {
    if (m_nodes[i].changed()) {
      local[i] = static_cast<Index>(members.size());
      members.push_back(i);
    }
  }
  // Dependency lists in one flat array (member k's at offsets[k]..offsets[k+1]).
  std::vector<Index> offsets{0};
  std::vector<Index> deps;
  for (std::size_t k = 0; k < members.size(); ++k) {
    const auto* m = m_nodes[members[k]].selected;
    if (m != nullptr) {
      for (const auto& dep : m->dependencies) {
        const Index t = node_of(dep.name);
        if (!m_nodes[t].present()) {
          continue;
        }
        if (local.size() < m_nodes.size()) {
          local.resize(m_nodes.size(), k_no_index);
        }
        if (local[t] == k_no_index) {
          local[t] = static_cast<Index>(members.size());
          members.push_back(t);
        }
        deps.push_back(local[t]);
      }
    }
    offsets.push_back(static_cast<Index>(deps.size()));
  }

  const std::size_t count = members.size();
  std::vector<Index> pending(count, 0);
  std::vector<Index> rev_offsets(count + 1, 0);
  for (std::size_t k = 0; k < count; ++k) {
    pending[k] = offsets[k + 1] - offsets[k];
    for (Index e = offsets[k]; e < offsets[k + 1]; ++e) {
      ++rev_offsets[deps[e] + 1];
    }
  }
  for (std::size_t k = 0; k < count; ++k) {
    rev_offsets[k + 1] += rev_offsets[k];
  }
  std::vector<Index> dependents(deps.size());
  {
    std::vector<Index> fill(rev_offsets.begin(), rev_offsets.end() - 1);
    for (std::size_t k = 0; k < count; ++k) {
      for (Index e = offsets[k]; e < offsets[k + 1]; ++e) {
        dependents[fill[deps[e]]++] = static_cast<Index>(k);
      }
    }
  }

  // Unchanged components first (they emit nothing and may free changes),
  // then higher priority, then name.
  auto later = [&](Index a, Index b) {
    const Node& na = m_nodes[members[a]];
    const Node& nb = m_nodes[members[b]];
    const bool ca = na.changed();
    const bool cb = nb.changed();
    if (ca != cb) {
      return ca;
    }
    if (na.priority != nb.priority) {
      return na.priority < nb.priority;
    }
    return na.name > nb.name;
  };
  std::priority_queue<Index, std::vector<Index>, decltype(later)> ready(later);
  for (Index k = 0; k < count; ++k) {
    if (pending[k] == 0) {
      ready.push(k);
    }
  }
  std::vector<Index> out;
  std::size_t done = 0;
  while (!ready.empty()) {
    const Index k = ready.top();
    ready.pop();
    ++done;
    if (m_nodes[members[k]].changed()) {
      out.push_back(members[k]);
    }
    for (Index e = rev_offsets[k]; e < rev_offsets[k + 1]; ++e) {
      if (--pending[dependents[e]] == 0) {
        ready.push(dependents[e]);
      }
    }
  }
  if (done == count) {
    return out;
  }

  // A cycle: walk unfinished dependencies from the smallest unfinished name
  // until a component repeats.
  Index start = k_no_index;
  for (Index k = 0; k < count; ++k) {
    if (pending[k] != 0 && (start == k_no_index || m_nodes[members[k]].name < m_nodes[members[start]].name)) {
      start = k;
    }
  }
  std::vector<Index> path;
  std::unordered_map<Index, std::size_t> position;
  Index at = start;
  while (position.find(at) == position.end()) {
    position.emplace(at, path.size());
    path.push_back(at);
    Index next = k_no_index;
    for (Index e = offsets[at]; e < offsets[at + 1]; ++e) {
      const Index t = deps[e];
      if (pending[t] != 0 && (next == k_no_index || m_nodes[members[t]].name < m_nodes[members[next]].name)) {
        next = t;
      }
    }
    at = next;
  }
  std::vector<Index> cycle(path.begin() + static_cast<std::ptrdiff_t>(position[at]), path.end());
  auto smallest = std::min_element(cycle.begin(), cycle.end(), [&](Index a, Index b) {
    return m_nodes[members[a]].name < m_nodes[members[b]].name;
  });
  std::rotate(cycle.begin(), smallest, cycle.end());

  std::string text;
  for (Index k : cycle) {
    text += fmt::format("{} -> ", m_nodes[members[k]].name);
  }
  text += m_nodes[members[cycle.front()]].name;
  Error e(ErrorCode::dependency_cycle, fmt::format("dependency cycle: {}", text));
  for (std::size_t i = 0; i < cycle.size(); ++i) {
    const Index from = members[cycle[i]];
    const std::string_view to = m_nodes[members[cycle[(i + 1) % cycle.size()]]].name;
    for (const auto& dep : m_nodes[from].selected->dependencies) {
      if (dep.name == to) {
        if (!e.where && dep.where.known()) {
          e.where = dep.where;
        }
        e.details.push_back(fmt::format("{} requires '{}' {}{}", id_of(from), to, dep.range.raw(),
                                        detail::at(dep.where)));
        break;
      }
    }
  }
  return fail(std::move(e));
}

Result<Resolution> Resolver::run(const std::vector<Request>& requests)
{
  m_nodes.reserve(m_installed.components.size() + requests.size() * 4 + 16);
  m_index.reserve(m_installed.components.size() + requests.size() * 4 + 16);
  for (const auto& [name, component] : m_installed.components) {
    node_of(name);
  }
  // Who among the installed components depends on what.
  const auto installed_count = static_cast<Index>(m_nodes.size());
  for (Index i = 0; i < installed_count; ++i) {
    if (const auto* m = m_nodes[i].installed_manifest) {
      for (const auto& dep : m->dependencies) {
        const Index t = node_of(dep.name);
        m_nodes[t].installed_dependents.push_back(InstalledDependent{i, &dep});
      }
    }
  }

  if (auto ok = seed_requests(requests); !ok) {
    return fail(std::move(ok.error()));
  }
  while (!m_queue.empty()) {
    const Index id = m_queue.front();
    m_queue.pop_front();
    if (auto ok = process(id); !ok) {
      return fail(std::move(ok.error()));
    }
  }
  prune();
  propagate_priorities();
  auto sequence = order();
  if (!sequence) {
    return fail(std::move(sequence.error()));
  }

  Resolution resolution;
  resolution.changes.reserve(sequence->size());
  for (Index id : *sequence) {
    const Node& n = m_nodes[id];
    Change c;
    c.name = std::string(n.name);
    if (n.installed != nullptr) {
      c.from = n.installed->version;
    }
    c.to = n.selected->version;
    c.reason = n.origin == Mode::requested    ? ChangeReason::requested
               : n.origin == Mode::dependent ? ChangeReason::dependent
                                             : ChangeReason::dependency;
    c.explanation = explain(id);
    c.manifest = n.selected;
    c.priority = n.priority;
    resolution.changes.push_back(std::move(c));
  }
  for (const auto& r : requests) {
    const Index id = find(r.name);
    const Node& n = m_nodes[id];
    if (!n.changed() && n.installed != nullptr) {
      auto note = fmt::format("{}@{} is already installed", n.name, n.installed->version.to_string());
      if (!r.version) {
        note += " and is the newest allowed version";
      }
      if (std::find(resolution.notes.begin(), resolution.notes.end(), note) == resolution.notes.end()) {
        resolution.notes.push_back(std::move(note));
      }
    }
  }
  if (!resolution.changes.empty()) {
    for (const auto& [name, component] : m_installed.components) {
      if (m_catalog.find(name, component.version) == nullptr) {
        resolution.notes.push_back(fmt::format(
          "installed {}@{} has no manifest in the catalog, so what it depends on was not checked", name,
          component.version.to_string()));
      }
    }
  }
  return resolution;
}

} // namespace

Result<Resolution> resolve(const manifest::Catalog& catalog, const state::InstalledState& installed,
                           const std::vector<Request>& requests, const ResolveOptions& options)
{
  Resolver resolver(catalog, installed, options);
  return resolver.run(requests);
}

} // namespace noodle::graph
