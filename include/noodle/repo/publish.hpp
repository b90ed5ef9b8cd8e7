// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <noodle/archive/keyring.hpp>
#include <noodle/archive/keys.hpp>
#include <noodle/repo/index.hpp>
#include <noodle/util/error.hpp>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>

namespace noodle::repo {

struct PublishOptions {
  std::filesystem::path catalog_dir;
  std::filesystem::path archives_dir; // where NAME-VERSION.tar.gz|.tar.zst and their .sig are
  std::filesystem::path out_dir;
  archive::PrivateKey key;
  const archive::Keyring* keyring = nullptr; // every archive signature must verify with it
  std::optional<std::uint64_t> version;      // default: one more than the index already in out_dir, else 1
  std::chrono::milliseconds expires_in{7LL * 24 * 3600 * 1000};
  std::chrono::system_clock::time_point now;
};

struct PublishResult {
  Index index;
  std::string key_id;
  std::filesystem::path index_file;
  std::uint64_t archive_bytes = 0;
};

// Writes a repository (noodle-repository(5)) into `out_dir`: the catalog's
// manifests must load without an error (their first error otherwise); each
// version's archive and signature are found as the engine finds them
// (archive.file, else NAME-VERSION.tar.gz|.tar.zst in archives_dir;
// not_found otherwise), their signature verified with the keyring and bound
// to the archive's bytes (archive errors), then copied to
// archives/NAME/VERSION/. The index and its signature are written last,
// each atomically. A version not above the index already in `out_dir` is
// refused (repo_rollback).
Result<PublishResult> publish(const PublishOptions& options);

struct RepositoryCheck {
  Index index;
  std::string key_id;
  std::uint64_t archive_bytes = 0;
  bool expired = false;
};

// Checks a local repository completely: the index and its signature
// (verify_index), its expiry (repo_expired unless AllowExpired::yes), that
// its manifests load without error (manifest errors), and every archive and
// signature file it lists (repo_digest_mismatch for a sha256 or size that
// differs, not_found for a missing one), each signature verified with the
// keyring and bound to its archive.
Result<RepositoryCheck> verify_repository(const std::filesystem::path& dir, const archive::Keyring& keyring,
                                          std::chrono::system_clock::time_point now, AllowExpired allow_expired);

// The manifests of `index` as a catalog directory at `dir` (created; files
// not in the index are removed first).
Result<void> write_catalog(const Index& index, const std::filesystem::path& dir);

// Reads a whole file of at most `max_bytes` (io / repo_too_large otherwise).
Result<std::string> read_capped(const std::filesystem::path& path, std::uint64_t max_bytes);

} // namespace noodle::repo
