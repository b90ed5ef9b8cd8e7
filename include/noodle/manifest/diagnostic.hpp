// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <noodle/util/error.hpp>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace noodle::manifest {

// One problem found in an input file. Loaders collect every problem instead
// of stopping at the first, so a single run reports all of them.
struct Diagnostic {
  enum class Severity { warning, error };

  Severity severity = Severity::error;
  ErrorCode code = ErrorCode::manifest_invalid;
  std::string message;     // lowercase, no trailing period
  SourceLocation where;    // the offending node; line 0 = the whole file
  std::string source_line; // line `where.line`, at most 1024 bytes, for a caret display
  std::string field;       // dotted path, e.g. "resources.memory_mb"; may be empty
};

std::string_view to_string(Diagnostic::Severity severity);

// "file:line:col: error: message".
std::string to_string(const Diagnostic& d);

// The diagnostic as an Error (code, message, location).
Error to_error(const Diagnostic& d);

bool has_errors(const std::vector<Diagnostic>& diagnostics);
std::size_t count(const std::vector<Diagnostic>& diagnostics, Diagnostic::Severity severity);


// Fills the empty `source_line` of diagnostics that point into a readable
// file, reading each file once. Files over `max_file_bytes` are skipped.
void attach_source_lines(std::vector<Diagnostic>& diagnostics, std::size_t max_file_bytes = 1024 * 1024);

} // namespace noodle::manifest
