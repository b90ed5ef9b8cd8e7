// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstddef>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace noodle::util {

// Edit distance counting insertions, deletions, substitutions and swaps of
// adjacent characters (optimal string alignment): "lbi" is one edit from
// "lib". Stops early and returns limit + 1 once every path exceeds `limit`.
std::size_t edit_distance(std::string_view a, std::string_view b,
                          std::size_t limit = std::numeric_limits<std::size_t>::max() - 1);

// The candidate nearest to `word` for a "did you mean ...?" hint, or nothing
// when `word` is itself a candidate or none is a plausible typo (short words
// tolerate fewer edits, at most 3).
std::optional<std::string> suggest(std::string_view word, const std::vector<std::string>& candidates);

} // namespace noodle::util
