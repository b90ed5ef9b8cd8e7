// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <noodle/archive/tree_digest.hpp>
#include <noodle/engine/root_safety.hpp>
#include <noodle/engine/session.hpp>
#include <noodle/util/error.hpp>

#include <optional>
#include <string>
#include <vector>

namespace noodle::engine {

struct VersionCheck {
  // unsafe: a symlink on the way to it (reported in CheckReport::unsafe), never followed
  enum class State { intact, damaged, unrecorded, missing, unsafe };
  std::string component;
  std::string version;
  std::string role; // "current" or "rollback target"
  State state = State::intact;
  std::vector<archive::TreeDifference> differences;
};

std::string_view to_string(VersionCheck::State state);

struct CheckReport {
  std::vector<VersionCheck> versions;
  // Symlinks below the root where directories must be (find_unsafe_paths,
  // ownership not judged: check reads roots of other users too).
  std::vector<UnsafePath> unsafe;
  // Whether any checked version is damaged or missing, or anything is
  // unsafe (`check` exits 4).
  bool failed() const;
};

// Re-hashes the active version of each installed component (or only
// `component`) and the versions its rollback points go back to, against the
// records made at extraction; reports every symlink where a directory must
// be, and checks nothing through one.
Result<CheckReport> check(Session& session, const std::optional<std::string>& component);

} // namespace noodle::engine
