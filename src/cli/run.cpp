// SPDX-License-Identifier: Apache-2.0
#include <noodle/cli/run.hpp>

#include "context.hpp"
#include "option_checks.hpp"

#include <noodle/engine/layout.hpp>
#include <noodle/manifest/catalog_cache.hpp>
#include <noodle/manifest/config.hpp>
#include <noodle/output/exit_code.hpp>
#include <noodle/output/reporter.hpp>
#include <noodle/util/duration.hpp>
#include <noodle/util/spellcheck.hpp>
#include <noodle/util/text.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <csignal>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <iostream>
#include <memory>
#include <vector>
#include <chrono>
#include <optional>
#include <string_view>
#include <type_traits>
#include <sys/stat.h>
#include <unistd.h>

extern char** environ;

namespace noodle::cli {

namespace {

constexpr const char* k_exit_codes =
    "Exit codes: 0 ok, 1 operation failed, 2 usage or input error, 3 refused by validation,\n4 integrity failure, "
    "5 root locked, 6 runtime unreachable, 7 rollback failed (act now),\n8 repository unreachable, "
    "129/130/143 stopped by SIGHUP/SIGINT/SIGTERM and rolled back. See noodle-upgrade(1).";

// Before parsing, find out whether the caller asked for JSON (flag, then
// NOODLE_OUTPUT, then the configuration file), so that even a usage error
// comes out as one JSON object.
bool wants_json(const std::vector<std::string>& args, const std::optional<std::string>& configured)
{
  for (std::size_t i = 0; i < args.size(); ++i) {
    const auto& a = args[i];
    if (a == "--output=json" || a == "-ojson") {
      return true;
    }
    if (a == "--output=text" || a == "-otext") {
      return false;
    }
    if ((a == "--output" || a == "-o") && i + 1 < args.size()) {
      return args[i + 1] == "json";
    }
  }
  if (const char* env = std::getenv("NOODLE_OUTPUT"); env != nullptr && *env != '\0') {
    return std::string_view(env) == "json";
  }
  return configured && *configured == "json";
}

// The configuration file: --config FILE, else NOODLE_CONFIG, else the
// default one, which alone may be missing.
// `path` is set to the file read (empty when the default one is absent).
Result<manifest::Config> load_configuration(const std::vector<std::string>& args, std::string& path)
{
  for (std::size_t i = 0; i < args.size(); ++i) {
    const auto& a = args[i];
    if (a == "--config" && i + 1 < args.size()) {
      path = args[i + 1];
      return manifest::load_config(path, manifest::MissingConfig::error);
    }
    if (a.rfind("--config=", 0) == 0) {
      path = a.substr(9);
      return manifest::load_config(path, manifest::MissingConfig::error);
    }
  }
  if (const char* env = std::getenv("NOODLE_CONFIG"); env != nullptr && *env != '\0') {
    path = env;
    return manifest::load_config(path, manifest::MissingConfig::error);
  }
  std::error_code ec;
  if (std::filesystem::exists(manifest::k_default_config_path, ec)) {
    path = manifest::k_default_config_path;
  }
  return manifest::load_config(manifest::k_default_config_path, manifest::MissingConfig::empty);
}

// Text from the command line and the NOODLE_* variables is recorded (the
// history, the audit trail, the lock file) and shown; it must be UTF-8, which
// is all JSON can carry. The offending value is shown escaped.
std::optional<Error> non_utf8_input(const std::vector<std::string>& args)
{
  for (const auto& a : args) {
    if (!util::is_utf8(a)) {
      return Error(ErrorCode::usage,
                   fmt::format("the argument '{}' is not valid UTF-8; command-line text must be UTF-8",
                               util::escape_text(a)));
    }
  }
  for (char** e = environ; e != nullptr && *e != nullptr; ++e) {
    const std::string_view entry(*e);
    if (entry.rfind("NOODLE_", 0) == 0 && !util::is_utf8(entry)) {
      const auto eq = entry.find('=');
      return Error(ErrorCode::usage, fmt::format("the variable {} is not valid UTF-8: '{}'",
                                                 util::escape_text(entry.substr(0, eq)),
                                                 util::escape_text(entry.substr(eq == entry.npos ? entry.size() : eq + 1))));
    }
  }
  return std::nullopt;
}

bool asks_for_help_or_version(const std::vector<std::string>& args)
{
  return std::any_of(args.begin(), args.end(),
                     [](const std::string& a) { return a == "-h" || a == "--help" || a == "--version"; });
}

// A set value becomes the default of `app`'s option `name`, when it has one;
// the option's own checks judge it (a duration is given in the form they read).
template <typename T>
void default_from(CLI::App& app, const char* name, const std::optional<T>& value)
{
  if (!value) {
    return;
  }
  if (CLI::Option* option = app.get_option_no_throw(name); option != nullptr) {
    if constexpr (std::is_same_v<T, std::chrono::milliseconds>) {
      option->default_val(util::duration_text(*value));
    } else {
      option->default_val(*value);
    }
  }
}

// Calls `fn` on `app` and every subcommand below it.
template <typename Fn>
void each_command(CLI::App& app, const Fn& fn)
{
  fn(app);
  for (auto* sub : app.get_subcommands([](const CLI::App*) { return true; })) {
    each_command(*sub, fn);
  }
}

// The configuration's settings become the options' defaults, so that an
// environment variable (applied by CLI11 when the flag is absent) and a flag
// override them. Settings without an option go to `global`.
void apply_configuration(CLI::App& app, GlobalOptions& global, const manifest::Config& config)
{
  default_from(app, "--root", config.root);
  default_from(app, "--catalog", config.catalog);
  default_from(app, "--keyring", config.keyring);
  default_from(app, "--archives", config.archives);
  default_from(app, "--socket", config.socket);
  default_from(app, "--output", config.output);
  default_from(app, "--lock-timeout", config.lock_timeout);
  default_from(app, "--metrics-file", config.metrics_file);
  each_command(app, [&](CLI::App& cmd) {
    if (&cmd == &app) {
      return;
    }
    default_from(cmd, "--strategy", config.strategy);
    default_from(cmd, "--request-timeout", config.request_timeout);
    default_from(cmd, "--timeout", config.timeout);
    default_from(cmd, "--lease", config.lease);
    default_from(cmd, "--step-interval", config.step_interval);
    default_from(cmd, "--analysis", config.analysis);
    if (cmd.get_name() == "gc") {
      default_from(cmd, "--keep", config.gc_keep);
    }
  });
  const auto& l = config.limits;
  archive::Limits& limits = global.limits;
  limits.max_entries = l.max_entries.value_or(limits.max_entries);
  limits.max_file_bytes = l.max_file_bytes.value_or(limits.max_file_bytes);
  limits.max_total_bytes = l.max_total_bytes.value_or(limits.max_total_bytes);
  limits.max_ratio = l.max_ratio.value_or(limits.max_ratio);
  limits.max_path_bytes = l.max_path_bytes.value_or(limits.max_path_bytes);
  limits.max_path_depth = l.max_path_depth.value_or(limits.max_path_depth);
  limits.max_archive_bytes = l.max_archive_bytes.value_or(limits.max_archive_bytes);
  if (config.point_retention_days) {
    global.point_retention_ms = static_cast<store::Millis>(*config.point_retention_days) * 24 * 3600 * 1000;
  }
}

std::vector<std::string> subcommand_names(const CLI::App& app)
{
  std::vector<std::string> names;
  for (const auto* sub : app.get_subcommands([](const CLI::App*) { return true; })) {
    names.push_back(sub->get_name());
  }
  return names;
}

// The deepest subcommand the user reached, for pointing at the right --help.
const CLI::App* deepest_parsed(const CLI::App& app)
{
  const CLI::App* cur = &app;
  for (;;) {
    const CLI::App* next = nullptr;
    for (const auto* sub : cur->get_subcommands()) {
      next = sub;
    }
    if (next == nullptr) {
      return cur;
    }
    cur = next;
  }
}

std::string command_path(const CLI::App* app)
{
  std::string path;
  for (const CLI::App* a = app; a != nullptr && a->get_parent() != nullptr; a = a->get_parent()) {
    path = path.empty() ? a->get_name() : a->get_name() + " " + path;
  }
  return path;
}

std::string usage_message(const CLI::ParseError& e, const CLI::App& app, const std::vector<std::string>& args)
{
  const CLI::App* at = deepest_parsed(app);
  std::string message = e.what();
  // Lower-case a leading word ("The following..."), not a name ("VERSION is required").
  if (message.size() > 1 && std::islower(static_cast<unsigned char>(message[1])) != 0) {
    message[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(message[0])));
  }
  // Where a command is expected, the first word that is neither an option,
  // an option's value nor a command on the parsed path is an unknown command.
  const bool wants_command = at->get_require_subcommand_min() > 0 && at->get_subcommands().empty();
  if (wants_command && (e.get_name() == "RequiredError" || e.get_name() == "ExtrasError")) {
    const std::vector<std::string> names = subcommand_names(*at);
    const std::string path = command_path(at);
    std::vector<std::string> on_path;
    for (const CLI::App* a = at; a != nullptr && a->get_parent() != nullptr; a = a->get_parent()) {
      on_path.push_back(a->get_name());
    }
    for (std::size_t i = 0; i < args.size(); ++i) {
      const auto& word = args[i];
      // An option's value is not a command ("--root /x" holds no command).
      if (word.size() > 1 && word[0] == '-' && word.find('=') == std::string::npos) {
        if (const CLI::Option* opt = find_option(at, word); opt != nullptr && takes_value(opt)) {
          ++i;
          continue;
        }
      }
      if (word.empty() || word[0] == '-' || std::find(on_path.begin(), on_path.end(), word) != on_path.end()) {
        continue;
      }
      message = fmt::format("unknown command '{}'{}", word, path.empty() ? "" : " for '" + path + "'");
      if (auto suggestion = util::suggest(word, names)) {
        message += fmt::format(" (did you mean '{}'?)", *suggestion);
      }
      return message + fmt::format("; expected one of: {}", fmt::join(names, ", "));
    }
    return fmt::format("expected a command after '{}': {}", path.empty() ? "noodle-upgrade" : "noodle-upgrade " + path,
                       fmt::join(names, ", "));
  }
  // -o is the output format everywhere; a file name after it means --out.
  if (message.rfind("--output:", 0) == 0) {
    message += " (-o is --output, text or json; a file to write is --out FILE)";
  }
  std::string path = command_path(at);
  return fmt::format("{}; run 'noodle-upgrade {}{}--help' for usage", message, path, path.empty() ? "" : " ");
}

} // namespace

