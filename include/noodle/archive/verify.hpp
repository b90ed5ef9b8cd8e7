// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <noodle/archive/keyring.hpp>
#include <noodle/archive/limits.hpp>
#include <noodle/archive/signature.hpp>
#include <noodle/manifest/model.hpp>
#include <noodle/semver/version.hpp>
#include <noodle/util/error.hpp>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <string>

namespace noodle::archive {

// The largest manifest.yaml read from an archive (the catalog loader's limit).
inline constexpr std::uint64_t k_max_archive_manifest_bytes = 1024 * 1024;

// An archive whose bytes were copied into a private directory and verified
// there. Everything after verification (extraction) must read `fd`, never
// the original path: the original may change at any time, the private copy
// cannot (it lives in a 0700 directory of ours and is made read-only).
//
// Owns `fd` (closed by the destructor); the file `private_copy` is left for
// the caller to remove once done with it. Move-only.
struct VerifiedArchive {
  std::filesystem::path private_copy; // inside the caller's 0700 staging directory, mode 0400
  int fd = -1;                        // open on the private copy, O_RDONLY
  std::string sha256;                 // of the copied bytes, lowercase hex
  std::uint64_t size = 0;             // of the copied bytes
  SignatureFile signature;            // the verified signature file
  std::string component;              // == signature.statement.component
  semver::Version version;            // == signature.statement.version
  manifest::Manifest manifest;        // manifest.yaml of the private copy
  bool is_signed = true;              // false only from copy_unsigned_archive (signature is then empty)

  VerifiedArchive() = default;
  ~VerifiedArchive();
  VerifiedArchive(VerifiedArchive&& other) noexcept;
  VerifiedArchive& operator=(VerifiedArchive&& other) noexcept;
  VerifiedArchive(const VerifiedArchive&) = delete;
  VerifiedArchive& operator=(const VerifiedArchive&) = delete;
};

// Verifies `archive` against its detached `signature_path` and `keyring`,
// so that the bytes verified are the bytes used:
//
//  1. opens `archive` once (O_RDONLY|O_NOFOLLOW|O_CLOEXEC): not a regular
//     file or a symlink -> archive_invalid, over limits.max_archive_bytes ->
//     archive_limit, cannot open -> io;
//  2. reads the signature file (at most 4096 bytes) and checks, in order:
//     parse (signature_invalid, parse_signature's messages), key id revoked
//     (revoked_key) or unknown (unknown_key) -- Keyring::key_for's messages --,
//     Ed25519 over the statement (signature_invalid "signature does not
//     verify with key '<id>'", also what a wrong key gives);
//  3. creates `private_staging_dir` with mode 0700 if missing (its parent must
//     exist), else requires a directory (not a symlink) owned by the
//     effective uid with mode 0700 (io: "staging directory '<d>' must have
//     mode 0700 and belong to uid <u>: it has mode <m> and belongs to uid
//     <o>");
//  4. copies the open archive into a new file there, hashing in the same pass
//     (a file that grows past the limit while copied -> archive_limit);
//  5. digest and size of the copy must equal the statement's (integrity:
//     "archive sha256 <x> does not match the signed <y>", with a detail line
//     "the archive is N bytes, the signed size is M" when sizes differ;
//     "archive size N does not match the signed size M" when only the size
//     differs);
//  6. reads manifest.yaml from the copy's fd (read_member; archive_invalid
//     "archive '<p>' holds no manifest.yaml" when absent, archive_invalid /
//     archive_limit from the reader), parses it with check_archive_files = no
//     (archive_invalid "manifest.yaml of archive '<p>' is invalid: <first
//     error>", the others as details; "... holds N component versions,
//     expected 1"), and requires its name and exact version (build metadata
//     included) to equal the statement's (integrity: "archive holds
//     jit_compiler@1.0.0 but the signature is for jit_compiler@2.1.0").
//
// The original path is never reopened after step 1. On any failure the
// private copy is removed (the staging directory is left).
Result<VerifiedArchive> verify_archive(const std::filesystem::path& archive,
                                       const std::filesystem::path& signature_path, const Keyring& keyring,
                                       const std::filesystem::path& private_staging_dir, const Limits& limits);

// For `--allow-unsigned` (development only): steps 1, 3, 4 and 6 of
// verify_archive without a signature. The private copy is made and read the
// same way; `signature` stays empty, `is_signed` is false, and component and
// version come from the archive's own manifest.yaml. Callers must still
// check_catalog_entry, the only binding left.
Result<VerifiedArchive> copy_unsigned_archive(const std::filesystem::path& archive,
                                              const std::filesystem::path& private_staging_dir, const Limits& limits);

// Step 2 of verify_archive alone: reads and parses
// `signature_path` and checks its key and Ed25519 signature.
Result<SignatureFile> verify_signature_file(const std::filesystem::path& signature_path, const Keyring& keyring);

// The signer's side: the statement for `archive` -- the name and version of
// its manifest.yaml, the sha256 and size of its bytes, `now` as signed-at --
// all read from one open of the file. Fails as steps 1 and 6 of
// verify_archive do (without the name/version comparison), or with
// ErrorCode::io when reading fails.
Result<Statement> statement_for_archive(const std::filesystem::path& archive, const Limits& limits,
                                        std::chrono::system_clock::time_point now);

// Checks that the catalog's manifest describes the verified archive: same
// name and exact version (integrity: "catalog entry <n>@<v> does not match
// the verified archive <n>@<v>"), and, when the catalog gives them, the same
// archive.sha256 (integrity: "catalog sha256 <x> for <n>@<v> does not match
// the verified archive's <y>") and archive.size (integrity: "catalog size N
// for <n>@<v> does not match the verified archive's M bytes").
Result<void> check_catalog_entry(const VerifiedArchive& verified, const manifest::Manifest& catalog_entry);

} // namespace noodle::archive
