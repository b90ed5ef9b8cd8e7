// SPDX-License-Identifier: Apache-2.0
#include <noodle/repo/publish.hpp>

#include <noodle/archive/digest.hpp>
#include <noodle/archive/signature.hpp>
#include <noodle/archive/verify.hpp>
#include <noodle/engine/install.hpp>
#include <noodle/manifest/loader.hpp>
#include <noodle/util/atomic_file.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <fstream>
#include <sys/stat.h>
#include <unistd.h>

namespace noodle::repo {

namespace fs = std::filesystem;

namespace {

Result<archive::Digest> file_digest(const fs::path& path)
{
  const int fd = ::open(path.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0) {
    return fail(ErrorCode::io, fmt::format("cannot read '{}': {}", path.string(), std::strerror(errno)));
  }
  auto digest = archive::sha256_file(fd);
  ::close(fd);
  return digest;
}

// The first error diagnostic of a catalog load as an Error.
std::optional<Error> catalog_error(const manifest::LoadResult& loaded, const fs::path& dir)
{
  for (const auto& d : loaded.diagnostics) {
    if (d.severity == manifest::Diagnostic::Severity::error) {
      Error e(d.code, fmt::format("catalog '{}': {}", dir.string(), d.message));
      if (d.where.known()) {
        e.where = d.where;
      }
      return e;
    }
  }
  return std::nullopt;
}

Result<std::vector<IndexManifest>> read_manifest_files(const fs::path& dir)
{
  std::vector<IndexManifest> out;
  std::error_code ec;
  fs::recursive_directory_iterator it(dir, fs::directory_options::none, ec);
  if (ec) {
    return fail(ErrorCode::io, fmt::format("cannot read catalog directory '{}': {}", dir.string(), ec.message()));
  }
  for (; it != fs::recursive_directory_iterator(); it.increment(ec)) {
    if (ec) {
      return fail(ErrorCode::io, fmt::format("cannot read catalog directory '{}': {}", dir.string(), ec.message()));
    }
    const auto name = it->path().filename().string();
    if (!name.empty() && name[0] == '.') {
      if (it->is_directory()) {
        it.disable_recursion_pending();
      }
      continue;
    }
    const auto ext = it->path().extension();
    if (!it->is_regular_file() || (ext != ".yaml" && ext != ".yml")) {
      continue;
    }
    auto text = read_capped(it->path(), 16ULL * 1024 * 1024);
    if (!text) {
      return fail(text.error());
    }
    out.push_back({fs::relative(it->path(), dir).generic_string(), std::move(*text)});
  }
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.path < b.path; });
  return out;
}

Result<void> copy_file_durably(const fs::path& from, const fs::path& to)
{
  auto bytes = read_capped(from, k_max_index_bytes * 1024);
  if (!bytes) {
    return fail(bytes.error());
  }
  return util::write_file_atomic(to, *bytes, 0644);
}

// The archive and signature of one version, checked: the signature verifies
// with the keyring and names these bytes.
Result<IndexArchive> checked_archive(const manifest::Manifest& m, const fs::path& archive_path,
                                     const fs::path& sig_path, const archive::Keyring& keyring)
{
  auto sig = archive::verify_signature_file(sig_path, keyring);
  if (!sig) {
    return fail(sig.error());
  }
  auto digest = file_digest(archive_path);
  if (!digest) {
    return fail(digest.error());
  }
  const auto& st = sig->statement;
  if (st.component != m.name || st.version.to_string() != m.version.to_string() || st.sha256 != digest->hex()
      || st.size != digest->size) {
    return fail(ErrorCode::integrity,
                fmt::format("signature '{}' does not name archive '{}' of {}@{} (signed: {}@{}, sha256 {})",
                            sig_path.string(), archive_path.string(), m.name, m.version.to_string(), st.component,
                            st.version.to_string(), st.sha256));
  }
  auto sig_digest = file_digest(sig_path);
  if (!sig_digest) {
    return fail(sig_digest.error());
  }
  IndexArchive a;
  a.component = m.name;
  a.version = m.version.to_string();
  const std::string base = fmt::format("archives/{}/{}/{}", a.component, a.version, archive_path.filename().string());
  a.archive = {base, digest->hex(), digest->size};
  a.signature = {base + ".sig", sig_digest->hex(), sig_digest->size};
  return a;
}

