// SPDX-License-Identifier: Apache-2.0
#include <noodle/graph/upgrade_path.hpp>

#include <noodle/graph/suggest.hpp>

#include "common.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <limits>

namespace noodle::graph {

namespace {

constexpr std::size_t k_unreachable = std::numeric_limits<std::size_t>::max();

bool accepts(const manifest::Manifest& target, const semver::Version& from)
{
  if (target.upgrade_from.empty()) {
    return true;
  }
  return std::any_of(target.upgrade_from.begin(), target.upgrade_from.end(),
                     [&](const semver::Range& r) { return r.satisfies(from); });
}

// The versions a path may stand on: `from` first (it may lack a manifest),
// then catalog releases strictly between, then `to`.
struct Stops {
  std::vector<const semver::Version*> version;
  std::vector<const manifest::Manifest*> manifest; // nullptr for index 0
  std::vector<std::size_t> next_required;          // first required stop after i (or the last index)
  bool skipped_prerelease = false;

  std::size_t size() const { return version.size(); }

  bool hop(std::size_t i, std::size_t j) const
  {
    return i < j && next_required[i] >= j && accepts(*manifest[j], *version[i]);
  }
};

Stops collect(const std::vector<manifest::Manifest>& versions, const semver::Version& from,
              const manifest::Manifest& target)
{
  Stops s;
  s.version.push_back(&from);
  s.manifest.push_back(nullptr);
  for (const auto& m : versions) {
    if (m.version <= from || m.version >= target.version) {
      continue;
    }
    if (m.version.is_prerelease()) {
      s.skipped_prerelease = true;
      continue;
    }
    s.version.push_back(&m.version);
    s.manifest.push_back(&m);
  }
  s.version.push_back(&target.version);
  s.manifest.push_back(&target);

  const std::size_t last = s.size() - 1;
  s.next_required.assign(s.size(), last);
  std::size_t next = last;
  for (std::size_t i = s.size(); i-- > 0;) {
    s.next_required[i] = next;
    if (i > 0 && i < last && s.manifest[i]->required_stop) {
      next = i;
    }
  }
  return s;
}

Error explain_no_path(std::string_view name, const semver::Version& from, const manifest::Manifest& target,
                      const Stops& s)
{
  const std::size_t last = s.size() - 1;
  std::vector<char> reached(s.size(), 0);
  reached[0] = 1;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (!reached[i]) {
      continue;
    }
    for (std::size_t j = i + 1; j < s.size(); ++j) {
      if (!reached[j] && s.hop(i, j)) {
        reached[j] = 1;
      }
    }
  }
  // Every path passes the required stops in order, so the first one out of
  // reach (or `to` itself) is what blocks.
  std::size_t blocker = last;
  std::size_t stop_before = 0;
  for (std::size_t i = 1; i < last; ++i) {
    if (s.manifest[i]->required_stop) {
      if (!reached[i]) {
        blocker = i;
        break;
      }
      stop_before = i;
    }
  }
  const manifest::Manifest& b = *s.manifest[blocker];

  const SourceLocation& upgrade_from_at = b.location_of("upgrade_from[0]");
  Error e(ErrorCode::no_upgrade_path,
          fmt::format("no upgrade path for '{}' from {} to {}", name, from.to_string(), target.version.to_string()),
          upgrade_from_at);
  std::string reachable;
  for (std::size_t i = 1; i < s.size(); ++i) {
    if (reached[i]) {
      reachable += (reachable.empty() ? "" : ", ") + s.version[i]->to_string();
    }
  }
  e.details.push_back(reachable.empty() ? fmt::format("no version can be reached from {}", from.to_string())
                                        : fmt::format("reachable from {}: {}", from.to_string(), reachable));
  if (blocker != last) {
    e.details.push_back(fmt::format("{} is a required stop{}: every upgrade across it must stop on it, "
                                    "and it cannot be reached",
                                    b.id(), detail::at(b.location_of("required_stop"))));
  }
  std::string candidates;
  for (std::size_t i = stop_before; i < blocker; ++i) {
    if (reached[i]) {
      candidates += (candidates.empty() ? "" : ", ") + s.version[i]->to_string();
    }
  }
  e.details.push_back(fmt::format("{} accepts upgrades only from {}{}, which excludes {}", b.id(),
                                  detail::list_ranges(b.upgrade_from), detail::at(upgrade_from_at), candidates));
  if (stop_before != 0) {
    const auto& stop = *s.manifest[stop_before];
    e.details.push_back(fmt::format("{} is a required stop{}, so no earlier version can hop past it", stop.id(),
                                    detail::at(stop.location_of("required_stop"))));
  }
  if (s.skipped_prerelease) {
    e.details.push_back("prerelease versions are never used as intermediate stops");
  }
  return e;
}

} // namespace

Result<UpgradePath> find_upgrade_path(const manifest::Catalog& catalog, std::string_view name,
                                      const semver::Version& from, const semver::Version& to,
                                      AllowDowngrade allow_downgrade)
{
  const auto* versions = catalog.versions(name);
  if (versions == nullptr) {
    Error e(ErrorCode::not_found, fmt::format("unknown component '{}'", name));
    if (auto hint = did_you_mean(catalog, name); !hint.empty()) {
      e.details.push_back(hint);
    }
    return fail(std::move(e));
  }
  const auto* target = catalog.find(name, to);
  if (target == nullptr) {
    Error e(ErrorCode::not_found, fmt::format("unknown version '{}@{}'", name, to.to_string()));
    e.details.push_back(fmt::format("catalog versions of '{}': {}", name, detail::list_versions(*versions)));
    return fail(std::move(e));
  }

  UpgradePath path;
  path.name = std::string(name);
  path.from = from;
  path.to = to;
  if (from == to) {
    return path;
  }
  if (to < from) {
    if (allow_downgrade == AllowDowngrade::no) {
      Error e(ErrorCode::downgrade_refused,
              fmt::format("'{}' would go down from {} to {}", name, from.to_string(), to.to_string()));
      e.details.push_back("downgrades are not allowed unless explicitly permitted");
      return fail(std::move(e));
    }
    path.downgrade = true;
    path.hops.push_back(UpgradeHop{from, to, target});
    return path;
  }

  const Stops s = collect(*versions, from, *target);
  const std::size_t last = s.size() - 1;
  // Fewest hops from each stop to `to`; hops only go up, so one backward sweep.
  std::vector<std::size_t> hops_left(s.size(), k_unreachable);
  hops_left[last] = 0;
  for (std::size_t i = last; i-- > 0;) {
    for (std::size_t j = i + 1; j <= s.next_required[i]; ++j) {
      if (hops_left[j] != k_unreachable && hops_left[j] + 1 < hops_left[i] && s.hop(i, j)) {
        hops_left[i] = hops_left[j] + 1;
      }
    }
  }
  if (hops_left[0] == k_unreachable) {
    return fail(explain_no_path(name, from, *target, s));
  }
  // Among the shortest, the highest next version at every step.
  std::size_t at = 0;
  while (at != last) {
    std::size_t next = k_unreachable;
    for (std::size_t j = s.next_required[at]; j > at; --j) {
      if (hops_left[j] != k_unreachable && hops_left[j] + 1 == hops_left[at] && s.hop(at, j)) {
        next = j;
        break;
      }
    }
    path.hops.push_back(UpgradeHop{*s.version[at], *s.version[next], s.manifest[next]});
    at = next;
  }
  return path;
}

} // namespace noodle::graph
