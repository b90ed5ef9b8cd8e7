// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <noodle/engine/change.hpp>
#include <noodle/engine/session.hpp>
#include <noodle/util/error.hpp>

#include <cstdint>
#include <optional>
#include <string>

namespace noodle::engine {

struct RollbackOptions {
  std::string component;
  std::optional<std::string> to_version;  // --to: the newest point holding that version
  std::optional<std::int64_t> point;      // --point: that point
  StopCheck stop;
  store::Millis point_retention_ms = 30LL * 24 * 3600 * 1000;
};

// The point a rollback goes back to: --point, else the newest point of the
// component holding --to's version, else the newest holding a version other
// than the current one (the previous version). Fails with not_found naming
// what was looked for, or usage for a point of another component.
Result<store::RollbackPoint> choose_point(Session& session, const RollbackOptions& options);

// Puts `current` back to the point's version and config/ back to its copy,
// as a recorded transaction of kind "rollback" (which takes its own point
// first, so a rollback can be rolled back). The target version must match
// its extraction record.
Result<TransactionReport> rollback(Session& session, const RollbackOptions& options);

// A rollback point of `component` now (not installed: not_found); audited.
Result<store::RollbackPoint> snapshot(Session& session, const std::string& component,
                                      store::Millis retention_ms = 30LL * 24 * 3600 * 1000);

} // namespace noodle::engine