// Checks a listed file of the repository against the index.
Result<void> check_listed(const fs::path& dir, const IndexFile& f)
{
  const fs::path path = dir / f.path;
  auto digest = file_digest(path);
  if (!digest) {
    std::error_code ec;
    if (!fs::exists(path, ec)) {
      return fail(ErrorCode::not_found, fmt::format("'{}', listed by the index, does not exist", path.string()));
    }
    return fail(digest.error());
  }
  if (digest->hex() != f.sha256 || digest->size != f.size) {
    Error e(ErrorCode::repo_digest_mismatch,
            fmt::format("'{}' has sha256 {}, the index lists {}", path.string(), digest->hex(), f.sha256));
    e.details.push_back(fmt::format("the file is {} bytes, the index lists {}", digest->size, f.size));
    return fail(std::move(e));
  }
  return {};
}

} // namespace

Result<std::string> read_capped(const fs::path& path, std::uint64_t max_bytes)
{
  const int fd = ::open(path.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0) {
    return fail(errno == ENOENT ? ErrorCode::not_found : ErrorCode::io,
                fmt::format("cannot read '{}': {}", path.string(), std::strerror(errno)));
  }
  std::string out;
  char buf[65536];
  for (;;) {
    const ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0) {
      if (errno == EINTR) {
        continue;
      }
      const int saved = errno;
      ::close(fd);
      return fail(ErrorCode::io, fmt::format("cannot read '{}': {}", path.string(), std::strerror(saved)));
    }
    if (n == 0) {
      break;
    }
    out.append(buf, static_cast<std::size_t>(n));
    if (out.size() > max_bytes) {
      ::close(fd);
      return fail(ErrorCode::repo_too_large, fmt::format("'{}' is over its {}-byte cap", path.string(), max_bytes));
    }
  }
  ::close(fd);
  return out;
}

Result<void> write_catalog(const Index& index, const fs::path& dir)
{
  std::error_code ec;
  fs::remove_all(dir, ec);
  fs::create_directories(dir, ec);
  if (ec) {
    return fail(ErrorCode::io, fmt::format("cannot create '{}': {}", dir.string(), ec.message()));
  }
  for (const auto& m : index.manifests) {
    const fs::path path = dir / m.path;
    fs::create_directories(path.parent_path(), ec);
    if (auto written = util::write_file_atomic(path, m.text, 0644); !written) {
      return fail(written.error());
    }
  }
  return {};
}

