// SPDX-License-Identifier: Apache-2.0
#include <noodle/engine/fs_ops.hpp>
#include <noodle/engine/point.hpp>
#include <noodle/engine/rollback.hpp>

#include <noodle/semver/version.hpp>
#include <noodle/state/installed.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <set>

namespace noodle::engine {

Result<store::RollbackPoint> choose_point(Session& session, const RollbackOptions& options)
{
  store::StateStore* db = session.store();
  if (db == nullptr) {
    return fail(ErrorCode::not_found, fmt::format("{} has no rollback points: nothing was ever changed on this root",
                                                  options.component));
  }
  if (options.point) {
    auto point = db->point(*options.point);
    if (!point) {
      return fail(point.error());
    }
    if (!*point) {
      return fail(ErrorCode::not_found, fmt::format("rollback point {} does not exist", *options.point));
    }
    if ((*point)->component != options.component) {
      return fail(ErrorCode::usage, fmt::format("rollback point {} belongs to {}, not to {}", *options.point,
                                                (*point)->component, options.component));
    }
    if (!(*point)->version) {
      return fail(ErrorCode::not_found, fmt::format("rollback point {} was taken before {} was installed: there is "
                                                    "no version to go back to",
                                                    *options.point, options.component));
    }
    return **point;
  }
  auto current = current_version(session.root(), options.component);
  if (!current) {
    return fail(current.error());
  }
  auto points = db->points(options.component);
  if (!points) {
    return fail(points.error());
  }
  for (const auto& p : *points) { // newest first
    if (!p.version) {
      continue;
    }
    if (options.to_version ? *p.version == *options.to_version : *p.version != current->value_or("")) {
      return p;
    }
  }
  if (options.to_version) {
    return fail(ErrorCode::not_found, fmt::format("no rollback point of {} holds version {}", options.component,
                                                  *options.to_version));
  }
  return fail(ErrorCode::not_found,
              fmt::format("{} has no rollback point with a version other than the current {}", options.component,
                          current->value_or("(none)")));
}

std::vector<std::string> dependency_conflicts(Session& session, const manifest::Catalog& catalog,
                                              const std::vector<Change>& changes)
{
  std::vector<std::string> problems;
  auto installed = state::read_installed(session.layout().root());
  if (!installed) {
    return problems;
  }
  std::map<std::string, std::string, std::less<>> final_versions;
  for (const auto& [name, c] : installed->components) {
    final_versions[name] = c.version.to_string();
  }
  std::set<std::string, std::less<>> changed;
  for (const auto& c : changes) {
    final_versions[c.component] = c.to;
    changed.insert(c.component);
  }
  for (const auto& [name, version_text] : final_versions) {
    auto version = semver::Version::parse(version_text);
    const manifest::Manifest* m = version ? catalog.find(name, *version) : nullptr;
    if (m == nullptr) {
      continue;
    }
    for (const auto& dep : m->dependencies) {
      if (changed.count(name) == 0 && changed.count(dep.name) == 0) {
        continue;
      }
      auto it = final_versions.find(dep.name);
      if (it == final_versions.end()) {
        problems.push_back(fmt::format("{}@{} needs {} {}, which would not be installed", name, version_text, dep.name,
                                       dep.range.raw()));
        continue;
      }
      auto dep_version = semver::Version::parse(it->second);
      if (dep_version && !dep.range.satisfies(*dep_version)) {
        problems.push_back(fmt::format("{}@{} needs {} {}, which would be at {}", name, version_text, dep.name,
                                       dep.range.raw(), it->second));
      }
    }
  }
  return problems;
}

namespace {

// The changes that undo upgrade `id`: per component, from where it is now
// back to where the upgrade found it, config/ from the point taken before
// its first change; components in reverse order of their first change.
Result<std::vector<Change>> changes_undoing(Session& session, std::int64_t id)
{
  store::StateStore& db = *session.store();
  auto record = db.upgrade(id);
  if (!record) {
    return fail(record.error());
  }
  if (!*record) {
    return fail(ErrorCode::not_found, fmt::format("upgrade {} does not exist", id));
  }
  if ((*record)->status != store::UpgradeStatus::completed) {
    return fail(ErrorCode::usage, fmt::format("upgrade {} is {}: only a completed upgrade can be rolled back as a "
                                              "whole",
                                              id, store::to_string((*record)->status)));
  }
  auto ops = db.operations(id);
  if (!ops) {
    return fail(ops.error());
  }
  std::vector<Change> changes;
  std::map<std::string, std::size_t, std::less<>> index;
  for (const auto& op : *ops) {
    auto it = index.find(op.component);
    if (it == index.end()) {
      if (!op.from_version) {
        return fail(ErrorCode::usage, fmt::format("upgrade {} installed {} new; rolling it back would remove it, "
                                                  "which rollback does not do",
                                                  id, op.component));
      }
      if (!op.point_id) {
        return fail(ErrorCode::corrupt_state, fmt::format("upgrade {} changed {} without a rollback point", id,
                                                          op.component));
      }
      Change c;
      c.component = op.component;
      c.from = op.to_version;
      c.to = *op.from_version;
      c.restore_point = op.point_id;
      c.strategy = "rollback";
      index.emplace(op.component, changes.size());
      changes.push_back(std::move(c));
    }
    changes[index[op.component]].from = op.to_version; // the last change wins
  }
  for (const auto& c : changes) {
    auto now = current_version(session.root(), c.component);
    if (!now) {
      return fail(now.error());
    }
    if (*now != c.from) {
      return fail(ErrorCode::usage, fmt::format("{} is at {} now, not at {} where upgrade {} left it: roll back the "
                                                "later change first",
                                                c.component, now->value_or("(not installed)"), c.from.value_or(""),
                                                id));
    }
  }
  std::reverse(changes.begin(), changes.end());
  return changes;
}

} // namespace

Result<TransactionReport> rollback(Session& session, const RollbackOptions& options)
{
  TransactionRequest request;
  request.kind = "rollback";
  request.strategy = "rollback";
  request.stop = options.stop;
  request.point_retention_ms = options.point_retention_ms;
  request.live = options.live;
  request.metadata_json = options.metadata_json;
  if (options.upgrade) {
    // Undoing an upgrade twice does nothing, and says so.
    if (auto record = session.store()->upgrade(*options.upgrade);
        record && *record && (*record)->status == store::UpgradeStatus::rolled_back && (*record)->rolled_back_by) {
      TransactionReport done;
      done.kind = "rollback";
      done.upgrade_id = *(*record)->rolled_back_by;
      done.status = store::UpgradeStatus::completed;
      done.already_undone_by = (*record)->rolled_back_by;
      return done;
    }
    auto changes = changes_undoing(session, *options.upgrade);
    if (!changes) {
      if (!options.dry_run) {
        (void)session.audit("rollback", "", std::nullopt, std::nullopt, "refused", options.upgrade,
                            changes.error().message, changes.error().code);
      }
      return fail(changes.error());
    }
    request.changes = std::move(*changes);
    request.undoes = options.upgrade;
  } else {
    auto point = choose_point(session, options);
    if (!point) {
      // Audited from the version active now, when there is one.
      auto active = current_version(session.root(), options.component);
      if (!options.dry_run) {
        (void)session.audit("rollback", options.component, active ? *active : std::nullopt, options.to_version,
                            "refused", std::nullopt, point.error().message, point.error().code);
      }
      return fail(point.error());
    }
    auto current = current_version(session.root(), options.component);
    if (!current) {
      return fail(current.error());
    }
    Change change;
    change.component = options.component;
    change.from = *current;
    change.to = *point->version;
    change.restore_point = point->id;
    change.strategy = "rollback";
    request.changes.push_back(std::move(change));
  }
  if (options.catalog != nullptr && !options.force) {
    auto problems = dependency_conflicts(session, *options.catalog, request.changes);
    if (!problems.empty()) {
      Error e(ErrorCode::incompatible, fmt::format("the rollback would break {} dependenc{}: {}", problems.size(),
                                                   problems.size() == 1 ? "y" : "ies", problems.front()));
      for (std::size_t i = 1; i < problems.size(); ++i) {
        e.details.push_back(problems[i]);
      }
      e.details.push_back("roll back the whole upgrade with --upgrade ID (see `history`), or pass --force");
      for (const auto& c : request.changes) {
        if (!options.dry_run) {
          (void)session.audit("rollback", c.component, c.from, c.to, "refused", options.upgrade, e.message, e.code);
        }
      }
      return fail(std::move(e));
    }
  }
  if (options.dry_run) {
    TransactionReport planned;
    planned.kind = "rollback";
    planned.dry_run = true;
    for (const auto& c : request.changes) {
      // The run refuses a target that no longer matches its record.
      auto checked = check_version_dir(session, c.component, c.to);
      if (!checked) {
        return fail(checked.error());
      }
      if (!checked->empty()) {
        planned.warnings.push_back(*checked);
      }
      StepReport step;
      step.component = c.component;
      step.from = c.from;
      step.to = c.to;
      step.point_id = c.restore_point;
      step.message = fmt::format("current -> versions/{}, config/ from rollback point {}", c.to,
                                 c.restore_point.value_or(0));
      planned.steps.push_back(std::move(step));
    }
    return planned;
  }
  // run_transaction records the undone upgrade as rolled back (record_completion).
  return run_transaction(session, request);
}

Result<store::RollbackPoint> snapshot(Session& session, const std::string& component, store::Millis retention_ms)
{
  auto current = current_version(session.root(), component);
  if (!current) {
    return fail(current.error());
  }
  if (!*current) {
    return fail(ErrorCode::not_found, fmt::format("{} is not installed under '{}'", component,
                                                  session.layout().root().string()));
  }
  auto id = take_point(session, component, "snapshot", std::nullopt, retention_ms);
  if (!id) {
    return fail(id.error());
  }
  (void)session.audit("snapshot", component, *current, *current, "completed", std::nullopt,
                      fmt::format("rollback point {}", *id));
  auto point = session.store()->point(*id);
  if (!point || !*point) {
    return fail(ErrorCode::internal, fmt::format("rollback point {} vanished after it was made", *id));
  }
  return **point;
}

} // namespace noodle::engine
