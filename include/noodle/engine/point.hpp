// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <noodle/engine/fs_ops.hpp>
#include <noodle/engine/session.hpp>
#include <noodle/store/state_store.hpp>
#include <noodle/util/error.hpp>

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>

// Rollback points on disk and in the state database: the copy of a
// component's config/ under .noodle-upgrade/points/<id>/, its row, and the
// restore of config/ from it.
namespace noodle::engine {

// Replaces <component>/config with the copy kept by point `point_id`
// (exchange, then removal of the old copy).
Result<void> restore_config(Session& session, const std::string& component, std::int64_t point_id);

// A rollback point for `component` now: the version `current` points at and
// a copy of config/. Returns its id. With `operation_id`, that operation's
// point is set in the same database transaction (one commit, not two).
// copy_for_point then add_point, in a transaction of its own.
Result<std::int64_t> take_point(Session& session, const std::string& component, std::string reason,
                                std::optional<std::int64_t> upgrade_id, store::Millis retention_ms,
                                std::optional<std::int64_t> operation_id = std::nullopt);

// The halves of take_point, for a change that takes its point along with an
// extraction (AlongWithExtraction): the copy of config/ under the temporary
// name points/.tmp-<pid> (with `sync` scratch, not fsynced: the extraction's
// syncfs makes it durable), then, inside an open transaction, the point's
// row and the copy under its final name (synced).
struct PointCopy {
  std::string component;
  std::optional<std::string> version; // what `current` points at (none: nothing yet)
  std::filesystem::path tmp;
};
Result<PointCopy> copy_for_point(Session& session, const std::string& component, Sync sync);
Result<std::int64_t> add_point(Session& session, const PointCopy& copy, std::string reason,
                               std::optional<std::int64_t> upgrade_id, store::Millis retention_ms,
                               std::optional<std::int64_t> operation_id);

// What is left of a point taken along with an extraction that failed
// (`copy` made, `point_id` set once its row was added): the copy under its
// temporary name, or under its final name when the row did not commit. A
// committed point stays.
void discard_point_copy(Session& session, const std::optional<PointCopy>& copy, std::optional<std::int64_t> point_id);

} // namespace noodle::engine
