// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <noodle/archive/keyring.hpp>
#include <noodle/engine/install.hpp>
#include <noodle/repo/fetch.hpp>
#include <noodle/repo/index.hpp>
#include <noodle/util/error.hpp>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace noodle::repo {

// What a --catalog value names: a catalog directory (as always), a local
// repository (a directory holding index.json), or mirrors of a repository
// (http:// or https:// URLs, separated by commas, spaces or line feeds;
// a local repository directory may be listed among them too).
struct CatalogSource {
  enum class Kind { catalog, repository } kind = Kind::catalog;
  std::filesystem::path catalog_dir; // Kind::catalog
  std::vector<std::string> mirrors;  // Kind::repository: URLs or directories, tried in order
};
CatalogSource classify_catalog(std::string_view value);

// The fetch cache of a root: <root>/.noodle-upgrade/repository/.
std::filesystem::path cache_dir(const std::filesystem::path& root);
// The highest index version accepted under the root:
// <root>/.noodle-upgrade/repository-version.
std::filesystem::path seen_version_file(const std::filesystem::path& root);

struct ClientOptions {
  std::filesystem::path root;
  const archive::Keyring* keyring = nullptr;
  FetchOptions fetch;
  AllowExpired allow_expired = AllowExpired::no;
  std::chrono::system_clock::time_point now;
};

// One mirror's failure, for the details of the error that ends the search.
struct MirrorFailure {
  std::string mirror;
  Error error;
};

// A repository whose index was verified under a root, and the archives it
// brings into the root's fetch cache on demand.
class Repository {
public:
  // Fetches index.json and index.json.sig from each mirror in turn and takes
  // the first that verify_index and check_freshness accept (the version not
  // lower than the root's high-water mark, not expired). Only then is
  // anything kept: the index in the cache, the catalog written from it, the
  // high-water mark raised (written durably). When no mirror answers at all
  // (every failure repo_unreachable), the cached index is verified again and
  // used until it expires, with a note saying so; repo_unreachable when
  // there is none. When a mirror answered but none was accepted, the first
  // refusal (repo_rollback, repo_expired, unknown_key, revoked_key,
  // signature_invalid, repo_invalid, repo_digest_mismatch, repo_too_large)
  // with one detail line per mirror. A refusal changes nothing under the
  // root outside the fetch cache.
  static Result<Repository> open(const CatalogSource& source, const ClientOptions& options);

  const Index& index() const { return m_index; }
  std::filesystem::path catalog_dir() const;
  std::filesystem::path archives_dir() const;
  bool from_cache() const { return m_from_cache; }
  // Notes for the operator (the cached index in use, an expired one allowed).
  const std::vector<std::string>& notes() const { return m_notes; }

  // The archive and signature of name@version in the fetch cache: reused
  // when their sha256 and size are the index's, else fetched from each
  // mirror in turn (a partial download resumed), the bytes checked against
  // the index (repo_digest_mismatch, repo_too_large: the next mirror is
  // tried). not_found when the index lists no such archive.
  Result<engine::ArchiveFiles> fetch_archive(std::string_view component, std::string_view version);

  std::uint64_t fetched() const { return m_fetched; }
  std::uint64_t reused() const { return m_reused; }

private:
  CatalogSource m_source;
  ClientOptions m_options;
  Index m_index;
  bool m_from_cache = false;
  std::vector<std::string> m_notes;
  std::uint64_t m_fetched = 0;
  std::uint64_t m_reused = 0;
  std::set<std::string> m_unreachable; // mirrors that did not answer during this run
  std::set<std::string> m_checked;     // sha256 of archives found in the cache as the index lists them
};

} // namespace noodle::repo
