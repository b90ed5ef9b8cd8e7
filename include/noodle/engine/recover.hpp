// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <noodle/live/runtime.hpp>
#include <noodle/util/error.hpp>

#include <cstdint>
#include <optional>
#include <functional>
#include <string>
#include <vector>

namespace noodle::engine {

class Session;

// What recovery found and did.
struct RecoveryReport {
  struct Resolved {
    std::int64_t upgrade_id = 0;
    std::string kind;
    std::string outcome; // "completed" (finished), "rolled_back" (undone) or "failed" (partly kept, partly undone)
    std::vector<std::string> actions; // e.g. "jit_compiler: current -> versions/1.4.0"
    std::vector<std::string> notes;   // how the runtime was consulted, or why it was not
  };
  std::vector<Resolved> upgrades;
  std::vector<std::string> removed; // orphaned staging directories, temporary links, point copies
  bool dry_run = false;             // nothing was done: the lists say what would be
  // A dry run that found an upgrade whose process still runs: recover would
  // wait for its lock, so there is nothing to preview.
  std::optional<std::int64_t> running_upgrade;
  bool nothing_to_do() const { return upgrades.empty() && removed.empty(); }
};

// The runtime of the root, connected and greeted on first call; recover
// calls it only for an interrupted live upgrade. Fails with the client's
// errors (runtime_unreachable when nothing listens).
using RuntimeConnector = std::function<Result<live::Runtime*>()>;

// Run with the root locked (every changing command does, first): each
// upgrade left pending or in_progress by a process that is gone is finished
// when all its operations completed, and otherwise undone in reverse order,
// judged by where each `current` link points (the file system is the source
// of truth); the database is then reconciled. Orphaned staging directories,
// temporary links and temporary config copies are removed. An undo target
// that no longer matches its extraction record is refused (integrity) and
// left for the operator.
//
// A live upgrade's changes are first checked against the runtime (`running`,
// through `runtime`): one the runtime already committed is never undone; its
// step is finished instead (current -> the new version, recorded completed),
// while one it runs the old version of is undone as above. With no runtime
// listening, or one without the `running` op, the links alone decide and a
// note says so. An upgrade some of whose changes are kept and others undone
// ends failed (its kept steps completed).
//
// With `dry_run` (on a session opened for reading) the same decisions are
// made, the runtime asked the same way, and nothing is changed or recorded.
Result<RecoveryReport> recover(Session& session, const RuntimeConnector& runtime = {}, bool dry_run = false);

} // namespace noodle::engine
