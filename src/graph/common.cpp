// SPDX-License-Identifier: Apache-2.0
#include "common.hpp"

#include <fmt/format.h>

namespace noodle::graph::detail {

const manifest::Manifest* newest_release(const std::vector<manifest::Manifest>& versions)
{
  for (auto it = versions.rbegin(); it != versions.rend(); ++it) {
    if (!it->version.is_prerelease()) {
      return &*it;
    }
  }
  return versions.empty() ? nullptr : &versions.back();
}

std::string list_versions(const std::vector<manifest::Manifest>& versions)
{
  std::string text;
  for (const auto& m : versions) {
    if (!text.empty()) {
      text += ", ";
    }
    text += m.version.to_string();
  }
  return text.empty() ? std::string("none") : text;
}

std::string list_ranges(std::span<const semver::Range> ranges)
{
  std::string text;
  for (const auto& r : ranges) {
    if (!text.empty()) {
      text += " or ";
    }
    text += fmt::format("'{}'", r.raw());
  }
  return text;
}

std::string at(const SourceLocation& where)
{
  return where.known() ? fmt::format(" ({})", where.to_string()) : std::string();
}

} // namespace noodle::graph::detail
