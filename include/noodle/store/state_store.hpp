// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <noodle/archive/tree_digest.hpp>
#include <noodle/store/history_totals.hpp>
#include <noodle/util/error.hpp>

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

struct sqlite3; // SQLite's connection handle

namespace noodle::store {

// Times are milliseconds since the Unix epoch (UTC), given by the caller so
// tests control the clock.
using Millis = std::int64_t;

enum class UpgradeStatus { pending, in_progress, completed, failed, cancelled, rolled_back };
enum class OperationStatus { pending, in_progress, completed, failed, rolled_back };

std::string_view to_string(UpgradeStatus status);
std::string_view to_string(OperationStatus status);
std::optional<UpgradeStatus> parse_upgrade_status(std::string_view text);
std::optional<OperationStatus> parse_operation_status(std::string_view text);

// One invocation that changes a root: an upgrade, a batch, or a rollback.
struct UpgradeRecord {
  std::int64_t id = 0;  // assigned by begin_upgrade
  std::string kind;     // "upgrade", "apply" or "rollback"
  UpgradeStatus status = UpgradeStatus::pending;
  Millis started_at = 0;
  std::optional<Millis> finished_at;
  std::string requested_by;  // --requested-by, else the user name
  std::int64_t uid = 0;
  std::string user;          // the user name of uid
  std::string command;       // the command line, arguments joined by spaces
  std::int64_t pid = 0;      // the process carrying it out
  std::string pid_start;     // that process's start time (/proc/PID/stat field 22), against pid reuse
  std::string strategy;
  int priority = 0;
  std::string metadata_json = "{}"; // --metadata k=v as a JSON object
  std::string error;                // why it failed, was cancelled or rolled back
  bool cancel_requested = false;
  bool offline = true;
  std::optional<std::int64_t> undoes;         // a rollback of that upgrade (`rollback --upgrade`)
  std::optional<std::string> cancelled_by;    // who asked `cancel` (the requester, else the user)
  std::optional<std::int64_t> rolled_back_by; // read only: the completed rollback that undid this one
  std::optional<Millis> lock_wait_ms;         // how long it waited for the root's lock (unknown before schema 4)
};

// One component change inside an upgrade, carried out in `seq` order.
struct OperationRecord {
  std::int64_t id = 0; // assigned by add_operation
  std::int64_t upgrade_id = 0;
  int seq = 0;
  std::string component;
  std::optional<std::string> from_version; // empty: the component was not installed
  std::string to_version;
  OperationStatus status = OperationStatus::pending;
  std::optional<std::int64_t> point_id; // the rollback point taken before the change
  bool restores_config = false;         // a rollback step: config/ is replaced from a point
  std::string error;
  std::optional<Millis> started_at;
  std::optional<Millis> finished_at;
  std::optional<std::string> strategy; // what ran: "offline", or the live strategy (after any fallback)
};

// One event of a live rollout (a prepare, a traffic step, a health gate, a
// commit, a rollback), kept with the upgrade for `history show`.
struct EventRecord {
  std::int64_t id = 0; // assigned by append_events
  std::int64_t upgrade_id = 0;
  std::optional<std::int64_t> operation_id;
  Millis time = 0;
  double at_ms = 0; // since its rollout started
  std::string phase;
  std::string detail;
  std::optional<std::int64_t> weight;
  std::vector<std::string> instances;
  std::optional<bool> healthy;
};

// A rollback point: the version `current` pointed at (none when the
// component was not installed) and a copy of config/, kept under
// <root>/.noodle-upgrade/points/<id>/config.
struct RollbackPoint {
  std::int64_t id = 0; // assigned by add_point
  std::string component;
  std::optional<std::string> version;
  Millis created_at = 0;
  Millis expires_at = 0;
  std::optional<std::int64_t> upgrade_id;
  std::string reason; // "upgrade", "rollback", "snapshot"
};

// One line of the audit trail: append-only.
struct AuditEntry {
  std::int64_t id = 0; // assigned by append_audit
  Millis time = 0;
  std::int64_t uid = 0;
  std::string user;
  std::string command;
  std::string action; // "upgrade", "apply", "rollback", "snapshot", "cancel", "recover", "gc", ...
  std::string component;
  std::optional<std::string> from_version;
  std::optional<std::string> to_version;
  std::string outcome; // "completed", "failed", "refused", "cancelled", "rolled_back", ...
  std::optional<std::int64_t> upgrade_id;
  std::string detail; // the error message, a warning such as "unsigned archive", ...
  std::optional<std::string> error_code; // a refusal's or failure's ErrorCode name
};

// A component's version floor and where it came from: the upgrade that
// raised it, or an operator's reset with its reason.
struct Floor {
  std::string component;
  std::string version;
  std::optional<Millis> set_at;             // nullopt for floors recorded before times were kept
  std::optional<std::int64_t> upgrade_id;   // the upgrade that raised it
  std::string reason;                       // a reset's reason; "" when raised by an upgrade
};

struct Counts {
  std::int64_t completed = 0;
  std::int64_t failed = 0;
  std::int64_t cancelled = 0;
  std::int64_t rolled_back = 0;
  std::int64_t in_progress = 0; // pending or in_progress
};

struct UpgradeFilter {
  std::optional<std::string> component;          // only upgrades with an operation on it
  std::vector<UpgradeStatus> statuses;           // empty: all
  std::vector<std::string> kinds;                // empty: all
  std::optional<Millis> since;                   // started at or after
  std::optional<std::int64_t> before;            // ids below this one (paging)
  std::vector<std::pair<std::string, std::string>> metadata; // every KEY=VALUE must match
  std::optional<std::int64_t> limit;             // newest first; negative: none
};

// The root's durable state: one SQLite database in WAL mode with
// synchronous=FULL and foreign keys on, so every committed call survives
// power loss. Each mutating call is its own transaction unless wrapped in
// begin()/commit(). Not thread-safe; one Store per process.
class StateStore {
public:
  enum class Create { if_missing, never };
  // read_only: for readers of a root they may not write (another user, a
  // read-only mount); nothing is written, not even the journal mode, and
  // every mutating call fails.
  enum class Access { read_write, read_only };

