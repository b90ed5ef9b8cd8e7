// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <noodle/semver/version.hpp>
#include <noodle/util/error.hpp>
#include <noodle/util/shared.hpp>

#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace noodle::semver {

enum class Op { lt, le, gt, ge, eq };

struct Comparator {
  Op op = Op::ge;
  Version version; // op ge 0.0.0 with any_version = true means "*"
  bool any_version = false;

  // Whether v meets this one comparator (no prerelease rule here).
  bool test(const Version& v) const;
  // npm's Comparator.value: "<2.0.0-0", ">=1.2.3", "1.2.3" for eq, "" for "*".
  std::string to_string() const;
};

// A range in npm semver 7's grammar (non-loose mode, no includePrerelease):
// comparators < <= > >= = (and bare versions), caret, tilde (and "~>"),
// x-ranges (1.x, 1.2.*, *, X, "" = *), partial versions (1, 1.2), hyphen
// ranges (1.2.3 - 2.3.4, partials allowed), whitespace = AND, "||" = OR.
// Desugared at parse time into sets of primitive comparators exactly as npm
// does, so matching is a few integer comparisons; no regular expressions.
// The inputs accepted are those for which npm's validRange() is not null.
class Range {
public:
  // The range "*": every release version.
  Range();

  // Fails with ErrorCode::invalid_range and the message
  // "invalid range '<text>': <why>". `options` are npm's (see Options):
  // loose parsing drops invalid comparators (the range fails only when no
  // alternative keeps one); include_prerelease changes the desugaring and
  // satisfies().
  static Result<Range> parse(std::string_view text, const Options& options = {});

  // npm's rule: a prerelease version satisfies only a comparator set that
  // names a prerelease on the same major.minor.patch, unless the range was
  // parsed with include_prerelease. Never allocates.
  bool satisfies(const Version& v) const;

  const Options& options() const { return m_data->options; }

  // The range as written, and its normalized form: npm's validRange() (the
  // Range.range string, or "*" when that is empty), e.g. ">=1.2.3 <2.0.0-0".
  const std::string& raw() const { return m_data->raw; }
  std::string to_string() const;

  const std::vector<std::vector<Comparator>>& sets() const { return m_data->sets; }

private:
  // Never changed once parsed, so copies share it: a catalog holds the same
  // few ranges hundreds of thousands of times.
  struct Data {
    std::string raw;
    std::vector<std::vector<Comparator>> sets; // OR of ANDs
    Options options;
  };
  static const util::Shared<Data>& any();

  util::Shared<Data> m_data; // one pointer: a large catalog holds a range per dependency
};

} // namespace noodle::semver
