// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <noodle/archive/limits.hpp>
#include <noodle/engine/session.hpp>
#include <noodle/manifest/model.hpp>
#include <noodle/util/error.hpp>

#include <filesystem>
#include <functional>
#include <string>

namespace noodle::engine {

enum class AllowUnsigned { no, yes };

// Where archives come from and how they are checked.
struct ArchiveFiles {
  std::filesystem::path archive;
  std::filesystem::path signature;
};

struct ArchiveSource {
  // Searched for NAME-VERSION.tar.gz, then NAME-VERSION.tar.zst, when the
  // catalog entry names no archive.file; the signature is ARCHIVE.sig.
  std::filesystem::path archives_dir;
  std::filesystem::path keyring_dir;
  archive::Limits limits;
  // Development only: an archive without a .sig is installed (a present
  // signature is still checked). Refused under strict validation by callers.
  AllowUnsigned allow_unsigned = AllowUnsigned::no;
  // When set (a repository), asked first for an entry's archive: it brings
  // the archive and its signature into a local cache and names them, or
  // fails (that failure is locate_archive's).
  std::function<Result<ArchiveFiles>(const manifest::Manifest&)> fetch;
};

// The archive and signature for `entry`. Fails with not_found naming every
// path looked at.
Result<ArchiveFiles> locate_archive(const manifest::Manifest& entry, const ArchiveSource& source);

// What install_version did.
struct Installed {
  enum class How { extracted, reused, replaced } how = How::extracted;
  bool is_signed = true;
  std::string key_id;  // of the verified signature
  std::string sha256;  // of the archive
  std::uint64_t files = 0;
  std::uint64_t bytes = 0;
};

// How install_version will get `entry`'s version directory, changing
// nothing: reused when it is there, matches its extraction record and that
// record names the archive the catalog names now (its archive.sha256, else
// the sha256 of the archive locate_archive finds; with neither, the tree
// alone decides); replaced when it is there otherwise; extracted when absent.
Result<Installed::How> plan_install(Session& session, const manifest::Manifest& entry, const ArchiveSource& source);

// Makes <root>/components/<name>/versions/<version> hold exactly the verified
// archive of `entry`:
//  - already there, matching its extraction record and the archive's
//    sha256 (plan_install): reused as it is;
//  - otherwise the archive is verified (one read into a private copy under
//    <root>/.noodle-upgrade/staging/<work>), checked against the catalog
//    entry, extracted into staging on the same file system, its tree recorded
//    in the state database with the archive's sha256, and renamed into place (an unrecorded or damaged
//    directory already there is exchanged for it, then removed).
// Staging is removed on success and on failure. Fails with the errors of
// archive::verify_archive, check_catalog_entry and extract, or io.
//
// `along`, when given, rides on an extraction (never on a reuse): its
// `before_sync` runs before the extraction's syncfs, which makes what it
// wrote durable, and its `in_record` inside the transaction that records the
// tree, before that commit. A change's rollback point is taken this way: one
// sync and one commit serve both.
struct AlongWithExtraction {
  std::function<Result<void>()> before_sync;
  std::function<Result<void>()> in_record;
};
Result<Installed> install_version(Session& session, const manifest::Manifest& entry, const ArchiveSource& source,
                                  const std::string& work, const AlongWithExtraction* along = nullptr);

} // namespace noodle::engine
