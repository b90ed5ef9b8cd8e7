// SPDX-License-Identifier: Apache-2.0
// Internal to src/manifest: the depth pre-scan of raw YAML text, run before
// the parser sees it (see parse_yaml).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

namespace noodle::manifest::detail {

// Pre-scan of raw YAML text: the first place where the nesting of block
// collections plus flow collections ([ {) goes over `max_depth`, or where a
// quoted scalar is left open at the end of the text.
struct ScanProblem {
  enum class Kind { too_deep, unterminated_quote } kind;
  std::uint32_t line = 0;   // 1-based
  std::uint32_t column = 0; // 1-based
};
std::optional<ScanProblem> prescan(std::string_view text, std::size_t max_depth);

} // namespace noodle::manifest::detail
