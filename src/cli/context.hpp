// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <noodle/manifest/loader.hpp>
#include <noodle/output/reporter.hpp>
#include <noodle/state/installed.hpp>

#include <CLI/CLI.hpp>

#include <filesystem>
#include <functional>
#include <iosfwd>
#include <optional>
#include <string>

namespace noodle::cli {

// Options every command accepts; each may also come from the environment.
struct GlobalOptions {
  std::string root = "/var/lib/noodle";
  std::string catalog; // empty = <root>/manifests
  std::string keyring; // empty = <root>/keys
  std::string output = "text";
  bool quiet = false;
  bool verbose = false;
  bool no_color = false;
  bool strict = false;
};

// What a command runs with: options, streams, and the one reporter.
struct Context {
  GlobalOptions global;
  std::istream& in;
  std::ostream& out;
  std::ostream& err;
  output::Reporter& reporter;

  std::filesystem::path root() const { return global.root; }
  std::filesystem::path catalog_dir() const;
  std::filesystem::path keyring_dir() const;
  manifest::LoadOptions load_options() const;
};

using Action = std::function<output::ExitCode(Context&)>;

// Each command group registers its subcommands; the chosen one leaves its
// action here for run() to execute after parsing succeeds.
struct Registry {
  std::optional<Action> action;
};

void add_version_commands(CLI::App& app, Registry& registry);
void add_catalog_commands(CLI::App& app, Registry& registry);
void add_validate_command(CLI::App& app, Registry& registry);
void add_graph_commands(CLI::App& app, Registry& registry);
void add_plan_command(CLI::App& app, Registry& registry);
void add_archive_commands(CLI::App& app, Registry& registry);

// Loads the catalog, reporting its diagnostics; an error diagnostic ends the
// command (the returned exit code is then set).
// With WithInstalled::yes the installed state under the root is read too,
// and a corrupt one ends the command the same way.
enum class WithInstalled { no, yes };
struct LoadedCatalog {
  manifest::LoadResult result;
  state::InstalledState installed;
  std::optional<output::ExitCode> exit;
};
LoadedCatalog load_catalog(Context& ctx, WithInstalled with_installed = WithInstalled::no);

// Finds NAME or NAME@VERSION in the catalog; without a version, the installed
// one when `installed` knows it, else the latest. Unknown names get a
// did-you-mean suggestion.
Result<const manifest::Manifest*> find_component(const manifest::Catalog& catalog, const std::string& target,
                                                 const state::InstalledState* installed);

// Adds a subcommand whose --help shows a one-line summary, the options, any
// further details and one example.
CLI::App* add_command(CLI::App& parent, const std::string& name, const std::string& summary, const std::string& details,
                      const std::string& example);

// Sets `action` as what runs when `cmd` is chosen.
void on_run(CLI::App* cmd, Registry& registry, Action action);

} // namespace noodle::cli
