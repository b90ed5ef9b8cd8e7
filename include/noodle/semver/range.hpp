// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <noodle/semver/version.hpp>
#include <noodle/util/error.hpp>

#include <string>
#include <string_view>
#include <vector>

namespace noodle::semver {

enum class Op { lt, le, gt, ge, eq };

struct Comparator {
  Op op = Op::ge;
  Version version; // op ge 0.0.0 with any_version = true means "*"
  bool any_version = false;
};

// A range in npm semver's grammar: comparators < <= > >= =, caret, tilde,
// x-ranges (1.x, 1.2.*, *), hyphen ranges (1.2.3 - 2.3.4), whitespace = AND,
// "||" = OR. Desugared at parse time into sets of primitive comparators, so
// matching is a few integer comparisons and no regular expressions.
class Range {
public:
  // Fails with ErrorCode::invalid_range and a message naming the input.
  static Result<Range> parse(std::string_view text);

  // npm's rule: a prerelease version satisfies only a comparator set that
  // names a prerelease on the same major.minor.patch.
  bool satisfies(const Version& v) const;

  // The range as written, and its normalized form (npm's Range.range).
  const std::string& raw() const { return m_raw; }
  std::string to_string() const;

  const std::vector<std::vector<Comparator>>& sets() const { return m_sets; }

private:
  std::string m_raw;
  std::vector<std::vector<Comparator>> m_sets; // OR of ANDs
};

} // namespace noodle::semver
