// SPDX-License-Identifier: Apache-2.0
#include <noodle/engine/layout.hpp>
#include <noodle/engine/point.hpp>

#include <fmt/format.h>

#include <unistd.h>

namespace noodle::engine {

Result<PointCopy> copy_for_point(Session& session, const std::string& component, Sync sync)
{
  const RootDir& root = session.root();
  auto version = current_version(root, component);
  if (!version) {
    return fail(version.error());
  }
  if (auto made = make_dirs(root, rel::points(), 0700); !made) {
    return fail(made.error());
  }
  // Copied under a temporary name, then the row, then the final name: a
  // crash leaves either an orphan copy or a row whose copy recovery checks.
  PointCopy copy{component, *version, rel::points() / fmt::format(".tmp-{}", ::getpid())};
  (void)remove_tree(root, copy.tmp, Sync::scratch);
  if (auto made = make_dirs(root, copy.tmp, 0700, Sync::scratch); !made) {
    return fail(made.error());
  }
  if (auto copied = copy_tree(root, rel::config(component), copy.tmp / "config", sync); !copied) {
    (void)remove_tree(root, copy.tmp, Sync::scratch);
    return fail(copied.error());
  }
  return copy;
}

Result<std::int64_t> add_point(Session& session, const PointCopy& copy, std::string reason,
                               std::optional<std::int64_t> upgrade_id, store::Millis retention_ms,
                               std::optional<std::int64_t> operation_id)
{
  store::RollbackPoint point;
  point.component = copy.component;
  point.version = copy.version;
  point.created_at = session.now();
  point.expires_at = point.created_at + retention_ms;
  point.upgrade_id = upgrade_id;
  point.reason = std::move(reason);
  store::StateStore& db = *session.store();
  auto id = db.add_point(point);
  if (!id) {
    return fail(id.error());
  }
  if (operation_id) {
    if (auto set = db.set_operation_point(*operation_id, *id); !set) {
      return fail(set.error());
    }
  }
  if (auto moved = rename_durable(session.root(), copy.tmp, rel::point(*id)); !moved) {
    return fail(moved.error());
  }
  return *id;
}

Result<std::int64_t> take_point(Session& session, const std::string& component, std::string reason,
                                std::optional<std::int64_t> upgrade_id, store::Millis retention_ms,
                                std::optional<std::int64_t> operation_id)
{
  const RootDir& root = session.root();
  auto copy = copy_for_point(session, component, Sync::durable);
  if (!copy) {
    return fail(copy.error());
  }
  store::StateStore& db = *session.store();
  if (auto begun = db.begin(); !begun) {
    (void)remove_tree(root, copy->tmp, Sync::scratch);
    return fail(begun.error());
  }
  auto id = add_point(session, *copy, std::move(reason), upgrade_id, retention_ms, operation_id);
  if (!id) {
    (void)db.rollback();
    (void)remove_tree(root, copy->tmp, Sync::scratch);
    return fail(id.error());
  }
  if (auto committed = db.commit(); !committed) {
    (void)remove_tree(root, rel::point(*id));
    return fail(committed.error());
  }
  return *id;
}

Result<void> restore_config(Session& session, const std::string& component, std::int64_t point_id)
{
  const RootDir& root = session.root();
  const auto saved = rel::point_config(point_id);
  auto kept = exists_no_follow(root, saved);
  if (!kept) {
    return fail(kept.error());
  }
  if (!*kept) {
    return fail(ErrorCode::corrupt_state, fmt::format("rollback point {} has lost its copy of config/ ('{}')", point_id,
                                                      root.shown(saved).string()));
  }
  const auto fresh = rel::component(component) / fmt::format(".config.restore-{}", ::getpid());
  (void)remove_tree(root, fresh, Sync::scratch);
  if (auto copied = copy_tree(root, saved, fresh); !copied) {
    (void)remove_tree(root, fresh, Sync::scratch);
    return fail(copied.error());
  }
  const auto config = rel::config(component);
  auto present = exists_no_follow(root, config);
  if (!present) {
    (void)remove_tree(root, fresh, Sync::scratch);
    return fail(present.error());
  }
  if (!*present) {
    return rename_durable(root, fresh, config);
  }
  // One atomic exchange: config/ is the old copy or the restored one, never
  // half of each; the old copy then sits under the temporary name.
  if (auto swapped = exchange_durable(root, fresh, config); !swapped) {
    (void)remove_tree(root, fresh, Sync::scratch);
    return fail(swapped.error());
  }
  return remove_tree(root, fresh, Sync::scratch);
}

void discard_point_copy(Session& session, const std::optional<PointCopy>& copy, std::optional<std::int64_t> point_id)
{
  if (point_id) {
    auto row = session.store()->point(*point_id);
    if (row && !*row) {
      (void)remove_tree(session.root(), rel::point(*point_id));
    }
  } else if (copy) {
    (void)remove_tree(session.root(), copy->tmp, Sync::scratch);
  }
}

} // namespace noodle::engine
