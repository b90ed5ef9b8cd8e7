// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <noodle/graph/graph.hpp>
#include <noodle/graph/plan.hpp>
#include <noodle/graph/upgrade_path.hpp>
#include <noodle/output/reporter.hpp>

namespace noodle::output {

enum class GraphFormat { text, json, dot };

// `deps`: a tree (repeated subtrees shown once, then marked "(see above)"),
// a Graphviz digraph, or JSON nodes and edges.
ExitCode render_deps(const graph::DepsResult& deps, GraphFormat format, Reporter& r);

ExitCode render_path(const graph::UpgradePath& path, Reporter& r);

// `plan`: exit 0 when feasible, 3 (refused) when not.
ExitCode render_plan(const graph::Plan& plan, const std::string& title, Reporter& r);

} // namespace noodle::output
