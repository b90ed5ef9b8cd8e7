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

inline constexpr std::string_view k_plan_format = "noodle-plan 2";

// "2026-11-27T01:02:03Z".
std::string iso_time(std::chrono::system_clock::time_point t);

// SHA-256 digests of what a plan is computed from, each lowercase hex.
struct PlanInputs {
  std::string catalog;   // every *.yaml / *.yml the catalog loader reads (no dot names): path and bytes, in path order
  std::string installed; // "name version" per installed component, in name order
  std::string keyring;   // archive::keyring_digest: the *.pub files and the revoked list, nothing else

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

// A plan saved by `plan --save` and carried out by `apply --plan`. The file
// holds the request the plan was computed from, the digests of its inputs,
// the steps, and a digest of each of those fields ("sha256"). Nothing in it
// is taken on trust: apply re-computes the steps from the request and
// requires every field to match (check_saved_steps). The digests catch an
// edit of what cannot be re-computed (the request itself, validation,
// allow_downgrade); they are no signature, and anyone who may write the plan
// file may as well plan something else.
struct SavedPlan {
  std::string origin;     // where it was read from, for messages
  std::string created_at; // UTC, ISO 8601
  graph::PlanRequest request; // with its validation and allow_downgrade
  PlanInputs inputs;
  std::vector<SavedStep> steps;
  bool steps_digest_ok = true; // the steps match the digest they were saved with
  // Set when the file was edited after it was saved (ErrorCode::drift): the
  // fields above are then read as far as they could be, for the audit trail.
  std::optional<Error> edited;
};

// `changes` as changes_from_plan gives them (one per hop).
SavedPlan make_saved_plan(const std::vector<Change>& changes, const graph::PlanRequest& request, PlanInputs inputs,
                          std::string created_at);

// JSON, one object: {"format": "noodle-plan 2", ...}.
std::string serialize(const SavedPlan& plan);

// Reads a saved plan. Fails with usage naming `origin` for anything but a
// JSON object of this format ("'<origin>' is not a saved plan: <why>", an
// older format included). A plan that was edited is returned with `edited`
// set to a drift error (exit 3) naming the field: one that no longer matches
// its digest ("the saved plan '<origin>' was edited: its 'validation' does
// not match the digest it was saved with"), one that is missing or of the
// wrong type, or a value no command line would give (a strategy, validation,
// version or priority that is none; the rules of the options and batch
// files), so that the caller can audit the refusal.
Result<SavedPlan> parse_saved_plan(std::string_view text, const std::string& origin);

// drift (exit 3) naming each input that changed since the plan was saved.
Result<void> check_drift(const SavedPlan& plan, const PlanInputs& now);

// The steps of `plan` against `derived`, the changes its request gives now
// (changes_from_plan of make_plan): drift naming the first field that
// differs ("the saved plan '<origin>' was edited: steps[0].to is '3.0.0', but
// its request gives '2.1.0'"), or the steps' digest when nothing else does.
Result<void> check_saved_steps(const SavedPlan& plan, const std::vector<Change>& derived);

} // namespace noodle::engine
