// SPDX-License-Identifier: Apache-2.0
// Internal to src/output: the JSON of values that may be absent, shared by
// the views that render them.
#pragma once

#include <nlohmann/json.hpp>

#include <optional>
#include <string>

namespace noodle::output::detail {

inline nlohmann::ordered_json opt(const std::optional<std::string>& s)
{
  return s ? nlohmann::ordered_json(*s) : nlohmann::ordered_json(nullptr);
}

// Empty text is an absent value.
inline nlohmann::ordered_json text_or_null(const std::string& s)
{
  return s.empty() ? nlohmann::ordered_json(nullptr) : nlohmann::ordered_json(s);
}

} // namespace noodle::output::detail
