// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "terminal_progress.hpp"

#include <noodle/archive/limits.hpp>
#include <noodle/engine/change.hpp>
#include <noodle/engine/session.hpp>
#include <noodle/engine/upgrade.hpp>
#include <noodle/graph/plan.hpp>
#include <noodle/live/socket_runtime.hpp>
#include <noodle/manifest/config.hpp>
#include <noodle/manifest/loader.hpp>
#include <noodle/output/reporter.hpp>
#include <noodle/repo/client.hpp>
#include <noodle/state/installed.hpp>

#include <CLI/CLI.hpp>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <fstream>
#include <memory>
#include <optional>
#include <string>
#include <utility>

namespace noodle::cli {

// Options every command accepts; each may also come from the environment
// or the configuration file.
struct GlobalOptions {
  std::string root = "/var/lib/noodle";
  std::string catalog; // empty = <root>/manifests; or a repository: a directory with index.json, mirror URLs
  std::string keyring; // empty = <root>/keys
  std::string archives; // empty = <root>/archives
  std::chrono::milliseconds lock_timeout{30'000}; // how long a changing command waits for the root's lock
  std::string socket;       // empty = <root>/control.sock
  std::string output = "text";
  bool quiet = false;
  bool verbose = false;
  bool no_color = false;
  bool no_progress = false;
  bool strict = false;
  bool no_catalog_cache = false; // read every manifest file, neither using nor writing the catalog cache
  std::string config; // the configuration file given; read before parsing
  std::string metrics_file; // --metrics-file: rewritten after every change (empty: none)
  // Fetching from a repository's mirrors.
  std::string ca_file;
  std::chrono::milliseconds connect_timeout{10'000};
  std::chrono::milliseconds fetch_timeout{300'000};
  bool allow_expired = false;
  // Set only by the configuration file.
  archive::Limits limits;
  store::Millis point_retention_ms = 30LL * 24 * 3600 * 1000;
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
  std::filesystem::path archives_dir() const;
  std::filesystem::path socket_path() const;
  std::string command_line; // as typed, for the audit trail and the lock file
  manifest::LoadOptions load_options() const;
  // Where long work draws its progress line; null when it must not (stderr
  // is not a terminal, JSON output, --quiet, --no-progress).
  TerminalProgress* progress = nullptr;
  // The configured extraction limits with progress reported to `progress`.
  archive::Limits archive_limits() const;
  // --events FILE, while the command runs (the reporter writes to it).
  std::unique_ptr<std::ofstream> events_file;
  // What `config show` reports: the configuration file read (empty path:
  // none), the command line and the command tree.
  const manifest::Config* config = nullptr;
  std::string config_path;
  std::vector<std::string> args;
  const CLI::App* app = nullptr;
  // The repository --catalog names, once open_repository verified its index.
  std::shared_ptr<repo::Repository> repository;
  // Set once open_change_session has the root locked: the command may have
  // changed its history, so the metrics file is written when it ends.
  bool opened_for_change = false;
  bool metrics_written = false; // write_metrics_file runs once
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
void add_upgrade_commands(CLI::App& app, Registry& registry);
void add_rollback_commands(CLI::App& app, Registry& registry);
void add_state_commands(CLI::App& app, Registry& registry);
void add_steer_commands(CLI::App& app, Registry& registry);
void add_help_commands(CLI::App& app, Registry& registry);
void add_config_commands(CLI::App& app, Registry& registry);
void add_floor_commands(CLI::App& app, Registry& registry);
void add_repo_commands(CLI::App& app, Registry& registry);
// --ca-file, --connect-timeout, --fetch-timeout, --allow-expired.
void add_repo_options(CLI::App& app, GlobalOptions& global);

// Whether --catalog names a repository (mirror URLs or a directory holding
// index.json) rather than a catalog directory.
bool is_repository(const Context& ctx);
// When --catalog names a repository and it is not open yet: fetches and
// verifies its index (repo::Repository::open), so that catalog_dir() is the
// catalog it carries. On failure the error is reported and its exit code
// returned.
std::optional<output::ExitCode> open_repository(Context& ctx);
// Archives of an open repository are fetched into the cache on demand.
void attach_repository(const Context& ctx, engine::ArchiveSource& source);
// `help A B ...` (after any global options) as `A B ... --help`; other
// command lines unchanged.
std::vector<std::string> rewrite_help_request(const CLI::App& app, const std::vector<std::string>& args);
// The hidden `__complete WORDS...` command; run() answers it with
// complete_words() before parsing, since its words are a partial command line.
void add_complete_command(CLI::App& app, Registry& registry);
bool is_complete_request(const std::vector<std::string>& args);
// Prints the candidates for the last of `words` (the words after the program
// name), one a line; prints nothing when there are none or on any error.
void complete_words(const CLI::App& app, const std::vector<std::string>& words, std::ostream& out);
// The option of `app` or of one of its parents (options fall through) that
// `name` ("--root", "-o") names, or null.
const CLI::Option* find_option(const CLI::App* app, const std::string& name);
// Whether the option is followed by a value (not a flag).
bool takes_value(const CLI::Option* opt);

// Loads the catalog, reporting its diagnostics; an error diagnostic ends the
// command (the returned exit code is then set).
// With WithInstalled::yes the installed state under the root is read too,
// and a corrupt one ends the command the same way.
enum class WithInstalled { no, yes };
// Read commands load through the compiled catalog cache; changing commands
// read the files, so that a change never writes anything but its own steps.
enum class CatalogCache { use, bypass };
struct LoadedCatalog {
  manifest::LoadResult result;
  state::InstalledState installed;
  std::optional<output::ExitCode> exit;

  LoadedCatalog() = default;
  LoadedCatalog(LoadedCatalog&&) = default;
  LoadedCatalog& operator=(LoadedCatalog&&) = default;
  ~LoadedCatalog(); // keep_until_exit(result)
};

// Hands a large loaded catalog to the process to keep until it exits:
// freeing hundreds of thousands of manifests one by one costs a fifth of a
// large catalog's read command, and the process ends soon after anyway. A
// small one is freed at once.
void keep_until_exit(manifest::LoadResult&& loaded);
LoadedCatalog load_catalog(Context& ctx, WithInstalled with_installed = WithInstalled::no,
                           CatalogCache cache = CatalogCache::use);

// Where the compiled catalog cache of `catalog_dir` lives: in the root's
// state directory (<root>/.noodle-upgrade) when it exists and belongs to the
// effective user, else in the user's cache directory ($XDG_CACHE_HOME or
// ~/.cache, then noodle-upgrade/, created 0700); empty when neither is
// usable.
std::filesystem::path catalog_cache_file(const std::filesystem::path& root, const std::filesystem::path& catalog_dir,
                                         const manifest::LoadOptions& options);

// The catalog as the read commands load it: through the cache unless
// `no_cache` or no cache place is usable. `note` receives why the cache
// could not be saved, when it could not (a note for --verbose, never an
// error).
manifest::LoadResult load_catalog_files(const std::filesystem::path& root, const std::filesystem::path& catalog_dir,
                                        const manifest::LoadOptions& options, bool no_cache, std::string* note = nullptr);

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

// "NAME@RANGE", or a bare RANGE applying to `requested` (the one named
// component); usage error otherwise. The range is read with `options`
// (--loose, --include-prerelease).
Result<graph::Constraint> parse_constraint(const std::string& text, const std::string& requested,
                                           const semver::Options& options = {});
// --loose and -p/--include-prerelease for the ranges of --constraint, as
// npm semver reads them.
void add_constraint_semver_flags(CLI::App* cmd, semver::Options& options);
// "strict", "normal" or "permissive" (checked by CLI11 beforehand).
graph::Validation validation_from(const std::string& s);

// What `plan`, `upgrade` and `apply` ask for: one NAME VERSION or a batch file.
struct PlanRequestOptions {
  std::string name;
  std::string version;
  std::string batch_file;
  std::vector<std::string> constraints;
  std::string strategy = "gradual";
  std::string validation = "normal";
  bool allow_downgrade = false;
  semver::Options constraint_semver; // how --constraint ranges are read
};
// The plan request and a title ("upgrade jit_compiler to 2.1.0"); batch
// diagnostics are reported. A component (or constraint) the catalog does not
// hold fails with not_found and a did-you-mean.
Result<std::pair<graph::PlanRequest, std::string>> build_plan_request(Context& ctx, const PlanRequestOptions& opts,
                                                                      const manifest::Catalog& catalog);

// --metadata KEY=VALUE pairs as one JSON object (usage error otherwise).
Result<std::string> metadata_json(const std::vector<std::string>& pairs);

// The rollout strategies --strategy accepts.
const std::vector<std::string>& strategy_names();

// Opens the root for a changing command: lock (waiting up to --lock-timeout,
// saying so on stderr), state database, recovery (its notes reported). On
// failure the error is reported and its exit code returned.
struct ChangeSession {
  std::optional<engine::Session> session;
  std::optional<output::ExitCode> exit;
};
// What recovery asks the runtime through: connected to --socket on first
// use (only for an interrupted live upgrade), then kept.
engine::RuntimeConnector recovery_runtime(const Context& ctx);

// What recovery did is reported as warnings, except for `recover`, which
// reports it as its result (once).
enum class RecoveryNotes { warn, quiet };
ChangeSession open_change_session(Context& ctx, const std::string& requested_by = {},
                                  RecoveryNotes notes = RecoveryNotes::warn);

// Opens the root for reading (no lock).
ChangeSession open_read_session(Context& ctx);

// Refuses (not_found: exit 2, with a did-you-mean) a component name that
// neither the installed components, the root's history nor the catalog
// knows. Called before a lock is taken or a runtime contacted.
// Checks `name` (when given) against the name rule, opens the root for
// reading and refuses a name nothing knows; on failure reports it and sets
// `exit`.
ChangeSession open_for_component(Context& ctx, const std::string& name);
Result<void> check_known_component(Context& ctx, engine::Session& session, const std::string& name);

// How a changing command reaches the running runtime (or --offline).
struct LiveCliOptions {
  bool offline = false;
  std::string steps = "10,25,50,100"; // checked by live::parse_steps while parsing
  std::chrono::milliseconds step_interval{1000};
  int canary_weight = 0;
  std::chrono::milliseconds analysis{5000};
  std::chrono::milliseconds health_interval{500};
  int max_consecutive_failures = 2;
  double max_failure_ratio = 0.2;
  int max_unavailable = 1;
  std::string fallback;
  std::chrono::milliseconds lease{30'000};
  std::chrono::milliseconds request_timeout{5000};
  std::string events; // --events FILE: live progress as JSON lines
  std::chrono::milliseconds max_pause{0}; // --max-pause: 0 = a pause is not bounded
};
// --offline always; the strategy tuning options when `strategies`.
void add_live_options(CLI::App* cmd, LiveCliOptions& o, bool strategies);

// Connects to --socket, checks the peer (root or the owner of the root) and
// says hello; fails with the client's errors.
Result<std::pair<std::unique_ptr<live::SocketRuntime>, live::HelloInfo>>
connect_runtime(const Context& ctx, std::chrono::milliseconds request_timeout);

// A connected, identified runtime and the live path for the engine.
struct LiveConnection {
  std::unique_ptr<live::SocketRuntime> runtime;
  engine::LivePath path;
};
// Connects to --socket, checks the peer (root or the owner of the root),
// says hello, and fills the strategy from the options. Fails with the
// client's errors (runtime_unreachable: exit 6, with a hint about --offline).
Result<LiveConnection> connect_live(Context& ctx, const LiveCliOptions& o, const std::string& strategy);

// connect_live unless --offline, for `plan` and --dry-run: with no runtime
// they fail as the upgrade would (runtime_unreachable, exit 6), saying that
// the upgrade needs one or --offline.
Result<std::optional<LiveConnection>> connect_as_the_run(Context& ctx, const LiveCliOptions& o,
                                                         const std::string& strategy);

// `plan` and upgrade/apply --dry-run: the runtime as the upgrade asks it,
// then engine::preview_upgrade on a session opened for reading (nothing
// locked, changed or audited). On failure the error is reported and `exit`
// set; otherwise `outcome` holds the refusal, the no-op or the actions.
struct Preview {
  std::optional<engine::UpgradeOutcome> outcome;
  std::optional<output::ExitCode> exit;
};
Preview preview_change(Context& ctx, const LiveCliOptions& live, const graph::PlanRequest& request,
                       const manifest::Catalog& catalog, const engine::ArchiveSource& source);

// When --metrics-file (or metrics_file) is set and the command opened the
// root for change: the metrics of the root's history, rendered as the
// Prometheus text format, written to the file whole (temporary file, then
// rename). A failure is only a warning: the change stands and so does the
// exit code. Runs once per command; later calls do nothing.
void write_metrics_file(Context& ctx);

// SIGINT, SIGTERM and SIGHUP, while alive, only set a flag that stop_check()
// turns into an interrupted / terminated / hangup error at the engine's next
// safe point.
class StopSignals {
public:
  StopSignals();
  ~StopSignals();
  StopSignals(const StopSignals&) = delete;
  StopSignals& operator=(const StopSignals&) = delete;
  engine::StopCheck stop_check() const;
};

} // namespace noodle::cli
