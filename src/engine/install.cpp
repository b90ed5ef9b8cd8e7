// SPDX-License-Identifier: Apache-2.0
#include <noodle/archive/digest.hpp>
#include <noodle/archive/extract.hpp>
#include <noodle/archive/keyring.hpp>
#include <noodle/archive/tree_digest.hpp>
#include <noodle/archive/verify.hpp>
#include <noodle/engine/fs_ops.hpp>
#include <noodle/engine/install.hpp>

#include <fmt/format.h>

#include <cerrno>
#include <cstring>
#include <optional>
#include <fcntl.h>
#include <unistd.h>

namespace noodle::engine {

namespace {

// Removes a staging work directory when the install is done, whatever happened.
class WorkDir {
public:
  WorkDir(const RootDir& root, std::filesystem::path rel) : m_root(root), m_rel(std::move(rel)) {}
  ~WorkDir() { (void)remove_tree(m_root, m_rel, Sync::scratch); }
  WorkDir(const WorkDir&) = delete;
  WorkDir& operator=(const WorkDir&) = delete;
  const std::filesystem::path& rel() const { return m_rel; }
  std::filesystem::path path() const { return m_root.shown(m_rel); }

private:
  const RootDir& m_root;
  std::filesystem::path m_rel;
};

// Whether the version directory matches what extraction recorded.
Result<bool> matches_record(Session& session, const std::string& name, const std::string& version)
{
  if (session.store() == nullptr) {
    return false; // a root never changed has no records
  }
  auto recorded = session.store()->files(name, version);
  if (!recorded) {
    return fail(recorded.error());
  }
  if (!*recorded) {
    return false;
  }
  const RootDir& root = session.root();
  const auto dir = rel::version(name, version);
  auto opened = root.open_dir(dir);
  if (!opened) {
    return opened.error().code == ErrorCode::unsafe_path ? Result<bool>(fail(opened.error())) : false;
  }
  auto actual = archive::hash_tree(opened->get(), root.shown(dir));
  if (!actual) {
    return false; // an unreadable tree is replaced like a damaged one
  }
  return archive::compare_trees(**recorded, *actual).empty();
}

// The sha256 of the archive the catalog names for `entry` now: its
// archive.sha256, else the digest of the file locate_archive finds; "" when
// there is neither.
Result<std::string> expected_archive_sha256(const manifest::Manifest& entry, const ArchiveSource& source)
{
  if (entry.extras->archive && !entry.extras->archive->sha256.empty()) {
    return entry.extras->archive->sha256;
  }
  auto files = locate_archive(entry, source);
  if (!files) {
    return std::string();
  }
  const int fd = ::open(files->archive.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0) {
    return std::string(); // verification names the reason, if it comes to that
  }
  auto digest = archive::sha256_file(fd);
  ::close(fd);
  if (!digest) {
    return fail(digest.error());
  }
  return digest->hex();
}

} // namespace

Result<Installed::How> plan_install(Session& session, const manifest::Manifest& entry, const ArchiveSource& source)
{
  if (!session.has_root()) {
    return Installed::How::extracted;
  }
  const std::string version = entry.version.to_string();
  auto present = exists_no_follow(session.root(), rel::version(entry.name, version));
  if (!present) {
    return fail(present.error());
  }
  if (!*present) {
    return Installed::How::extracted;
  }
  auto same = matches_record(session, entry.name.string(), version);
  if (!same) {
    return fail(same.error());
  }
  if (!*same) {
    return Installed::How::replaced;
  }
  // The tree is what was extracted; it must also come from the archive the
  // catalog names now: a version re-packed and re-signed is installed anew.
  auto expected = expected_archive_sha256(entry, source);
  if (!expected) {
    return fail(expected.error());
  }
  if (expected->empty()) {
    return Installed::How::reused;
  }
  auto recorded = session.store()->recorded_archive(entry.name, version);
  if (!recorded) {
    return fail(recorded.error());
  }
  return *recorded && **recorded == *expected ? Installed::How::reused : Installed::How::replaced;
}

Result<ArchiveFiles> locate_archive(const manifest::Manifest& entry, const ArchiveSource& source)
{
  if (source.fetch) {
    return source.fetch(entry);
  }
  if (entry.extras->archive && !entry.extras->archive->file.empty()) {
    ArchiveFiles files{entry.extras->archive->file, entry.extras->archive->file};
    files.signature += ".sig";
    if (!exists_unrooted(files.archive)) {
      return fail(ErrorCode::not_found, fmt::format("archive '{}' of {}@{} (named by the catalog) does not exist",
                                                    files.archive.string(), entry.name, entry.version.to_string()));
    }
    return files;
  }
  const std::string stem = fmt::format("{}-{}", entry.name, entry.version.to_string());
  std::vector<std::string> looked;
  for (const char* ext : {".tar.gz", ".tar.zst"}) {
    const auto candidate = source.archives_dir / (stem + ext);
    if (exists_unrooted(candidate)) {
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
                                  const std::string& work, const AlongWithExtraction* along)
{
  const RootDir& root = session.root();
  const std::string version = entry.version.to_string();
  const auto target = rel::version(entry.name, version);
  Installed installed;

  auto how = plan_install(session, entry, source);
  if (!how) {
    return fail(how.error());
  }
  installed.how = *how;
  if (*how == Installed::How::reused) {
    return installed;
  }
  const bool present = *how == Installed::How::replaced;

  auto files = locate_archive(entry, source);
  if (!files) {
    return fail(files.error());
  }
  if (auto made = make_dirs(root, rel::staging(), 0700); !made) {
    return fail(made.error());
  }
  WorkDir dir(root, rel::staging() / work);
  (void)remove_tree(root, dir.rel(), Sync::scratch); // a leftover of the same name from an earlier run
  {
    // Not synced on its own: the extraction's syncfs makes it durable with
    // the tree, and a crash before that leaves a staging leftover recover removes.
    if (auto checked = RootDir::check(dir.rel()); !checked) {
      return fail(checked.error());
    }
    auto staging = root.open_dir(rel::staging());
    if (!staging) {
      return fail(staging.error());
    }
    if (::mkdirat(staging->get(), work.c_str(), 0700) != 0) {
      return fail(ErrorCode::io,
                  fmt::format("cannot create '{}': {}", root.shown(dir.rel()).string(), std::strerror(errno)));
    }
  }

  const bool has_signature = exists_unrooted(files->signature);
  std::optional<archive::Keyring> keyring;
  archive::SignatureSource signature;
  if (has_signature || source.allow_unsigned != AllowUnsigned::yes) {
    auto loaded = archive::load_keyring(source.keyring_dir);
    if (!loaded) {
      return fail(loaded.error());
    }
    if (!has_signature) {
      Error e(ErrorCode::signature_invalid, fmt::format("archive '{}' has no signature '{}'", files->archive.string(),
                                                        files->signature.string()));
      e.details.push_back("every installed archive must be signed by a key in the keyring");
      return fail(std::move(e));
    }
    keyring.emplace(std::move(*loaded));
    signature.path = files->signature;
    signature.keyring = &*keyring;
  }

  // The tree is readable by the runtime from the start (0755); its parent,
  // the work directory, stays private until it is renamed into versions/.
  const auto tree = dir.rel() / "tree";
  {
    auto work_dir = root.open_dir(dir.rel());
    if (!work_dir) {
      return fail(work_dir.error());
    }
    if (::mkdirat(work_dir->get(), "tree", 0700) != 0) {
      return fail(ErrorCode::io,
                  fmt::format("cannot create '{}': {}", root.shown(tree).string(), std::strerror(errno)));
    }
  }
  std::vector<archive::TreeEntry> installed_tree;
  {
    auto tree_fd = root.open_dir(tree);
    if (!tree_fd) {
      return fail(tree_fd.error());
    }
    if (::fchmod(tree_fd->get(), 0755) != 0) {
      return fail(ErrorCode::io, fmt::format("cannot set the mode of '{}': {}", root.shown(tree).string(),
                                             std::strerror(errno)));
    }
    if (along != nullptr && along->before_sync) {
      if (auto done = along->before_sync(); !done) {
        return fail(done.error());
      }
    }
    // One read of the archive: hashed and extracted together, checked
    // against the signature before anything is synced or leaves staging.
    auto verified = archive::verify_and_extract(files->archive, signature, tree_fd->get(), root.shown(tree),
                                                source.limits);
    if (!verified) {
      return fail(verified.error());
    }
    if (auto matches = archive::check_catalog_entry(verified->archive, entry); !matches) {
      return fail(matches.error());
    }
    installed.is_signed = verified->archive.is_signed;
    installed.key_id = verified->archive.signature.key_id;
    installed.sha256 = verified->archive.sha256;
    installed.files = verified->report.files;
    installed.bytes = verified->report.bytes;
    installed_tree = std::move(verified->report.tree);
  }
  if (auto made = make_dirs(root, rel::versions(entry.name), 0755); !made) {
    return fail(made.error());
  }
  auto same_fs = same_filesystem(root, tree, rel::versions(entry.name));
  if (!same_fs) {
    return fail(same_fs.error());
  }
  if (!*same_fs) {
    return fail(ErrorCode::io, fmt::format("staging '{}' and '{}' are on different file systems: the root must be "
                                           "one file system so versions appear atomically",
                                           root.shown(rel::staging()).string(),
                                           root.shown(rel::versions(entry.name)).string()));
  }
  // Recorded before the directory appears under versions/, so a version
  // there always has its record (a crash in between leaves only staging).
  // One transaction with what rides along (a change's rollback point).
  store::StateStore& db = *session.store();
  if (auto begun = db.begin(); !begun) {
    return fail(begun.error());
  }
  Result<void> recorded = db.record_files(entry.name, version, installed_tree, installed.sha256);
  if (recorded && along != nullptr && along->in_record) {
    recorded = along->in_record();
  }
  if (recorded) {
    recorded = db.commit();
  }
  if (!recorded) {
    (void)db.rollback(); // a failed COMMIT may have rolled back already
    return fail(recorded.error());
  }
  if (present) {
    // An unrecorded or damaged directory is never `current` here (the
    // caller changes away from `current`); swap it out in one step.
    if (auto swapped = exchange_durable(root, tree, target, Sync::scratch); !swapped) {
      return fail(swapped.error());
    }
  } else if (auto moved = rename_durable(root, tree, target, Sync::scratch); !moved) {
    return fail(moved.error());
  }
  return installed;
}

} // namespace noodle::engine
