// SPDX-License-Identifier: Apache-2.0
#include <noodle/output/graph_view.hpp>
#include <noodle/output/text.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <set>

namespace noodle::output {

namespace {

std::string node_label(const graph::DepsNode& n)
{
  return n.version ? format_text("{}@{}", n.name, n.version->to_string()) : n.name;
}

std::vector<std::string> cycle_ids(const graph::DepsResult& deps)
{
  std::vector<std::string> ids;
  for (std::size_t node : deps.cycle) {
    ids.push_back(node_label(deps.nodes[node]));
  }
  return ids;
}

std::string cycle_text(const graph::DepsResult& deps)
{
  return fmt::format("{}", fmt::join(cycle_ids(deps), " -> "));
}

std::string node_status_text(const graph::DepsNode& n)
{
  std::string s(graph::to_string(n.status));
  if (n.status == graph::NodeStatus::available && n.installed) {
    s += format_text(", installed {}", n.installed->to_string());
  }
  return s;
}

nlohmann::ordered_json deps_json(const graph::DepsResult& deps)
{
  nlohmann::ordered_json nodes = nlohmann::ordered_json::array();
  for (const auto& n : deps.nodes) {
    nlohmann::ordered_json j = {
        {"id", n.id},
        {"name", n.name},
        {"version", n.version ? nlohmann::ordered_json(n.version->to_string()) : nlohmann::ordered_json()},
        {"status", graph::to_string(n.status)},
        {"installed", n.installed ? nlohmann::ordered_json(n.installed->to_string()) : nlohmann::ordered_json()}};
    if (!n.note.empty()) {
      j["note"] = n.note;
    }
    nodes.push_back(std::move(j));
  }
  nlohmann::ordered_json edges = nlohmann::ordered_json::array();
  for (const auto& e : deps.edges) {
    edges.push_back({{"from", e.from},
                     {"to", e.to},
                     {"range", e.range},
                     {"satisfied", e.satisfied},
                     {"source", e.where.to_string()}});
  }
  return {{"direction", graph::to_string(deps.direction)},
          {"root", deps.root},
          {"nodes", nodes},
          {"edges", edges},
          {"has_cycle", deps.has_cycle},
          {"cycle", deps.has_cycle ? nlohmann::ordered_json(cycle_ids(deps)) : nlohmann::ordered_json()}};
}

std::string deps_dot(const graph::DepsResult& deps)
{
  std::string s = "digraph deps {\n  rankdir=LR;\n  node [shape=box];\n";
  for (const auto& n : deps.nodes) {
    std::string style;
    if (n.status == graph::NodeStatus::missing || n.status == graph::NodeStatus::unsatisfied) {
      style = ", color=red";
    } else if (n.status == graph::NodeStatus::installed) {
      style = ", style=bold";
    }
    s += format_text("  n{} [label=\"{}\"{}];\n", n.id, node_label(n), style);
  }
  for (const auto& e : deps.edges) {
    s += format_text("  n{} -> n{} [label=\"{}\"{}];\n", e.from, e.to, e.range, e.satisfied ? "" : ", color=red");
  }
  s += "}\n";
  return s;
}

// Levels of indentation before a subtree is continued as a block of its own:
// the indentation of a deep chain would otherwise grow with every line, and
// the output with the square of the chain's length.
constexpr std::size_t k_max_tree_depth = 24;

// Depth-first over the tree, iteratively, so deep chains cannot overflow.
// Each node's subtree is printed once: a later mention refers to it. The
// output is linear in the size of the graph (one line per edge, each at most
// k_max_tree_depth levels deep).
std::string deps_tree(const graph::DepsResult& deps)
{
  std::string out;
  enum class Shown { no, here, later };
  std::vector<Shown> shown(deps.nodes.size(), Shown::no);
  std::vector<std::size_t> continued; // subtrees too deep to indent, printed after the tree
  struct Frame {
    std::size_t node;
    std::size_t edge; // edge that led here, or npos for a block's top
    std::string prefix;
    std::size_t depth;
    bool last;
  };
  std::vector<Frame> stack;
  stack.push_back({deps.root, std::string::npos, "", 0, true});
  for (std::size_t block = 0;; ++block) {
    while (!stack.empty()) {
      Frame f = std::move(stack.back());
      stack.pop_back();
      const auto& n = deps.nodes[f.node];
      std::string line;
      std::string child_prefix;
      if (f.edge == std::string::npos) {
        line = format_text("{} ({}){}", node_label(n), node_status_text(n), f.node == deps.root ? "" : ", continued");
      } else {
        const auto& e = deps.edges[f.edge];
        // For --reverse the child is the dependent, and the range is what it needs.
        line = format_text("{}{}{} ({} {}; {}", f.prefix, f.last ? "└── " : "├── ", node_label(n),
                           deps.direction == graph::Direction::dependencies ? "range" : "requires", e.range,
                           node_status_text(n));
        if (!e.satisfied) {
          line += "; NOT satisfied";
        }
        line += ")";
        child_prefix = f.prefix + (f.last ? "    " : "│   ");
      }
      if (!n.note.empty()) {
        line += format_text(" - {}", n.note);
      }
      const bool top = f.edge == std::string::npos;
      if (!n.children.empty() && !top && shown[f.node] != Shown::no) {
        line += shown[f.node] == Shown::here ? " (see above)" : " (see below)";
        out += line + "\n";
        continue;
      }
      if (!n.children.empty() && f.depth >= k_max_tree_depth) {
        line += " (continued below)";
        out += line + "\n";
        shown[f.node] = Shown::later;
        continued.push_back(f.node);
        continue;
      }
      out += line + "\n";
      shown[f.node] = Shown::here;
      for (std::size_t i = n.children.size(); i-- > 0;) {
        std::size_t edge = n.children[i];
        // Edges always point from dependent to dependency.
        const auto& e = deps.edges[edge];
        std::size_t child = deps.direction == graph::Direction::dependencies ? e.to : e.from;
        stack.push_back({child, edge, child_prefix, f.depth + 1, i + 1 == n.children.size()});
      }
    }
    if (block == continued.size()) {
      break;
    }
    out += "\n";
    stack.push_back({continued[block], std::string::npos, "", 0, true});
  }
  if (deps.has_cycle) {
    out += fmt::format("warning: the dependency graph has a cycle: {}\n", cycle_text(deps));
  }
  return out;
}

nlohmann::ordered_json versions_json(const std::vector<semver::Version>& vs)
{
  nlohmann::ordered_json j = nlohmann::ordered_json::array();
  for (const auto& v : vs) {
    j.push_back(v.to_string());
  }
  return j;
}

std::string status_word(graph::Check::Status s)
{
  return std::string(graph::to_string(s));
}

} // namespace

ExitCode render_deps(const graph::DepsResult& deps, GraphFormat format, Reporter& r)
{
  if (format == GraphFormat::dot && !r.json()) {
    r.text(deps_dot(deps));
  } else if (format == GraphFormat::text) {
    r.text(deps_tree(deps));
  }
  return r.success(deps_json(deps));
}

ExitCode render_path(const graph::UpgradePath& path, Reporter& r)
{
  nlohmann::ordered_json hops = nlohmann::ordered_json::array();
  std::string text;
  if (path.hops.empty()) {
    text = format_text("{} is already at {}: nothing to do\n", path.name, path.to.to_string());
  } else {
    text = format_text("{} {} -> {}: {} hop{}{}\n", path.name, path.from.to_string(), path.to.to_string(),
                       path.hops.size(), path.hops.size() == 1 ? "" : "s", path.downgrade ? " (downgrade)" : "");
  }
  for (const auto& h : path.hops) {
    bool stop = h.manifest != nullptr && h.manifest->required_stop;
    text += format_text("  {} -> {}{}\n", h.from.to_string(), h.to.to_string(), stop ? "  (required stop)" : "");
    hops.push_back({{"from", h.from.to_string()}, {"to", h.to.to_string()}, {"required_stop", stop}});
  }
  r.text(text);
  return r.success({{"component", path.name},
                    {"from", path.from.to_string()},
                    {"to", path.to.to_string()},
                    {"downgrade", path.downgrade},
                    {"hops", hops}});
}

ExitCode render_plan(const graph::Plan& plan, const std::string& title, Reporter& r)
{
  nlohmann::ordered_json steps = nlohmann::ordered_json::array();
  nlohmann::ordered_json checks = nlohmann::ordered_json::array();
  std::string text = format_text("plan: {} (validation {})\n", title, graph::to_string(plan.validation));

  if (plan.steps.empty()) {
    text += "\nno component changes\n";
  } else {
    text += "\nchanges, in order:\n";
  }
  std::size_t name_width = 0;
  for (const auto& s : plan.steps) {
    name_width = std::max(name_width, shown_width(s.name));
  }
  std::size_t i = 0;
  for (const auto& s : plan.steps) {
    ++i;
    std::string from = s.from ? s.from->to_string() : "(new)";
    text += format_text("  {}. {:<{}}  {} -> {}  [{}]\n", i, s.name, name_width, from, s.to.to_string(),
                        graph::to_string(s.reason));
    if (!s.explanation.empty()) {
      text += format_text("     why: {}\n", s.explanation);
    }
    std::vector<std::string> hop_text;
    if (s.from) {
      hop_text.push_back(s.from->to_string());
    }
    for (const auto& h : s.hops) {
      hop_text.push_back(h.to_string());
    }
    text += format_text("     path: {}; strategy {}; {}\n", fmt::join(hop_text, " -> "), s.strategy,
                        s.hot_swappable ? "hot-swappable" : "NOT hot-swappable (needs a restart)");
    if (s.breaking) {
      text += format_text("     breaking: {}\n", s.breaking_reason);
    }
    if (s.downgrade) {
      text += "     downgrade\n";
    }
    steps.push_back({{"component", s.name},
                     {"from", s.from ? nlohmann::ordered_json(s.from->to_string()) : nlohmann::ordered_json()},
                     {"to", s.to.to_string()},
                     {"path", versions_json(s.hops)},
                     {"reason", graph::to_string(s.reason)},
                     {"explanation", s.explanation},
                     {"strategy", s.strategy},
                     {"hot_swappable", s.hot_swappable},
                     {"breaking", s.breaking},
                     {"breaking_reason", s.breaking_reason},
                     {"downgrade", s.downgrade},
                     {"priority", s.priority}});
  }

  text += "\nchecks:\n";
  std::size_t check_width = 0;
  for (const auto& c : plan.checks) {
    check_width = std::max(check_width, c.name.size());
  }
  const graph::Check* first_failure = nullptr;
  for (const auto& c : plan.checks) {
    text += format_text("  {:<4}  {:<{}}  {}\n", status_word(c.status), c.name, check_width, c.message);
    for (const auto& d : c.details) {
      text += format_text("  {:<4}  {:<{}}    {}\n", "", "", check_width, d);
    }
    if (c.status == graph::Check::Status::fail && first_failure == nullptr) {
      first_failure = &c;
    }
    nlohmann::ordered_json j = {{"name", c.name}, {"status", status_word(c.status)}, {"message", c.message}};
    if (!c.details.empty()) {
      j["details"] = c.details;
    }
    if (c.code) {
      j["code"] = error_code_name(*c.code);
    }
    checks.push_back(std::move(j));
  }

  const auto& res = plan.resources;
  text +=
      format_text("\nresources: memory {} MB of {} MB, cpu {} of {} cores, disk {} MB of {} MB free\n", res.memory_mb,
                  res.machine.memory_mb, res.cpu_cores, res.machine.cpu_cores, res.disk_mb, res.machine.disk_free_mb);
  for (const auto& n : plan.notes) {
    text += format_text("note: {}\n", n);
  }
  text += format_text("\nresult: {}\n", plan.feasible ? "feasible" : "NOT feasible");
  r.text(text);

  nlohmann::ordered_json body = {
      {"feasible", plan.feasible},
      {"validation", graph::to_string(plan.validation)},
      {"steps", steps},
      {"checks", checks},
      {"resources",
       {{"memory_mb", res.memory_mb},
        {"cpu_cores", res.cpu_cores},
        {"disk_mb", res.disk_mb},
        {"machine",
         {{"memory_mb", res.machine.memory_mb},
          {"cpu_cores", res.machine.cpu_cores},
          {"disk_free_mb", res.machine.disk_free_mb}}}}},
      {"notes", plan.notes},
  };
  if (plan.feasible) {
    return r.success(body);
  }
  Error e(ErrorCode::infeasible, fmt::format("{} is not feasible", title));
  if (first_failure != nullptr) {
    e.code = first_failure->code.value_or(ErrorCode::infeasible);
    e.message = fmt::format("{} is not feasible: {}", title, first_failure->message);
  }
  // An unknown component or version is an input error, not a refusal.
  const ExitCode code = exit_code_for(e.code) == ExitCode::usage ? ExitCode::usage : ExitCode::refused;
  return r.refusal(e, body, code);
}

} // namespace noodle::output