std::filesystem::path Context::catalog_dir() const
{
  if (repository) {
    return repository->catalog_dir();
  }
  if (is_repository(*this)) {
    return repo::cache_dir(root()) / "catalog"; // the last catalog verified, until open_repository runs
  }
  if (!global.catalog.empty()) {
    return global.catalog;
  }
  return std::filesystem::path(global.root) / "manifests";
}

std::filesystem::path Context::keyring_dir() const
{
  if (!global.keyring.empty()) {
    return global.keyring;
  }
  return std::filesystem::path(global.root) / "keys";
}

std::filesystem::path Context::socket_path() const
{
  if (!global.socket.empty()) {
    return global.socket;
  }
  return std::filesystem::path(global.root) / "control.sock";
}

std::filesystem::path Context::archives_dir() const
{
  if (repository) {
    return repository->archives_dir();
  }
  if (!global.archives.empty()) {
    return global.archives;
  }
  return std::filesystem::path(global.root) / "archives";
}

archive::Limits Context::archive_limits() const
{
  archive::Limits limits = global.limits;
  limits.progress = progress;
  return limits;
}

manifest::LoadOptions Context::load_options() const
{
  manifest::LoadOptions options;
  options.strictness = global.strict ? manifest::Strictness::strict : manifest::Strictness::normal;
  return options;
}

