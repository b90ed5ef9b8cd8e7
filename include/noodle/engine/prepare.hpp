// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <noodle/engine/change.hpp>
#include <noodle/engine/install.hpp>
#include <noodle/engine/session.hpp>
#include <noodle/graph/options.hpp>
#include <noodle/util/error.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace noodle::engine {

// What one hop of an upgrade will do, found without changing anything.
struct HopAction {
  std::string component;
  std::optional<std::string> from; // empty: not installed
  std::string to;
  Installed::How how = Installed::How::extracted; // extract, reuse, or replace the version directory
  std::string archive;   // the archive's path ("" when reused and none is found)
  std::string signature; // its .sig ("" when unsigned, or reused)
  bool is_signed = true;
  std::string key_id;    // of the verified signature ("" when unsigned or reused)
  std::string signed_at; // as the signature states it, "YYYY-MM-DDTHH:MM:SSZ"
  std::string sha256;    // of the archive (reused: the recorded one)
  std::uint64_t size = 0;
  std::string point;     // what the rollback point keeps
  std::string swap;      // the `current` link, before and after
  std::string config;    // what happens to config/
  std::string strategy;  // what runs on the runtime ("offline": nothing does)
  std::string runtime;   // the same, in words
  std::vector<std::string> probes; // the independent probes its health gates run, one line each
};

struct PrepareRequest {
  std::vector<Change> changes; // in the order they will run
  graph::AllowDowngrade allow_downgrade = graph::AllowDowngrade::no;
  ArchiveSource source;
  // The connected runtime's hello and the strategy options; null: offline.
  const LivePath* live = nullptr;
  // A preview (plan, --dry-run) also reads each archive to extract through
  // the extraction rules, writing nothing, so it refuses what extraction
  // would (a device node, a sparse entry, a limit); the run meets the same
  // refusal when it extracts, and does not read the archive twice.
  bool check_extraction = false;
};

struct Prepared {
  std::vector<HopAction> actions;    // one per change, in order
  std::vector<std::string> warnings; // an archive installed unsigned
};

// Everything an upgrade checks before its first change, in this order:
//  - live: every change of an installed component is hot-swappable
//    (check_hot_swappable; infeasible);
//  - version floors (check_floors; downgrade_refused), when the root has a
//    state database;
//  - live: the runtime can run each change's strategy (live::choose_strategy;
//    usage);
//  - each hop's version directory (plan_install): a version to extract or
//    replace has its archive located (not_found), its signature verified and
//    its catalog entry (sha256, size) checked, reading the archive into a
//    private temporary copy that is removed again -- nothing is extracted,
//    but with check_extraction every entry is judged as extraction would;
//    an archive without a .sig is signature_invalid unless
//    source.allow_unsigned, which warns.
// Changes nothing under the root; the upgrade, `plan` and `--dry-run` call it
// alike, so they refuse with the same error.
Result<Prepared> prepare_changes(Session& session, const PrepareRequest& request);

std::string_view to_string(Installed::How how); // "extract", "reuse", "replace"

} // namespace noodle::engine
