// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "support/archive_builder.hpp"
#include "support/temp_dir.hpp"

#include <filesystem>
#include <string>
#include <utility>
#include <vector>

namespace noodle::test {

// Writes a gzip-compressed tar archive holding `files` (path, content) as
// regular files, in the given order.
inline void write_tar_gz(const std::filesystem::path& out,
                         const std::vector<std::pair<std::string, std::string>>& files)
{
  ArchiveBuilder builder(Compression::gzip);
  for (const auto& [path, content] : files) {
    builder.file(path, content);
  }
  write_bytes(out, builder.finish());
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
