// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <noodle/graph/options.hpp>
#include <noodle/graph/resolver.hpp>
#include <noodle/graph/upgrade_path.hpp>
#include <noodle/manifest/model.hpp>
#include <noodle/semver/version.hpp>
#include <noodle/state/installed.hpp>
#include <noodle/state/machine.hpp>
#include <noodle/util/error.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace noodle::graph {

// How hard the plan judges:
//   strict      every warning (not hot-swappable, breaking change, downgrade,
//               resource headroom under 10%) is a failure
//   normal      failures fail, warnings pass
//   permissive  compatibility and resource failures become warnings; structural
//               ones (cycles, missing dependencies, unsatisfiable demands, no
//               upgrade path, refused downgrades) still fail
enum class Validation { strict, normal, permissive };

std::string_view to_string(Validation validation);

struct PlanItem {
  std::string component;
  std::optional<semver::Version> version; // empty: the newest allowed
  std::optional<std::string> strategy;    // e.g. "canary"; empty: PlanRequest::default_strategy
  int priority = 0;
};

struct PlanRequest {
  std::vector<PlanItem> items;
  std::vector<Constraint> constraints;
  Validation validation = Validation::normal;
  AllowDowngrade allow_downgrade = AllowDowngrade::no;
  std::string default_strategy = "gradual";
};

struct PlanStep {
  std::string name;
  std::optional<semver::Version> from; // empty for a new install
  semver::Version to;
  // The versions passed through, each hop's `to` in order, ending with `to`;
  // a new install or a downgrade is one hop.
  std::vector<semver::Version> hops;
  bool hot_swappable = false;
  // The item's strategy when given, else the request's default; "restart"
  // for a component that is not hot-swappable, "install" for a new one.
  std::string strategy;
  ChangeReason reason = ChangeReason::requested;
  std::string explanation;
  bool breaking = false;       // semver::compatibility(from, to).breaking
  std::string breaking_reason; // e.g. "major version changes from 1 to 2"
  bool downgrade = false;
  int priority = 0;
  const manifest::Manifest* manifest = nullptr; // the catalog entry of `to`
};

struct Check {
  enum class Status { pass, warn, fail };
  // "request", "constraints", "dependencies", "cycles", "downgrade",
  // "upgrade_path", "compatibility", "breaking_changes", "resources", "hot_swap".
  std::string name;
  Status status = Status::pass;
  std::string message;
  std::vector<std::string> details;
  std::optional<ErrorCode> code; // set whenever status is not pass
};

std::string_view to_string(Check::Status status);

// What the final state of the changed components needs, against what the
// machine has.
struct ResourceTotals {
  std::uint64_t memory_mb = 0; // sum over the new versions
  double cpu_cores = 0;        // the largest single demand
  std::uint64_t disk_mb = 0;   // sum over the new versions (unpacked next to the old ones)
  state::MachineInfo machine;
};

// The feasibility and validation report; computing it changes nothing.
struct Plan {
  bool feasible = false; // no check failed
  Validation validation = Validation::normal;
  std::vector<PlanStep> steps; // the resolver's order
  std::vector<Check> checks;   // in the fixed order listed in Check::name
  ResourceTotals resources;
  std::vector<std::string> notes;

  // nullptr when that check did not run.
  const Check* check(std::string_view name) const;
};

// Checks: "compatibility" tests every rule of every manifest in the final
// state against the final versions (a rule already broken between two
// untouched components only warns); "resources" sums memory and disk of the
// new versions and takes the largest cpu demand; "hot_swap" fails only when a
// hot swap was asked for explicitly.
//
// Never fails: a refused resolution becomes a failed check whose details and
// code carry the resolver's explanation, and the checks that depend on a
// resolution are left out (a note says so). Step manifests point into
// `catalog`, which must outlive the plan.
Plan make_plan(const manifest::Catalog& catalog, const state::InstalledState& installed, const PlanRequest& request,
               const state::MachineInfo& machine);

} // namespace noodle::graph
