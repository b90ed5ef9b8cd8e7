// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <noodle/engine/change.hpp>
#include <noodle/engine/session.hpp>
#include <noodle/manifest/model.hpp>
#include <noodle/util/error.hpp>

#include <cstdint>
#include <optional>
#include <string>

namespace noodle::engine {

struct RollbackOptions {
  std::string component;                  // empty with `upgrade`
  std::optional<std::string> to_version;  // --to: the newest point holding that version
  std::optional<std::int64_t> point;      // --point: that point
  std::optional<std::int64_t> upgrade;    // --upgrade: every change of that upgrade, in reverse
  // When given, the versions after the rollback are checked against the
  // catalog's dependency ranges; a broken one refuses the rollback unless
  // `force`.
  const manifest::Catalog* catalog = nullptr;
  bool force = false;
  std::string metadata_json = "{}"; // recorded with the rollback
  std::optional<LivePath> live; // empty: offline
  StopCheck stop;
  store::Millis point_retention_ms = 30LL * 24 * 3600 * 1000;
  // Every check of the run (point, dependency ranges, the target's
  // extraction record), then a report of the steps; nothing is changed or
  // recorded, so a read session is enough.
  bool dry_run = false;
};

// The point a rollback goes back to: --point, else the newest point of the
// component holding --to's version, else the newest holding a version other
// than the current one (the previous version). Fails with not_found naming
// what was looked for, or usage for a point of another component.
Result<store::RollbackPoint> choose_point(Session& session, const RollbackOptions& options);

// Puts `current` back to the point's version and config/ back to its copy,
// as a recorded transaction of kind "rollback" (which takes its own point
// first, so a rollback can be rolled back). The target version must match
// its extraction record. With `upgrade`: every component that completed
// upgrade changed goes back to where it was before it, config/ included, in
// reverse order, in one transaction; refused (usage) when the upgrade did
// not complete, installed a new component, or a component moved since; the
// upgrade is then recorded as rolled_back. Dependency conflicts refuse with
// ErrorCode::incompatible (exit 3) unless `force`.
Result<TransactionReport> rollback(Session& session, const RollbackOptions& options);

// Where `changes` would leave a dependency range of the catalog broken:
// "jit_compiler@1.4.0 needs runtime_core ^1.2.0, which would be at 2.1.0".
// Only ranges that involve a changed component are checked; components or
// versions the catalog does not know are skipped.
std::vector<std::string> dependency_conflicts(Session& session, const manifest::Catalog& catalog,
                                              const std::vector<Change>& changes);

// A rollback point of `component` now (not installed: not_found); audited.
Result<store::RollbackPoint> snapshot(Session& session, const std::string& component,
                                      store::Millis retention_ms = 30LL * 24 * 3600 * 1000);

} // namespace noodle::engine
