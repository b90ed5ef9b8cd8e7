// SPDX-License-Identifier: Apache-2.0
// The rule for the component names and versions that become directory
// names under a root: one place, used wherever a name or a version enters
// (the catalog, batch files, saved plans, the command line) and again where
// one becomes a path (engine::RootDir).
#pragma once

#include <noodle/util/error.hpp>

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace noodle::manifest {

// The longest component name and version text. Each names one directory
// (<root>/components/<name>/versions/<version>), so both stay far below
// NAME_MAX (255), and a path below a root far below PATH_MAX.
inline constexpr std::size_t k_max_name_length = 128;
inline constexpr std::size_t k_max_version_text = 128;

// Why `name` is not a component name, nullopt when it is one: 1 to
// k_max_name_length of lowercase letters, digits, '_', '.' and '-', starting
// with a letter or a digit (so never '/', "." or "..", nor a control
// character).
std::optional<std::string> name_problem(std::string_view name);

// Why `version` cannot name a version directory, nullopt when it can: it
// must be a SemVer 2.0.0 version written as Version::to_string writes it
// (so only letters, digits, '.', '-' and '+') and at most k_max_version_text
// characters.
std::optional<std::string> version_problem(std::string_view version);

// The same as a usage error naming the value: "invalid component name
// '<name>': <why>", "invalid version '<version>': <why>".
Result<void> check_name(std::string_view name);
Result<void> check_version(std::string_view version);

// The value as an error message shows it: at most 60 characters, then "...".
std::string shown_value(std::string_view value);

} // namespace noodle::manifest
