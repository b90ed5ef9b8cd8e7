// SPDX-License-Identifier: Apache-2.0
// Small helpers shared by the graph module's sources; not a public interface.
#pragma once

#include <noodle/manifest/model.hpp>

#include <span>
#include <string>
#include <vector>

namespace noodle::graph::detail {

// The highest release version of a component; the highest prerelease when
// there is no release. nullptr for an empty list.
const manifest::Manifest* newest_release(const std::vector<manifest::Manifest>& versions);

// "1.0.0, 1.2.0, 2.0.0"
std::string list_versions(const std::vector<manifest::Manifest>& versions);

// "'>=1.0.0' or '^2.0.0'"
std::string list_ranges(std::span<const semver::Range> ranges);

// " (file:line:col)" or "" when the location is unknown.
std::string at(const SourceLocation& where);

} // namespace noodle::graph::detail
