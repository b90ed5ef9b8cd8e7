// SPDX-License-Identifier: Apache-2.0
// `deps` and `path`: questions about the dependency graph and upgrade routes.
#include "context.hpp"

#include <noodle/graph/graph.hpp>
#include <noodle/graph/upgrade_path.hpp>
#include <noodle/output/graph_view.hpp>

#include <fmt/format.h>

#include <memory>

namespace noodle::cli {

namespace {

struct DepsOptions {
  std::string target;
  bool reverse = false;
  std::string format = "text";
};

struct PathOptions {
  std::string name;
  std::string to;
  std::string from;
};

} // namespace

void add_graph_commands(CLI::App& app, Registry& registry)
{
  auto deps_opts = std::make_shared<DepsOptions>();
  auto* deps = add_command(app, "deps", "Show what a component version depends on, or what depends on it", "",
                           "noodle-upgrade deps jit_compiler@2.1.0 --format dot | dot -Tsvg");
  deps->add_option("NAME[@VERSION]", deps_opts->target, "Component, optionally with a version")->required();
  deps->add_flag("--reverse", deps_opts->reverse, "Show the components that depend on NAME");
  deps->add_option("--format", deps_opts->format, "Output format (json is the same as --output json)")
      ->check(CLI::IsMember({"text", "json", "dot"}))
      ->capture_default_str();
  on_run(deps, registry, [deps_opts](Context& ctx) {
    auto loaded = load_catalog(ctx, WithInstalled::yes);
    if (loaded.exit) {
      return *loaded.exit;
    }
    const auto& installed = loaded.installed;
    graph::DepsQuery query;
    query.name = deps_opts->target;
    if (auto at = deps_opts->target.find('@'); at != std::string::npos) {
      query.name = deps_opts->target.substr(0, at);
      auto v = semver::Version::parse(deps_opts->target.substr(at + 1));
      if (!v) {
        return ctx.reporter.failure(v.error());
      }
      query.version = *v;
    }
    query.direction = deps_opts->reverse ? graph::Direction::dependents : graph::Direction::dependencies;
    auto result = graph::dependency_graph(loaded.result.catalog, installed, query);
    if (!result) {
      return ctx.reporter.failure(result.error());
    }
    auto format = deps_opts->format == "dot"    ? output::GraphFormat::dot
                  : deps_opts->format == "json" ? output::GraphFormat::json
                                                : output::GraphFormat::text;
    if (format == output::GraphFormat::json && !ctx.reporter.json()) {
      output::Style style = ctx.reporter.style();
      style.format = output::Format::json;
      output::Reporter json_reporter(ctx.out, ctx.err, style);
      return output::render_deps(*result, format, json_reporter);
    }
    return output::render_deps(*result, format, ctx.reporter);
  });

  auto path_opts = std::make_shared<PathOptions>();
  auto* path = add_command(app, "path", "Compute the upgrade path of a component through its required stops", "",
                           "noodle-upgrade path runtime_core --to 2.1.0 --from 1.2.0");
  path->add_option("NAME", path_opts->name, "Component")->required();
  path->add_option("--to", path_opts->to, "Target version")->required();
  path->add_option("--from", path_opts->from, "Starting version (default: the installed one)");
  on_run(path, registry, [path_opts](Context& ctx) {
    auto loaded = load_catalog(ctx);
    if (loaded.exit) {
      return *loaded.exit;
    }
    auto to = semver::Version::parse(path_opts->to);
    if (!to) {
      return ctx.reporter.failure(to.error());
    }
    semver::Version from;
    if (!path_opts->from.empty()) {
      auto f = semver::Version::parse(path_opts->from);
      if (!f) {
        return ctx.reporter.failure(f.error());
      }
      from = *f;
    } else {
      auto installed = state::read_installed(ctx.root());
      if (!installed) {
        return ctx.reporter.failure(installed.error());
      }
      const auto* inst = installed->find(path_opts->name);
      if (inst == nullptr) {
        return ctx.reporter.failure(
            Error(ErrorCode::usage, fmt::format("component '{}' is not installed under '{}'; give the starting version "
                                                "with --from VERSION",
                                                path_opts->name, ctx.root().string())));
      }
      from = inst->version;
    }
    auto found = find_component(loaded.result.catalog, path_opts->name, nullptr);
    if (!found) {
      return ctx.reporter.failure(found.error());
    }
    auto result = graph::find_upgrade_path(loaded.result.catalog, path_opts->name, from, *to);
    if (!result) {
      return ctx.reporter.failure(result.error());
    }
    return output::render_path(*result, ctx.reporter);
  });
}

} // namespace noodle::cli
