// SPDX-License-Identifier: Apache-2.0
// Internal to src/manifest: typed field readers shared by the manifest and
// batch parsers. Each reader reports a problem with the field's path and the
// offending node, and returns nullopt for it.
#pragma once

#include "yaml_doc.hpp"

#include <noodle/semver/range.hpp>
#include <noodle/semver/version.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace noodle::manifest::detail {

// "got 'x'" plus a hint when a quoted scalar would have been a number or boolean.
std::string got(const Node& n);

std::optional<std::string> read_string(const Node& n, Sink& sink, const std::string& field);
std::optional<bool> read_bool(const Node& n, Sink& sink, const std::string& field);

enum class Sign { non_negative, positive };
std::optional<std::uint64_t> read_unsigned(const Node& n, Sink& sink, const std::string& field, Sign sign,
                                           std::uint64_t max = UINT64_MAX);
std::optional<std::int64_t> read_signed(const Node& n, Sink& sink, const std::string& field, std::int64_t min,
                                        std::int64_t max);

// Text of any non-null scalar (numbers included, so "1.0" reaches the
// version parser and gets its message).
std::optional<std::string> read_scalar_text(const Node& n, Sink& sink, const std::string& field,
                                            std::string_view expected);

std::optional<semver::Version> read_version(const Node& n, Sink& sink, const std::string& field);
std::optional<semver::Range> read_range(const Node& n, Sink& sink, const std::string& field);

std::optional<std::string> read_component_name(const Node& n, Sink& sink, const std::string& field);
// Reports an invalid name found as a mapping key or a list item.
bool check_component_name(const std::string& name, const Node& at, Sink& sink, const std::string& field);

// One of `allowed`, with a did-you-mean on a near miss.
std::optional<std::string> read_choice(const Node& n, Sink& sink, const std::string& field,
                                       const std::vector<std::string>& allowed);

// read_choice of manifest::batch_strategies(), an alias (blue_green) read
// as the strategy it stands for.
std::optional<std::string> read_strategy(const Node& n, Sink& sink, const std::string& field);

// "unknown field 'x' (did you mean 'y'?)" at the key.
void report_unknown_field(const Entry& e, Sink& sink, const std::string& prefix,
                          const std::vector<std::string>& known, Diagnostic::Severity severity);

// "missing required field 'x'" at `at` (usually the enclosing mapping).
void report_missing_field(const Node& at, Sink& sink, const std::string& field);

// Requires `n` to be a mapping, reporting "field 'x' must be a mapping, got ...".
bool expect_mapping(const Node& n, Sink& sink, const std::string& field);

} // namespace noodle::manifest::detail
