// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <noodle/util/error.hpp>

#include <cstdint>
#include <optional>
#include <filesystem>
#include <string>
#include <string_view>

namespace noodle::engine {

// The runtime layout: the contract between the tool and a runtime
// (documented in noodle-upgrade(1), FILES).
//
//   <root>/components/<name>/versions/<version>/  extracted, verified, immutable
//   <root>/components/<name>/current             relative symlink to versions/<version>
//   <root>/components/<name>/config/             operator-edited; snapshotted, restored on rollback
//   <root>/.noodle-upgrade/state.db              the state database (history, points, audit)
//   <root>/.noodle-upgrade/lock                  the flock(2) lock file
//   <root>/.noodle-upgrade/staging/              private (0700) work area, same file system
//   <root>/.noodle-upgrade/points/<id>/config/   the config/ copy of rollback point <id>
class Layout {
public:
  explicit Layout(std::filesystem::path root) : m_root(std::move(root)) {}

  const std::filesystem::path& root() const { return m_root; }
  std::filesystem::path components_dir() const { return m_root / "components"; }
  std::filesystem::path component_dir(std::string_view name) const { return components_dir() / std::string(name); }
  std::filesystem::path versions_dir(std::string_view name) const { return component_dir(name) / "versions"; }
  std::filesystem::path version_dir(std::string_view name, std::string_view version) const
  {
    return versions_dir(name) / std::string(version);
  }
  std::filesystem::path current_link(std::string_view name) const { return component_dir(name) / "current"; }
  std::filesystem::path config_dir(std::string_view name) const { return component_dir(name) / "config"; }

  std::filesystem::path state_dir() const { return m_root / ".noodle-upgrade"; }
  std::filesystem::path database() const { return state_dir() / "state.db"; }
  std::filesystem::path lock_file() const { return state_dir() / "lock"; }
  std::filesystem::path staging_dir() const { return state_dir() / "staging"; }
  std::filesystem::path points_dir() const { return state_dir() / "points"; }
  std::filesystem::path point_dir(std::int64_t id) const { return points_dir() / std::to_string(id); }
  std::filesystem::path point_config(std::int64_t id) const { return point_dir(id) / "config"; }

  // What `current` holds when it points at `version`.
  static std::string link_target(std::string_view version) { return "versions/" + std::string(version); }

private:
  std::filesystem::path m_root;
};

// The version `current` of `name` points at: nullopt when there is no
// link (not installed); corrupt_state when it is not a symlink or does not
// point at versions/<version>; io when it cannot be read.
Result<std::optional<std::string>> current_version(const Layout& layout, std::string_view name);

} // namespace noodle::engine