namespace {

// A directory the cache may live in: a real directory (no link) of the
// effective user that no one else may write to.
bool private_directory(const std::filesystem::path& dir)
{
  struct stat st {};
  return ::lstat(dir.c_str(), &st) == 0 && S_ISDIR(st.st_mode) && st.st_uid == ::geteuid() &&
         (st.st_mode & (S_IWGRP | S_IWOTH)) == 0;
}

std::filesystem::path user_cache_dir()
{
  std::filesystem::path base;
  if (const char* xdg = std::getenv("XDG_CACHE_HOME"); xdg != nullptr && xdg[0] == '/') {
    base = xdg;
  } else if (const char* home = std::getenv("HOME"); home != nullptr && home[0] == '/') {
    base = std::filesystem::path(home) / ".cache";
  } else {
    return {};
  }
  std::filesystem::path dir = base / "noodle-upgrade";
  std::error_code ec;
  std::filesystem::create_directories(base, ec);
  if (::mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST) {
    return {};
  }
  return private_directory(dir) ? dir : std::filesystem::path();
}

} // namespace

std::filesystem::path catalog_cache_file(const std::filesystem::path& root, const std::filesystem::path& catalog_dir,
                                         const manifest::LoadOptions& options)
{
  // Never beside the catalog: it may be read-only, shared, or another
  // user's. A root's own state directory keeps the cache with the root it
  // serves; without one (or when it is another user's), the user's cache.
  std::filesystem::path dir = root / engine::rel::state();
  if (root.empty() || !private_directory(dir)) {
    dir = user_cache_dir();
  }
  if (dir.empty()) {
    return {};
  }
  return dir / manifest::catalog_cache_name(catalog_dir, options);
}

