// SPDX-License-Identifier: Apache-2.0
#include <noodle/graph/graph.hpp>

#include <noodle/graph/suggest.hpp>

#include "common.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <deque>
#include <unordered_map>

namespace noodle::graph {

std::string_view to_string(NodeStatus status)
{
  switch (status) {
  case NodeStatus::installed: return "installed";
  case NodeStatus::available: return "available";
  case NodeStatus::missing: return "missing";
  case NodeStatus::unsatisfied: return "unsatisfied";
  }
  return "available";
}

std::string_view to_string(Direction direction)
{
  return direction == Direction::dependencies ? "dependencies" : "dependents";
}

namespace {

class Builder {
public:
  Builder(const manifest::Catalog& catalog, const state::InstalledState& installed)
    : m_catalog(catalog), m_installed(installed)
  {
  }

  DepsResult result;

  // The node for name@version, created on first use. `manifest` may be null
  // for an installed version the catalog does not list.
  std::size_t versioned(std::string_view name, const semver::Version& version, const manifest::Manifest* manifest)
  {
    auto key = fmt::format("{}@{}", name, version.to_string());
    if (auto it = m_ids.find(key); it != m_ids.end()) {
      return it->second;
    }
    DepsNode node;
    node.name = std::string(name);
    node.version = version;
    node.manifest = manifest;
    if (const auto* inst = m_installed.find(name)) {
      node.installed = inst->version;
    }
    node.status = (node.installed && *node.installed == version) ? NodeStatus::installed : NodeStatus::available;
    if (manifest == nullptr) {
      node.note = "this version has no manifest in the catalog, so its dependencies are unknown";
    }
    return add(std::move(key), std::move(node));
  }

  // The node for a component that cannot be resolved.
  std::size_t unresolved(std::string_view name, NodeStatus status)
  {
    auto key = fmt::format("{}#{}", name, to_string(status));
    if (auto it = m_ids.find(key); it != m_ids.end()) {
      return it->second;
    }
    DepsNode node;
    node.name = std::string(name);
    node.status = status;
    const auto* inst = m_installed.find(name);
    if (inst != nullptr) {
      node.installed = inst->version;
    }
    if (status == NodeStatus::missing) {
      node.note = "not in the catalog and not installed";
      if (auto hint = did_you_mean(m_catalog, name); !hint.empty()) {
        node.note += "; " + hint;
      }
    } else {
      const auto* versions = m_catalog.versions(name);
      node.note = fmt::format("no version satisfies the range; catalog versions: {}",
                              versions != nullptr ? detail::list_versions(*versions) : std::string("none"));
      if (inst != nullptr) {
        node.note += fmt::format("; installed: {}", inst->version.to_string());
      }
    }
    return add(std::move(key), std::move(node));
  }

  // `dep` is one of `by`'s dependencies.
  void edge(std::size_t from, std::size_t to, const manifest::Manifest& by, const manifest::Dependency& dep,
            bool satisfied)
  {
    result.edges.push_back(DepsEdge{from, to, dep.range.raw(), satisfied, by.location_of(dep)});
  }

  // Resolves one dependency: installed version when it fits, else the
  // highest catalog version that does.
  std::size_t resolve(const manifest::Dependency& dep, bool& satisfied)
  {
    satisfied = true;
    const auto* inst = m_installed.find(dep.name);
    if (inst != nullptr && dep.range.satisfies(inst->version)) {
      return versioned(dep.name, inst->version, m_catalog.find(dep.name, inst->version));
    }
    const auto* versions = m_catalog.versions(dep.name);
    if (versions != nullptr) {
      for (auto it = versions->rbegin(); it != versions->rend(); ++it) {
        if (dep.range.satisfies(it->version)) {
          return versioned(dep.name, it->version, &*it);
        }
      }
    }
    satisfied = false;
    return unresolved(dep.name,
                      (versions != nullptr || inst != nullptr) ? NodeStatus::unsatisfied : NodeStatus::missing);
  }

private:
  std::size_t add(std::string key, DepsNode node)
  {
    const std::size_t id = result.nodes.size();
    node.id = id;
    result.nodes.push_back(std::move(node));
    m_ids.emplace(std::move(key), id);
    return id;
  }

