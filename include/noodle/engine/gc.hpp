// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <noodle/engine/session.hpp>
#include <noodle/util/error.hpp>

#include <cstdint>
#include <string>
#include <vector>

namespace noodle::engine {

struct GcReport {
  std::vector<std::string> removed_versions; // "name@version"
  std::vector<std::int64_t> removed_points;  // expired rollback points
  std::vector<std::string> kept;             // "name@version (current)", "... (rollback point 7)", "... (newest 2)"
  bool dry_run = false;                      // nothing was removed: the lists say what would be
};

// On a locked session: removes expired rollback points (their config copies
// too), then every extracted version that is neither current, nor the target
// of a remaining rollback point, nor among the `keep` newest of its
// component, with its extraction record, and the record of such a version
// whose directory is already gone (left by an interrupted gc). Audited.
// With `dry_run` the same walk decides, and nothing is removed or recorded
// (a read session is enough).
Result<GcReport> collect_garbage(Session& session, std::uint32_t keep, bool dry_run = false);

} // namespace noodle::engine
