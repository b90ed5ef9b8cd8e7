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

namespace {

// Levenshtein distance, stopping early once every path exceeds `limit`.
std::size_t edit_distance(std::string_view a, std::string_view b, std::size_t limit)
{
  std::vector<std::size_t> row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) {
    row[j] = j;
  }
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diagonal = row[0];
    row[0] = i;
    std::size_t best = row[0];
    for (std::size_t j = 1; j <= b.size(); ++j) {
      std::size_t above = row[j];
      std::size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + cost});
      diagonal = above;
      best = std::min(best, row[j]);
    }
    if (best > limit) {
      return limit + 1;
    }
  }
  return row[b.size()];
}

} // namespace

std::optional<std::string> suggest_spelling(std::string_view word, const std::vector<std::string>& candidates)
{
  // Short words tolerate fewer edits, or everything would match everything.
  const std::size_t limit = std::min<std::size_t>(3, std::max<std::size_t>(1, word.size() / 3));
  std::optional<std::string> best;
  std::size_t best_distance = limit + 1;
  for (const std::string& c : candidates) {
    if (c == word) {
      return std::nullopt;
    }
    std::size_t d = edit_distance(word, c, limit);
    if (d < best_distance) {
      best_distance = d;
      best = c;
    }
  }
  return best;
}

void attach_source_lines(std::vector<Diagnostic>& diagnostics, std::size_t max_file_bytes)
{
  std::map<std::string, std::vector<std::string>> files;
  for (Diagnostic& d : diagnostics) {
    if (!d.source_line.empty() || d.where.line == 0 || d.where.file.empty()) {
      continue;
    }
    auto it = files.find(d.where.file);
    if (it == files.end()) {
      std::vector<std::string> lines;
      std::error_code ec;
      auto size = std::filesystem::file_size(d.where.file, ec);
      if (!ec && size <= max_file_bytes) {
        std::ifstream in(d.where.file, std::ios::binary);
        std::string line;
        while (std::getline(in, line)) {
          if (!line.empty() && line.back() == '\r') {
            line.pop_back();
          }
          lines.push_back(std::move(line));
        }
      }
      it = files.emplace(d.where.file, std::move(lines)).first;
    }
    if (d.where.line <= it->second.size()) {
      d.source_line = it->second[d.where.line - 1];
    }
  }
}

} // namespace noodle::manifest
