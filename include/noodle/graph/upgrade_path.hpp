// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <noodle/graph/options.hpp>
#include <noodle/manifest/model.hpp>
#include <noodle/semver/version.hpp>
#include <noodle/util/error.hpp>

#include <string>
#include <string_view>
#include <vector>

namespace noodle::graph {

// One direct move between two versions of a component.
struct UpgradeHop {
  semver::Version from;
  semver::Version to;
  const manifest::Manifest* manifest = nullptr; // the catalog entry of `to`
};

struct UpgradePath {
  std::string name;
  semver::Version from;
  semver::Version to;
  std::vector<UpgradeHop> hops; // empty when from == to
  bool downgrade = false;       // a single permitted hop down
};

// The versions to pass through from `from` (which need not be in the catalog:
// it is usually the installed one) to `to` (which must be): each hop lands on
// a version whose `upgrade_from` accepts the version it leaves (empty
// upgrade_from = any lower version), and no hop jumps over a `required_stop`
// version. Fewest hops first, then the highest version at each step.
// Prerelease versions other than `to` are never intermediate stops (their
// required_stop is ignored).
//
// from == to gives an empty path; to < from gives a single hop when
// `allow_downgrade` is yes.
// Fails with ErrorCode::not_found (unknown name or `to`),
// ErrorCode::downgrade_refused (to < from without permission), or
// ErrorCode::no_upgrade_path, whose details say which versions can be
// reached, which upgrade_from rejects them and which required stop is in the
// way, with where each is declared.
Result<UpgradePath> find_upgrade_path(const manifest::Catalog& catalog, std::string_view name,
                                      const semver::Version& from, const semver::Version& to,
                                      AllowDowngrade allow_downgrade = AllowDowngrade::no);

} // namespace noodle::graph
