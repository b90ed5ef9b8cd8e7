// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <noodle/engine/change.hpp>
#include <noodle/graph/plan.hpp>
#include <noodle/state/installed.hpp>
#include <noodle/util/error.hpp>

#include <chrono>
#include <filesystem>
#include <string>
#include <vector>

namespace noodle::engine {

inline constexpr std::string_view k_plan_format = "noodle-plan 1";

// "2026-11-27T01:02:03Z".
std::string iso_time(std::chrono::system_clock::time_point t);

// SHA-256 digests of what a plan is computed from, each lowercase hex.
struct PlanInputs {
  std::string catalog;   // every *.yaml / *.yml the catalog loader reads (no dot names): path and bytes, in path order
  std::string installed; // "name version" per installed component, in name order
  std::string keyring;   // every file of the keyring directory (keys, revoked): name and bytes, in name order

  bool operator==(const PlanInputs&) const = default;
};

Result<PlanInputs> digest_plan_inputs(const std::filesystem::path& catalog_dir, const state::InstalledState& installed,
                                      const std::filesystem::path& keyring_dir);

struct SavedStep {
  std::string component;
  std::optional<std::string> from;
  std::string to;
  std::string strategy;
  int priority = 0;
};

// A plan saved by `plan --save` and carried out by `apply --plan`.
struct SavedPlan {
  std::string created_at; // UTC, ISO 8601
  std::string validation; // graph::to_string(Validation)
  bool allow_downgrade = false;
  PlanInputs inputs;
  std::vector<SavedStep> steps;
};

// `changes` as changes_from_plan gives them (one per hop).
SavedPlan make_saved_plan(const std::vector<Change>& changes, const graph::PlanRequest& request, PlanInputs inputs,
                          std::string created_at);

// JSON, one object: {"format": "noodle-plan 1", ...}.
std::string serialize(const SavedPlan& plan);

// Fails with usage naming `origin` for anything but a well-formed plan of
// this format.
Result<SavedPlan> parse_saved_plan(std::string_view text, const std::string& origin);

// drift (exit 3) naming each input that changed since the plan was saved.
Result<void> check_drift(const SavedPlan& plan, const PlanInputs& now);

} // namespace noodle::engine
