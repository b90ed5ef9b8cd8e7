// SPDX-License-Identifier: Apache-2.0
// `repo index`, `repo verify`, `repo sync`, and the repository behind
// --catalog when it names one.
#include "context.hpp"
#include "option_checks.hpp"

#include <noodle/archive/keys.hpp>
#include <noodle/engine/upgrade.hpp>
#include <noodle/graph/plan.hpp>
#include <noodle/output/repo_view.hpp>
#include <noodle/repo/client.hpp>
#include <noodle/repo/publish.hpp>
#include <noodle/state/machine.hpp>
#include <noodle/util/duration.hpp>

#include <fmt/format.h>

#include <charconv>

namespace noodle::cli {

namespace {

struct RepoOptions {
  std::string catalog_dir;
  std::string out;
  std::string key;
  std::string expires = "7d";
  std::uint64_t index_version = 0; // 0: one more than the index in DIR
  std::string dir;
  std::vector<std::string> targets; // repo sync: NAME or NAME@VERSION
  std::string plan_for;             // repo sync --for NAME@VERSION
};

// "7d", or any duration util::parse_duration reads ("12h", "90m").
Result<std::chrono::milliseconds> parse_expiry(const std::string& text)
{
  if (text.size() > 1 && text.back() == 'd') {
    std::uint64_t days = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size() - 1, days);
    if (ec == std::errc() && end == text.data() + text.size() - 1 && days >= 1 && days <= 3650) {
      return std::chrono::milliseconds(static_cast<std::int64_t>(days) * 24 * 3600 * 1000);
    }
    return fail(ErrorCode::usage,
                fmt::format("--expires '{}': expected 1d to 3650d, or a duration such as '12h'", text));
  }
  auto d = util::parse_duration(text, util::k_positive_duration);
  if (!d) {
    return fail(ErrorCode::usage, fmt::format("--expires: {}", d.error().message));
  }
  return *d;
}

output::ExitCode run_index(Context& ctx, const RepoOptions& opts)
{
  auto expires = parse_expiry(opts.expires);
  if (!expires) {
    return ctx.reporter.failure(expires.error());
  }
  auto key = archive::load_private_key(opts.key);
  if (!key) {
    return ctx.reporter.failure(key.error());
  }
  auto keyring = archive::load_keyring(ctx.keyring_dir());
  if (!keyring) {
    return ctx.reporter.failure(keyring.error());
  }
  repo::PublishOptions p;
  p.catalog_dir = opts.catalog_dir;
  p.archives_dir = ctx.archives_dir();
  p.out_dir = opts.out;
  p.key = *key;
  p.keyring = &*keyring;
  if (opts.index_version != 0) {
    p.version = opts.index_version;
  }
  p.expires_in = *expires;
  p.now = std::chrono::system_clock::now();
  std::error_code ec;
  std::filesystem::create_directories(p.out_dir, ec);
  if (ec) {
    return ctx.reporter.failure(
        Error(ErrorCode::io, fmt::format("cannot create '{}': {}", p.out_dir.string(), ec.message())));
  }
  auto result = repo::publish(p);
  if (!result) {
    return ctx.reporter.failure(result.error());
  }
  return output::render_repo_index(*result, p.out_dir, ctx.reporter);
}

output::ExitCode run_verify(Context& ctx, const RepoOptions& opts)
{
  auto keyring = archive::load_keyring(ctx.keyring_dir());
  if (!keyring) {
    return ctx.reporter.failure(keyring.error());
  }
  auto check = repo::verify_repository(opts.dir, *keyring, std::chrono::system_clock::now(),
                                       ctx.global.allow_expired ? repo::AllowExpired::yes : repo::AllowExpired::no);
  if (!check) {
    return ctx.reporter.failure(check.error());
  }
  return output::render_repo_verify(*check, opts.dir, ctx.reporter);
}

output::ExitCode run_sync(Context& ctx, const RepoOptions& opts)
{
  if (!is_repository(ctx)) {
    return ctx.reporter.failure(Error(ErrorCode::usage, "repo sync needs --catalog to name a repository: a URL, a "
                                                        "list of mirrors or a directory holding index.json"));
  }
  if (auto exit = open_repository(ctx)) {
    return *exit;
  }
  repo::Repository& repository = *ctx.repository;
  const auto& index = repository.index();
  std::vector<const repo::IndexArchive*> wanted;
  if (!opts.plan_for.empty()) {
    // What upgrading this root to NAME@VERSION needs: every hop of the plan.
    auto loaded = load_catalog(ctx, WithInstalled::yes);
    if (loaded.exit) {
      return *loaded.exit;
    }
    const auto at = opts.plan_for.find('@');
    if (at == std::string::npos) {
      return ctx.reporter.failure(
          Error(ErrorCode::usage, fmt::format("--for '{}': expected NAME@VERSION", opts.plan_for)));
    }
    PlanRequestOptions p;
    p.name = opts.plan_for.substr(0, at);
    p.version = opts.plan_for.substr(at + 1);
    auto built = build_plan_request(ctx, p, loaded.result.catalog);
    if (!built) {
      return ctx.reporter.failure(built.error());
    }
    const auto plan =
        graph::make_plan(loaded.result.catalog, loaded.installed, built->first, state::probe_machine(ctx.root()));
    for (const auto& change : engine::changes_from_plan(plan, loaded.result.catalog)) {
      if (change.entry == nullptr) {
        continue;
      }
      const auto* a = index.find(change.entry->name, change.entry->version.to_string());
      if (a == nullptr) {
        return ctx.reporter.failure(Error(
            ErrorCode::not_found, fmt::format("repository index version {} lists no archive for {}@{}", index.version,
                                              change.entry->name, change.entry->version.to_string())));
      }
      wanted.push_back(a);
    }
  } else if (opts.targets.empty()) {
    for (const auto& a : index.archives) {
      wanted.push_back(&a);
    }
  }
  for (const auto& target : opts.targets) {
    const auto at = target.find('@');
    const std::string name = target.substr(0, at);
    const std::string version = at == std::string::npos ? std::string() : target.substr(at + 1);
    bool any = false;
    for (const auto& a : index.archives) {
      if (a.component == name && (version.empty() || a.version == version)) {
        wanted.push_back(&a);
        any = true;
      }
    }
    if (!any) {
      return ctx.reporter.failure(Error(ErrorCode::not_found, fmt::format("repository index version {} lists no "
                                                                          "archive for '{}'",
                                                                          index.version, target)));
    }
  }
  output::SyncReport report;
  report.index_version = index.version;
  report.expires = index.expires;
  report.from_cache = repository.from_cache();
  report.cache_dir = repository.archives_dir().string();
  for (const auto* a : wanted) {
    auto files = repository.fetch_archive(a->component, a->version);
    if (!files) {
      return ctx.reporter.failure(files.error());
    }
    report.archives.push_back(a->component + "@" + a->version);
  }
  report.fetched = repository.fetched();
  report.reused = repository.reused();
  return output::render_repo_sync(report, ctx.reporter);
}

} // namespace

