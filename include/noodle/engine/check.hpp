// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <noodle/archive/tree_digest.hpp>
#include <noodle/engine/session.hpp>
#include <noodle/util/error.hpp>

#include <optional>
#include <string>
#include <vector>

namespace noodle::engine {

struct VersionCheck {
  enum class State { intact, damaged, unrecorded, missing };
  std::string component;
  std::string version;
  std::string role; // "current" or "rollback target"
  State state = State::intact;
  std::vector<archive::TreeDifference> differences;
};

std::string_view to_string(VersionCheck::State state);

struct CheckReport {
  std::vector<VersionCheck> versions;
  // Whether any checked version is damaged or missing (`check` exits 4).
  bool failed() const;
};

// Re-hashes the active version of each installed component (or only
// `component`) and the versions its rollback points go back to, against the
// records made at extraction.
Result<CheckReport> check(Session& session, const std::optional<std::string>& component);

} // namespace noodle::engine
