// SPDX-License-Identifier: Apache-2.0
// (interface placeholder; the implementation lands with the loader)
#pragma once

#include <noodle/manifest/model.hpp>
#include <noodle/util/error.hpp>

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace noodle::manifest {

struct Diagnostic {
  enum class Severity { warning, error };
  Severity severity = Severity::error;
  ErrorCode code = ErrorCode::manifest_invalid;
  std::string message;
  SourceLocation where;
  std::string source_line;
  std::string field;
};

enum class Strictness { normal, strict };

struct LoadOptions {
  Strictness strictness = Strictness::normal;
  std::size_t max_file_bytes = 1024 * 1024;
  std::size_t max_depth = 32;
  std::size_t max_documents = 1000;
  enum class CheckArchiveFiles { no, yes } check_archive_files = CheckArchiveFiles::yes;
};

struct LoadResult {
  Catalog catalog;
  std::vector<Diagnostic> diagnostics;
  std::size_t files = 0;
  bool has_errors() const;
};

LoadResult load_catalog(const std::filesystem::path& dir, const LoadOptions& options);
LoadResult load_files(const std::vector<std::filesystem::path>& paths, const LoadOptions& options);

} // namespace noodle::manifest
