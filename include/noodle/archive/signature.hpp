// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <noodle/archive/keys.hpp>
#include <noodle/semver/version.hpp>
#include <noodle/util/error.hpp>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace noodle::archive {

// The detached signature file of one component archive, format version 1
// (documented in noodle-signature(5)):
//
//   noodle-signature 1
//   key-id: 3f2a9c0d11e4b7a8
//   component: jit_compiler
//   version: 2.1.0
//   sha256: <64 lowercase hex digits>
//   size: 123456
//   signed-at: 2026-11-26T23:00:00Z
//   signature: <base64 of the 64-byte Ed25519 signature>
//
// The signature is Ed25519 over the exact bytes of every line before
// "signature:" (the statement), so the key id, component name, version,
// digest, size and time are all bound to it.
inline constexpr std::size_t k_max_signature_file_bytes = 4096;
inline constexpr int k_signature_format = 1;

// What a release pipeline vouches for.
struct Statement {
  std::string component;   // a valid component name
  semver::Version version; // written in canonical form, build metadata included
  std::string sha256;      // of the archive, 64 lowercase hex digits
  std::uint64_t size = 0;  // of the archive, in bytes
  std::string signed_at;   // UTC, "YYYY-MM-DDTHH:MM:SSZ"
};

struct SignatureFile {
  std::string key_id; // 16 lowercase hex digits
  Statement statement;
  std::string signature; // the raw 64-byte Ed25519 signature
};

// The statement lines, i.e. the exact bytes the signature covers.
std::string statement_text(const SignatureFile& file);

// The whole file: statement_text() and the "signature: " line.
std::string serialize(const SignatureFile& file);

// Strict parser. Accepts exactly the format above: the lines in that order,
// each once, "key: value" with one space, LF line endings, printable ASCII,
// canonical values (lowercase hex, canonical version, no leading zeros), a
// final LF and nothing after the signature line. serialize(parse(x)) == x.
// Every failure is ErrorCode::signature_invalid with a location
// `file_name:line:column` (line and column 1-based) and one of:
//   "signature file is N bytes, over the 4096-byte limit"
//   "signature file is empty"
//   "signature file is truncated: it ends before the '<field>' line"
//   "signature file is truncated: the last line has no line feed"
//   "line ends with a carriage return: only LF line endings are accepted"
//   "unexpected byte 0xNN: a signature file is printable ASCII"
//   "not a noodle signature file: the first line must be 'noodle-signature 1'"
//   "unsupported signature format 'noodle-signature N': this version reads format 1"
//   "expected 'FIELD: VALUE', found '<line>'"
//   "field '<f>' must be written '<f>: VALUE' with one space after the colon"
//   "unknown field '<f>'"
//   "duplicate field '<f>'"
//   "missing field '<expected>' before '<found>'"
//   "unexpected line after the 'signature' line"
//   "invalid key id '<v>': expected 16 lowercase hexadecimal digits"
//   "invalid component name '<v>': ..."
//   "invalid version '<v>': ..."  /  "version '<v>' is not in canonical form '<c>'"
//   "invalid sha256 '<v>': expected 64 lowercase hexadecimal digits"
//   "invalid size '<v>': ..."
//   "invalid signed-at time '<v>': ..."
//   "invalid signature '<v>': expected 88 base64 characters encoding 64 bytes"
// Values longer than 64 characters are shown cut, ending in "...".
Result<SignatureFile> parse_signature(std::string_view text, std::string_view file_name = "signature");

// Signs `statement` with `key` (its key id goes into the file). Fails with
// ErrorCode::signature_invalid when a statement field is not valid for the
// format (same messages as parse_signature), ErrorCode::internal when
// OpenSSL fails.
Result<SignatureFile> sign(const Statement& statement, const PrivateKey& key);

// Whether `file.signature` is a valid Ed25519 signature of
// statement_text(file) by `key`; else ErrorCode::signature_invalid
// "signature does not verify with key '<key id>'".
Result<void> check_signature(const SignatureFile& file, const PublicKey& key);

// "YYYY-MM-DDTHH:MM:SSZ" for `when`, in UTC, to whole seconds.
std::string format_signed_at(std::chrono::system_clock::time_point when);

// Standard base64 (RFC 4648, with padding).
std::string base64_encode(std::string_view bytes);
// Strict: only the standard alphabet, length a multiple of 4, padding only
// at the end, unused bits zero; nullopt otherwise.
std::optional<std::string> base64_decode(std::string_view text);

} // namespace noodle::archive