Result<PublishResult> publish(const PublishOptions& options)
{
  manifest::LoadOptions load;
  load.check_archive_files = manifest::LoadOptions::CheckArchiveFiles::no;
  const auto loaded = manifest::load_catalog(options.catalog_dir, load);
  if (auto e = catalog_error(loaded, options.catalog_dir)) {
    return fail(std::move(*e));
  }
  auto manifests = read_manifest_files(options.catalog_dir);
  if (!manifests) {
    return fail(manifests.error());
  }
  Index index;
  index.manifests = std::move(*manifests);
  const fs::path index_path = options.out_dir / k_index_file;
  std::uint64_t previous = 0;
  std::error_code ec;
  if (fs::exists(index_path, ec)) {
    auto text = read_capped(index_path, k_max_index_bytes);
    if (!text) {
      return fail(text.error());
    }
    auto old = parse_index(*text);
    if (!old) {
      return fail(old.error());
    }
    previous = old->version;
  }
  index.version = options.version.value_or(previous + 1);
  if (index.version <= previous) {
    return fail(ErrorCode::repo_rollback,
                fmt::format("index version {} is not above version {}, already in '{}': a repository's version "
                            "only goes up",
                            index.version, previous, options.out_dir.string()));
  }
  index.generated = archive::format_signed_at(options.now);
  index.expires = archive::format_signed_at(options.now + options.expires_in);

  engine::ArchiveSource source;
  source.archives_dir = options.archives_dir;
  PublishResult result;
  std::vector<std::pair<fs::path, fs::path>> copies; // from -> to, made once every check passed
  for (const auto& [name, versions] : loaded.catalog.components()) {
    for (const auto& m : versions) {
      auto files = engine::locate_archive(m, source);
      if (!files) {
        return fail(files.error());
      }
      auto entry = checked_archive(m, files->archive, files->signature, *options.keyring);
      if (!entry) {
        return fail(entry.error());
      }
      copies.emplace_back(files->archive, options.out_dir / entry->archive.path);
      copies.emplace_back(files->signature, options.out_dir / entry->signature.path);
      result.archive_bytes += entry->archive.size;
      index.archives.push_back(std::move(*entry));
    }
  }
  for (const auto& [from, to] : copies) {
    fs::create_directories(to.parent_path(), ec);
    if (ec) {
      return fail(ErrorCode::io, fmt::format("cannot create '{}': {}", to.parent_path().string(), ec.message()));
    }
    if (auto copied = copy_file_durably(from, to); !copied) {
      return fail(copied.error());
    }
  }
  const std::string text = serialize_index(index);
  auto sig = sign_index(index, text, options.key);
  if (!sig) {
    return fail(sig.error());
  }
  // The index first, then its signature: a reader between the two sees a
  // signature that does not match and refuses, never an unsigned index.
  if (auto written = util::write_file_atomic(index_path, text, 0644); !written) {
    return fail(written.error());
  }
  if (auto written =
          util::write_file_atomic(options.out_dir / k_index_signature_file, serialize_index_signature(*sig), 0644);
      !written) {
    return fail(written.error());
  }
  result.index = std::move(index);
  result.key_id = sig->key_id;
  result.index_file = index_path;
  return result;
}

Result<RepositoryCheck> verify_repository(const fs::path& dir, const archive::Keyring& keyring,
                                          std::chrono::system_clock::time_point now, AllowExpired allow_expired)
{
  auto text = read_capped(dir / k_index_file, k_max_index_bytes);
  if (!text) {
    return fail(text.error());
  }
  auto sig_text = read_capped(dir / k_index_signature_file, k_max_index_signature_bytes);
  if (!sig_text) {
    return fail(sig_text.error());
  }
  auto index = verify_index(*text, *sig_text, keyring);
  if (!index) {
    return fail(index.error());
  }
  RepositoryCheck check;
  check.key_id = parse_index_signature(*sig_text)->key_id;
  auto fresh = check_freshness(*index, now, 0, AllowExpired::no);
  if (!fresh) {
    if (allow_expired == AllowExpired::no) {
      return fail(fresh.error());
    }
    check.expired = true;
  }
  auto scratch = util::PrivateTempDir::create("noodle-repo-verify");
  if (!scratch) {
    return fail(scratch.error());
  }
  if (auto written = write_catalog(*index, scratch->path() / "catalog"); !written) {
    return fail(written.error());
  }
  manifest::LoadOptions load;
  load.check_archive_files = manifest::LoadOptions::CheckArchiveFiles::no;
  const auto loaded = manifest::load_catalog(scratch->path() / "catalog", load);
  if (auto e = catalog_error(loaded, dir / k_index_file)) {
    return fail(std::move(*e));
  }
  for (const auto& a : index->archives) {
    if (auto ok = check_listed(dir, a.archive); !ok) {
      return fail(ok.error());
    }
    if (auto ok = check_listed(dir, a.signature); !ok) {
      return fail(ok.error());
    }
    auto sig = archive::verify_signature_file(dir / a.signature.path, keyring);
    if (!sig) {
      return fail(sig.error());
    }
    const auto& st = sig->statement;
    if (st.component != a.component || st.version.to_string() != a.version || st.sha256 != a.archive.sha256
        || st.size != a.archive.size) {
      return fail(ErrorCode::integrity, fmt::format("signature '{}' does not name the archive the index lists for "
                                                    "{}@{}",
                                                    a.signature.path, a.component, a.version));
    }
    check.archive_bytes += a.archive.size;
  }
  check.index = std::move(*index);
  return check;
}

} // namespace noodle::repo
