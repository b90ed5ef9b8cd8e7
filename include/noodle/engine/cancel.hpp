// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <noodle/engine/session.hpp>
#include <noodle/store/state_store.hpp>
#include <noodle/util/error.hpp>

#include <chrono>
#include <cstdint>
#include <string_view>

namespace noodle::engine {

struct CancelReport {
  std::int64_t upgrade_id = 0;
  store::UpgradeStatus status = store::UpgradeStatus::in_progress; // what it ended as
  bool finished = false; // false: it did not stop within the wait
  std::string error;     // the upgrade's recorded reason
};

// Asks the process carrying out upgrade `id` to stop at its next safe point
// and roll back: sets the cancel flag in the state database (read at every
// safe point) and sends it SIGTERM (only when /proc shows the same process
// that recorded the upgrade). Then waits up to `wait` for the final status.
// Fails with not_found (no such upgrade), usage (already finished: its
// status is named), or corrupt_state-free io errors. A process that is gone
// is reported with a detail pointing at `recover`. Audited as `action`
// ("cancel", or "abort", its steering name).
Result<CancelReport> cancel(Session& session, std::int64_t id, std::chrono::milliseconds wait,
                            std::string_view action = "cancel");

} // namespace noodle::engine
