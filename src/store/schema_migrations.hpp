// SPDX-License-Identifier: Apache-2.0
#pragma once

// Upgrades of the state database's schema, private to the store module.

#include <noodle/util/error.hpp>

#include <sqlite3.h>

#include <cstdint>
#include <string_view>

namespace noodle::store::detail {

// The schema version this build writes (PRAGMA user_version).
inline constexpr std::int64_t k_current_schema_version = 4;

// Brings a database at schema version `from` (>= 1) to the current one, each
// step in its own transaction with the new user_version, so a crash leaves a
// database at one version or the next. `path` names it in errors.
Result<void> migrate(sqlite3* db, std::int64_t from, std::string_view path);

} // namespace noodle::store::detail
