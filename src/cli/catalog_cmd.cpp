// SPDX-License-Identifier: Apache-2.0
// `components list|show` and `validate`.
#include "context.hpp"

#include <noodle/manifest/validate.hpp>
#include <noodle/output/catalog_view.hpp>
#include <noodle/state/installed.hpp>
#include <noodle/util/spellcheck.hpp>

#include <fmt/format.h>

#include <memory>

namespace noodle::cli {

namespace {

struct ShowOptions {
  std::string target; // NAME or NAME@VERSION
};

struct ValidateOptions {
  std::vector<std::string> paths;
};

} // namespace

Result<const manifest::Manifest*> find_component(const manifest::Catalog& catalog, const std::string& target,
                                                 const state::InstalledState* installed)
{
  std::string name = target;
  std::optional<semver::Version> version;
  if (auto at = target.find('@'); at != std::string::npos) {
    name = target.substr(0, at);
    auto v = semver::Version::parse(target.substr(at + 1));
    if (!v) {
      return fail(v.error());
    }
    version = *v;
  }
  if (!catalog.contains(name)) {
    std::string msg = fmt::format("unknown component '{}'", name);
    auto suggestion = util::suggest(name, catalog.names());
    if (suggestion) {
      msg += fmt::format(" (did you mean '{}'?)", *suggestion);
    }
    return fail(ErrorCode::not_found, msg);
  }
  if (version) {
    const auto* m = catalog.find(name, *version);
    if (m == nullptr) {
      std::vector<std::string> vs;
      for (const auto& x : *catalog.versions(name)) {
        vs.push_back(x.version.to_string());
      }
      return fail(ErrorCode::not_found, fmt::format("component '{}' has no version '{}'; available: {}", name,
                                                    version->to_string(), fmt::join(vs, ", ")));
    }
    return m;
  }
  if (installed != nullptr) {
    if (const auto* inst = installed->find(name)) {
      if (const auto* m = catalog.find(name, inst->version)) {
        return m;
      }
    }
  }
  return catalog.latest(name);
}

void add_catalog_commands(CLI::App& app, Registry& registry)
{
  auto* components = add_command(app, "components", "List and show the components of the catalog", "",
                                 "noodle-upgrade components list");
  components->require_subcommand(1);

  auto* list = add_command(*components, "list", "List every component: type, installed and latest version", "",
                           "noodle-upgrade --root /var/lib/noodle components list");
  on_run(list, registry, [](Context& ctx) {
    auto loaded = load_catalog(ctx, WithInstalled::yes);
    if (loaded.exit) {
      return *loaded.exit;
    }
    const auto& installed = loaded.installed;
    return output::render_component_list(loaded.result.catalog, installed, ctx.reporter);
  });

  auto opts = std::make_shared<ShowOptions>();
  auto* show = add_command(*components, "show",
                           "Show one component version in full (default: the installed one, else the latest)", "",
                           "noodle-upgrade components show jit_compiler@2.1.0");
  show->add_option("NAME[@VERSION]", opts->target, "Component, optionally with a version")->required();
  on_run(show, registry, [opts](Context& ctx) {
    auto loaded = load_catalog(ctx, WithInstalled::yes);
    if (loaded.exit) {
      return *loaded.exit;
    }
    const auto& installed = loaded.installed;
    auto m = find_component(loaded.result.catalog, opts->target, &installed);
    if (!m) {
      return ctx.reporter.failure(m.error());
    }
    return output::render_component(**m, loaded.result.catalog, installed, ctx.reporter);
  });
}

void add_validate_command(CLI::App& app, Registry& registry)
{
  auto opts = std::make_shared<ValidateOptions>();
  auto* validate = add_command(app, "validate", "Lint manifest files or directories (default: the catalog)", "",
                               "noodle-upgrade validate --strict manifests/");
  validate->add_option("PATH", opts->paths, "Manifest files or directories");
  on_run(validate, registry, [opts](Context& ctx) {
    manifest::LoadResult result;
    if (opts->paths.empty()) {
      if (auto exit = open_repository(ctx)) {
        return *exit;
      }
      result = manifest::load_catalog(ctx.catalog_dir(), ctx.load_options());
    } else {
      std::vector<std::filesystem::path> paths(opts->paths.begin(), opts->paths.end());
      result = manifest::load_files(paths, ctx.load_options());
    }
    // Cross-manifest checks (dependencies naming unknown components, ranges
    // nothing satisfies) need the whole set, so they run after loading.
    auto cross = manifest::validate_catalog(result.catalog);
    manifest::attach_source_lines(cross);
    result.diagnostics.insert(result.diagnostics.end(), cross.begin(), cross.end());
    const output::ExitCode code = output::render_validation(result, ctx.reporter);
    keep_until_exit(std::move(result)); // a large catalog is not freed piece by piece just before exit
    return code;
  });
}

} // namespace noodle::cli