manifest::LoadResult load_catalog_files(const std::filesystem::path& root, const std::filesystem::path& catalog_dir,
                                        const manifest::LoadOptions& options, bool no_cache, std::string* note)
{
  const std::filesystem::path cache = no_cache ? std::filesystem::path() : catalog_cache_file(root, catalog_dir, options);
  if (cache.empty()) {
    return manifest::load_catalog(catalog_dir, options);
  }
  manifest::CacheUse use;
  auto result = manifest::load_catalog_cached(catalog_dir, options, cache, &use);
  if (note != nullptr && use.write_error) {
    *note = fmt::format("catalog cache not saved: {}", *use.write_error);
  }
  return result;
}

void keep_until_exit(manifest::LoadResult&& loaded)
{
  if (loaded.catalog.component_count() < 256) {
    return; // small: freed as usual
  }
  // Reachable from a static, so a leak checker does not count it.
  static auto* kept = new std::vector<std::unique_ptr<manifest::LoadResult>>();
  kept->push_back(std::make_unique<manifest::LoadResult>(std::move(loaded)));
}

LoadedCatalog::~LoadedCatalog()
{
  keep_until_exit(std::move(result));
}

LoadedCatalog load_catalog(Context& ctx, WithInstalled with_installed, CatalogCache cache)
{
  LoadedCatalog loaded;
  if (auto exit = open_repository(ctx)) {
    loaded.exit = exit;
    return loaded;
  }
  std::string note;
  loaded.result =
    load_catalog_files(ctx.root(), ctx.catalog_dir(), ctx.load_options(),
                       ctx.global.no_catalog_cache || cache == CatalogCache::bypass, &note);
  if (!note.empty()) {
    ctx.reporter.detail(note + "\n");
  }
  const auto& ds = loaded.result.diagnostics;
  if (!loaded.result.has_errors()) {
    ctx.reporter.diagnostics(ds);
    ctx.reporter.detail(fmt::format("catalog '{}': {} manifest(s) of {} component(s) in {} file(s)\n",
                                    ctx.catalog_dir().string(), loaded.result.catalog.manifest_count(),
                                    loaded.result.catalog.component_count(), loaded.result.files));
    if (with_installed == WithInstalled::yes) {
      auto installed = state::read_installed(ctx.root());
      if (!installed) {
        loaded.exit = ctx.reporter.failure(installed.error());
      } else {
        loaded.installed = std::move(*installed);
        ctx.reporter.detail(fmt::format("root '{}': {} component(s) installed\n", ctx.root().string(),
                                        loaded.installed.components.size()));
      }
    }
    return loaded;
  }
  // In text mode every diagnostic is printed, then one summary error; JSON
  // carries them all in the error object.
  using Severity = manifest::Diagnostic::Severity;
  const std::size_t errors = manifest::count(ds, Severity::error);
  const auto first = std::find_if(ds.begin(), ds.end(), [](const auto& d) { return d.severity == Severity::error; });
  Error e(first->code,
          fmt::format("catalog '{}' has {} error{}", ctx.catalog_dir().string(), errors, errors == 1 ? "" : "s"));
  ctx.reporter.diagnostics(ds);
  loaded.exit = ctx.reporter.failure(e);
  return loaded;
}

CLI::App* add_command(CLI::App& parent, const std::string& name, const std::string& summary, const std::string& details,
                      const std::string& example)
{
  auto* cmd = parent.add_subcommand(name, summary);
  std::string footer;
  if (!details.empty()) {
    footer += details + "\n\n";
  }
  if (!example.empty()) {
    footer += "Example:\n  " + example + "\n\n";
  }
  footer += k_exit_codes;
  cmd->footer(footer);
  return cmd;
}

void on_run(CLI::App* cmd, Registry& registry, Action action)
{
  // A command with subcommands of its own (`rollback list`) runs only when
  // none of them was chosen; CLI11 calls the parent's callback last.
  cmd->callback([cmd, &registry, action = std::move(action)] {
    if (cmd->get_subcommands().empty()) {
      registry.action = action;
    }
  });
}

