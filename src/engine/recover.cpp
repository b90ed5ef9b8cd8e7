// SPDX-License-Identifier: Apache-2.0
#include <noodle/engine/change.hpp>
#include <noodle/engine/fs_ops.hpp>
#include <noodle/engine/recover.hpp>
#include <noodle/engine/session.hpp>

#include <fmt/format.h>

#include <dirent.h>
#include <set>
#include <sys/stat.h>

namespace noodle::engine {

namespace {

bool starts_with(const std::string& s, std::string_view prefix)
{
  return s.rfind(prefix, 0) == 0;
}

// Temporary names the engine creates, left behind only by a crash (we hold
// the lock, so no live run owns them).
Result<void> remove_orphans(Session& session, RecoveryReport& report)
{
  const Layout& layout = session.layout();
  for (const auto& name : list_names(layout.staging_dir())) {
    const auto path = layout.staging_dir() / name;
    if (auto removed = remove_tree(path); !removed) {
      return fail(removed.error());
    }
    report.removed.push_back(path.string());
  }
  for (const auto& component : list_names(layout.components_dir())) {
    const auto dir = layout.component_dir(component);
    for (const auto& name : list_names(dir)) {
      if (starts_with(name, ".current.tmp-") || starts_with(name, ".config.restore-")) {
        const auto path = dir / name;
        if (auto removed = remove_tree(path); !removed) {
          return fail(removed.error());
        }
        report.removed.push_back(path.string());
      }
    }
  }
  // Point copies: a temporary one, or one whose row never committed.
  auto points = session.store()->points(std::nullopt);
  if (!points) {
    return fail(points.error());
  }
  std::set<std::string> known;
  for (const auto& p : *points) {
    known.insert(std::to_string(p.id));
  }
  for (const auto& name : list_names(layout.points_dir())) {
    if (starts_with(name, ".tmp-") || known.count(name) == 0) {
      const auto path = layout.points_dir() / name;
      if (auto removed = remove_tree(path); !removed) {
        return fail(removed.error());
      }
      report.removed.push_back(path.string());
    }
  }
  return {};
}

} // namespace

Result<RecoveryReport> recover(Session& session)
{
  RecoveryReport report;
  store::StateStore& db = *session.store();
  auto unfinished = db.unfinished();
  if (!unfinished) {
    return fail(unfinished.error());
  }
  for (const auto& upgrade : *unfinished) {
    if (upgrade.pid == session.actor().pid) {
      continue; // our own (a nested call); never the case for a fresh run
    }
    auto ops = db.operations(upgrade.id);
    if (!ops) {
      return fail(ops.error());
    }
    RecoveryReport::Resolved resolved;
    resolved.upgrade_id = upgrade.id;
    resolved.kind = upgrade.kind;
    bool all_completed = !ops->empty();
    for (const auto& op : *ops) {
      all_completed = all_completed && op.status == store::OperationStatus::completed;
    }
    if (all_completed) {
      // Every change is in place and recorded; only the final record is
      // missing (with the floors and audit entries that go with it).
      if (auto set = record_completion(session, upgrade.id, upgrade.kind, *ops, "recover",
                                       "finished by recover after the process stopped", "finished an interrupted run");
          !set) {
        return fail(set.error());
      }
      resolved.outcome = "completed";
      for (const auto& op : *ops) {
        resolved.actions.push_back(fmt::format("{}: kept at {}", op.component, op.to_version));
      }
      report.upgrades.push_back(std::move(resolved));
      continue;
    }
    // Undo in reverse, judged by the links: a change whose `current` still
    // points at its `from` needs nothing.
    for (auto it = ops->rbegin(); it != ops->rend(); ++it) {
      const auto& op = *it;
      auto link = current_version(session.layout(), op.component);
      if (!link) {
        return fail(link.error());
      }
      const std::optional<std::string>& now = *link;
      const bool moved = now && *now == op.to_version && op.from_version != now;
      if (moved && op.from_version) {
        if (auto target = check_version_dir(session, op.component, *op.from_version); !target) {
          Error e = target.error();
          e.details.insert(e.details.begin(), fmt::format("recovering upgrade {}: {} stays at {}; the version to go "
                                                          "back to is damaged", upgrade.id, op.component,
                                                          op.to_version));
          return fail(std::move(e));
        }
      }
      if (moved) {
        if (auto undone = undo_operation(session, op); !undone) {
          Error e(ErrorCode::rollback_failed,
                  fmt::format("recovering upgrade {}: cannot put {} back to {}: {}", upgrade.id, op.component,
                              op.from_version.value_or("not installed"), undone.error().message));
          e.details.push_back(fmt::format("{} still points at versions/{}", op.component, op.to_version));
          return fail(std::move(e));
        }
        resolved.actions.push_back(
            fmt::format("{}: current -> {}", op.component,
                        op.from_version ? Layout::link_target(*op.from_version) : "(removed: not installed)"));
      }
    }
    // The record of the undo commits whole: each change and the upgrade rolled
    // back, one audit entry per change. If it cannot, the upgrade stays
    // unfinished and the next recover records it (the links are back already).
    const std::string why = fmt::format("interrupted: process {} stopped before it finished; undone by recover",
                                        upgrade.pid);
    if (auto begun = db.begin(); !begun) {
      return fail(begun.error());
    }
    Result<void> recorded;
    for (const auto& op : *ops) {
      if (recorded && op.status != store::OperationStatus::pending) {
        recorded = db.set_operation_status(op.id, store::OperationStatus::rolled_back, "undone by recover");
      }
    }
    if (recorded) {
      recorded = db.set_upgrade_status(upgrade.id, store::UpgradeStatus::rolled_back, why, session.now());
    }
    for (const auto& op : *ops) {
      if (recorded) {
        recorded = session.audit("recover", op.component, op.to_version, op.from_version, "rolled_back", upgrade.id,
                                 why);
      }
    }
    if (recorded) {
      recorded = db.commit();
    }
    if (!recorded) {
      (void)db.rollback(); // a failed COMMIT may have rolled back already
      return fail(recorded.error());
    }
    resolved.outcome = "rolled_back";
    report.upgrades.push_back(std::move(resolved));
  }
  if (auto cleaned = remove_orphans(session, report); !cleaned) {
    return fail(cleaned.error());
  }
  return report;
}

} // namespace noodle::engine
