// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <noodle/util/error.hpp>
#include <noodle/util/unique_fd.hpp>

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

#include <sys/stat.h>

namespace noodle::engine {

// A root, opened once: every path below it is resolved from this directory
// descriptor and never through a symlink (util::open_beneath), so no walk
// and no change of the engine ever leaves it. The root's own path may go
// through symlinks (/var/run -> /run); nothing inside it is followed.
//
// Paths below the root are relative (`rel`, see layout.hpp) and pass check()
// first. Failures name the path under the root as given: unsafe_path for a
// symlink met on the way ("'<root>/components/x' is a symbolic link ...");
// io with the errno text for the rest.
class RootDir {
public:
  // Opens the directory `root`; not_found when it does not exist, io else.
  static Result<RootDir> open(const std::filesystem::path& root);

  // The root's path as given, and the directory it resolved to (the kernel's
  // name for the open directory: no symlink in it, for SQLite's
  // SQLITE_OPEN_NOFOLLOW).
  const std::filesystem::path& path() const { return m_path; }
  const std::filesystem::path& real_path() const { return m_real_path; }
  int fd() const { return m_fd.get(); }
  std::filesystem::path shown(const std::filesystem::path& rel) const { return rel.empty() ? m_path : m_path / rel; }

  // Whether `rel` may be resolved: plain (util::is_plain_relative: no "..",
  // no ".", no empty or over-long name, no control character), and the name
  // after components/ and the version after components/<name>/versions/
  // pass the catalog's rule (manifest::name_problem, version_problem).
  // Fails with usage naming the name or version.
  static Result<void> check(const std::filesystem::path& rel);

  // The directory at `rel` (empty: the root itself), opened O_RDONLY.
  Result<util::UniqueFd> open_dir(const std::filesystem::path& rel) const;

  // lstat(2) of `rel`: nullopt when it (or a directory on the way) does not
  // exist.
  Result<std::optional<struct stat>> stat(const std::filesystem::path& rel) const;

  // The error for `verb` ("open directory", ...) on `rel` failing with `err`:
  // unsafe_path naming the first symlink on the way for ELOOP, else io.
  Error error(std::string_view verb, const std::filesystem::path& rel, int err) const;

  // The unsafe_path error for a symbolic link at `rel`.
  Error symlink_error(const std::filesystem::path& rel) const;

private:
  RootDir(std::filesystem::path path, std::filesystem::path real_path, util::UniqueFd fd)
      : m_path(std::move(path)), m_real_path(std::move(real_path)), m_fd(std::move(fd))
  {
  }
  std::filesystem::path m_path;
  std::filesystem::path m_real_path;
  util::UniqueFd m_fd;
};

} // namespace noodle::engine
