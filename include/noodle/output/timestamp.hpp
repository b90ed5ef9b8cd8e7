// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <noodle/store/state_store.hpp>

#include <string>

// How times are written: one form for people, one for programs.
namespace noodle::output {

// Text output: "2026-11-27 01:02:03 UTC".
std::string format_time(store::Millis t);
// JSON output: RFC 3339, UTC, milliseconds: "2026-11-27T01:02:03.045Z".
std::string format_timestamp(store::Millis t);
// "3m", "2h", "5d" (negative: "in 5d").
std::string format_age(store::Millis from, store::Millis now);

} // namespace noodle::output
