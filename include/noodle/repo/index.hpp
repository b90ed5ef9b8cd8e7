// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <noodle/archive/keyring.hpp>
#include <noodle/archive/keys.hpp>
#include <noodle/util/error.hpp>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace noodle::repo {

// A signed component repository (documented in noodle-repository(5)):
//
//   DIR/index.json                                   the index (JSON, below)
//   DIR/index.json.sig                               its detached signature
//   DIR/archives/NAME/VERSION/NAME-VERSION.tar.gz    each archive
//   DIR/archives/NAME/VERSION/NAME-VERSION.tar.gz.sig  and its signature
inline constexpr const char* k_index_file = "index.json";
inline constexpr const char* k_index_signature_file = "index.json.sig";
inline constexpr std::uint64_t k_max_index_bytes = 64ULL * 1024 * 1024;
inline constexpr std::uint64_t k_max_index_signature_bytes = 4096;
inline constexpr int k_index_format = 1;

// One manifest file of the catalog, carried whole in the index.
struct IndexManifest {
  std::string path; // relative to the catalog, "/"-separated, ends in .yaml or .yml
  std::string text;
};

// One file the index vouches for by digest.
struct IndexFile {
  std::string path; // relative to the repository, "/"-separated, no "..", no leading "/"
  std::string sha256;
  std::uint64_t size = 0;
};

struct IndexArchive {
  std::string component;
  std::string version; // canonical
  IndexFile archive;
  IndexFile signature;
};

struct Index {
  std::uint64_t version = 0;
  std::string generated; // UTC, "YYYY-MM-DDTHH:MM:SSZ"
  std::string expires;   // UTC, "YYYY-MM-DDTHH:MM:SSZ"
  std::vector<IndexManifest> manifests;
  std::vector<IndexArchive> archives;

  const IndexArchive* find(std::string_view component, std::string_view version) const;
};

// The index as JSON text (keys in a fixed order, one trailing line feed).
std::string serialize_index(const Index& index);
// Strict reader of serialize_index's format: fails with repo_invalid naming
// the field ("index field 'archives[2].sha256' ...").
Result<Index> parse_index(std::string_view text);

// The detached signature of an index:
//
//   noodle-repository-index 1
//   key-id: <16 hex>
//   index-version: 7
//   expires: 2026-12-11T10:00:00Z
//   sha256: <64 hex of the index file>
//   size: <bytes of the index file>
//   signature: <base64 Ed25519 over every line before this one>
//
// The first line differs from an archive signature's ("noodle-signature 1"),
// and the statement names the index's version and expiry, so an archive
// signature never passes for an index signature, nor an index's for another.
struct IndexSignature {
  std::string key_id;
  std::uint64_t index_version = 0;
  std::string expires;
  std::string sha256;
  std::uint64_t size = 0;
  std::string signature; // raw 64 bytes
};

std::string index_statement_text(const IndexSignature& sig);
std::string serialize_index_signature(const IndexSignature& sig);
// Strict; repo_invalid with the line at fault.
Result<IndexSignature> parse_index_signature(std::string_view text);
// Signs `index_text` (whose version and expiry are `index`'s).
Result<IndexSignature> sign_index(const Index& index, std::string_view index_text, const archive::PrivateKey& key);

// Everything a consumer checks before it uses an index, in order: the
// signature file parses (repo_invalid); its key is not revoked (revoked_key)
// and known (unknown_key); the Ed25519 signature verifies
// (signature_invalid); the index's sha256 and size are the signed ones
// (repo_digest_mismatch); the index parses (repo_invalid) and its version
// and expiry are the signed ones (repo_invalid). Expiry and rollback are the
// caller's (check_freshness).
Result<Index> verify_index(std::string_view index_text, std::string_view signature_text,
                           const archive::Keyring& keyring);

enum class AllowExpired { no, yes };
// repo_expired when `now` is past `index.expires` (unless AllowExpired::yes);
// repo_rollback when index.version is lower than `seen_version`.
Result<void> check_freshness(const Index& index, std::chrono::system_clock::time_point now, std::uint64_t seen_version,
                             AllowExpired allow_expired);

// "YYYY-MM-DDTHH:MM:SSZ" read back; nullopt when malformed.
std::optional<std::chrono::system_clock::time_point> parse_utc(std::string_view text);

// Whether `path` is a safe relative path of the repository or a catalog:
// "/"-separated, no empty, "." or ".." part, no leading "/", printable ASCII.
bool is_safe_relative_path(std::string_view path);

} // namespace noodle::repo
