// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <noodle/graph/options.hpp>
#include <noodle/manifest/model.hpp>
#include <noodle/semver/version.hpp>
#include <noodle/state/installed.hpp>
#include <noodle/util/error.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace noodle::graph {

struct Request {
  std::string name;
  // Empty: the newest version the constraints and demands allow (releases
  // only, unless a range names a prerelease).
  std::optional<semver::Version> version;
  int priority = 0; // higher goes first among changes that do not depend on each other
};

struct ResolveOptions {
  std::vector<Constraint> constraints;
  AllowDowngrade allow_downgrade = AllowDowngrade::no;
};

enum class ChangeReason {
  requested,  // named by a request
  dependency, // a changed component's manifest demands a version it lacks
  dependent,  // an installed component rejects the new version of one it depends on
};

std::string_view to_string(ChangeReason reason);

// A manifest's dependency that explains a change: the dependency
// `by->dependencies[index]`.
struct DemandRef {
  const manifest::Manifest* by = nullptr; // owned by the catalog
  std::uint32_t index = 0;
};

// Why a change is made, as references into the catalog; Change::explanation()
// puts it into words. Kept this way because the words are built only for
// the changes shown, and a cascade can hold 100,000 changes.
struct ChangeWhy {
  enum class Kind : std::uint8_t {
    requested,           // "requested"
    requested_newest,    // "requested (newest allowed version)"
    trigger,             // an installed dependent's manifest rejects `trigger`'s new version
    installed_dependent, // "an installed dependent requires it", when the trigger is unknown
    demands,             // "required by ..." for each of `first` and `more`
    a_dependency,        // "required by a dependency", when no demand is known
  };
  Kind kind = Kind::requested;
  // Kind::trigger: the trigger's new manifest, and the installed dependent's
  // manifest and the index of its dependency that rejects it.
  const manifest::Manifest* trigger = nullptr;
  DemandRef rejecting;
  // Kind::demands: the first demand, then any others.
  DemandRef first;
  std::vector<DemandRef> more;
};

struct Change {
  std::string name;
  std::optional<semver::Version> from; // empty for a new install
  semver::Version to;
  ChangeReason reason = ChangeReason::requested;
  const manifest::Manifest* manifest = nullptr; // the catalog entry of `to`; owned by the catalog
  int priority = 0;                             // the request's, or the highest of the requests that pulled it in
  ChangeWhy why;

  // Why, in words: "required by jit_compiler@2.1.0 (range >=2.0.0, manifests/jit_compiler.yaml:12:5)".
  // Built from `why`, `name` and `from` on each call; the catalog must be alive.
  std::string explanation() const;
};

struct Resolution {
  // Topological order, dependencies first; among changes free to go next,
  // higher priority first, then by name.
  std::vector<Change> changes;
  // Facts worth showing that change nothing ("runtime_core@2.0.0 is already installed").
  std::vector<std::string> notes;
};

// Computes the smallest set of component changes that satisfies the requests:
// a dependency keeps its installed (or already chosen) version while that
// satisfies every range demanded of it and the constraints, and is otherwise
// moved to the highest catalog version that does, preferring one that the
// installed dependents also accept; an installed component whose manifest
// rejects the new version of a dependency is itself moved to the highest
// version that accepts it. Repeats until nothing changes (bounded).
//
// Fails, with explaining lines in Error::details, with
//   ErrorCode::not_found          unknown requested or constrained component or version ("did you mean")
//   ErrorCode::missing_dependency a chosen manifest depends on an unknown component (`where` = the dependency)
//   ErrorCode::unsatisfiable      no version meets every demand: lists each demand, who makes it and
//                                 where, and the available versions
//   ErrorCode::dependency_cycle   message contains the cycle as "a -> b -> c -> a"
//   ErrorCode::downgrade_refused  a version would go down and options.allow_downgrade is no
// Change::manifest points into `catalog`, which must outlive the result.
Result<Resolution> resolve(const manifest::Catalog& catalog, const state::InstalledState& installed,
                           const std::vector<Request>& requests, const ResolveOptions& options);

} // namespace noodle::graph
