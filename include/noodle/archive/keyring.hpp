// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <noodle/archive/keys.hpp>
#include <noodle/util/error.hpp>

#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <string_view>

namespace noodle::archive {

inline constexpr std::uint64_t k_max_revoked_file_bytes = 1024 * 1024;

// One trusted public key and the file it came from.
struct KeyringEntry {
  PublicKey key;
  std::filesystem::path file;
};

// The public keys trusted to sign component archives, by key id, and the ids
// that are revoked.
class Keyring {
public:
  Keyring() = default;
  explicit Keyring(std::filesystem::path dir) : m_dir(std::move(dir)) {}

  const std::filesystem::path& dir() const { return m_dir; }

  // nullptr when `key_id` names no key of the keyring (revoked or not).
  const KeyringEntry* find(std::string_view key_id) const;
  bool is_revoked(std::string_view key_id) const;

  // The key that may verify a signature by `key_id`. A revoked id fails with
  // ErrorCode::revoked_key "signing key '<id>' is revoked (listed in
  // '<dir>/revoked' line N)", whether or not its public key is still in the
  // directory; an id with no key fails with ErrorCode::unknown_key "signing
  // key '<id>' is not in the keyring '<dir>'".
  Result<PublicKey> key_for(std::string_view key_id) const;

  // Adds a key; fails with ErrorCode::io when another key has the same id
  // (the same key twice is kept once, under its first file).
  Result<void> add(PublicKey key, std::filesystem::path file);
  // Marks `key_id` revoked, `line` being where the revoked file lists it.
  void revoke(std::string key_id, std::uint32_t line = 0);

  std::size_t size() const { return m_keys.size(); }
  const std::map<std::string, KeyringEntry, std::less<>>& keys() const { return m_keys; }
  const std::map<std::string, std::uint32_t, std::less<>>& revoked() const { return m_revoked; }

private:
  std::filesystem::path m_dir;
  std::map<std::string, KeyringEntry, std::less<>> m_keys;
  std::map<std::string, std::uint32_t, std::less<>> m_revoked; // id -> line in the revoked file
};

// `<root>/keys`, where noodle-upgrade looks for its keyring by default.
std::filesystem::path default_keyring_dir(const std::filesystem::path& root);

// Loads every `*.pub` file of `dir` (not recursive; names starting with "."
// are skipped, other files ignored) as an Ed25519 SubjectPublicKeyInfo PEM
// key, and the optional file `dir/revoked`: one key id per line, blank lines
// and `#` comments (to the end of the line) allowed, surrounding blanks
// ignored, hex digits in either case. Fails closed, with ErrorCode::io:
// "cannot read keyring directory '<dir>': <reason>", any key file that does
// not load (load_public_key's message), two different keys with one id
// ("key files '<a>' and '<b>' have the same key id '<id>'"), a revoked file
// over 1 MiB, and a revoked line that is not a key id ("invalid key id '<v>'
// in the revoked list: expected 16 hexadecimal digits", located at
// `<dir>/revoked:<line>`). Like ssh's StrictModes, the directory, its key
// files and the revoked list must belong to root or the effective uid and not
// be writable by group or others ("<what> '<path>' has mode 0775: it must not
// be writable by group or others, who could add or replace a trusted key (run
// chmod go-w '<path>')", "<what> '<path>' belongs to uid N: it must belong to
// root or to uid M"), <what> being "keyring directory", "public key file" or
// "revoked list". An empty keyring is not an error here; it only knows no key.
Result<Keyring> load_keyring(const std::filesystem::path& dir);

// SHA-256 (lowercase hex) of what load_keyring reads, and only that: the name
// and bytes of each `*.pub` file it would load, in name order, then those of
// the revoked list when there is one. Each is read under its size cap
// (k_max_key_file_bytes, k_max_revoked_file_bytes) and must be a regular
// file; a stray file of any other name is never opened. A directory that does
// not exist digests as an empty one. Fails with ErrorCode::io naming the file
// that cannot be read or is over its cap.
Result<std::string> keyring_digest(const std::filesystem::path& dir);

// The revoked file's contents parsed into `keyring` (exposed for tests and
// fuzzing; `file_name` is used in locations).
Result<void> parse_revoked(std::string_view text, const std::string& file_name, Keyring& keyring);

} // namespace noodle::archive