  // Opens (and with Create::if_missing creates, with mode 0600) the database
  // at `path`. Sets a busy timeout so a concurrent reader or `cancel` waits
  // instead of failing. Fails with corrupt_state when the file is not a
  // SQLite database, fails its quick_check, or has a schema version this
  // build does not know ("state database '<p>' ..."); with not_found when it
  // is missing and Create::never; with io when it cannot be opened, or when
  // Access::read_only finds a database without its schema.
  //
  // The quick_check reads every page, so its cost grows with the history.
  // It is skipped when the database and its log are exactly as a
  // read-write connection that had checked them (or skipped so) and
  // changed them left them when it closed: that connection records their
  // stat(2) fields (device, inode, size, modification and change times) in
  // `<path>-checked`. Any other write to either file changes its change
  // time, so it is checked. A connection that only reads records nothing.
  static Result<StateStore> open(const std::filesystem::path& path, Create create,
                                 Access access = Access::read_write);

  StateStore(StateStore&&) noexcept;
  StateStore& operator=(StateStore&&) noexcept;
  StateStore(const StateStore&) = delete;
  StateStore& operator=(const StateStore&) = delete;
  ~StateStore();

  // An explicit transaction (BEGIN IMMEDIATE ... COMMIT / ROLLBACK).
  Result<void> begin();
  Result<void> commit();
  Result<void> rollback();

  // Upgrades and their operations. The calls that change a row by id fail
  // with not_found when there is no such row.
  Result<std::int64_t> begin_upgrade(const UpgradeRecord& record);
  Result<void> set_upgrade_status(std::int64_t id, UpgradeStatus status, std::string_view error,
                                  std::optional<Millis> finished_at);
  // Sets cancel_requested and who asked.
  Result<void> request_cancel(std::int64_t id, std::string_view by);
  // Marks upgrade `id` as the rollback of upgrade `undoes`.
  Result<void> set_undoes(std::int64_t id, std::int64_t undoes);
  Result<std::optional<UpgradeRecord>> upgrade(std::int64_t id);
  Result<std::vector<UpgradeRecord>> upgrades(const UpgradeFilter& filter);
  // Upgrades still pending or in_progress, oldest first.
  Result<std::vector<UpgradeRecord>> unfinished();

