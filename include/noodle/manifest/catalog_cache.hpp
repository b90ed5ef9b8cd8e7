// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <noodle/manifest/loader.hpp>

#include <filesystem>
#include <optional>
#include <string>

namespace noodle::manifest {

// The compiled catalog cache: one binary file holding what load_catalog
// gives for each manifest file (its manifests and its diagnostics), keyed by
// the file's path, size, mtime and ctime (in nanoseconds), inode and device,
// and by the archive files its manifests name, with the cache format's
// version, the catalog's real path and the load options. A run re-reads only
// the files whose key changed and drops the removed ones, so its catalog and
// diagnostics are those of load_catalog.
//
// The file is read only when it is a regular file owned by the effective
// user and writable by no one else (as OpenSSH's StrictModes), and its
// checksum, format and keys all match; otherwise it is rebuilt, never
// trusted. It is written to a temporary file and renamed over the old one;
// failing to write it is no error.

// The cache file's name for a catalog: "catalog-<hash>.cache", the hash of
// the catalog's real path and of the options that change what it loads.
std::string catalog_cache_name(const std::filesystem::path& catalog_dir, const LoadOptions& options);

struct CacheUse {
  enum class State {
    fresh,   // every file came from the cache
    updated, // some files were re-read, or some were dropped
    rebuilt, // there was no usable cache: every file was read
  };
  State state = State::rebuilt;
  std::size_t reread = 0;        // files parsed in this run
  std::string why_rebuilt;       // for State::rebuilt: "missing", "checksum mismatch", ...
  std::optional<std::string> write_error; // when the new cache could not be written
  // For State::fresh: the catalog was built from the cache while the files
  // were scanned, and the scan confirmed it (the fast path of a large cache).
  bool built_during_scan = false;
};

// load_catalog through the cache file `cache_file` (whose directory must
// exist). `use`, when given, says what the cache did.
LoadResult load_catalog_cached(const std::filesystem::path& catalog_dir, const LoadOptions& options,
                               const std::filesystem::path& cache_file, CacheUse* use = nullptr);

} // namespace noodle::manifest
