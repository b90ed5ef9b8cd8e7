// SPDX-License-Identifier: Apache-2.0
#include "schema_migrations.hpp"

#include "sqlite_stmt.hpp"

#include <fmt/format.h>

#include <array>

namespace noodle::store::detail {

namespace {

// Each entry takes the schema from version i + 1 to i + 2. Only ever append.
constexpr std::array<const char*, 3> k_steps = {
    // 2: links between upgrades, who cancelled, per-operation times and the
    // strategy that ran, the events of live rollouts, and where each floor
    // came from.
    R"sql(
ALTER TABLE upgrades ADD COLUMN undoes INTEGER;
ALTER TABLE upgrades ADD COLUMN cancelled_by TEXT;
CREATE INDEX upgrades_by_undoes ON upgrades (undoes);
ALTER TABLE operations ADD COLUMN started_at INTEGER;
ALTER TABLE operations ADD COLUMN finished_at INTEGER;
ALTER TABLE operations ADD COLUMN strategy TEXT;
CREATE TABLE events (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  upgrade_id INTEGER NOT NULL REFERENCES upgrades (id),
  operation_id INTEGER REFERENCES operations (id),
  time INTEGER NOT NULL,
  at_ms REAL NOT NULL,
  phase TEXT NOT NULL,
  detail TEXT NOT NULL,
  weight INTEGER,
  instances TEXT NOT NULL,
  healthy INTEGER CHECK (healthy IN (0, 1))
);
CREATE INDEX events_by_upgrade ON events (upgrade_id, id);
ALTER TABLE floors ADD COLUMN set_at INTEGER;
ALTER TABLE floors ADD COLUMN upgrade_id INTEGER;
ALTER TABLE floors ADD COLUMN reason TEXT;
)sql",
    // 3: the sha256 of the archive an extraction came from, so a version is
    // reused only while the catalog still names those bytes (NULL: unknown,
    // never reused against a catalog that names an archive).
    R"sql(
ALTER TABLE file_records ADD COLUMN archive_sha256 TEXT;
)sql",
    // 4: what the metrics file reports that history did not keep: the error
    // code of a refusal in the audit trail, and how long a change waited for
    // the root's lock.
    R"sql(
ALTER TABLE audit ADD COLUMN error_code TEXT;
ALTER TABLE upgrades ADD COLUMN lock_wait_ms INTEGER;
)sql",
};

static_assert(k_steps.size() + 1 == k_current_schema_version, "one migration step per schema version after 1");

} // namespace

Result<void> migrate(sqlite3* db, std::int64_t from, std::string_view path)
{
  for (std::int64_t version = from; version < k_current_schema_version; ++version) {
    const std::string what = fmt::format("upgrade the schema of '{}' from version {} to {}", path, version, version + 1);
    Transaction tx(db);
    if (auto r = tx.open(what); !r) {
      return r;
    }
    if (auto r = exec(db, k_steps[static_cast<std::size_t>(version - 1)], what); !r) {
      return r;
    }
    // Pragmas take no bound parameters; this is a number we computed.
    const std::string pragma = fmt::format("PRAGMA user_version = {}", version + 1);
    if (auto r = exec(db, pragma.c_str(), what); !r) {
      return r;
    }
    if (auto r = tx.commit(what); !r) {
      return r;
    }
  }
  return {};
}

} // namespace noodle::store::detail
