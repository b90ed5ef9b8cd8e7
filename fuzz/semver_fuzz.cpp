// SPDX-License-Identifier: Apache-2.0
// Version::parse and Range::parse on the two halves of the input (split at
// the first newline), then satisfies. Properties: a parsed version prints
// in a canonical form that re-parses to an equal version (build metadata
// included); a range's normalized form re-parses to the same form and the
// same answers; for a release version, satisfies() agrees with testing each
// comparator set by hand.

#include "check.hpp"

#include <noodle/semver/range.hpp>
#include <noodle/semver/version.hpp>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

using namespace noodle;

namespace {

std::optional<semver::Version> check_version(std::string_view text)
{
  auto v = semver::Version::parse(text);
  if (!v) {
    return std::nullopt;
  }
  const std::string canonical = v->to_string();
  auto again = semver::Version::parse(canonical);
  NOODLE_FUZZ_CHECK(again.has_value());
  NOODLE_FUZZ_CHECK(*again == *v);
  NOODLE_FUZZ_CHECK(again->build == v->build);
  NOODLE_FUZZ_CHECK(again->to_string() == canonical);
  NOODLE_FUZZ_CHECK(semver::compare(*v, *again) == 0 && semver::compare_build(*v, *again) == 0);
  std::string appended;
  v->append_to(appended, semver::BuildMetadata::omit);
  NOODLE_FUZZ_CHECK(appended == v->to_string(semver::BuildMetadata::omit));
  return std::move(*v);
}

bool satisfies_by_hand(const semver::Range& r, const semver::Version& v)
{
  return std::any_of(r.sets().begin(), r.sets().end(), [&](const auto& set) {
    return std::all_of(set.begin(), set.end(), [&](const semver::Comparator& c) { return c.test(v); });
  });
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const auto newline = input.find('\n');
  const std::string_view first = input.substr(0, newline);
  const std::string_view second = newline == std::string_view::npos ? input : input.substr(newline + 1);

  const auto v = check_version(first);
  auto r = semver::Range::parse(second);
  if (!r) {
    return 0;
  }
  const std::string normalized = r->to_string();
  auto again = semver::Range::parse(normalized);
  NOODLE_FUZZ_CHECK(again.has_value());
  NOODLE_FUZZ_CHECK(again->to_string() == normalized);
  for (const auto& set : r->sets()) {
    for (const auto& c : set) {
      (void)c.to_string();
    }
  }
  if (v) {
    const bool yes = r->satisfies(*v);
    NOODLE_FUZZ_CHECK(again->satisfies(*v) == yes);
    if (!v->is_prerelease()) {
      NOODLE_FUZZ_CHECK(yes == satisfies_by_hand(*r, *v));
    } else if (yes) {
      NOODLE_FUZZ_CHECK(satisfies_by_hand(*r, *v));
    }
  }
  return 0;
}
