// SPDX-License-Identifier: Apache-2.0
#include <noodle/engine/fs_ops.hpp>
#include <noodle/engine/gc.hpp>
#include <noodle/manifest/names.hpp>
#include <noodle/semver/version.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <set>

namespace noodle::engine {

namespace {

// A removal's database change and its audit entry commit together or not at
// all: a removal never goes missing from the audit trail, and a failure to
// record it is reported, not swallowed. Undone, the change is finished by the
// next gc (a record whose directory is gone) or by recover (a point directory
// without its row).
template <typename Change>
Result<void> record_removal(Session& session, store::StateStore& db, Change&& change, const std::string& component,
                            const std::optional<std::string>& version, std::string detail)
{
  if (auto begun = db.begin(); !begun) {
    return fail(begun.error());
  }
  Result<void> done = change();
  if (done) {
    done = session.audit("gc", component, version, std::nullopt, "completed", std::nullopt, std::move(detail));
  }
  if (done) {
    done = db.commit();
  }
  if (!done) {
    (void)db.rollback(); // a failed COMMIT may have rolled back already
    return fail(done.error());
  }
  return {};
}

} // namespace

Result<GcReport> collect_garbage(Session& session, std::uint32_t keep, bool dry_run)
{
  GcReport report;
  report.dry_run = dry_run;
  store::StateStore& db = *session.store();
  const RootDir& root = session.root();
  auto points = db.points(std::nullopt);
  if (!points) {
    return fail(points.error());
  }
  std::map<std::pair<std::string, std::string>, std::int64_t> pinned;
  const auto now = session.now();
  for (const auto& p : *points) {
    if (p.expires_at <= now) {
      if (dry_run) {
        report.removed_points.push_back(p.id);
        continue;
      }
      if (auto removed = record_removal(
              session, db, [&] { return db.remove_point(p.id); }, p.component, p.version,
              fmt::format("removed expired rollback point {}", p.id));
          !removed) {
        return fail(removed.error());
      }
      if (auto removed = remove_tree(root, rel::point(p.id)); !removed) {
        return fail(removed.error());
      }
      report.removed_points.push_back(p.id);
    } else if (p.version) {
      pinned.emplace(std::make_pair(p.component, *p.version), p.id);
    }
  }
  auto components = list_names(root, rel::components());
  if (!components) {
    return fail(components.error());
  }
  for (const auto& component : *components) {
    // Only component directories: a stray file, or a name the catalog could
    // never hold, is not one.
    if (manifest::name_problem(component)) {
      continue;
    }
    auto st = root.stat(rel::component(component));
    if (!st) {
      return fail(st.error());
    }
    if (*st && S_ISLNK((*st)->st_mode)) {
      return fail(root.symlink_error(rel::component(component))); // planted since the session's check
    }
    if (!*st || !S_ISDIR((*st)->st_mode)) {
      continue;
    }
    auto link = current_version(root, component);
    if (!link) {
      return fail(link.error());
    }
    const std::string current = link->value_or("");
    auto names = list_names(root, rel::versions(component));
    if (!names) {
      return fail(names.error());
    }
    std::vector<std::pair<semver::Version, std::string>> versions;
    for (const auto& name : *names) {
      auto v = semver::Version::parse(name);
      if (v && !manifest::version_problem(name)) {
        versions.emplace_back(std::move(*v), name);
      }
    }
    std::sort(versions.begin(), versions.end(),
              [](const auto& a, const auto& b) { return semver::compare(a.first, b.first) > 0; });
    for (std::size_t i = 0; i < versions.size(); ++i) {
      const std::string& name = versions[i].second;
      const std::string id = fmt::format("{}@{}", component, name);
      if (name == current) {
        report.kept.push_back(id + " (current)");
        continue;
      }
      if (auto it = pinned.find({component, name}); it != pinned.end()) {
        report.kept.push_back(fmt::format("{} (rollback point {})", id, it->second));
        continue;
      }
      if (i < keep) {
        report.kept.push_back(fmt::format("{} (among the newest {})", id, keep));
        continue;
      }
      if (dry_run) {
        report.removed_versions.push_back(id);
        continue;
      }
      // The record goes last: a crash in between leaves a recorded, partly
      // removed directory, or a record without one, which the next gc
      // removes (see below).
      if (auto removed = remove_tree(root, rel::version(component, name)); !removed) {
        return fail(removed.error());
      }
      if (auto forgot = record_removal(
              session, db, [&] { return db.forget_files(component, name); }, component, name,
              fmt::format("removed {}", id));
          !forgot) {
        return fail(forgot.error());
      }
      report.removed_versions.push_back(id);
    }
  }
  // A gc stopped between removing a directory and forgetting its record
  // leaves a record with no directory, which the loop above cannot see:
  // finish it. A current or pinned version keeps its record even when its
  // directory is gone (check reports it missing; it may be restored).
  auto recorded = db.recorded_versions();
  if (!recorded) {
    return fail(recorded.error());
  }
  for (const auto& [component, version] : *recorded) {
    if (pinned.count({component, version}) != 0) {
      continue;
    }
    // A record whose names could not be a directory has none to look for.
    const bool nameable = !manifest::name_problem(component) && !manifest::version_problem(version);
    if (nameable) {
      auto there = exists_no_follow(root, rel::version(component, version));
      if (!there) {
        return fail(there.error());
      }
      if (*there) {
        continue;
      }
      auto link = read_link(root, rel::current(component));
      if (!link) {
        return fail(link.error());
      }
      if (*link && **link == Layout::link_target(version)) {
        continue;
      }
    }
    const std::string id = fmt::format("{}@{}", component, version);
    if (dry_run) {
      report.removed_versions.push_back(id);
      continue;
    }
    if (auto forgot = record_removal(
            session, db, [&db, &c = component, &v = version] { return db.forget_files(c, v); }, component, version,
            fmt::format("forgot the record of {}, whose directory was already removed", id));
        !forgot) {
      return fail(forgot.error());
    }
    report.removed_versions.push_back(id);
  }
  return report;
}

} // namespace noodle::engine
