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

// Edit distance counting insertions, deletions, substitutions and swaps of
// adjacent characters (optimal string alignment), stopping early once every
// path exceeds `limit`. Swaps count once: "lbi" is one edit from "lib".
std::size_t edit_distance(std::string_view a, std::string_view b, std::size_t limit)
{
  std::vector<std::size_t> before(b.size() + 1);
  std::vector<std::size_t> previous(b.size() + 1);
  std::vector<std::size_t> current(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) {
    previous[j] = j;
  }
  for (std::size_t i = 1; i <= a.size(); ++i) {
    current[0] = i;
    std::size_t best = current[0];
    for (std::size_t j = 1; j <= b.size(); ++j) {
      std::size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
      current[j] = std::min({previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost});
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1]) {
        current[j] = std::min(current[j], before[j - 2] + 1);
      }
      best = std::min(best, current[j]);
    }
    if (best > limit) {
      return limit + 1;
    }
    std::swap(before, previous);
    std::swap(previous, current);
  }
  return previous[b.size()];
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
