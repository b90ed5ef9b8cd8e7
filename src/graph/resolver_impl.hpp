// SPDX-License-Identifier: Apache-2.0
// The resolver: closure (resolver.cpp), explanations and refusals
// (resolver_explain.cpp), pruning and order (resolver_order.cpp).
#pragma once

#include "explain_text.hpp"
#include "resolver_state.hpp"

#include <noodle/graph/resolver.hpp>

#include <deque>
#include <span>
#include <string>
#include <vector>

namespace noodle::graph::detail {

class Resolver {
public:
  Resolver(const manifest::Catalog& catalog, const state::InstalledState& installed, const ResolveOptions& options)
    : m_catalog(catalog), m_installed(installed), m_options(options)
  {
  }

  Result<Resolution> run(const std::vector<Request>& requests);

private:
  Index node_of(std::string_view name);
  Index node_of(manifest::ComponentId component);
  Index add_node(const Node& node);
  Index find(std::string_view name) const;
  // `m` must be one of n's versions.
  std::span<const manifest::DependencyRef> dependencies_of(const Node& n, const manifest::Manifest& m) const
  {
    return m_catalog.dependencies_of(n.component, static_cast<std::size_t>(&m - n.first_version));
  }
  void seed_installed();
  void enqueue(Index id);
  void set_selected(Index id, const manifest::Manifest* manifest);
  std::span<const Index> targets(Index id);
  void lookup(Index id, const manifest::Manifest& m, std::vector<Index>& out);

  Result<void> seed_requests(const std::vector<Request>& requests);
  Result<void> process(Index id);
  Result<void> choose(Index id, Mode mode);
  Result<void> select(Index id, const manifest::Manifest* manifest, Mode mode, const std::vector<Index>* looked_up);

  bool live(const Demand& d) const { return m_live[d.source] == d.manifest; }
  // Node `id`'s `changed`, read from m_live (set exactly while it is
  // changed) without reading the node.
  bool changed(Index id) const { return m_live[id] != nullptr; }
  bool any_live(const Node& n) const;
  bool acceptable(const Node& n, Keyed v) const;
  bool still_acceptable(Index id);
  bool acceptable_candidate(const Node& n, Keyed v) const;
  bool accepts_changed(Index id, const manifest::Manifest& m, const std::vector<Index>& dep_nodes) const;
  bool accepted_by_installed(const Node& n, Keyed v) const;
  bool admits(manifest::RangeId range, Keyed v) const { return m_catalog.satisfies(range, v.key, *v.version); }
  // The key of one of n's versions.
  ReleaseKey key_of(const Node& n, const manifest::Manifest& m) const
  {
    return m_catalog.release_key_of(n.component, static_cast<std::size_t>(&m - n.first_version));
  }
  // The live selection of node `id` (changed) with its key.
  Keyed live_version(Index id) const { return Keyed{&m_live[id]->version, m_live_key[id]}; }
  void rejected_changes(Index id, std::vector<Index>& who, std::vector<const manifest::Dependency*>& ranges);
  std::size_t first_rejected(Index id);

  std::string id_of(Index id) const;
  void explain(Index id, TextBuffer& out) const;
  void explaining_demands(Index id, std::vector<Index>& out) const;
  std::string explain(Index id) const
  {
    TextBuffer out;
    explain(id, out);
    return std::string(out.view());
  }
  // Why node `id` (changed, in the final state) changes; `scratch` is reused.
  void why(Index id, std::vector<Index>& scratch, ChangeWhy& out) const;
  std::vector<std::string> demand_lines(Index id) const;
  std::string exclusion(const Node& n, const semver::Version& v) const;
  Error unsatisfiable(Index id) const;
  Error dependent_conflict(Index id, const std::vector<Index>& targets,
                           const std::vector<const manifest::Dependency*>& ranges) const;
  Error downgrade(Index id, const manifest::Manifest& best) const;

  // A node's priority once propagated: k_no_priority (none reached it) is 0.
  static int priority_of(const Node& n) { return n.priority == k_no_priority ? 0 : n.priority; }
  void fill_range(std::span<const Index> ids, Change* out) const;
  void fill_changes(std::span<const Index> ids, Change* out) const;
  void prune();
  void propagate_priorities();
  void rank_changes(const std::vector<Index>& members, std::vector<Index>& order) const;
  Result<std::vector<Index>> order();

  const manifest::Catalog& m_catalog;
  const state::InstalledState& m_installed;
  const ResolveOptions& m_options;
  std::vector<Node> m_nodes;
  // By node: the selected manifest while the node is changed, else nullptr.
  // Compact, for the checks that ask whether a demand still holds.
  std::vector<const manifest::Manifest*> m_live;
  std::vector<ReleaseKey> m_live_key; // the key of m_live's version
  // By node: waiting in m_queue. Apart from the nodes, so that queueing a
  // node reads one byte of a small array, not a line of the node.
  std::vector<std::uint8_t> m_queued;
  std::vector<Index> m_node_of_component; // by catalog component id
  NameTable m_names;                      // nodes of names the catalog lacks
  std::vector<Demand> m_demands;
  std::vector<InstalledDependent> m_dependents;
  std::vector<ConstraintLink> m_constraints;
  std::vector<Index> m_targets;
  std::vector<Index> m_scratch;
  std::vector<Index> m_best_targets;
  std::deque<Index> m_queue;
  bool m_any_priority = false; // a request has a priority other than 0
};

} // namespace noodle::graph::detail
