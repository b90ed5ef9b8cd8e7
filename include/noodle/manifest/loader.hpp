// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <noodle/manifest/diagnostic.hpp>
#include <noodle/manifest/model.hpp>

#include <cstddef>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace noodle::manifest {

enum class Strictness {
  normal, // unknown fields are warnings
  strict, // unknown fields are errors
};

// Input limits, all checked before or while parsing so that hostile input
// costs bounded time and memory.
struct LoadOptions {
  Strictness strictness = Strictness::normal;
  std::size_t max_file_bytes = 1024 * 1024;
  std::size_t max_depth = 32;        // nesting of mappings and sequences
  std::size_t max_documents = 1000;  // per file
  std::size_t max_aliases = 100;     // alias uses ("*name") per document
  std::size_t max_nodes = 100000;    // per document, counting alias expansion
  enum class CheckArchiveFiles { no, yes } check_archive_files = CheckArchiveFiles::yes;
};

// Parses the YAML documents of one file; each document is one component
// version. Appends every problem found to `diagnostics`; a document with any
// error is left out of the result, the others are returned in file order.
// `file_name` is used as given in locations; `base_dir` resolves archive files.
// Never throws.
std::vector<Manifest> parse_manifests(std::string_view text, const std::string& file_name,
                                      const std::filesystem::path& base_dir, const LoadOptions& options,
                                      std::vector<Diagnostic>& diagnostics);

struct LoadResult {
  Catalog catalog;                      // every manifest without an error
  std::vector<Diagnostic> diagnostics;  // in file order, then document order
  std::size_t files = 0;                // files read

  bool has_errors() const;
};

// Loads every *.yaml / *.yml under `dir`, recursively, in sorted path order;
// names starting with "." are skipped. A missing or unreadable directory, an
// unreadable file and a duplicate name@version are error diagnostics.
LoadResult load_catalog(const std::filesystem::path& dir, const LoadOptions& options);

// Like load_catalog over several inputs, each a file (read whatever its
// extension) or a directory (scanned as load_catalog does), into one catalog.
LoadResult load_files(const std::vector<std::filesystem::path>& paths, const LoadOptions& options);

// Reads one file, refusing it (an error diagnostic, nullopt) when it is missing
// (not_found), unreadable or a directory (io), bigger than `max_file_bytes`
// (manifest_parse; checked before reading when the size is known), or neither
// a regular file nor a pipe (usage: a device such as /dev/zero, a socket). A
// pipe (`-f <(...)`, a FIFO) is read to its end, up to the limit.
std::optional<std::string> read_input_file(const std::filesystem::path& path, std::size_t max_file_bytes,
                                           std::vector<Diagnostic>& diagnostics);

} // namespace noodle::manifest
