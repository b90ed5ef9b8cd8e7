// SPDX-License-Identifier: Apache-2.0
#include <noodle/graph/resolver.hpp>

#include <noodle/graph/suggest.hpp>
#include <noodle/util/beside.hpp>
#include <noodle/util/prefault.hpp>

#include "common.hpp"
#include "resolver_impl.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <thread>
#include <vector>

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

namespace detail {

Index Resolver::add_node(const Node& node)
{
  const auto id = static_cast<Index>(m_nodes.size());
  m_nodes.push_back(node);
  m_nodes.back().prefix = name_prefix(node.name);
  m_live.push_back(node.changed ? node.selected : nullptr);
  m_live_key.push_back(node.selected_key);
  m_queued.push_back(0);
  if (node.component != manifest::k_no_component) {
    m_node_of_component[node.component] = id;
  } else {
    m_names.insert(hash_name(node.name), id);
  }
  return id;
}

Index Resolver::find(std::string_view name) const
{
  const manifest::ComponentId c = m_catalog.id_of(name);
  if (c != manifest::k_no_component) {
    return m_node_of_component[c];
  }
  return m_names.find(name, hash_name(name), m_nodes);
}

Index Resolver::node_of(manifest::ComponentId component)
{
  if (const Index id = m_node_of_component[component]; id != k_none) {
    return id;
  }
  Node n;
  n.name = m_catalog.name_of(component); // the catalog's name outlives any caller's buffer
  n.component = component;
  n.versions = m_catalog.versions_of(component);
  n.first_version = m_catalog.version_span(component).data();
  // Installed components were all added up front.
  return add_node(n);
}

Index Resolver::node_of(std::string_view name)
{
  const manifest::ComponentId c = m_catalog.id_of(name);
  if (c != manifest::k_no_component) {
    return node_of(c);
  }
  if (const Index id = m_names.find(name, hash_name(name), m_nodes); id != k_none) {
    return id;
  }
  Node n;
  n.name = name;
  return add_node(n);
}

// Every installed component becomes a node first, in name order.
void Resolver::seed_installed()
{
  // Who among the installed components depends on what: each installed
  // manifest's dependencies are read here, while its index entry is in
  // cache from the search, and laid out below as one run per node.
  struct Edge {
    Index source;
    manifest::DependencyRef ref;
    std::uint32_t index;
  };
  std::vector<Edge> edges;
  const std::size_t count = m_installed.components.size();
  edges.reserve(2 * count); // a guess: may grow past it
  // The names are looked up in one batch, and each component's index entry
  // and versions are fetched a few components ahead of their use.
  std::vector<std::string_view> names;
  std::vector<const state::InstalledComponent*> components;
  names.reserve(count);
  components.reserve(count);
  for (const auto& [name, component] : m_installed.components) {
    names.push_back(name);
    components.push_back(&component);
  }
  std::vector<manifest::ComponentId> ids(count);
  m_catalog.ids_of(names, ids);
  constexpr std::size_t k_ahead = 8;
  for (std::size_t at = 0; at < count; ++at) {
    if (at + k_ahead < count && ids[at + k_ahead] != manifest::k_no_component) {
      m_catalog.prefetch(ids[at + k_ahead], manifest::Catalog::IndexPart::entry);
    }
    if (at + k_ahead / 2 < count && ids[at + k_ahead / 2] != manifest::k_no_component) {
      m_catalog.prefetch(ids[at + k_ahead / 2], manifest::Catalog::IndexPart::versions);
    }
    const state::InstalledComponent& component = *components[at];
    Node n;
    n.name = names[at];
    n.installed = &component;
    n.component = ids[at];
    if (n.component != manifest::k_no_component) {
      n.versions = m_catalog.versions_of(n.component);
      n.first_version = m_catalog.version_span(n.component).data();
    }
    n.installed_key = manifest::release_key(component.version);
    if (n.versions != nullptr) {
      // A binary search by key, reading versions only where keys cannot tell.
      const auto versions = m_catalog.version_span(n.component);
      const Keyed wanted{&component.version, n.installed_key};
      std::size_t low = 0;
      std::size_t high = versions.size();
      while (low < high) {
        const std::size_t mid = low + (high - low) / 2;
        if (less(Keyed{&versions[mid].version, m_catalog.release_key_of(n.component, mid)}, wanted)) {
          low = mid + 1;
        } else {
          high = mid;
        }
      }
      if (low < versions.size()
          && same(Keyed{&versions[low].version, m_catalog.release_key_of(n.component, low)}, wanted)) {
        n.installed_manifest = &versions[low];
        const auto source = static_cast<Index>(m_nodes.size());
        const auto refs = m_catalog.dependencies_of(n.component, low);
        for (std::size_t k = 0; k < refs.size(); ++k) {
          edges.push_back(Edge{source, refs[k], static_cast<std::uint32_t>(k)});
        }
      }
    }
    n.selected = n.installed_manifest;
    n.selected_key = n.installed_key;
    add_node(n);
  }
  // Nodes for the targets, made in the order the edges name them; then
  // the runs, laid out by counting, keep the order of (source, dependency).
  std::vector<Index> target(edges.size());
  for (std::size_t e = 0; e < edges.size(); ++e) {
    target[e] = node_of(edges[e].ref.component);
  }
  std::vector<Index> start(m_nodes.size() + 1, 0);
  for (const Index t : target) {
    ++start[t + 1];
  }
  for (std::size_t t = 0; t < m_nodes.size(); ++t) {
    start[t + 1] += start[t];
  }
  m_dependents.resize(edges.size());
  for (std::size_t t = 0; t < m_nodes.size(); ++t) {
    m_nodes[t].dependents = Run{start[t], start[t + 1]};
  }
  for (std::size_t e = 0; e < edges.size(); ++e) {
    m_dependents[start[target[e]]++] = InstalledDependent{edges[e].source, edges[e].ref.range, edges[e].index};
  }
}

void Resolver::enqueue(Index id)
{
  if (m_queued[id] == 0) {
    m_queued[id] = 1;
    m_queue.push_back(id);
  }
}

void Resolver::set_selected(Index id, const manifest::Manifest* manifest)
{
  Node& n = m_nodes[id];
  n.selected = manifest;
  n.verified = k_none;
  n.selected_key = manifest != nullptr ? key_of(n, *manifest) : k_no_release_key;
  n.changed = manifest != nullptr
              && (n.installed == nullptr
                  || !same(Keyed{&manifest->version, n.selected_key}, Keyed{&n.installed->version, n.installed_key}));
  m_live[id] = n.changed ? manifest : nullptr;
  m_live_key[id] = n.selected_key;
}

// `m` is one of `id`'s versions.
void Resolver::lookup(Index id, const manifest::Manifest& m, std::vector<Index>& out)
{
  out.clear();
  for (const auto& ref : dependencies_of(m_nodes[id], m)) {
    out.push_back(node_of(ref.component));
    prefetch(&m_nodes[out.back()]); // select() reads it if `m` is chosen
  }
}

// The nodes the selected manifest's dependencies name, looked up once;
// empty when nothing is selected.
std::span<const Index> Resolver::targets(Index id)
{
  const auto* m = m_nodes[id].selected;
  if (m == nullptr) {
    return {};
  }
  if (m_nodes[id].targets_of != m) {
    const auto begin = static_cast<Index>(m_targets.size());
    for (const auto& ref : dependencies_of(m_nodes[id], *m)) {
      const Index t = node_of(ref.component);
      m_targets.push_back(t);
    }
    Node& n = m_nodes[id];
    n.targets_of = m;
    n.targets_begin = begin;
    n.targets_count = static_cast<Index>(m_targets.size() - begin);
  }
  return {m_targets.data() + m_nodes[id].targets_begin, m_nodes[id].targets_count};
}

bool Resolver::any_live(const Node& n) const
{
  for (Index d = n.demands.head; d != k_none; d = m_demands[d].next) {
    if (live(m_demands[d])) {
      return true;
    }
  }
  return false;
}

bool Resolver::acceptable(const Node& n, Keyed keyed) const
{
  const semver::Version& v = *keyed.version;
  if (n.pinned != nullptr && *n.pinned != v) {
    return false;
  }
  for (Index c = n.constraints.head; c != k_none; c = m_constraints[c].next) {
    if (!m_constraints[c].constraint->range.satisfies(v)) {
      return false;
    }
  }
  for (Index d = n.demands.head; d != k_none; d = m_demands[d].next) {
    if (live(m_demands[d]) && !admits(m_demands[d].range, keyed)) {
      return false;
    }
  }
  return true;
}

// acceptable() for the current version, checking only the demands that
// arrived since the last check of the same selection.
bool Resolver::still_acceptable(Index id)
{
  Node& n = m_nodes[id];
  if (!n.present()) {
    return false;
  }
  const Keyed v = n.keyed();
  if (n.verified == k_none) {
    if (!acceptable(n, v)) {
      return false;
    }
  } else {
    for (Index d = m_demands[n.verified].next; d != k_none; d = m_demands[d].next) {
      if (live(m_demands[d]) && !admits(m_demands[d].range, v)) {
        return false;
      }
    }
  }
  n.verified = n.demands.tail;
  return true;
}

// A candidate prerelease must be asked for: pinned, or named by a range
// (ranges only match prereleases of the tuple they name).
bool Resolver::acceptable_candidate(const Node& n, Keyed v) const
{
  if (!acceptable(n, v)) {
    return false;
  }
  if (v.key != k_no_release_key || !v.version->is_prerelease() || n.pinned != nullptr
      || n.constraints.head != k_none) {
    return true;
  }
  return any_live(n);
}

bool Resolver::accepts_changed(Index id, const manifest::Manifest& m, const std::vector<Index>& dep_nodes) const
{
  const auto refs = dependencies_of(m_nodes[id], m);
  for (std::size_t i = 0; i < dep_nodes.size(); ++i) {
    const Index t = dep_nodes[i];
    if (m_live[t] != nullptr && !admits(refs[i].range, live_version(t))) {
      return false;
    }
  }
  return true;
}

bool Resolver::accepted_by_installed(const Node& n, Keyed v) const
{
  for (Index d = n.dependents.begin; d < n.dependents.end; ++d) {
    const auto& dep = m_dependents[d];
    if (m_live[dep.source] == nullptr && !admits(dep.range, v)) {
      return false;
    }
  }
  return true;
}

// The dependencies of `id`'s selected manifest that reject the new version
// of a changed component.
void Resolver::rejected_changes(Index id, std::vector<Index>& who, std::vector<const manifest::Dependency*>& ranges)
{
  const auto t = targets(id);
  const auto& deps = m_nodes[id].selected->dependencies;
  const auto refs = dependencies_of(m_nodes[id], *m_nodes[id].selected);
  for (std::size_t i = 0; i < deps.size(); ++i) {
    if (m_live[t[i]] != nullptr && !admits(refs[i].range, live_version(t[i]))) {
      who.push_back(t[i]);
      ranges.push_back(&deps[i]);
    }
  }
}

// Where the first of those is among the dependencies; k_npos when none.
std::size_t Resolver::first_rejected(Index id)
{
  const auto t = targets(id);
  const auto refs = dependencies_of(m_nodes[id], *m_nodes[id].selected);
  for (std::size_t i = 0; i < refs.size(); ++i) {
    if (m_live[t[i]] != nullptr && !admits(refs[i].range, live_version(t[i]))) {
      return i;
    }
  }
  return k_npos;
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
    append(m_constraints, m_nodes[id].constraints, ConstraintLink{&c, k_none});
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
        return fail(ErrorCode::unsatisfiable, fmt::format("conflicting requests for '{}': {} and {}", r.name,
                                                          n.pinned->to_string(), r.version->to_string()));
      }
      if (n.installed != nullptr && m->version < n.installed->version
          && m_options.allow_downgrade == AllowDowngrade::no) {
        Error e(ErrorCode::downgrade_refused, fmt::format("requested '{}' is older than the installed version {}",
                                                          m->id(), n.installed->version.to_string()));
        e.details.push_back("downgrades are not allowed unless explicitly permitted");
        return fail(std::move(e));
      }
      n.pinned = &m->version;
    }
    n.requested = true;
    n.priority = std::max(n.priority, r.priority);
    m_any_priority = m_any_priority || r.priority != 0;
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
  m_queued[id] = 0;
  const Node& n = m_nodes[id];

  if (n.requested) {
    if (n.pinned == nullptr && !n.chosen) {
      return choose(id, Mode::requested);
    }
    if (n.present() && acceptable(n, n.keyed()) && (n.pinned == nullptr || *n.version() == *n.pinned)) {
      return {};
    }
    return choose(id, Mode::requested);
  }

  if (still_acceptable(id)) {
    if (n.changed || n.selected == nullptr) {
      return {};
    }
    // Untouched installed component: does it still accept what changed below it?
    if (first_rejected(id) == k_npos) {
      return {};
    }
    return choose(id, Mode::dependent);
  }
  if (!n.present() && !any_live(n)) {
    return {}; // whatever asked for it has moved on
  }
  return choose(id, Mode::dependency);
}

