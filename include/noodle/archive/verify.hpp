// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <noodle/archive/extract.hpp>
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

// Where an archive's signature comes from: its detached signature file,
// checked against `keyring`, or nothing (`path` empty: --allow-unsigned,
// development only; component and version then come from the archive's own
// manifest.yaml, and check_catalog_entry is the only binding left).
struct SignatureSource {
  std::filesystem::path path;
  const Keyring* keyring = nullptr; // required with a path
};

// An archive verified and extracted in one pass.
struct VerifiedExtraction {
  VerifiedArchive archive; // fd -1 and no private_copy: the bytes were used as they were read
  ExtractReport report;
};

// Installs in one pass: opens `archive` once (step 1 of verify_archive),
// checks the signature file (step 2) before reading the archive, then reads
// the file once through that one descriptor, feeding each block both to the
// SHA-256 and to the extractor, which writes into the empty private
// directory `dir_fd` (see extract()); the rest of the file past the end of
// the tar stream is hashed too. Only then are the digest and size compared
// with the signed statement (step 5's errors) and manifest.yaml -- the bytes
// extracted, kept in memory as read -- parsed and compared with it (step 6's
// errors); only after that is the tree made durable (one syncfs). So the
// bytes verified are exactly the bytes extracted, whatever happens to the
// file meanwhile, and nothing unverified is ever synced or kept: on any
// failure everything created in `dir_fd` is removed. An archive that fails
// extraction and is not the signed one (its digest, read again, differs)
// fails with integrity as step 5 words it, not with the extraction error.
Result<VerifiedExtraction> verify_and_extract(const std::filesystem::path& archive, const SignatureSource& signature,
                                              int dir_fd, const std::filesystem::path& shown, const Limits& limits);

// How much of an archive inspect_archive reads through the parser.
enum class InspectDepth {
  manifest,    // entries up to manifest.yaml; the rest of the file is only hashed
  every_entry, // every entry judged as extraction would (check_extraction), nothing written
};

// Verifies `archive` as verify_and_extract does, in one pass over one open
// descriptor and without any copy or write: the signature first, then the
// file read once into the digest and the parser together (to `depth`),
// then the digest, size and manifest checks. For checking before a change
// (`plan`, --dry-run, an upgrade's preparation); installing verifies again.
// With `judged`, every_entry's report goes there.
Result<VerifiedArchive> inspect_archive(const std::filesystem::path& archive, const SignatureSource& signature,
                                        InspectDepth depth, const Limits& limits, ExtractReport* judged = nullptr);

// Checks that the catalog's manifest describes the verified archive: same
// name and exact version (integrity: "catalog entry <n>@<v> does not match
// the verified archive <n>@<v>"), and, when the catalog gives them, the same
// archive.sha256 (integrity: "catalog sha256 <x> for <n>@<v> does not match
// the verified archive's <y>") and archive.size (integrity: "catalog size N
// for <n>@<v> does not match the verified archive's M bytes").
Result<void> check_catalog_entry(const VerifiedArchive& verified, const manifest::Manifest& catalog_entry);

} // namespace noodle::archive
