// SPDX-License-Identifier: Apache-2.0
// Shared utilities for the manifest tests.
#pragma once

#include <noodle/manifest/diagnostic.hpp>
#include <noodle/manifest/loader.hpp>

#include <string>
#include <string_view>
#include <vector>

namespace manifest_test {

struct Parsed {
  std::vector<noodle::manifest::Manifest> manifests;
  std::vector<noodle::manifest::Diagnostic> diagnostics;
};

inline Parsed parse(std::string_view text, const noodle::manifest::LoadOptions& options = {})
{
  Parsed p;
  p.manifests = noodle::manifest::parse_manifests(text, "m.yaml", ".", options, p.diagnostics);
  return p;
}

// "line:col severity: message" of every diagnostic, for exact comparisons.
inline std::vector<std::string> lines(const std::vector<noodle::manifest::Diagnostic>& diagnostics)
{
  std::vector<std::string> out;
  for (const auto& d : diagnostics) {
    out.push_back(std::to_string(d.where.line) + ":" + std::to_string(d.where.column) + " " +
                  std::string(noodle::manifest::to_string(d.severity)) + ": " + d.message);
  }
  return out;
}

} // namespace manifest_test