  // Fails with not_found when record.upgrade_id names no upgrade.
  Result<std::int64_t> add_operation(const OperationRecord& record);
  Result<void> set_operation_status(std::int64_t id, OperationStatus status, std::string_view error);
  // in_progress, with the time it started.
  Result<void> start_operation(std::int64_t id, Millis at);
  // A final status with the time it ended and the strategy that ran.
  Result<void> finish_operation(std::int64_t id, OperationStatus status, std::string_view error, Millis at,
                                const std::optional<std::string>& strategy);
  Result<void> set_operation_point(std::int64_t id, std::int64_t point_id);
  // In seq order.
  Result<std::vector<OperationRecord>> operations(std::int64_t upgrade_id);

  // Rollback points. Ids are never reused, even after remove_point (not_found
  // when there is no such point).
  Result<std::int64_t> add_point(const RollbackPoint& point);
  Result<std::optional<RollbackPoint>> point(std::int64_t id);
  // Newest first; all components when `component` is empty.
  Result<std::vector<RollbackPoint>> points(std::optional<std::string_view> component);
  Result<void> remove_point(std::int64_t id);

  // The audit trail: append-only, newest first on read; `limit` keeps the
  // newest, `before` pages back (entries with a lower id).
  Result<std::int64_t> append_audit(const AuditEntry& entry);
  Result<std::vector<AuditEntry>> audit(std::optional<std::string_view> component, std::optional<std::int64_t> limit,
                                        std::optional<std::int64_t> before = std::nullopt);

  // The events of live rollouts, in the order they happened.
  Result<void> append_events(const std::vector<EventRecord>& events);
  Result<std::vector<EventRecord>> events(std::int64_t upgrade_id);
  // Every component named by an operation or an audit entry, sorted.
  Result<std::vector<std::string>> known_components();

  // Per-component version floors: the highest version ever activated, below
  // which an upgrade is a downgrade even when `current` was moved by hand.
  Result<std::optional<std::string>> floor(std::string_view component);
  // Sets the floor to `version` (callers compare with semver first), noting
  // when, by which upgrade or for what reason.
  Result<void> set_floor(std::string_view component, std::string_view version, std::optional<Millis> set_at = {},
                         std::optional<std::int64_t> upgrade_id = {}, std::string_view reason = {});
  Result<void> clear_floor(std::string_view component);
  // Every floor, by component name.
  Result<std::vector<Floor>> floors();

  // What extraction wrote for component@version, file by file, so `check`
  // can re-hash it. record_files replaces an earlier record, atomically; a
  // path listed twice fails with internal and keeps the earlier record.
  // `archive_sha256` is the digest of the archive extracted ("" when unknown).
  Result<void> record_files(std::string_view component, std::string_view version,
                            const std::vector<archive::TreeEntry>& entries, std::string_view archive_sha256 = {});
  // The archive digest recorded with component@version's extraction: nullopt
  // when there is no record, "" when the record holds none.
  Result<std::optional<std::string>> recorded_archive(std::string_view component, std::string_view version);
  // nullopt when nothing was recorded for that version.
  Result<std::optional<std::vector<archive::TreeEntry>>> files(std::string_view component, std::string_view version);
  Result<void> forget_files(std::string_view component, std::string_view version);
  // Every component@version that has a record, sorted by component, then version text.
  Result<std::vector<std::pair<std::string, std::string>>> recorded_versions();

  // Counts of upgrades by status, for one component or all.
  Result<Counts> counts(std::optional<std::string_view> component);
  // The newest finished_at of a completed upgrade touching `component`.
  Result<std::optional<Millis>> last_completed(std::string_view component);

  // Every total a metrics file reports, in one read transaction
  // (history_totals.cpp).
  Result<HistoryTotals> history_totals();

  // PRAGMA integrity_check: "ok" or the problems it lists, one per line.
  Result<std::string> integrity_check();

  // Whether open() ran the quick_check (false: the files were unchanged).
  bool checked_on_open() const { return m_checked_on_open; }

private:
  explicit StateStore(sqlite3* db);
  struct Close {
    void operator()(sqlite3* db) const;
  };
  std::unique_ptr<sqlite3, Close> m_db;
  bool m_checked_on_open = false;
  // A read-write connection's stamp of the database's files when it opened
  // them: when it closes, they are recorded if they changed since. Empty:
  // nothing is recorded (a read-only connection).
  std::string m_files_at_open;
};

} // namespace noodle::store
