// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <noodle/util/error.hpp>

#include <cstdint>
#include <string>
#include <vector>

namespace noodle::engine {

class Session;

// What recovery found and did.
struct RecoveryReport {
  struct Resolved {
    std::int64_t upgrade_id = 0;
    std::string kind;
    std::string outcome; // "completed" (finished) or "rolled_back" (undone)
    std::vector<std::string> actions; // e.g. "jit_compiler: current -> versions/1.4.0"
  };
  std::vector<Resolved> upgrades;
  std::vector<std::string> removed; // orphaned staging directories, temporary links, point copies
  bool nothing_to_do() const { return upgrades.empty() && removed.empty(); }
};

// Run with the root locked (every changing command does, first): each
// upgrade left pending or in_progress by a process that is gone is finished
// when all its operations completed, and otherwise undone in reverse order,
// judged by where each `current` link points (the file system is the source
// of truth); the database is then reconciled. Orphaned staging directories,
// temporary links and temporary config copies are removed. An undo target
// that no longer matches its extraction record is refused (integrity) and
// left for the operator.
Result<RecoveryReport> recover(Session& session);

} // namespace noodle::engine