Result<void> Resolver::choose(Index id, Mode mode)
{
  if (m_nodes[id].versions == nullptr) {
    return fail(unsatisfiable(id));
  }
  const bool allow_down = m_options.allow_downgrade == AllowDowngrade::yes;
  const manifest::Manifest* best = nullptr;
  const manifest::Manifest* refused_downgrade = nullptr;
  std::vector<Index>& best_targets = m_best_targets;
  best_targets.clear();
  int best_tier = 4;
  const auto versions = m_catalog.version_span(m_nodes[id].component);
  for (std::size_t at = versions.size(); at-- > 0 && best_tier > 0;) {
    const manifest::Manifest& m = versions[at];
    const Keyed candidate{&m.version, m_catalog.release_key_of(m_nodes[id].component, at)};
    const Node& n = m_nodes[id];
    if (!acceptable_candidate(n, candidate)) {
      continue;
    }
    if (!allow_down && n.installed != nullptr && less(candidate, Keyed{&n.installed->version, n.installed_key})) {
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
    // Preference: the candidate accepts what already changed, then the
    // installed dependents accept it (no further moves).
    lookup(id, m, m_scratch);
    const bool accepts = accepts_changed(id, m, m_scratch);
    if (mode == Mode::dependent && !accepts) {
      continue;
    }
    const bool soft = accepted_by_installed(m_nodes[id], candidate);
    const int tier = accepts ? (soft ? 0 : 1) : (soft ? 2 : 3);
    if (tier < best_tier) {
      best = &m;
      best_tier = tier;
      best_targets.swap(m_scratch);
    }
  }

  const Node& n = m_nodes[id];
  if (best == nullptr) {
    if (mode == Mode::requested && n.pinned == nullptr && n.present() && acceptable(n, n.keyed())) {
      m_nodes[id].chosen = true; // nothing newer is allowed; stays
      return {};
    }
    if (mode == Mode::dependent) {
      std::vector<Index> who;
      std::vector<const manifest::Dependency*> ranges;
      rejected_changes(id, who, ranges);
      return fail(dependent_conflict(id, who, ranges));
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
  if (mode == Mode::dependent && m_nodes[id].trigger == k_none) {
    if (const std::size_t k = first_rejected(id); k != k_npos) {
      const Index who = targets(id)[k];
      m_nodes[id].trigger = who;
      m_nodes[id].trigger_manifest = m_nodes[id].selected;
      m_nodes[id].trigger_index = static_cast<std::uint32_t>(k);
    }
  }
  return select(id, best, mode, best_targets.empty() && !best->dependencies.empty() ? nullptr : &best_targets);
}

Result<void> Resolver::select(Index id, const manifest::Manifest* manifest, Mode mode,
                              const std::vector<Index>* looked_up)
{
  {
    Node& n = m_nodes[id];
    if (++n.reselections > k_max_reselections) {
      Error e = unsatisfiable(id);
      e.message = fmt::format("no stable choice for '{}': the demands on it keep changing", n.name);
      return fail(std::move(e));
    }
    if (!n.has_origin) {
      n.origin = mode;
      n.has_origin = true;
    }
  }
  set_selected(id, manifest);
  if (!m_nodes[id].changed) {
    return {};
  }
  if (looked_up != nullptr) {
    m_nodes[id].targets_of = manifest;
    m_nodes[id].targets_begin = static_cast<Index>(m_targets.size());
    m_nodes[id].targets_count = static_cast<Index>(looked_up->size());
    m_targets.insert(m_targets.end(), looked_up->begin(), looked_up->end());
  }
  const auto t = targets(id);
  const auto refs = dependencies_of(m_nodes[id], *manifest);
  for (const Index target : t) {
    prefetch(&m_nodes[target]); // each is read below; let the reads overlap
  }
  for (std::size_t i = 0; i < refs.size(); ++i) {
    const Index target = t[i];
    if (m_nodes[target].versions == nullptr && m_nodes[target].installed == nullptr) {
      const auto& dep = manifest->dependencies[i];
      Error e(ErrorCode::missing_dependency,
              fmt::format("'{}' depends on unknown component '{}'", manifest->id(), dep.name),
              manifest->location_of(dep));
      e.details.push_back(fmt::format("'{}' requires '{}' {}", manifest->id(), dep.name, range_at(*manifest, dep)));
      e.details.push_back(fmt::format("'{}' is neither in the catalog nor installed", dep.name));
      if (auto hint = did_you_mean(m_catalog, dep.name); !hint.empty()) {
        e.details.push_back(hint);
      }
      e.details.push_back(fmt::format("'{}' is chosen because: {}", manifest->id(), explain(id)));
      return fail(std::move(e));
    }
    append(m_demands, m_nodes[target].demands,
           Demand{id, k_none, manifest, refs[i].range, static_cast<std::uint32_t>(i)});
    enqueue(target);
  }
  const Keyed chosen{&manifest->version, m_nodes[id].selected_key};
  for (Index d = m_nodes[id].dependents.begin; d < m_nodes[id].dependents.end; ++d) {
    // Sources are installed components with manifests; while unchanged they
    // stay selected at them.
    const auto& dep = m_dependents[d];
    if (m_live[dep.source] == nullptr && !admits(dep.range, chosen)) {
      enqueue(dep.source);
    }
  }
  return {};
}

namespace {

// Whether a second thread pays for itself on `changes` changes: starting one
// costs about as much as filling a few hundred.
bool worth_a_thread(std::size_t changes)
{
  constexpr std::size_t k_worth_a_thread = std::size_t{1} << 14;
  return changes >= k_worth_a_thread && std::thread::hardware_concurrency() > 1;
}

} // namespace

// Fills out[k] for the change of node ids[k]. Changes are built in blocks:
// the reads one block needs are started together, so that they overlap
// instead of each waiting on the last. Only references are kept of why each
// change is made; the words are built when shown (Change::explanation).
// Reads the finished state only, so that parts can be filled at once.
void Resolver::fill_range(std::span<const Index> ids, Change* out) const
{
  constexpr std::size_t k_block = 256;
  std::vector<Index> demands;
  for (std::size_t i = 0; i < ids.size(); ++i) {
    if (i % k_block == 0) {
      const std::size_t end = std::min(i + k_block, ids.size());
      for (std::size_t k = i; k < end; ++k) {
        const Node& n = m_nodes[ids[k]];
        prefetch(&n);
        prefetch(&n.name);
        prefetch(&n.priority);
        prefetch(out + k);
      }
      for (std::size_t k = i; k < end; ++k) {
        const Node& n = m_nodes[ids[k]];
        prefetch(n.installed);
        prefetch(&n.selected->version);
        if (n.demands.head != k_none) {
          prefetch(&m_demands[n.demands.head]);
        }
      }
      // The explanations walk each node's demands: the first ones are in
      // cache by now; fetch the second ones and their sources' selections.
      for (std::size_t k = i; k < end; ++k) {
        const Node& n = m_nodes[ids[k]];
        if (n.demands.head != k_none) {
          const Demand& d = m_demands[n.demands.head];
          prefetch(&m_live[d.source]);
          if (d.next != k_none) {
            prefetch(&m_demands[d.next]);
          }
        }
      }
    }
    const Node& n = m_nodes[ids[i]];
    Change& c = out[i];
    c.name.assign(n.name);
    if (n.installed != nullptr) {
      c.from = n.installed->version;
    }
    c.to = n.selected->version;
    c.reason = n.origin == Mode::requested   ? ChangeReason::requested
               : n.origin == Mode::dependent ? ChangeReason::dependent
                                             : ChangeReason::dependency;
    c.manifest = n.selected;
    c.priority = priority_of(n);
    why(ids[i], demands, c.why);
  }
}

void Resolver::fill_changes(std::span<const Index> ids, Change* out) const
{
  // A large cascade's changes take a good part of the whole resolution to
  // fill, on one core; with more, a second thread fills the second half.
  if (!worth_a_thread(ids.size())) {
    fill_range(ids, out);
    return;
  }
  const std::size_t half = ids.size() / 2;
  util::Beside second([&] { fill_range(ids.subspan(half), out + half); });
  fill_range(ids.first(half), out);
  second.join();
}

Result<Resolution> Resolver::run(const std::vector<Request>& requests)
{
  // Room for every component the catalog knows, and for the lists a
  // cascade through all of them builds: reserving costs only address space
  // until used, where growing copies what was built and faults in pages twice.
  const std::size_t expected = std::max(m_installed.components.size(), m_catalog.id_count()) + requests.size() + 16;
  m_nodes.reserve(expected);
  m_live.reserve(expected);
  m_live_key.reserve(expected);
  m_queued.reserve(expected);
  m_demands.reserve(2 * expected);
  m_targets.reserve(2 * expected);
  m_node_of_component.assign(m_catalog.id_count(), k_none);
  seed_installed();

  if (auto ok = seed_requests(requests); !ok) {
    return fail(std::move(ok.error()));
  }
  while (!m_queue.empty()) {
    // The queue says which nodes come next: fetch them, and what they point
    // to, a few steps ahead.
    if (m_queue.size() > k_queue_ahead) {
      // Every line holding the fields the fixpoint reads.
      const auto* ahead = reinterpret_cast<const char*>(&m_nodes[m_queue[k_queue_ahead]]);
      prefetch(ahead);
      prefetch(ahead + 64);
      prefetch(ahead + k_hot_bytes - 1);
      const Node& soon = m_nodes[m_queue[k_queue_ahead / 2]];
      if (soon.demands.head != k_none) {
        prefetch(&m_demands[soon.demands.head]);
      }
      if (soon.dependents.begin < soon.dependents.end) {
        prefetch(&m_dependents[soon.dependents.begin]);
      }
      if (soon.component != manifest::k_no_component) {
        m_catalog.prefetch(soon.component, manifest::Catalog::IndexPart::entry);
      }
      const Node& next = m_nodes[m_queue[k_queue_ahead / 4]];
      if (next.versions != nullptr) {
        m_catalog.prefetch(next.component, manifest::Catalog::IndexPart::versions);
      }
    }
    const Index id = m_queue.front();
    m_queue.pop_front();
    if (auto ok = process(id); !ok) {
      return fail(std::move(ok.error()));
    }
  }
  prune();
  // One change per changed node, in the order worked out next. Their room
  // is made meanwhile, on another thread when there are many: it is most of
  // the memory a cascade writes, and each page is written twice (made, then
  // filled).
  Resolution resolution;
  std::size_t change_count = 0;
  for (Index i = 0; i < m_nodes.size(); ++i) {
    change_count += changed(i) ? 1 : 0;
  }
  const auto make_room = [&resolution](std::size_t count) {
    resolution.changes.reserve(count);
    // Every one of those pages is written: mapped in one call, not one page
    // fault each (a fault is costly on a virtual machine).
    util::prefault(resolution.changes.data(), count * sizeof(Change));
    resolution.changes.resize(count);
  };
  std::optional<util::Beside> room;
  if (worth_a_thread(change_count)) {
    room.emplace([&] { make_room(change_count); });
  }
  propagate_priorities();
  auto sequence = order();
  if (room) {
    room->join();
  }
  if (!sequence) {
    return fail(std::move(sequence.error()));
  }
  const std::vector<Index>& ids = *sequence;
  if (resolution.changes.size() != ids.size()) { // not made beside (ids holds change_count)
    make_room(ids.size());
  }
  fill_changes(ids, resolution.changes.data());
  for (const auto& r : requests) {
    const Node& n = m_nodes[find(r.name)];
    if (!n.changed && n.installed != nullptr) {
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
    for (const auto& n : m_nodes) {
      if (n.installed != nullptr && n.installed_manifest == nullptr) {
        resolution.notes.push_back(
            fmt::format("installed {}@{} has no manifest in the catalog, so what it depends on was not checked", n.name,
                        n.installed->version.to_string()));
      }
    }
  }
  return resolution;
}

} // namespace detail

Result<Resolution> resolve(const manifest::Catalog& catalog, const state::InstalledState& installed,
                           const std::vector<Request>& requests, const ResolveOptions& options)
{
  detail::Resolver resolver(catalog, installed, options);
  return resolver.run(requests);
}

} // namespace noodle::graph
