// SPDX-License-Identifier: Apache-2.0
#include <noodle/semver/version.hpp>

#include <charconv>

namespace noodle::semver {

namespace {

bool all_digits(const std::string& s)
{
  return !s.empty() && s.find_first_not_of("0123456789") == std::string::npos;
}

// npm's compareIdentifiers: numeric identifiers compare as numbers and sort
// below alphanumeric ones.
int compare_identifier(const std::string& a, const std::string& b)
{
  const bool an = all_digits(a);
  const bool bn = all_digits(b);
  if (an && bn) {
    std::uint64_t x = 0;
    std::uint64_t y = 0;
    std::from_chars(a.data(), a.data() + a.size(), x);
    std::from_chars(b.data(), b.data() + b.size(), y);
    return x < y ? -1 : (x > y ? 1 : 0);
  }
  if (an != bn) {
    return an ? -1 : 1;
  }
  int c = a.compare(b);
  return c < 0 ? -1 : (c > 0 ? 1 : 0);
}

} // namespace

int compare_build(const Version& a, const Version& b)
{
  const std::size_t n = std::min(a.build.size(), b.build.size());
  for (std::size_t i = 0; i < n; ++i) {
    if (int c = compare_identifier(a.build[i], b.build[i]); c != 0) {
      return c;
    }
  }
  if (a.build.size() == b.build.size()) {
    return 0;
  }
  // As npm: a version without build metadata sorts first.
  return a.build.size() < b.build.size() ? -1 : 1;
}

} // namespace noodle::semver