int run(const std::vector<std::string>& args, std::istream& in, std::ostream& out, std::ostream& err)
{
  GlobalOptions global;
  Registry registry;

  CLI::App app{"noodle-upgrade: upgrade the components of a running runtime safely", "noodle-upgrade"};
  app.set_version_flag("--version", std::string("noodle-upgrade ") + NOODLE_VERSION);
  app.require_subcommand(1);
  app.fallthrough();
  app.footer(k_exit_codes);

  app.add_option("--root", global.root, "Runtime root directory")->envname("NOODLE_ROOT")->capture_default_str();
  app.add_option("--catalog", global.catalog,
                 "Manifest catalog directory (default: <root>/manifests), or a repository: a directory holding "
                 "index.json, or http(s) mirror URLs tried in order (repeat the option, or separate them by commas)")
      ->envname("NOODLE_CATALOG")
      ->multi_option_policy(CLI::MultiOptionPolicy::Join);
  app.add_option("--keyring", global.keyring, "Directory of trusted public keys (default: <root>/keys)")
      ->envname("NOODLE_KEYRING");
  app.add_option("--archives", global.archives,
                 "Directory of signed archives NAME-VERSION.tar.gz|.tar.zst (default: <root>/archives)")
      ->envname("NOODLE_ARCHIVES");
  app.add_option("--socket", global.socket, "The runtime's control socket (default: <root>/control.sock)")
      ->envname("NOODLE_SOCKET");
  add_duration_option(&app, "--lock-timeout", global.lock_timeout,
                      "How long a changing command waits for another one on the same root, then exits 5")
      ->envname("NOODLE_LOCK_TIMEOUT");
  app.add_option("-o,--output", global.output, "Output format")
      ->envname("NOODLE_OUTPUT")
      ->check(CLI::IsMember({"text", "json"}))
      ->capture_default_str();
  app.add_option("--config", global.config,
                 fmt::format("Configuration file; its settings are overridden by NOODLE_* variables and flags "
                             "(default: {}, if present)",
                             manifest::k_default_config_path))
      ->envname("NOODLE_CONFIG");
  app.add_option("--metrics-file", global.metrics_file,
                 "After every change, write the root's metrics to FILE in the Prometheus text format "
                 "(node_exporter's textfile collector)")
      ->envname("NOODLE_METRICS_FILE");
  app.add_flag("-q,--quiet", global.quiet, "Print only results and errors");
  app.add_flag("-v,--verbose", global.verbose, "Print more detail on stderr");
  app.add_flag("--no-color", global.no_color, "Never color diagnostics");
  app.add_flag("--no-progress", global.no_progress, "Never draw a progress line on a terminal's stderr");
  app.add_flag("--strict", global.strict, "Treat manifest warnings (unknown fields) as errors");
  add_repo_options(app, global);
  app.add_flag("--no-catalog-cache", global.no_catalog_cache,
               "Read every manifest file, neither using nor updating the compiled catalog cache")
      ->envname("NOODLE_NO_CATALOG_CACHE");

  add_archive_commands(app, registry);
  add_catalog_commands(app, registry);
  add_graph_commands(app, registry);
  add_plan_command(app, registry);
  add_validate_command(app, registry);
  add_version_commands(app, registry);
  add_upgrade_commands(app, registry);
  add_rollback_commands(app, registry);
  add_floor_commands(app, registry);
  add_repo_commands(app, registry);
  add_state_commands(app, registry);
  add_steer_commands(app, registry);
  add_config_commands(app, registry);
  add_help_commands(app, registry);
  add_complete_command(app, registry);

  std::string config_path;
  auto config = load_configuration(args, config_path);
  if (is_complete_request(args)) {
    // Candidates come from the configured root and catalog too; completion
    // never fails, so a broken configuration only leaves the built-in defaults.
    if (config) {
      try {
        apply_configuration(app, global, *config);
      } catch (const CLI::Error&) {
      }
    }
    complete_words(app, std::vector<std::string>(args.begin() + 1, args.end()), out);
    return 0;
  }
  // Help and --version must work even when the configuration is broken: they
  // are how an operator finds out how to fix it.
  if (!config && asks_for_help_or_version(args)) {
    config = manifest::Config{};
  }
  output::Style early_style;
  early_style.format =
      wants_json(args, config ? config->output : std::nullopt) ? output::Format::json : output::Format::text;
  output::Reporter early(out, err, early_style);
  if (auto bad = non_utf8_input(args)) {
    return output::to_int(early.failure(*bad, output::ExitCode::usage));
  }
  if (!config) {
    return output::to_int(early.failure(config.error(), output::ExitCode::usage));
  }
  try {
    apply_configuration(app, global, *config);
  } catch (const CLI::Error& e) {
    // The parser checks ranges and choices; a failure here is a setting the
    // option's own check refuses.
    return output::to_int(early.failure(
        Error(ErrorCode::usage, fmt::format("configuration file: {}", e.what())), output::ExitCode::usage));
  }

  try {
    const std::vector<std::string> words = rewrite_help_request(app, args);
    std::vector<std::string> reversed(words.rbegin(), words.rend());
    app.parse(reversed);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e, out, err);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e, out, err);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e, out, err);
  } catch (const CLI::ParseError& e) {
    Error usage(ErrorCode::usage, usage_message(e, app, args));
    return output::to_int(early.failure(usage, output::ExitCode::usage));
  }

  output::Style style;
  style.format = global.output == "json" ? output::Format::json : output::Format::text;
  style.verbosity = global.quiet ? output::Verbosity::quiet
                                 : (global.verbose ? output::Verbosity::verbose : output::Verbosity::normal);
  const bool color_ok =
      !global.no_color && std::getenv("NO_COLOR") == nullptr && &err == &std::cerr && isatty(STDERR_FILENO) == 1;
  style.color = color_ok ? output::Color::yes : output::Color::no;
  output::Reporter reporter(out, err, style);
  Context ctx{global, in, out, err, reporter, {}, nullptr, nullptr, nullptr, {}, {}, nullptr, nullptr};
  // Progress redraws one line in place: only for a person at a terminal.
  std::optional<TerminalProgress> progress;
  if (style.format == output::Format::text && !global.quiet && !global.no_progress && &err == &std::cerr &&
      isatty(STDERR_FILENO) == 1) {
    ctx.progress = &progress.emplace(err);
  }
  // Shell-quoted, so the audit trail and the lock file show each argument as
  // one word: "--requested-by 'x --force'" is one value, not a flag.
  ctx.command_line = "noodle-upgrade";
  for (const auto& a : args) {
    ctx.command_line += " " + util::shell_quote(a);
  }
  ctx.config = &*config;
  ctx.config_path = config_path;
  ctx.args = args;
  ctx.app = &app;

  if (!registry.action) {
    return output::to_int(reporter.failure(Error(ErrorCode::internal, "no command was selected")));
  }
  try {
    // The metrics are written as the command ends, before its result, so a
    // warning about them reaches the JSON document; a command that ends
    // without a result written through the reporter still writes them here.
    reporter.before_end([&ctx] { write_metrics_file(ctx); });
    const output::ExitCode code = (*registry.action)(ctx);
    write_metrics_file(ctx);
    return output::to_int(code);
  } catch (const std::exception& e) {
    // "Cannot continue": the only place an exception becomes a message.
    return output::to_int(
        reporter.failure(Error(ErrorCode::internal, fmt::format("unexpected failure: {}", e.what()))));
  }
}

