// SPDX-License-Identifier: Apache-2.0
#include <noodle/semver/detail/text.hpp>
#include <noodle/semver/version.hpp>

#include <algorithm>

namespace noodle::semver {

namespace {

bool all_digits(std::string_view s)
{
  return !s.empty() && std::all_of(s.begin(), s.end(), detail::is_digit);
}

// npm's compareIdentifiers on two build identifiers: digit-only ones compare
// as numbers (build identifiers may have leading zeros, so "001" equals "1")
// and sort below the others, which compare as ASCII text.
int compare_identifier(std::string_view a, std::string_view b)
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
  const int c = a.compare(b);
  return c < 0 ? -1 : (c > 0 ? 1 : 0);
}

} // namespace

int compare_build(const Version& a, const Version& b)
{
  const std::size_t n = std::min(a.build.size(), b.build.size());
  for (std::size_t i = 0; i < n; ++i) {
    if (a.build[i] == b.build[i]) {
      continue;
    }
    // As npm: the first differing identifier decides, even when it compares
    // equal ("001" against "1").
    return compare_identifier(a.build[i], b.build[i]);
  }
  if (a.build.size() == b.build.size()) {
    return 0;
  }
  // As npm: fewer identifiers sort first, so no build metadata sorts first.
  return a.build.size() < b.build.size() ? -1 : 1;
}

} // namespace noodle::semver
