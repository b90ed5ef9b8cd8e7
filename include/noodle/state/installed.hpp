// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <noodle/semver/version.hpp>
#include <noodle/util/error.hpp>

#include <filesystem>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

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
  // With OnSymlink::skip: the symlinks met where a directory must be
  // (components/, a component directory, its versions/, the version
  // directory `current` names), whose components were left out.
  std::vector<std::filesystem::path> skipped;

  // nullptr when `name` is not installed.
  const InstalledComponent* find(std::string_view name) const;
};

// What read_installed does on a symlink where a directory must be: refuse
// the whole state (unsafe_path), or leave that component out and name the
// link in `skipped` (`check` reports them).
enum class OnSymlink { refuse, skip };

// Reads what is installed under `root`, through directory descriptors: the
// root's own path may go through symlinks, nothing below it is followed.
//
// A missing root or `<root>/components` means nothing is installed; a
// component directory without `current` is not installed; entries whose name
// starts with '.' (staging areas) and plain files are ignored.
//
// Fails with ErrorCode::corrupt_state, naming the path, when `current` is not
// a symlink, its target is not exactly `versions/<canonical semver>` (links
// are never followed outside the component directory), or the target is not
// a real directory; with ErrorCode::unsafe_path (OnSymlink::refuse) when
// components/, a component directory or its versions/ is a symlink; with
// ErrorCode::io when a directory cannot be listed.
Result<InstalledState> read_installed(const std::filesystem::path& root, OnSymlink on_symlink = OnSymlink::refuse);

} // namespace noodle::state
