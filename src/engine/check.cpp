// SPDX-License-Identifier: Apache-2.0
#include <noodle/engine/check.hpp>
#include <noodle/engine/fs_ops.hpp>
#include <noodle/state/installed.hpp>

#include <set>

namespace noodle::engine {

namespace {

Result<VersionCheck> check_one(Session& session, const std::string& component, const std::string& version,
                               std::string role)
{
  VersionCheck result;
  result.component = component;
  result.version = version;
  result.role = std::move(role);
  if (!session.has_root()) {
    result.state = VersionCheck::State::missing;
    return result;
  }
  const RootDir& root = session.root();
  const auto dir = rel::version(component, version);
  auto st = root.stat(dir);
  if (!st) {
    if (st.error().code != ErrorCode::unsafe_path) {
      return fail(st.error());
    }
    result.state = VersionCheck::State::unsafe;
    return result;
  }
  if (!*st) {
    result.state = VersionCheck::State::missing;
    return result;
  }
  if (S_ISLNK((*st)->st_mode)) {
    result.state = VersionCheck::State::unsafe;
    return result;
  }
  std::optional<std::vector<archive::TreeEntry>> recorded;
  if (session.store() != nullptr) {
    auto files = session.store()->files(component, version);
    if (!files) {
      return fail(files.error());
    }
    recorded = std::move(*files);
  }
  if (!recorded) {
    result.state = VersionCheck::State::unrecorded;
    return result;
  }
  auto opened = root.open_dir(dir);
  if (!opened) {
    return fail(opened.error());
  }
  auto actual = archive::hash_tree(opened->get(), root.shown(dir));
  if (!actual) {
    return fail(actual.error());
  }
  result.differences = archive::compare_trees(*recorded, *actual);
  result.state = result.differences.empty() ? VersionCheck::State::intact : VersionCheck::State::damaged;
  return result;
}

} // namespace

std::string_view to_string(VersionCheck::State state)
{
  switch (state) {
  case VersionCheck::State::intact: return "intact";
  case VersionCheck::State::damaged: return "damaged";
  case VersionCheck::State::unrecorded: return "unrecorded";
  case VersionCheck::State::missing: return "missing";
  case VersionCheck::State::unsafe: return "unsafe";
  }
  return "damaged";
}

bool CheckReport::failed() const
{
  for (const auto& v : versions) {
    if (v.state == VersionCheck::State::damaged || v.state == VersionCheck::State::missing) {
      return true;
    }
  }
  return !unsafe.empty();
}

Result<CheckReport> check(Session& session, const std::optional<std::string>& component)
{
  CheckReport report;
  if (session.has_root()) {
    auto unsafe = find_unsafe_paths(session.root(), Ownership::ignore);
    if (!unsafe) {
      return fail(unsafe.error());
    }
    report.unsafe = std::move(*unsafe);
  }
  auto installed = state::read_installed(session.layout().root(), state::OnSymlink::skip);
  if (!installed) {
    return fail(installed.error());
  }
  if (component && installed->find(*component) == nullptr && report.unsafe.empty()) {
    return fail(ErrorCode::not_found,
                "'" + *component + "' is not installed under '" + session.layout().root().string() + "'");
  }
  std::set<std::pair<std::string, std::string>> seen;
  for (const auto& [name, c] : installed->components) {
    if (component && name != *component) {
      continue;
    }
    auto one = check_one(session, name, c.version.to_string(), "current");
    if (!one) {
      return fail(one.error());
    }
    seen.insert({name, c.version.to_string()});
    report.versions.push_back(std::move(*one));
  }
  if (session.store() != nullptr) {
    auto points = session.store()->points(component ? std::optional<std::string_view>(*component) : std::nullopt);
    if (!points) {
      return fail(points.error());
    }
    for (const auto& p : *points) {
      if (!p.version || !seen.insert({p.component, *p.version}).second) {
        continue;
      }
      auto one = check_one(session, p.component, *p.version, "rollback target");
      if (!one) {
        return fail(one.error());
      }
      report.versions.push_back(std::move(*one));
    }
  }
  return report;
}

} // namespace noodle::engine