bool is_repository(const Context& ctx)
{
  return !ctx.global.catalog.empty()
         && repo::classify_catalog(ctx.global.catalog).kind == repo::CatalogSource::Kind::repository;
}

std::optional<output::ExitCode> open_repository(Context& ctx)
{
  if (ctx.repository || !is_repository(ctx)) {
    return std::nullopt;
  }
  auto keyring = archive::load_keyring(ctx.keyring_dir());
  if (!keyring) {
    return ctx.reporter.failure(keyring.error());
  }
  repo::ClientOptions options;
  options.root = ctx.root();
  options.keyring = &*keyring;
  options.fetch.connect_timeout = ctx.global.connect_timeout;
  options.fetch.total_timeout = ctx.global.fetch_timeout;
  options.fetch.ca_file = ctx.global.ca_file;
  options.allow_expired = ctx.global.allow_expired ? repo::AllowExpired::yes : repo::AllowExpired::no;
  options.now = std::chrono::system_clock::now();
  auto opened = repo::Repository::open(repo::classify_catalog(ctx.global.catalog), options);
  if (!opened) {
    return ctx.reporter.failure(opened.error());
  }
  for (const auto& note : opened->notes()) {
    ctx.reporter.warning(note);
  }
  ctx.reporter.detail(fmt::format("repository index version {} (expires {}), catalog cached in '{}'\n",
                                  opened->index().version, opened->index().expires, opened->catalog_dir().string()));
  ctx.repository = std::make_shared<repo::Repository>(std::move(*opened));
  return std::nullopt;
}

