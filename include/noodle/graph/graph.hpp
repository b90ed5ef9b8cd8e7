// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <noodle/manifest/model.hpp>
#include <noodle/semver/version.hpp>
#include <noodle/state/installed.hpp>
#include <noodle/util/error.hpp>

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace noodle::graph {

enum class Direction {
  dependencies, // what NAME needs, transitively
  dependents,   // what needs NAME, transitively (`--reverse`)
};

enum class NodeStatus {
  installed,   // the node's version is the installed one
  available,   // in the catalog, not installed at this version
  missing,     // named by a dependency, but neither in the catalog nor installed
  unsatisfied, // the component exists, but no version meets the range
};

std::string_view to_string(NodeStatus status);
std::string_view to_string(Direction direction);

struct DepsNode {
  std::size_t id = 0; // index in DepsResult::nodes
  std::string name;
  std::optional<semver::Version> version; // empty when missing or unsatisfied
  NodeStatus status = NodeStatus::available;
  std::optional<semver::Version> installed;     // the installed version, when any
  const manifest::Manifest* manifest = nullptr; // catalog entry; nullptr when not in the catalog
  // Why the node is missing or unsatisfied, or why its own dependencies are
  // unknown; empty otherwise.
  std::string note;
  // Edges (indices in DepsResult::edges) to this node's children in the
  // direction of the query, sorted by child name: its dependencies, or its
  // dependents for Direction::dependents.
  std::vector<std::size_t> children;
};

// `from` depends on `to` in both directions; `range` is what `from`'s
// manifest demands of `to`, declared at `where`.
struct DepsEdge {
  std::size_t from = 0;
  std::size_t to = 0;
  std::string range;
  bool satisfied = true; // whether `to`'s version satisfies `range`
  SourceLocation where;
};

// A DAG of component versions: each name@version appears once, so a
// rendering as a tree must remember which nodes it has already expanded.
struct DepsResult {
  Direction direction = Direction::dependencies;
  std::size_t root = 0;
  std::vector<DepsNode> nodes;
  std::vector<DepsEdge> edges;
  bool has_cycle = false; // a cycle exists among the edges
  std::vector<std::size_t> cycle; // one of them as node ids, the first repeated last

  // The node an edge leads to in the direction of the query: `to` for
  // Direction::dependencies, `from` (the dependent) for Direction::dependents.
  std::size_t child(std::size_t edge) const
  {
    return direction == Direction::dependencies ? edges[edge].to : edges[edge].from;
  }
};

struct DepsQuery {
  std::string name;
  // Empty: the installed version, else the newest release in the catalog.
  std::optional<semver::Version> version;
  Direction direction = Direction::dependencies;
};

// Direction::dependencies: each dependency is resolved to the installed
// version when it satisfies the range, else to the highest catalog version
// that does; a dependency that cannot be resolved becomes a missing or
// unsatisfied node (never dropped).
// Direction::dependents: every catalog component, taken at its installed
// version (else its newest release), whose manifest depends on the root, then
// on those, transitively.
//
// Fails with ErrorCode::not_found when the name is unknown (with a
// "did you mean" detail) or the version is not in the catalog.
Result<DepsResult> dependency_graph(const manifest::Catalog& catalog, const state::InstalledState& installed,
                                    const DepsQuery& query);

} // namespace noodle::graph