  const manifest::Catalog& m_catalog;
  const state::InstalledState& m_installed;
  std::unordered_map<std::string, std::size_t> m_ids;
};

struct Dependent {
  const manifest::Manifest* manifest;
  const manifest::Dependency* dependency;
};

// Each catalog component at its installed version (else its newest
// release), indexed by the names it depends on.
std::unordered_map<std::string_view, std::vector<Dependent>> index_dependents(const manifest::Catalog& catalog,
                                                                              const state::InstalledState& installed)
{
  std::unordered_map<std::string_view, std::vector<Dependent>> index;
  for (const auto& [name, versions] : catalog.components()) {
    const auto* inst = installed.find(name);
    const manifest::Manifest* current =
        inst != nullptr ? catalog.find(name, inst->version) : detail::newest_release(versions);
    if (current == nullptr) {
      continue;
    }
    for (const auto& dep : current->dependencies) {
      index[dep.name].push_back(Dependent{current, &dep});
    }
  }
  return index;
}

// One cycle among the edges as node ids, the first repeated at the end; empty
// when there is none. Kahn's order removes every node outside a cycle; each
// node left has a dependency that is left too, so following those from any
// of them must come back round.
std::vector<std::size_t> find_cycle(const DepsResult& result)
{
  std::vector<std::size_t> pending(result.nodes.size(), 0);
  std::vector<std::vector<std::size_t>> dependents(result.nodes.size());
  std::vector<std::vector<std::size_t>> dependencies(result.nodes.size());
  for (const auto& e : result.edges) {
    ++pending[e.from];
    dependents[e.to].push_back(e.from);
    dependencies[e.from].push_back(e.to);
  }
  std::vector<std::size_t> ready;
  for (std::size_t i = 0; i < pending.size(); ++i) {
    if (pending[i] == 0) {
      ready.push_back(i);
    }
  }
  std::size_t done = 0;
  while (!ready.empty()) {
    const std::size_t n = ready.back();
    ready.pop_back();
    ++done;
    for (std::size_t d : dependents[n]) {
      if (--pending[d] == 0) {
        ready.push_back(d);
      }
    }
  }
  if (done == result.nodes.size()) {
    return {};
  }
  std::size_t at = 0;
  while (pending[at] == 0) {
    ++at;
  }
  std::vector<std::size_t> walk;
  std::vector<std::size_t> seen_at(result.nodes.size(), result.nodes.size());
  while (seen_at[at] == result.nodes.size()) {
    seen_at[at] = walk.size();
    walk.push_back(at);
    for (std::size_t next : dependencies[at]) {
      if (pending[next] != 0) {
        at = next;
        break;
      }
    }
  }
  std::vector<std::size_t> cycle(walk.begin() + static_cast<std::ptrdiff_t>(seen_at[at]), walk.end());
  cycle.push_back(at);
  return cycle;
}

Error unknown_component(const manifest::Catalog& catalog, std::string_view name)
{
  Error e(ErrorCode::not_found, fmt::format("unknown component '{}'", name));
  if (auto hint = did_you_mean(catalog, name); !hint.empty()) {
    e.details.push_back(hint);
  }
  return e;
}

} // namespace

Result<DepsResult> dependency_graph(const manifest::Catalog& catalog, const state::InstalledState& installed,
                                    const DepsQuery& query)
{
  Builder builder(catalog, installed);
  builder.result.direction = query.direction;
  const auto* versions = catalog.versions(query.name);
  const auto* inst = installed.find(query.name);

  std::unordered_map<std::string_view, std::vector<Dependent>> dependents;
  if (query.direction == Direction::dependents) {
    dependents = index_dependents(catalog, installed);
  }

  // The root.
  std::size_t root = 0;
  if (query.version) {
    const auto* manifest = catalog.find(query.name, *query.version);
    if (manifest == nullptr && !(inst != nullptr && inst->version == *query.version)) {
      if (versions == nullptr && inst == nullptr) {
        return fail(unknown_component(catalog, query.name));
      }
      Error e(ErrorCode::not_found, fmt::format("unknown version '{}@{}'", query.name, query.version->to_string()));
      e.details.push_back(fmt::format("catalog versions: {}",
                                      versions != nullptr ? detail::list_versions(*versions) : std::string("none")));
      return fail(std::move(e));
    }
    root = builder.versioned(query.name, *query.version, manifest);
  } else if (inst != nullptr) {
    root = builder.versioned(query.name, inst->version, catalog.find(query.name, inst->version));
  } else if (versions != nullptr && !versions->empty()) {
    const auto* newest = detail::newest_release(*versions);
    root = builder.versioned(query.name, newest->version, newest);
  } else if (query.direction == Direction::dependents && dependents.count(query.name) != 0) {
    // Nothing provides it, but something asks for it: still worth showing.
    root = builder.unresolved(query.name, NodeStatus::missing);
  } else {
    return fail(unknown_component(catalog, query.name));
  }
  builder.result.root = root;

  std::deque<std::size_t> queue{root};
  std::vector<bool> expanded;
  while (!queue.empty()) {
    const std::size_t id = queue.front();
    queue.pop_front();
    if (expanded.size() <= id) {
      expanded.resize(builder.result.nodes.size() + 1, false);
    }
    if (expanded[id]) {
      continue;
    }
    expanded[id] = true;
    if (query.direction == Direction::dependencies) {
      const auto* manifest = builder.result.nodes[id].manifest;
      if (manifest == nullptr) {
        continue;
      }
      for (const auto& dep : manifest->dependencies) {
        bool satisfied = true;
        const std::size_t child = builder.resolve(dep, satisfied);
        builder.edge(id, child, *manifest, dep, satisfied);
        queue.push_back(child);
      }
    } else {
      const auto it = dependents.find(builder.result.nodes[id].name);
      if (it == dependents.end()) {
        continue;
      }
      const std::optional<semver::Version> version = builder.result.nodes[id].version;
      for (const auto& d : it->second) {
        const std::size_t parent = builder.versioned(d.manifest->name, d.manifest->version, d.manifest);
        builder.edge(parent, id, *d.manifest, *d.dependency, version && d.dependency->range.satisfies(*version));
        queue.push_back(parent);
      }
    }
  }

  DepsResult& result = builder.result;
  for (std::size_t i = 0; i < result.edges.size(); ++i) {
    const auto& e = result.edges[i];
    result.nodes[query.direction == Direction::dependencies ? e.from : e.to].children.push_back(i);
  }
  for (auto& node : result.nodes) {
    auto child_of = [&](std::size_t edge) -> const DepsNode& {
      const auto& e = result.edges[edge];
      return result.nodes[query.direction == Direction::dependencies ? e.to : e.from];
    };
    std::stable_sort(node.children.begin(), node.children.end(), [&](std::size_t a, std::size_t b) {
      const auto& na = child_of(a);
      const auto& nb = child_of(b);
      if (na.name != nb.name) {
        return na.name < nb.name;
      }
      return na.version < nb.version;
    });
  }
  result.cycle = find_cycle(result);
  result.has_cycle = !result.cycle.empty();
  return std::move(builder.result);
}

} // namespace noodle::graph
