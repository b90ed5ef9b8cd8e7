// SPDX-License-Identifier: Apache-2.0
#include <noodle/archive/extract.hpp>
#include <noodle/archive/keyring.hpp>
#include <noodle/archive/tree_digest.hpp>
#include <noodle/archive/verify.hpp>
#include <noodle/engine/fs_ops.hpp>
#include <noodle/engine/install.hpp>

#include <fmt/format.h>

#include <cerrno>
#include <cstring>
#include <sys/stat.h>

namespace noodle::engine {

namespace {

// Removes a staging work directory when the install is done, whatever happened.
class WorkDir {
public:
  explicit WorkDir(std::filesystem::path path) : m_path(std::move(path)) {}
  ~WorkDir() { (void)remove_tree(m_path); }
  WorkDir(const WorkDir&) = delete;
  WorkDir& operator=(const WorkDir&) = delete;
  const std::filesystem::path& path() const { return m_path; }

private:
  std::filesystem::path m_path;
};

// Whether the version directory matches what extraction recorded.
Result<bool> matches_record(Session& session, const std::string& name, const std::string& version,
                            const std::filesystem::path& dir)
{
  auto recorded = session.store()->files(name, version);
  if (!recorded) {
    return fail(recorded.error());
  }
  if (!*recorded) {
    return false;
  }
  auto actual = archive::hash_tree(dir);
  if (!actual) {
    return false; // an unreadable tree is replaced like a damaged one
  }
  return archive::compare_trees(**recorded, *actual).empty();
}

} // namespace

Result<ArchiveFiles> locate_archive(const manifest::Manifest& entry, const ArchiveSource& source)
{
  if (entry.archive && !entry.archive->file.empty()) {
    ArchiveFiles files{entry.archive->file, entry.archive->file};
    files.signature += ".sig";
    if (!exists_no_follow(files.archive)) {
      return fail(ErrorCode::not_found, fmt::format("archive '{}' of {}@{} (named by the catalog) does not exist",
                                                    files.archive.string(), entry.name, entry.version.to_string()));
    }
    return files;
  }
  const std::string stem = fmt::format("{}-{}", entry.name, entry.version.to_string());
  std::vector<std::string> looked;
  for (const char* ext : {".tar.gz", ".tar.zst"}) {
    const auto candidate = source.archives_dir / (stem + ext);
    if (exists_no_follow(candidate)) {
      ArchiveFiles files{candidate, candidate};
      files.signature += ".sig";
      return files;
    }
    looked.push_back(candidate.string());
  }
  Error e(ErrorCode::not_found, fmt::format("no archive for {}@{}", entry.name, entry.version.to_string()));
  for (const auto& path : looked) {
    e.details.push_back(fmt::format("looked for '{}'", path));
  }
  e.details.push_back("set --archives DIR (or NOODLE_ARCHIVES), or give archive.file in the catalog entry");
  return fail(std::move(e));
}

Result<Installed> install_version(Session& session, const manifest::Manifest& entry, const ArchiveSource& source,
                                  const std::string& work)
{
  const Layout& layout = session.layout();
  const std::string version = entry.version.to_string();
  const auto target = layout.version_dir(entry.name, version);
  Installed installed;

  const bool present = exists_no_follow(target);
  if (present) {
    auto same = matches_record(session, entry.name, version, target);
    if (!same) {
      return fail(same.error());
    }
    if (*same) {
      installed.how = Installed::How::reused;
      return installed;
    }
    installed.how = Installed::How::replaced;
  }

  auto files = locate_archive(entry, source);
  if (!files) {
    return fail(files.error());
  }
  if (auto made = make_dirs(layout.staging_dir(), 0700); !made) {
    return fail(made.error());
  }
  WorkDir dir(layout.staging_dir() / work);
  (void)remove_tree(dir.path()); // a leftover of the same name from an earlier run
  if (auto made = make_dirs(dir.path(), 0700); !made) {
    return fail(made.error());
  }

  Result<archive::VerifiedArchive> verified = tl::unexpected(Error());
  const bool has_signature = exists_no_follow(files->signature);
  if (!has_signature && source.allow_unsigned == AllowUnsigned::yes) {
    verified = archive::copy_unsigned_archive(files->archive, dir.path() / "archive", source.limits);
  } else {
    auto keyring = archive::load_keyring(source.keyring_dir);
    if (!keyring) {
      return fail(keyring.error());
    }
    if (!has_signature) {
      Error e(ErrorCode::signature_invalid, fmt::format("archive '{}' has no signature '{}'", files->archive.string(),
                                                        files->signature.string()));
      e.details.push_back("every installed archive must be signed by a key in the keyring");
      return fail(std::move(e));
    }
    verified = archive::verify_archive(files->archive, files->signature, *keyring, dir.path() / "archive",
                                       source.limits);
  }
  if (!verified) {
    return fail(verified.error());
  }
  if (auto matches = archive::check_catalog_entry(*verified, entry); !matches) {
    return fail(matches.error());
  }
  installed.is_signed = verified->is_signed;
  installed.key_id = verified->signature.key_id;
  installed.sha256 = verified->sha256;

  const auto tree = dir.path() / "tree";
  if (::mkdir(tree.c_str(), 0700) != 0) {
    return fail(ErrorCode::io, fmt::format("cannot create '{}': {}", tree.string(), std::strerror(errno)));
  }
  auto extracted = archive::extract(verified->fd, tree, source.limits);
  if (!extracted) {
    return fail(extracted.error());
  }
  installed.files = extracted->files;
  installed.bytes = extracted->bytes;
  // The runtime reads the version; only the staging area is private.
  if (::chmod(tree.c_str(), 0755) != 0) {
    return fail(ErrorCode::io, fmt::format("cannot set the mode of '{}': {}", tree.string(), std::strerror(errno)));
  }
  if (auto synced = fsync_dir(tree); !synced) {
    return fail(synced.error());
  }
  // Recorded before the directory appears under versions/, so a version
  // there always has its record (a crash in between leaves only staging).
  if (auto recorded = session.store()->record_files(entry.name, version, extracted->tree); !recorded) {
    return fail(recorded.error());
  }
  if (auto made = make_dirs(layout.versions_dir(entry.name), 0755); !made) {
    return fail(made.error());
  }
  auto same_fs = same_filesystem(tree, layout.versions_dir(entry.name));
  if (!same_fs) {
    return fail(same_fs.error());
  }
  if (!*same_fs) {
    return fail(ErrorCode::io, fmt::format("staging '{}' and '{}' are on different file systems: the root must be "
                                           "one file system so versions appear atomically",
                                           layout.staging_dir().string(), layout.versions_dir(entry.name).string()));
  }
  if (present) {
    // An unrecorded or damaged directory is never `current` here (the
    // caller changes away from `current`); swap it out in one step.
    if (auto swapped = exchange_durable(tree, target); !swapped) {
      return fail(swapped.error());
    }
  } else if (auto moved = rename_durable(tree, target); !moved) {
    return fail(moved.error());
  }
  return installed;
}

} // namespace noodle::engine
