// SPDX-License-Identifier: Apache-2.0
#include <noodle/manifest/diagnostic.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

namespace noodle::manifest {

std::string_view to_string(Diagnostic::Severity severity)
{
  return severity == Diagnostic::Severity::error ? "error" : "warning";
}

std::string to_string(const Diagnostic& d)
{
  if (d.where.known()) {
    return fmt::format("{}: {}: {}", d.where.to_string(), to_string(d.severity), d.message);
  }
  return fmt::format("{}: {}", to_string(d.severity), d.message);
}

Error to_error(const Diagnostic& d)
{
  Error e(d.code, d.message);
  if (d.where.known()) {
    e.where = d.where;
  }
  return e;
}

bool has_errors(const std::vector<Diagnostic>& diagnostics)
{
  return count(diagnostics, Diagnostic::Severity::error) > 0;
}

std::size_t count(const std::vector<Diagnostic>& diagnostics, Diagnostic::Severity severity)
{
  return static_cast<std::size_t>(std::count_if(diagnostics.begin(), diagnostics.end(),
                                                [&](const Diagnostic& d) { return d.severity == severity; }));
}

void attach_source_lines(std::vector<Diagnostic>& diagnostics, std::size_t max_file_bytes)
{
  std::map<std::string, std::vector<std::string>> files;
  for (Diagnostic& d : diagnostics) {
    if (!d.source_line.empty() || d.where.line == 0 || d.where.file.empty()) {
      continue;
    }
    const std::string file = d.where.file.string();
    auto it = files.find(file);
    if (it == files.end()) {
      std::vector<std::string> lines;
      std::error_code ec;
      auto size = std::filesystem::file_size(file, ec);
      if (!ec && size <= max_file_bytes) {
        std::ifstream in(file, std::ios::binary);
        std::string line;
        while (std::getline(in, line)) {
          if (!line.empty() && line.back() == '\r') {
            line.pop_back();
          }
          lines.push_back(std::move(line));
        }
      }
      it = files.emplace(file, std::move(lines)).first;
    }
    if (d.where.line <= it->second.size()) {
      d.source_line = it->second[d.where.line - 1];
    }
  }
}

} // namespace noodle::manifest
