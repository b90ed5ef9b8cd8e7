// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <noodle/util/error.hpp>

#include <cstddef>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>

struct evp_pkey_st; // OpenSSL's EVP_PKEY

namespace noodle::archive {

// Ed25519 keys, held as OpenSSL EVP_PKEY objects. Copies share one immutable
// key object.
//
// A key id is the first 8 bytes of the SHA-256 of the public key's DER
// SubjectPublicKeyInfo encoding, as 16 lowercase hex digits. It names the key
// in signature files and the keyring; it is derived from the key itself, never
// from a file name.
inline constexpr std::size_t k_key_id_length = 16;
inline constexpr std::size_t k_ed25519_signature_bytes = 64;
inline constexpr std::size_t k_max_key_file_bytes = 64 * 1024;

class PublicKey {
public:
  PublicKey() = default;
  explicit PublicKey(std::shared_ptr<evp_pkey_st> key);

  bool empty() const { return !m_key; }
  evp_pkey_st* get() const { return m_key.get(); }
  const std::string& id() const { return m_id; }

  // SubjectPublicKeyInfo PEM ("-----BEGIN PUBLIC KEY-----").
  Result<std::string> to_pem() const;

private:
  std::shared_ptr<evp_pkey_st> m_key;
  std::string m_id;
};

class PrivateKey {
public:
  PrivateKey() = default;
  explicit PrivateKey(std::shared_ptr<evp_pkey_st> key);

  bool empty() const { return !m_key; }
  evp_pkey_st* get() const { return m_key.get(); }
  // The id of the matching public key.
  const std::string& id() const { return m_public.id(); }
  const PublicKey& public_key() const { return m_public; }

  // Unencrypted PKCS#8 PEM ("-----BEGIN PRIVATE KEY-----").
  Result<std::string> to_pem() const;

private:
  std::shared_ptr<evp_pkey_st> m_key;
  PublicKey m_public;
};

struct KeyPair {
  PrivateKey private_key;
  PublicKey public_key;
};

// A fresh Ed25519 key pair from OpenSSL's random generator.
Result<KeyPair> generate_key();

// Where write_key_pair put a key pair.
struct KeyFiles {
  std::filesystem::path private_file; // PREFIX.key
  std::filesystem::path public_file;  // PREFIX.pub
  std::string key_id;
};

// Writes `keys` as PREFIX.key (PKCS#8 PEM, mode 0600 from creation) and
// PREFIX.pub (SubjectPublicKeyInfo PEM, mode 0644). Files are created with
// O_CREAT|O_EXCL|O_NOFOLLOW, so an existing file or symlink is never written
// through. Fails with ErrorCode::key_exists ("key file '<path>' already
// exists, refusing to overwrite it") when either file exists -- then neither
// is written -- and with ErrorCode::io when writing fails (nothing is left
// behind).
Result<KeyFiles> write_key_pair(const KeyPair& keys, const std::filesystem::path& prefix);
// Generates a key pair and writes it as above.
Result<KeyFiles> write_key_pair(const std::filesystem::path& prefix);

// Reads an Ed25519 private key from a PKCS#8 PEM file. Refuses, like ssh, a
// file that group or others may access (ErrorCode::io: "private key file
// '<path>' has mode 0644: it must not be accessible by group or others (run
// chmod 600 '<path>')"), and any file that is not a regular file, larger than
// k_max_key_file_bytes, encrypted, not PEM or not Ed25519 (ErrorCode::io).
Result<PrivateKey> load_private_key(const std::filesystem::path& path);
// Reads a SubjectPublicKeyInfo PEM file holding an Ed25519 key (ErrorCode::io
// otherwise).
Result<PublicKey> load_public_key(const std::filesystem::path& path);

// The same from PEM text; `origin` names the text in error messages.
Result<PrivateKey> parse_private_key(std::string_view pem, std::string_view origin = "private key");
Result<PublicKey> parse_public_key(std::string_view pem, std::string_view origin = "public key");

// The key id of `key` (see above); "" if the key cannot be encoded.
std::string key_id(const PublicKey& key);

// Raw Ed25519 over `message` (no pre-hash). sign_message fails with
// ErrorCode::internal only when OpenSSL fails; verify_message is true exactly
// when `signature` is a valid signature of `message` by `key`.
Result<std::string> sign_message(const PrivateKey& key, std::string_view message);
bool verify_message(const PublicKey& key, std::string_view message, std::string_view signature);

} // namespace noodle::archive
