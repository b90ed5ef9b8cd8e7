// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <noodle/util/error.hpp>

#include <cstdint>
#include <optional>
#include <filesystem>
#include <string>
#include <string_view>

namespace noodle::engine {

class RootDir;

// Where everything is below a root, relative to it: the paths RootDir
// resolves (and refuses when a component name or version in them breaks the
// catalog's rule, see RootDir::check).
namespace rel {
inline std::filesystem::path components() { return "components"; }
inline std::filesystem::path component(std::string_view name) { return components() / std::string(name); }
inline std::filesystem::path versions(std::string_view name) { return component(name) / "versions"; }
inline std::filesystem::path version(std::string_view name, std::string_view version)
{
  return versions(name) / std::string(version);
}
inline std::filesystem::path current(std::string_view name) { return component(name) / "current"; }
inline std::filesystem::path config(std::string_view name) { return component(name) / "config"; }
inline std::filesystem::path state() { return ".noodle-upgrade"; }
inline std::filesystem::path database() { return state() / "state.db"; }
inline std::filesystem::path lock() { return state() / "lock"; }
inline std::filesystem::path staging() { return state() / "staging"; }
inline std::filesystem::path points() { return state() / "points"; }
inline std::filesystem::path point(std::int64_t id) { return points() / std::to_string(id); }
inline std::filesystem::path point_config(std::int64_t id) { return point(id) / "config"; }
} // namespace rel

// The runtime layout: the contract between the tool and a runtime
// (documented in noodle-upgrade(1), FILES). The same places as `rel`, under
// the root's path as given: for messages and for tests. The engine changes
// them only through a RootDir (fs_ops.hpp), never by these paths.
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
  std::filesystem::path components_dir() const { return m_root / rel::components(); }
  std::filesystem::path component_dir(std::string_view name) const { return m_root / rel::component(name); }
  std::filesystem::path versions_dir(std::string_view name) const { return m_root / rel::versions(name); }
  std::filesystem::path version_dir(std::string_view name, std::string_view version) const
  {
    return m_root / rel::version(name, version);
  }
  std::filesystem::path current_link(std::string_view name) const { return m_root / rel::current(name); }
  std::filesystem::path config_dir(std::string_view name) const { return m_root / rel::config(name); }

  std::filesystem::path state_dir() const { return m_root / rel::state(); }
  std::filesystem::path database() const { return m_root / rel::database(); }
  std::filesystem::path lock_file() const { return m_root / rel::lock(); }
  std::filesystem::path staging_dir() const { return m_root / rel::staging(); }
  std::filesystem::path points_dir() const { return m_root / rel::points(); }
  std::filesystem::path point_dir(std::int64_t id) const { return m_root / rel::point(id); }
  std::filesystem::path point_config(std::int64_t id) const { return m_root / rel::point_config(id); }

  // What `current` holds when it points at `version`.
  static std::string link_target(std::string_view version) { return "versions/" + std::string(version); }

private:
  std::filesystem::path m_root;
};

// The version `current` of `name` points at: nullopt when there is no
// link (not installed); corrupt_state when it is not a symlink or does not
// point at versions/<version>; io when it cannot be read; unsafe_path when
// the component directory is a symlink.
Result<std::optional<std::string>> current_version(const RootDir& root, std::string_view name);

} // namespace noodle::engine