int run(int argc, char** argv)
{
  // A reader that goes away (`| head -n 1`) must not kill a change half-way
  // with the runtime switched: the write fails with EPIPE instead, and that
  // is an output failure like any other, reported below once the change
  // finished or rolled back.
  std::signal(SIGPIPE, SIG_IGN);
  std::ios::sync_with_stdio(false);
  std::vector<std::string> args(argv + 1, argv + argc);
  int code = run(args, std::cin, std::cout, std::cerr);
  errno = 0;
  std::cout.flush();
  // A report that never reached stdout (EIO, ENOSPC, /dev/full, a closed
  // pipe) must not read as success: a caller would act on output it did not
  // get. Likewise a message or live event lost on stderr.
  if (!std::cout && code == 0) {
    const int saved = errno;
    std::cerr << "noodle-upgrade: error: cannot write the output to stdout"
              << (saved != 0 ? fmt::format(": {}", std::strerror(saved)) : std::string()) << '\n';
    std::cerr.flush();
    return output::to_int(output::exit_code_for(ErrorCode::io));
  }
  std::cerr.flush();
  if (!std::cerr && code == 0) {
    return output::to_int(output::exit_code_for(ErrorCode::io)); // nowhere left to say why
  }
  return code;
}

} // namespace noodle::cli
