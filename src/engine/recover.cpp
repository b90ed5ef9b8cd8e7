// SPDX-License-Identifier: Apache-2.0
#include <noodle/engine/change.hpp>
#include <noodle/engine/fs_ops.hpp>
#include <noodle/engine/recover.hpp>
#include <noodle/engine/session.hpp>
#include <noodle/manifest/names.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <set>

namespace noodle::engine {

namespace {

bool starts_with(const std::string& s, std::string_view prefix)
{
  return s.rfind(prefix, 0) == 0;
}

// When an interrupted run last made progress: its duration ends there, not
// at the later recovery.
store::Millis last_progress(const store::UpgradeRecord& upgrade, const std::vector<store::OperationRecord>& ops)
{
  store::Millis last = upgrade.started_at;
  for (const auto& op : ops) {
    last = std::max({last, op.started_at.value_or(last), op.finished_at.value_or(last)});
  }
  return last;
}

// Removes `rel` (a leftover) and notes it (a dry run only notes it).
Result<void> remove_leftover(const RootDir& root, const std::filesystem::path& rel, RecoveryReport& report)
{
  if (!report.dry_run) {
    if (auto removed = remove_tree(root, rel); !removed) {
      return fail(removed.error());
    }
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

// What the runtime runs for good, per operation (by index), as far as it
// said; notes say why the links alone decide where it did not.
std::vector<std::optional<std::optional<std::string>>>
ask_runtime(const std::vector<store::OperationRecord>& ops, const RuntimeConnector& runtime,
            std::vector<std::string>& notes)
{
  std::vector<std::optional<std::optional<std::string>>> runs(ops.size());
  if (!runtime) {
    notes.emplace_back("the runtime was not asked what it runs: the links alone decide");
    return runs;
  }
  auto connected = runtime();
  if (!connected) {
    notes.push_back(fmt::format("no runtime answered ({}): the links alone decide", connected.error().message));
    return runs;
  }
  for (std::size_t i = 0; i < ops.size(); ++i) {
    if (ops[i].status == store::OperationStatus::pending) {
      continue; // never started: nothing on the runtime to ask about
    }
    auto running = (*connected)->running(ops[i].component);
    if (!running) {
      const Error& e = running.error();
      if (e.code == ErrorCode::runtime_refused && !e.details.empty() && e.details.front() == "unknown_op") {
        notes.emplace_back("the runtime does not know the 'running' op: the links alone decide");
        return runs;
      }
      notes.push_back(fmt::format("the runtime did not say what it runs for {} ({}): the links alone decide",
                                  ops[i].component, e.message));
      continue;
    }
    runs[i] = *running;
  }
  return runs;
}

// Finishes an operation the runtime committed: `current` at its new version.
// Returns the action taken ("" when the link was there already).
Result<std::string> finish_operation(Session& session, const store::OperationRecord& op,
                                     const std::optional<std::string>& link, bool dry_run)
{
  if (link == op.to_version) {
    return fmt::format("{}: kept at {} (the runtime runs it)", op.component, op.to_version);
  }
  if (auto checked = check_version_dir(session, op.component, op.to_version); !checked) {
    return fail(checked.error());
  }
  if (auto versioned = manifest::check_version(op.to_version); !versioned) {
    return fail(versioned.error());
  }
  if (dry_run) {
    return fmt::format("{}: current -> {} (the runtime runs it)", op.component, Layout::link_target(op.to_version));
  }
  if (auto swapped = swap_link(session.root(), rel::current(op.component), Layout::link_target(op.to_version));
      !swapped) {
    return fail(swapped.error());
  }
  return fmt::format("{}: current -> {} (the runtime runs it)", op.component, Layout::link_target(op.to_version));
}

} // namespace

Result<RecoveryReport> recover(Session& session, const RuntimeConnector& runtime, bool dry_run)
{
  RecoveryReport report;
  report.dry_run = dry_run;
  store::StateStore& db = *session.store();
  auto unfinished = db.unfinished();
  if (!unfinished) {
    return fail(unfinished.error());
  }
  for (const auto& upgrade : *unfinished) {
    if (upgrade.pid == session.actor().pid) {
      continue; // our own (a nested call); never the case for a fresh run
    }
    // Without the lock a dry run may meet a run in progress: its state is
    // not a leftover.
    if (dry_run && process_matches(upgrade.pid, upgrade.pid_start)) {
      report.upgrades.clear();
      report.running_upgrade = upgrade.id;
      return report;
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
      if (!dry_run) {
        if (auto set = record_completion(session, upgrade.id, upgrade.kind, *ops, "recover",
                                         "finished by recover after the process stopped",
                                         "finished an interrupted run", last_progress(upgrade, *ops));
            !set) {
          return fail(set.error());
        }
      }
      resolved.outcome = "completed";
      for (const auto& op : *ops) {
        resolved.actions.push_back(fmt::format("{}: kept at {}", op.component, op.to_version));
      }
      report.upgrades.push_back(std::move(resolved));
      continue;
    }
    // A live run: what the runtime committed stays, whatever the links say.
    std::vector<std::optional<std::optional<std::string>>> runs(ops->size());
    if (!upgrade.offline) {
      runs = ask_runtime(*ops, runtime, resolved.notes);
    }
    std::vector<bool> kept(ops->size(), false);
    // Undo in reverse, judged by the links: a change whose `current` still
    // points at its `from` needs nothing.
    for (std::size_t i = ops->size(); i-- > 0;) {
      const auto& op = (*ops)[i];
      auto link = current_version(session.root(), op.component);
      if (!link) {
        return fail(link.error());
      }
      const std::optional<std::string>& now = *link;
      if (runs[i] && *runs[i] == op.to_version && op.from_version != op.to_version &&
          (!op.restores_config || now == op.to_version)) {
        auto finished = finish_operation(session, op, now, dry_run);
        if (!finished) {
          Error e = finished.error();
          e.details.insert(e.details.begin(),
                           fmt::format("recovering upgrade {}: the runtime runs {} {}, but its link cannot follow",
                                       upgrade.id, op.component, op.to_version));
          return fail(std::move(e));
        }
        resolved.actions.push_back(*finished);
        kept[i] = true;
        continue;
      }
      if (runs[i] && *runs[i] != op.from_version) {
        resolved.notes.push_back(fmt::format("the runtime runs {} {}, neither the old nor the new version",
                                             op.component, runs[i]->value_or("(none)")));
      }
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
        if (auto undone = dry_run ? Result<void>() : undo_operation(session, op); !undone) {
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
    const auto kept_count = static_cast<std::size_t>(std::count(kept.begin(), kept.end(), true));
    if (kept_count == ops->size() && dry_run) {
      resolved.outcome = "completed";
      report.upgrades.push_back(std::move(resolved));
      continue;
    }
    if (kept_count == ops->size()) {
      // The runtime committed every change: the run is finished, not undone.
      if (auto begun = db.begin(); !begun) {
        return fail(begun.error());
      }
      Result<void> marked;
      for (const auto& op : *ops) {
        if (marked && op.status != store::OperationStatus::completed) {
          marked = db.finish_operation(op.id, store::OperationStatus::completed, "", session.now(), std::nullopt);
        }
      }
      if (marked) {
        marked = db.commit();
      }
      if (!marked) {
        (void)db.rollback();
        return fail(marked.error());
      }
      if (auto set = record_completion(session, upgrade.id, upgrade.kind, *ops, "recover",
                                       "finished by recover: the runtime had committed it",
                                       "finished an interrupted run the runtime had committed",
                                       last_progress(upgrade, *ops));
          !set) {
        return fail(set.error());
      }
      resolved.outcome = "completed";
      report.upgrades.push_back(std::move(resolved));
      continue;
    }
    // The record of the undo commits whole: each change and the upgrade rolled
    // back (failed when the runtime had committed some of them, which are
    // kept and recorded completed), one audit entry per change. If it cannot,
    // the upgrade stays unfinished and the next recover records it (the links
    // are back already).
    const std::string why =
        kept_count == 0
            ? fmt::format("interrupted: process {} stopped before it finished; undone by recover", upgrade.pid)
            : fmt::format("interrupted: process {} stopped before it finished; recover kept the changes the runtime "
                          "had committed and undid the rest",
                          upgrade.pid);
    if (dry_run) {
      resolved.outcome = kept_count == 0 ? "rolled_back" : "failed";
      report.upgrades.push_back(std::move(resolved));
      continue;
    }
    if (auto begun = db.begin(); !begun) {
      return fail(begun.error());
    }
    Result<void> recorded;
    for (std::size_t i = 0; i < ops->size(); ++i) {
      const auto& op = (*ops)[i];
      if (recorded && kept[i]) {
        recorded = db.finish_operation(op.id, store::OperationStatus::completed, "", session.now(), std::nullopt);
      } else if (recorded && op.status != store::OperationStatus::pending) {
        recorded = db.set_operation_status(op.id, store::OperationStatus::rolled_back, "undone by recover");
      }
    }
    if (recorded) {
      recorded = db.set_upgrade_status(
          upgrade.id, kept_count == 0 ? store::UpgradeStatus::rolled_back : store::UpgradeStatus::failed, why,
          last_progress(upgrade, *ops));
    }
    for (std::size_t i = 0; i < ops->size(); ++i) {
      const auto& op = (*ops)[i];
      if (recorded) {
        recorded = kept[i] ? session.audit("recover", op.component, op.from_version, op.to_version, "completed",
                                           upgrade.id, why)
                           : session.audit("recover", op.component, op.to_version, op.from_version, "rolled_back",
                                           upgrade.id, why);
      }
    }
    if (recorded) {
      recorded = db.commit();
    }
    if (!recorded) {
      (void)db.rollback(); // a failed COMMIT may have rolled back already
      return fail(recorded.error());
    }
    resolved.outcome = kept_count == 0 ? "rolled_back" : "failed";
    report.upgrades.push_back(std::move(resolved));
  }
  if (auto cleaned = remove_orphans(session, report); !cleaned) {
    return fail(cleaned.error());
  }
  return report;
}

} // namespace noodle::engine
