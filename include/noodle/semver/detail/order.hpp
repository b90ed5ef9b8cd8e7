// SPDX-License-Identifier: Apache-2.0
#pragma once

// Identifier orders shared by Version, semver::sort and VersionList, on the
// identifiers' text.

#include <noodle/semver/detail/text.hpp>

#include <algorithm>
#include <string_view>

namespace noodle::semver::detail {

inline bool all_digits(std::string_view s)
{
  return !s.empty() && std::all_of(s.begin(), s.end(), is_digit);
}

inline int sign(int c)
{
  return c < 0 ? -1 : (c > 0 ? 1 : 0);
}

// Two valid prerelease identifiers: numeric ones (never with leading zeros)
// compare as numbers and sort below alphanumeric ones, which compare as
// ASCII text; -1, 0 or 1.
inline int compare_prerelease_identifier(std::string_view a, std::string_view b)
{
  const bool an = all_digits(a);
  const bool bn = all_digits(b);
  if (an != bn) {
    return an ? -1 : 1;
  }
  if (an && a.size() != b.size()) {
    return a.size() < b.size() ? -1 : 1;
  }
  return sign(a.compare(b));
}

// npm's compareIdentifiers on two build identifiers: digit-only ones compare
// as numbers (build identifiers may have leading zeros, so "001" equals "1")
// and sort below the others, which compare as ASCII text; -1, 0 or 1.
inline int compare_build_identifier(std::string_view a, std::string_view b)
{
  const bool an = all_digits(a);
  const bool bn = all_digits(b);
  if (an && bn) {
    a.remove_prefix(std::min(a.find_first_not_of('0'), a.size()));
    b.remove_prefix(std::min(b.find_first_not_of('0'), b.size()));
    if (a.size() != b.size()) {
      return a.size() < b.size() ? -1 : 1;
    }
  } else if (an != bn) {
    return an ? -1 : 1;
  }
  return sign(a.compare(b));
}

} // namespace noodle::semver::detail
