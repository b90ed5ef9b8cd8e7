// SPDX-License-Identifier: Apache-2.0
#include <noodle/engine/change.hpp>
#include <noodle/engine/fs_ops.hpp>
#include <noodle/engine/recover.hpp>
#include <noodle/engine/session.hpp>
#include <noodle/manifest/names.hpp>

#include <fmt/format.h>

#include <set>

namespace noodle::engine {

namespace {

bool starts_with(const std::string& s, std::string_view prefix)
{
  return s.rfind(prefix, 0) == 0;
}

// Removes `rel` (a leftover) and notes it.
Result<void> remove_leftover(const RootDir& root, const std::filesystem::path& rel, RecoveryReport& report)
{
  if (auto removed = remove_tree(root, rel); !removed) {
    return fail(removed.error());
  }
  report.removed.push_back(root.shown(rel).string());
  return {};
}

// Temporary names the engine creates, left behind only by a crash (we hold
// the lock, so no live run owns them). The walk goes through directory
// descriptors below the root and never through a link: a component
// directory that is one (planted since the session's check) stops it.
Result<void> remove_orphans(Session& session, RecoveryReport& report)
{
  const RootDir& root = session.root();
  auto staged = list_names(root, rel::staging());
  if (!staged) {
    return fail(staged.error());
  }
  for (const auto& name : *staged) {
    if (auto removed = remove_leftover(root, rel::staging() / name, report); !removed) {
      return removed;
    }
  }
  auto components = list_names(root, rel::components());
  if (!components) {
    return fail(components.error());
  }
  for (const auto& component : *components) {
    if (manifest::name_problem(component)) {
      continue; // not a component
    }
    auto st = root.stat(rel::component(component));
    if (!st) {
      return fail(st.error());
    }
    if (*st && S_ISLNK((*st)->st_mode)) {
      return fail(root.symlink_error(rel::component(component)));
    }
    if (!*st || !S_ISDIR((*st)->st_mode)) {
      continue;
    }
    auto names = list_names(root, rel::component(component));
    if (!names) {
      return fail(names.error());
    }
    for (const auto& name : *names) {
      if (starts_with(name, ".current.tmp-") || starts_with(name, ".config.restore-")) {
        if (auto removed = remove_leftover(root, rel::component(component) / name, report); !removed) {
          return removed;
        }
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
  auto copies = list_names(root, rel::points());
  if (!copies) {
    return fail(copies.error());
  }
  for (const auto& name : *copies) {
    if (starts_with(name, ".tmp-") || known.count(name) == 0) {
      if (auto removed = remove_leftover(root, rel::points() / name, report); !removed) {
        return removed;
      }
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
      auto link = current_version(session.root(), op.component);
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
