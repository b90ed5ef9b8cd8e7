// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <noodle/util/error.hpp>

#include <cstdint>
#include <filesystem>
#include <string>

namespace noodle::archive {

struct PackResult {
  std::string sha256;        // of the written archive, lowercase hex
  std::uint64_t size = 0;    // of the written archive, in bytes
  std::uint64_t entries = 0; // files, directories and symlinks stored
};

// Packs the component directory `dir` (its root must hold a regular file
// manifest.yaml) into `out`, compressed by the name's extension: .tar.gz or
// .tgz (gzip) or .tar.zst (zstd). The archive is restricted pax, and
// reproducible: manifest.yaml first, then every other entry sorted by path
// (bytewise); mtime 0, uid/gid 0, no user or group names, directories and
// executables 0755, other files 0644; gzip without timestamp or name.
// Symlinks are stored as symlinks. `out` is replaced atomically (temporary
// file in its directory, fsync, rename, fsync of the directory).
//
// Fails with usage for an unknown extension or an `out` inside `dir`,
// not_found when manifest.yaml is missing, archive_invalid for a special
// file (device, FIFO, socket), a symlink whose target is absolute or leaves
// `dir`, or a path extract would refuse; io when reading or writing fails.
// On failure `out` is left as it was.
Result<PackResult> pack(const std::filesystem::path& dir, const std::filesystem::path& out);

} // namespace noodle::archive
