// SPDX-License-Identifier: Apache-2.0
#include <noodle/repo/client.hpp>

#include <noodle/archive/digest.hpp>
#include <noodle/engine/layout.hpp>
#include <noodle/repo/publish.hpp>
#include <noodle/util/atomic_file.hpp>

#include <fmt/format.h>

#include <cerrno>
#include <charconv>
#include <cstring>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace noodle::repo {

namespace fs = std::filesystem;

namespace {

// Brings `rel` of `mirror` (a URL or a directory) into `dest`, at most
// `max_bytes`.
Result<void> get(const std::string& mirror, const std::string& rel, const fs::path& dest, std::uint64_t max_bytes,
                 const FetchOptions& options)
{
  if (is_url(mirror)) {
    std::string url = mirror;
    if (url.empty() || url.back() != '/') {
      url += '/';
    }
    return fetch_file(url + rel, dest, max_bytes, options);
  }
  auto bytes = read_capped(fs::path(mirror) / rel, max_bytes);
  if (!bytes) {
    if (bytes.error().code == ErrorCode::not_found || bytes.error().code == ErrorCode::io) {
      return fail(ErrorCode::repo_unreachable, bytes.error().message);
    }
    return fail(bytes.error());
  }
  return util::write_file_atomic(dest, *bytes, 0600);
}

Result<void> make_private_dir(const fs::path& dir)
{
  if (::mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST) {
    return fail(ErrorCode::io, fmt::format("cannot create '{}': {}", dir.string(), std::strerror(errno)));
  }
  struct stat st {};
  if (::lstat(dir.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) {
    return fail(ErrorCode::unsafe_path, fmt::format("'{}' must be a directory, not a link", dir.string()));
  }
  return {};
}

Result<void> make_cache(const fs::path& root)
{
  const engine::Layout layout(root);
  for (const fs::path& dir :
       {layout.state_dir(), cache_dir(root), cache_dir(root) / "partial", cache_dir(root) / "archives"}) {
    if (auto made = make_private_dir(dir); !made) {
      return fail(made.error());
    }
  }
  return {};
}

std::uint64_t read_seen_version(const fs::path& root)
{
  auto text = read_capped(seen_version_file(root), 64);
  if (!text) {
    return 0;
  }
  std::uint64_t n = 0;
  std::from_chars(text->data(), text->data() + text->size(), n);
  return n;
}

Result<bool> matches(const fs::path& path, const IndexFile& f)
{
  const int fd = ::open(path.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0) {
    return false;
  }
  struct stat st {};
  if (::fstat(fd, &st) != 0 || static_cast<std::uint64_t>(st.st_size) != f.size) {
    ::close(fd);
    return false;
  }
  auto digest = archive::sha256_file(fd);
  ::close(fd);
  if (!digest) {
    return fail(digest.error());
  }
  return digest->hex() == f.sha256 && digest->size == f.size;
}

// The error that ends a search over mirrors: the first refusal, else
// repo_unreachable; one detail line per mirror.
Error search_error(const std::vector<MirrorFailure>& failures, std::string_view what)
{
  Error out(ErrorCode::repo_unreachable, fmt::format("no mirror could serve {}", what));
  for (const auto& f : failures) {
    if (f.error.code != ErrorCode::repo_unreachable) {
      out = f.error;
      break;
    }
  }
  if (out.code == ErrorCode::repo_unreachable) {
    out.message = fmt::format("repository unreachable: no mirror could serve {}", what);
  }
  for (const auto& f : failures) {
    out.details.push_back(fmt::format("mirror '{}': {}", f.mirror, f.error.message));
  }
  return out;
}

bool all_unreachable(const std::vector<MirrorFailure>& failures)
{
  for (const auto& f : failures) {
    if (f.error.code != ErrorCode::repo_unreachable) {
      return false;
    }
  }
  return true;
}

std::string extension_of(const std::string& path)
{
  for (const char* ext : {".tar.gz", ".tar.zst", ".tgz"}) {
    if (path.ends_with(ext)) {
      return ext;
    }
  }
  return ".tar.gz";
}

} // namespace

CatalogSource classify_catalog(std::string_view value)
{
  CatalogSource source;
  const bool list = value.find("://") != std::string_view::npos || value.find('\n') != std::string_view::npos;
  if (!list) {
    std::error_code ec;
    const fs::path dir(value);
    if (fs::is_regular_file(dir / k_index_file, ec)) {
      source.kind = CatalogSource::Kind::repository;
      source.mirrors.emplace_back(value);
    } else {
      source.catalog_dir = dir;
    }
    return source;
  }
  source.kind = CatalogSource::Kind::repository;
  std::string cur;
  for (char c : value) {
    if (c == ',' || c == ' ' || c == '\n' || c == '\t') {
      if (!cur.empty()) {
        source.mirrors.push_back(cur);
      }
      cur.clear();
    } else {
      cur += c;
    }
  }
  if (!cur.empty()) {
    source.mirrors.push_back(cur);
  }
  return source;
}

fs::path cache_dir(const fs::path& root)
{
  return engine::Layout(root).state_dir() / "repository";
}

fs::path seen_version_file(const fs::path& root)
{
  return engine::Layout(root).state_dir() / "repository-version";
}

fs::path Repository::catalog_dir() const
{
  return cache_dir(m_options.root) / "catalog";
}

fs::path Repository::archives_dir() const
{
  return cache_dir(m_options.root) / "archives";
}

Result<Repository> Repository::open(const CatalogSource& source, const ClientOptions& options)
{
  Repository repo;
  repo.m_source = source;
  repo.m_options = options;
  if (auto made = make_cache(options.root); !made) {
    return fail(made.error());
  }
  const fs::path cache = cache_dir(options.root);
  const std::uint64_t seen = read_seen_version(options.root);
  std::vector<MirrorFailure> failures;
  std::optional<std::pair<std::string, std::string>> accepted; // index text, signature text
  for (const auto& mirror : source.mirrors) {
    const fs::path index_part = cache / "partial" / k_index_file;
    const fs::path sig_part = cache / "partial" / k_index_signature_file;
    std::error_code ec;
    fs::remove(index_part, ec);
    fs::remove(sig_part, ec);
    auto attempt = [&]() -> Result<std::pair<std::string, std::string>> {
      if (auto got = get(mirror, k_index_signature_file, sig_part, k_max_index_signature_bytes, options.fetch); !got) {
        return fail(got.error());
      }
      if (auto got = get(mirror, k_index_file, index_part, k_max_index_bytes, options.fetch); !got) {
        return fail(got.error());
      }
      auto text = read_capped(index_part, k_max_index_bytes);
      auto sig = read_capped(sig_part, k_max_index_signature_bytes);
      if (!text || !sig) {
        return fail(!text ? text.error() : sig.error());
      }
      auto index = verify_index(*text, *sig, *options.keyring);
      if (!index) {
        return fail(index.error());
      }
      if (auto fresh = check_freshness(*index, options.now, seen, options.allow_expired); !fresh) {
        return fail(fresh.error());
      }
      return std::make_pair(std::move(*text), std::move(*sig));
    };
    auto got = attempt();
    fs::remove(index_part, ec);
    fs::remove(sig_part, ec);
    if (got) {
      accepted = std::move(*got);
      break;
    }
    if (got.error().code == ErrorCode::repo_unreachable) {
      repo.m_unreachable.insert(mirror);
    }
    failures.push_back({mirror, got.error()});
  }
  if (!accepted) {
    if (!all_unreachable(failures)) {
      return fail(search_error(failures, "an acceptable repository index"));
    }
    auto text = read_capped(cache / k_index_file, k_max_index_bytes);
    auto sig = read_capped(cache / k_index_signature_file, k_max_index_signature_bytes);
    if (!text || !sig) {
      return fail(search_error(failures, "the repository index, and no index is cached under the root"));
    }
    auto index = verify_index(*text, *sig, *options.keyring);
    if (!index) {
      return fail(index.error());
    }
    if (auto fresh = check_freshness(*index, options.now, seen, options.allow_expired); !fresh) {
      Error e = fresh.error();
      e.details.insert(e.details.begin(), "no mirror answered, and the cached index cannot be used");
      for (const auto& f : failures) {
        e.details.push_back(fmt::format("mirror '{}': {}", f.mirror, f.error.message));
      }
      return fail(std::move(e));
    }
    repo.m_from_cache = true;
    repo.m_notes.push_back(fmt::format("no mirror answered: using the cached repository index version {} "
                                       "(expires {})",
                                       index->version, index->expires));
    accepted = std::make_pair(std::move(*text), std::move(*sig));
  }
  auto index = parse_index(accepted->first);
  if (!index) {
    return fail(index.error());
  }
  repo.m_index = std::move(*index);
  if (auto expires = parse_utc(repo.m_index.expires); !expires || options.now > *expires) {
    repo.m_notes.push_back(fmt::format("repository index version {} expired at {}: used because of --allow-expired",
                                       repo.m_index.version, repo.m_index.expires));
  }
  if (!repo.m_from_cache) {
    if (auto w = util::write_file_atomic(cache / k_index_file, accepted->first, 0600); !w) {
      return fail(w.error());
    }
    if (auto w = util::write_file_atomic(cache / k_index_signature_file, accepted->second, 0600); !w) {
      return fail(w.error());
    }
    if (repo.m_index.version > seen) {
      if (auto w =
              util::write_file_atomic(seen_version_file(options.root), fmt::format("{}\n", repo.m_index.version), 0600);
          !w) {
        return fail(w.error());
      }
    }
  }
  if (auto w = write_catalog(repo.m_index, repo.catalog_dir()); !w) {
    return fail(w.error());
  }
  return repo;
}

Result<engine::ArchiveFiles> Repository::fetch_archive(std::string_view component, std::string_view version)
{
  const IndexArchive* entry = m_index.find(component, version);
  if (entry == nullptr) {
    return fail(ErrorCode::not_found, fmt::format("repository index version {} lists no archive for {}@{}",
                                                  m_index.version, component, version));
  }
  const std::string stem = fmt::format("{}-{}", entry->component, entry->version);
  const std::string ext = extension_of(entry->archive.path);
  engine::ArchiveFiles files{archives_dir() / (stem + ext), archives_dir() / (stem + ext + ".sig")};
  // Checked once a run: the engine asks again for the same archive (plan,
  // checks, install), and hashing a large one each time is waste. The cache
  // is ours (0700), so the bytes do not change under us.
  if (m_checked.count(entry->archive.sha256) != 0) {
    return files;
  }
  auto have_archive = matches(files.archive, entry->archive);
  auto have_sig = matches(files.signature, entry->signature);
  if (!have_archive || !have_sig) {
    return fail(!have_archive ? have_archive.error() : have_sig.error());
  }
  if (*have_archive && *have_sig) {
    ++m_reused;
    m_checked.insert(entry->archive.sha256);
    return files;
  }
  if (m_source.mirrors.empty()) {
    return fail(ErrorCode::repo_unreachable, "the repository has no mirror to fetch from");
  }
  const fs::path partial = cache_dir(m_options.root) / "partial";
  std::vector<MirrorFailure> failures;
  // A mirror that did not answer is asked last for the rest of the run, so a
  // dead or stalled one costs its deadline once, not once per archive.
  std::vector<std::string> order;
  for (const auto& mirror : m_source.mirrors) {
    if (m_unreachable.count(mirror) == 0) {
      order.push_back(mirror);
    }
  }
  for (const auto& mirror : m_source.mirrors) {
    if (m_unreachable.count(mirror) != 0) {
      order.push_back(mirror);
    }
  }
  for (const auto& mirror : order) {
    auto one = [&](const IndexFile& f, const fs::path& into) -> Result<void> {
      if (auto ok = matches(into, f); ok && *ok) {
        return {};
      }
      const fs::path part = partial / (f.sha256 + (f.path.ends_with(".sig") ? ".sig" : ext));
      std::error_code size_ec;
      const bool resumed = fs::exists(part, size_ec) && fs::file_size(part, size_ec) > 0;
      if (auto got = get(mirror, f.path, part, f.size, m_options.fetch); !got) {
        return fail(got.error());
      }
      auto ok = matches(part, f);
      if (ok && !*ok && resumed) {
        // The partial file may hold another mirror's bad bytes: once more from the start.
        fs::remove(part, size_ec);
        if (auto got = get(mirror, f.path, part, f.size, m_options.fetch); !got) {
          return fail(got.error());
        }
        ok = matches(part, f);
      }
      if (!ok || !*ok) {
        std::error_code ec;
        fs::remove(part, ec);
        if (!ok) {
          return fail(ok.error());
        }
        return fail(ErrorCode::repo_digest_mismatch,
                    fmt::format("'{}' from mirror '{}' does not have the sha256 {} and size {} the index lists", f.path,
                                mirror, f.sha256, f.size));
      }
      std::error_code ec;
      fs::rename(part, into, ec);
      if (ec) {
        return fail(ErrorCode::io, fmt::format("cannot move '{}' into the cache: {}", part.string(), ec.message()));
      }
      return {};
    };
    auto got = one(entry->archive, files.archive);
    if (got) {
      got = one(entry->signature, files.signature);
    }
    if (got) {
      ++m_fetched;
      m_checked.insert(entry->archive.sha256);
      return files;
    }
    if (got.error().code == ErrorCode::repo_unreachable) {
      m_unreachable.insert(mirror);
    }
    failures.push_back({mirror, got.error()});
  }
  return fail(search_error(failures, fmt::format("the archive of {}@{}", component, version)));
}

} // namespace noodle::repo
