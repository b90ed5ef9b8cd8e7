// SPDX-License-Identifier: Apache-2.0
// (interface placeholder; the implementation lands with the state module)
#pragma once

#include <noodle/semver/version.hpp>
#include <noodle/util/error.hpp>

#include <filesystem>
#include <map>
#include <string>
#include <string_view>

namespace noodle::state {

struct InstalledComponent {
  std::string name;
  semver::Version version;
  std::filesystem::path path;
};

struct InstalledState {
  std::map<std::string, InstalledComponent, std::less<>> components;
  const InstalledComponent* find(std::string_view name) const;
};

Result<InstalledState> read_installed(const std::filesystem::path& root);

} // namespace noodle::state
