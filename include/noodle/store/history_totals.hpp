// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace noodle::store {

// What the root's history adds up to, read in one transaction by
// StateStore::history_totals: the facts a metrics file is computed from, so
// that it depends on the state database alone.
struct HistoryTotals {
  struct KindStatus {
    std::string kind;   // "upgrade", "apply", "rollback"
    std::string status; // an UpgradeStatus name
    std::int64_t count = 0;
  };
  // The newest completed operation of a completed upgrade, per component.
  struct LastChange {
    std::string component;
    std::string version;
    std::int64_t at_ms = 0; // when it finished, ms since the epoch
  };
  // One finished operation that kept its times.
  struct Duration {
    std::string strategy; // what ran: "offline" or the live strategy
    std::int64_t ms = 0;
  };
  struct Refusals {
    std::string action; // the audited action: "upgrade", "apply", "rollback"
    std::string code;   // the ErrorCode name; "unknown" for entries older than schema 4
    std::int64_t count = 0;
  };

  std::vector<KindStatus> upgrades;      // by kind, then status
  std::vector<LastChange> last_changes;  // by component
  std::vector<Duration> durations;       // by operation id
  std::int64_t automatic_rollbacks = 0;  // changes rolled back by the tool (a gate, a failure, cancel, a signal)
  std::int64_t rollback_commands = 0;    // completed `rollback` changes
  std::vector<Refusals> refusals;        // by action, then code
  std::vector<std::int64_t> lock_waits_ms; // per change that recorded it, oldest first
};

} // namespace noodle::store
