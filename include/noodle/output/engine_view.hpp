// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <noodle/engine/cancel.hpp>
#include <noodle/engine/change.hpp>
#include <noodle/engine/check.hpp>
#include <noodle/engine/gc.hpp>
#include <noodle/engine/recover.hpp>
#include <noodle/engine/status.hpp>
#include <noodle/engine/steer.hpp>
#include <noodle/engine/upgrade.hpp>
#include <noodle/output/reporter.hpp>
#include <noodle/output/timestamp.hpp>

#include <string>
#include <vector>

namespace noodle::output {

// One live progress event as a JSON line: phase, upgrade id, component,
// versions, RFC 3339 time, and what the strategy reported.
nlohmann::ordered_json event_json(const live::StrategyEvent& e);

// The outcome of a transaction: per-step report, warnings, and the error
// (exit code from it; a failed rollback exits 7 and lists the root's state).
ExitCode render_transaction(const engine::TransactionReport& report, const std::string& title, Reporter& r);

// An upgrade or apply: the refusal (with the plan's checks), the no-op, or
// the transaction.
ExitCode render_upgrade(const engine::UpgradeOutcome& outcome, const std::string& title, Reporter& r);

// Text: one line per action, nothing when there was nothing to do (unless
// `always`, for the `recover` command itself).
void render_recovery_notes(const engine::RecoveryReport& report, Reporter& r);
ExitCode render_recover(const engine::RecoveryReport& report, Reporter& r);

ExitCode render_status(const engine::StatusReport& report, store::Millis now, Reporter& r);
ExitCode render_history(const std::vector<engine::HistoryEntry>& entries, Reporter& r);
ExitCode render_upgrade_detail(const engine::UpgradeDetail& detail, Reporter& r);
ExitCode render_audit(const std::vector<store::AuditEntry>& entries, Reporter& r);
ExitCode render_points(const std::vector<store::RollbackPoint>& points, store::Millis now, Reporter& r);
ExitCode render_snapshot(const store::RollbackPoint& point, Reporter& r);
ExitCode render_check(const engine::CheckReport& report, Reporter& r);
ExitCode render_gc(const engine::GcReport& report, Reporter& r);
ExitCode render_cancel(const engine::CancelReport& report, Reporter& r);
ExitCode render_steer(const engine::SteerReport& report, Reporter& r);

} // namespace noodle::output
