// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "support/temp_dir.hpp"

#include <archive.h>
#include <archive_entry.h>

#include <filesystem>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace noodle::test {

// Writes a real gzip-compressed pax tar archive holding `files` (path,
// content) as regular files, in the given order.
inline void write_tar_gz(const std::filesystem::path& out,
                         const std::vector<std::pair<std::string, std::string>>& files)
{
  struct archive* a = archive_write_new();
  if (archive_write_add_filter_gzip(a) != ARCHIVE_OK || archive_write_set_format_pax_restricted(a) != ARCHIVE_OK
      || archive_write_open_filename(a, out.c_str()) != ARCHIVE_OK) {
    std::string why = archive_error_string(a) != nullptr ? archive_error_string(a) : "unknown";
    archive_write_free(a);
    throw std::runtime_error("cannot create test archive: " + why);
  }
  for (const auto& [path, content] : files) {
    struct archive_entry* e = archive_entry_new();
    archive_entry_set_pathname(e, path.c_str());
    archive_entry_set_filetype(e, AE_IFREG);
    archive_entry_set_perm(e, 0644);
    archive_entry_set_size(e, static_cast<la_int64_t>(content.size()));
    archive_entry_set_mtime(e, 0, 0);
    bool ok = archive_write_header(a, e) == ARCHIVE_OK
              && archive_write_data(a, content.data(), content.size()) == static_cast<la_ssize_t>(content.size());
    archive_entry_free(e);
    if (!ok) {
      archive_write_free(a);
      throw std::runtime_error("cannot write test archive entry " + path);
    }
  }
  archive_write_close(a);
  archive_write_free(a);
}

// A minimal valid manifest for name@version.
inline std::string manifest_yaml(const std::string& name, const std::string& version)
{
  return "name: " + name + "\nversion: " + version + "\ntype: compiler\nentry_point: bin/" + name + "\n";
}

// Writes a keyring file with the modes load_keyring requires (file 0644, its
// directory 0755), whatever the umask the tests run under.
inline std::filesystem::path keyring_write(const TempDir& dir, const std::string& relative, const std::string& content)
{
  auto path = dir.write(relative, content);
  std::filesystem::permissions(path, std::filesystem::perms(0644), std::filesystem::perm_options::replace);
  std::filesystem::permissions(path.parent_path(), std::filesystem::perms(0755),
                               std::filesystem::perm_options::replace);
  return path;
}

} // namespace noodle::test
