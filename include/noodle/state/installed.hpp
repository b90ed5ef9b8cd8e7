// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <noodle/semver/version.hpp>
#include <noodle/util/error.hpp>

#include <filesystem>
#include <functional>
#include <map>
#include <string>
#include <string_view>

namespace noodle::state {

// One installed component: `<root>/components/<name>/current` is a symlink to
// `versions/<version>`; `path` is that version directory (not resolved
// through further links).
struct InstalledComponent {
  std::string name;
  semver::Version version;
  std::filesystem::path path;
};

struct InstalledState {
  std::map<std::string, InstalledComponent, std::less<>> components;

  // nullptr when `name` is not installed.
  const InstalledComponent* find(std::string_view name) const;
};

// Reads what is installed under `root`.
//
// A missing root or `<root>/components` means nothing is installed; a
// component directory without `current` is not installed; entries whose name
// starts with '.' (staging areas) and plain files are ignored.
//
// Fails with ErrorCode::corrupt_state, naming the path, when `current` is not
// a symlink, its target is not exactly `versions/<canonical semver>` (links
// are never followed outside the component directory), or the target is not
// a real directory; with ErrorCode::io when a directory cannot be listed.
Result<InstalledState> read_installed(const std::filesystem::path& root);

} // namespace noodle::state
