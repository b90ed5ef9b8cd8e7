// SPDX-License-Identifier: Apache-2.0
// `keygen`, `pack`, `sign` and `verify`: signed component archives.
#include "context.hpp"

#include <noodle/archive/extract.hpp>
#include <noodle/archive/keyring.hpp>
#include <noodle/archive/keys.hpp>
#include <noodle/archive/pack.hpp>
#include <noodle/archive/signature.hpp>
#include <noodle/archive/verify.hpp>
#include <noodle/output/archive_view.hpp>
#include <noodle/util/atomic_file.hpp>
#include <noodle/util/unique_fd.hpp>

#include <fmt/format.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <memory>
#include <optional>
#include <fcntl.h>
#include <sys/stat.h>

namespace noodle::cli {

namespace {

struct ArchiveOptions {
  std::string prefix;
  std::string dir;
  std::string archive;
  std::string out;
  std::string key;
  std::string sig;
  std::string extract_to;
  std::string manifest_dir;
};

// The one manifest.yaml at the root of an archive or a directory.
Result<manifest::Manifest> parse_component_manifest(std::string_view text, const std::string& origin)
{
  manifest::LoadOptions options;
  options.check_archive_files = manifest::LoadOptions::CheckArchiveFiles::no;
  std::vector<manifest::Diagnostic> diagnostics;
  auto manifests = manifest::parse_manifests(text, origin, {}, options, diagnostics);
  for (const auto& d : diagnostics) {
    if (d.severity == manifest::Diagnostic::Severity::error) {
      return fail(ErrorCode::archive_invalid, fmt::format("{}: {}", d.where.to_string(), d.message));
    }
  }
  if (manifests.size() != 1) {
    return fail(ErrorCode::archive_invalid,
                fmt::format("{} must hold exactly one component version, found {}", origin, manifests.size()));
  }
  return std::move(manifests.front());
}

Result<std::string> read_small_file(const std::filesystem::path& path, std::uint64_t max_bytes)
{
  std::vector<manifest::Diagnostic> diagnostics;
  auto text = manifest::read_input_file(path, max_bytes, diagnostics);
  if (!text) {
    return fail(diagnostics.empty() ? Error(ErrorCode::io, fmt::format("cannot read '{}'", path.string()))
                                    : manifest::to_error(diagnostics.front()));
  }
  return std::move(*text);
}

output::ExitCode run_sign(Context& ctx, const ArchiveOptions& opts)
{
  auto key = archive::load_private_key(opts.key);
  if (!key) {
    return ctx.reporter.failure(key.error());
  }
  // Name and version from the archive's own manifest, digest and size from
  // the same open file.
  auto statement = archive::statement_for_archive(opts.archive, ctx.global.limits, std::chrono::system_clock::now());
  if (!statement) {
    return ctx.reporter.failure(statement.error());
  }
  auto sig = archive::sign(*statement, *key);
  if (!sig) {
    return ctx.reporter.failure(sig.error());
  }
  const std::filesystem::path sig_path = opts.out.empty() ? opts.archive + ".sig" : opts.out;
  if (auto written = util::write_file_atomic(sig_path, archive::serialize(*sig), 0644); !written) {
    return ctx.reporter.failure(written.error());
  }
  return output::render_sign(*sig, sig_path, ctx.reporter);
}

output::ExitCode run_verify(Context& ctx, const ArchiveOptions& opts)
{
  auto keyring = archive::load_keyring(ctx.keyring_dir());
  if (!keyring) {
    return ctx.reporter.failure(keyring.error());
  }
  const std::filesystem::path sig_path = opts.sig.empty() ? opts.archive + ".sig" : opts.sig;
  const archive::SignatureSource signature{sig_path, &*keyring};
  // One read of the archive, hashed and parsed together: every entry judged
  // as extraction would (nothing written), or extracted into --extract-to
  // for the operator to keep (removed again unless everything verified).
  const bool keep = !opts.extract_to.empty();
  const std::filesystem::path dest = keep ? std::filesystem::path(opts.extract_to) : std::filesystem::path();
  std::optional<archive::VerifiedArchive> verified;
  archive::ExtractReport extracted;
  std::error_code ec;
  if (keep) {
    if (::mkdir(dest.c_str(), 0700) != 0) {
      return ctx.reporter.failure(
          Error(ErrorCode::io,
                fmt::format("cannot create '{}': {}{}", dest.string(), std::strerror(errno),
                            errno == EEXIST ? " (--extract-to needs a directory that does not exist yet)" : "")));
    }
    util::UniqueFd dest_fd(::open(dest.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
    if (!dest_fd.valid()) {
      const int err = errno;
      std::filesystem::remove_all(dest, ec);
      return ctx.reporter.failure(
          Error(ErrorCode::io, fmt::format("cannot open '{}': {}", dest.string(), std::strerror(err))));
    }
    auto done = archive::verify_and_extract(opts.archive, signature, dest_fd.get(), dest, ctx.archive_limits());
    if (!done) {
      std::filesystem::remove_all(dest, ec);
      return ctx.reporter.failure(done.error());
    }
    verified.emplace(std::move(done->archive));
    extracted = std::move(done->report);
  } else {
    auto done = archive::inspect_archive(opts.archive, signature, archive::InspectDepth::every_entry,
                                         ctx.archive_limits(), &extracted);
    if (!done) {
      return ctx.reporter.failure(done.error());
    }
    verified.emplace(std::move(*done));
  }
  // The catalog, when there is one, must agree on name, version, digest and size.
  output::CatalogMatch match;
  if (!ctx.global.catalog.empty() || std::filesystem::is_directory(ctx.catalog_dir(), ec)) {
    auto loaded = load_catalog(ctx);
    if (loaded.exit) {
      if (keep) {
        std::filesystem::remove_all(dest, ec);
      }
      return *loaded.exit;
    }
    const auto* entry = loaded.result.catalog.find(verified->component, verified->version);
    if (entry == nullptr) {
      match.state = output::CatalogMatch::State::no_entry;
    } else {
      if (auto checked = archive::check_catalog_entry(*verified, *entry); !checked) {
        if (keep) {
          std::filesystem::remove_all(dest, ec);
        }
        return ctx.reporter.failure(checked.error());
      }
      match.state = output::CatalogMatch::State::matches;
      match.where = entry->where.to_string();
    }
  }
  const auto* key = keyring->find(verified->signature.key_id);
  return output::render_verify(*verified, key != nullptr ? key->file : std::filesystem::path(), match, extracted,
                               keep ? dest : std::filesystem::path(), ctx.reporter);
}

} // namespace

void add_archive_commands(CLI::App& app, Registry& registry)
{
  auto opts = std::make_shared<ArchiveOptions>();

  auto* keygen = add_command(app, "keygen", "Create an Ed25519 signing key pair: PREFIX.key (0600) and PREFIX.pub",
                             "Refuses to overwrite an existing key. Put PREFIX.pub in the keyring of every root "
                             "that should trust it.",
                             "noodle-upgrade keygen --out release-2026");
  keygen->add_option("--out", opts->prefix, "Path prefix of the two key files")->required();
  on_run(keygen, registry, [opts](Context& ctx) {
    auto files = archive::write_key_pair(opts->prefix);
    return files ? output::render_keygen(*files, ctx.reporter) : ctx.reporter.failure(files.error());
  });

  auto* pack = add_command(app, "pack", "Build a reproducible component archive from a directory holding manifest.yaml",
                           ".tar.gz or .tar.zst by the output's extension; prints the archive section for the "
                           "catalog manifest.",
                           "noodle-upgrade pack build/jit_compiler --out jit_compiler-2.1.0.tar.gz");
  pack->add_option("DIR", opts->dir, "Component directory")->required();
  pack->add_option("--out", opts->out, "Archive to write (.tar.gz, .tgz or .tar.zst)")->required();
  pack->add_option("--manifest-dir", opts->manifest_dir,
                   "Where the catalog manifest naming the archive will live (archive.file is relative to it; "
                   "default: the catalog directory)");
  on_run(pack, registry, [opts](Context& ctx) {
    const auto manifest_path = std::filesystem::path(opts->dir) / "manifest.yaml";
    auto text = read_small_file(manifest_path, archive::k_max_archive_manifest_bytes);
    if (!text) {
      return ctx.reporter.failure(text.error());
    }
    auto m = parse_component_manifest(*text, manifest_path.string());
    if (!m) {
      return ctx.reporter.failure(m.error(), output::ExitCode::usage);
    }
    auto packed = archive::pack(opts->dir, opts->out);
    if (!packed) {
      return ctx.reporter.failure(packed.error());
    }
    // archive.file is read relative to the manifest's own directory.
    const std::filesystem::path base = opts->manifest_dir.empty() ? ctx.catalog_dir() : std::filesystem::path(opts->manifest_dir);
    return output::render_pack(*packed, m->name.string(), m->version.to_string(), opts->out, base, ctx.reporter);
  });

  auto* sign = add_command(app, "sign", "Sign an archive: binds its component name, version, sha256 and size",
                           "Writes ARCHIVE.sig (or --out); see noodle-signature(5).",
                           "noodle-upgrade sign jit_compiler-2.1.0.tar.gz --key release-2026.key");
  sign->add_option("ARCHIVE", opts->archive, "Archive to sign")->required();
  sign->add_option("--key", opts->key, "Private key (PREFIX.key from keygen)")->required();
  sign->add_option("--out", opts->out, "Signature file to write (default: ARCHIVE.sig)");
  on_run(sign, registry, [opts](Context& ctx) { return run_sign(ctx, *opts); });

  auto* verify =
      add_command(app, "verify", "Verify an archive's signature against the keyring, and the catalog",
                  "The verified bytes are also extracted under the archive rules (into private staging, removed "
                  "after,\nor --extract-to). Exit 4 on any integrity, signature or archive-rule failure.",
                  "noodle-upgrade --keyring /etc/noodle/keys verify jit_compiler-2.1.0.tar.gz");
  verify->add_option("ARCHIVE", opts->archive, "Archive to verify")->required();
  verify->add_option("--sig", opts->sig, "Signature file (default: ARCHIVE.sig)");
  verify->add_option("--extract-to", opts->extract_to,
                     "Also keep the verified, extracted component in this new directory");
  on_run(verify, registry, [opts](Context& ctx) { return run_verify(ctx, *opts); });
}

} // namespace noodle::cli