void attach_repository(const Context& ctx, engine::ArchiveSource& source)
{
  if (!ctx.repository) {
    return;
  }
  std::shared_ptr<repo::Repository> repository = ctx.repository;
  source.archives_dir = repository->archives_dir();
  source.fetch = [repository](const manifest::Manifest& entry) {
    return repository->fetch_archive(entry.name, entry.version.to_string());
  };
}

void add_repo_options(CLI::App& app, GlobalOptions& global)
{
  app.add_option("--ca-file", global.ca_file,
                 "PEM certificates that verify https mirrors (default: the system's); verification is always on")
      ->envname("NOODLE_CA_FILE");
  add_duration_option(&app, "--connect-timeout", global.connect_timeout, "How long to wait for a mirror's connection",
                      util::k_positive_duration)
      ->envname("NOODLE_CONNECT_TIMEOUT");
  add_duration_option(&app, "--fetch-timeout", global.fetch_timeout,
                      "How long one file of a repository may take to fetch", util::k_positive_duration)
      ->envname("NOODLE_FETCH_TIMEOUT");
  app.add_flag("--allow-expired", global.allow_expired,
               "Use a repository index past its expiry time (after a warning)");
}

void add_repo_commands(CLI::App& app, Registry& registry)
{
  auto opts = std::make_shared<RepoOptions>();
  auto* group = add_command(app, "repo", "Publish, verify and prefetch a signed component repository",
                            "A repository is a catalog and its signed archives behind one signed index, served from "
                            "any static web server; --catalog URL[,URL...] consumes it. See noodle-repository(5).",
                            "noodle-upgrade repo verify /srv/noodle");
  group->require_subcommand(1);

  auto* index = add_command(*group, "index", "Publish a catalog and its signed archives as a signed repository",
                            "Writes DIR/index.json (every manifest; each archive's path, sha256 and size), its "
                            "signature DIR/index.json.sig, and DIR/archives/NAME/VERSION/. The archives come from "
                            "--archives, their signatures are checked with --keyring. The index version only goes "
                            "up.",
                            "noodle-upgrade repo index manifests/ -o /srv/noodle --key release.key --expires 7d");
  index->add_option("CATALOG_DIR", opts->catalog_dir, "Catalog directory")->required();
  index->add_option("--out", opts->out, "Repository directory to write")->required();
  index->add_option("--key", opts->key, "Private key that signs the index (PREFIX.key from keygen)")->required();
  index->add_option("--expires", opts->expires, "How long the index is valid: 7d, 12h, ...")->capture_default_str();
  index
      ->add_option("--index-version", opts->index_version,
                   "The index version (default: one more than the index already in the directory)")
      ->check(whole_number(1, 1'000'000'000'000));
  on_run(index, registry, [opts](Context& ctx) { return run_index(ctx, *opts); });

  auto* verify = add_command(*group, "verify", "Check a local repository completely",
                             "The index's signature (--keyring), its expiry (--allow-expired), its manifests, and "
                             "every archive and signature it lists.",
                             "noodle-upgrade repo verify /srv/noodle");
  verify->add_option("DIR", opts->dir, "Repository directory")->required();
  on_run(verify, registry, [opts](Context& ctx) { return run_verify(ctx, *opts); });

  auto* sync = add_command(*group, "sync", "Fetch the repository index and archives into the root's cache",
                           "Without arguments every archive the index lists; else those of each NAME (every "
                           "version) or NAME@VERSION; with --for NAME@VERSION what upgrading this root to it needs. "
                           "An upgrade then needs no network.",
                           "noodle-upgrade --catalog https://mirror.example/noodle repo sync --for jit_compiler@2.1.0");
  sync->add_option("NAME[@VERSION]", opts->targets, "Components (every version) or component versions to fetch");
  sync->add_option("--for", opts->plan_for,
                   "Fetch what upgrading this root to NAME@VERSION needs: the archive of every hop of the plan")
      ->excludes("NAME[@VERSION]");
  on_run(sync, registry, [opts](Context& ctx) { return run_sync(ctx, *opts); });
}

} // namespace noodle::cli
