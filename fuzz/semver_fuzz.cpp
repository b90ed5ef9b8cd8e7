// SPDX-License-Identifier: Apache-2.0
// Version::parse and Range::parse on the two halves of the input (split at
// the first newline), then satisfies. Properties: a parsed version prints
// in a canonical form that re-parses to an equal version (build metadata
// included); a range's normalized form re-parses to the same form and the
// same answers; for a release version, satisfies() agrees with testing each
// comparator set by hand. Loosely: a version's canonical form is a strict
// version equal to it, a range's normalized form re-parses loosely and its
// own normal form is stable;
// the npm toolkit functions (inc, diff, coerce, intersects, outside,
// minVersion) run on the same inputs, and a minimum found satisfies.

#include "check.hpp"

#include <noodle/semver/coerce.hpp>
#include <noodle/semver/increment.hpp>
#include <noodle/semver/range.hpp>
#include <noodle/semver/range_relations.hpp>
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
  NOODLE_FUZZ_CHECK(again->build() == v->build());
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

void check_loose(std::string_view version_text, std::string_view range_text)
{
  const semver::Options loose{.loose = true};
  const semver::Options both{.loose = true, .include_prerelease = true};
  auto v = semver::Version::parse(version_text, loose);
  if (v) {
    auto strict = semver::Version::parse(v->to_string());
    NOODLE_FUZZ_CHECK(strict.has_value());
    NOODLE_FUZZ_CHECK(*strict == *v);
    for (const auto release : {semver::Release::major, semver::Release::prerelease, semver::Release::release}) {
      (void)semver::increment(*v, semver::Increment{release, std::string("beta"), semver::IdentifierBase::one});
    }
    (void)semver::difference(*v, *strict);
  }
  for (const auto& options : {loose, both}) {
    auto r = semver::Range::parse(range_text, options);
    (void)semver::coerce(range_text, semver::CoerceFrom::right, options);
    if (!r) {
      continue;
    }
    // As in npm, a loose normal form need not be its own normal form
    // (">=0.00 >=0.0.0" gives ">=0.0.0", which gives "*"), but the second
    // one is.
    auto again = semver::Range::parse(r->to_string(), options);
    NOODLE_FUZZ_CHECK(again.has_value());
    const std::string normalized = again->to_string();
    auto third = semver::Range::parse(normalized, options);
    NOODLE_FUZZ_CHECK(third.has_value());
    NOODLE_FUZZ_CHECK(third->to_string() == normalized);
    (void)semver::intersects(*r, *again);
    if (const auto min = semver::min_version(*r)) {
      NOODLE_FUZZ_CHECK(r->satisfies(*min));
    }
    if (v) {
      (void)semver::outside(*v, *r, semver::Side::above);
    }
  }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const auto newline = input.find('\n');
  const std::string_view first = input.substr(0, newline);
  const std::string_view second = newline == std::string_view::npos ? input : input.substr(newline + 1);

  check_loose(first, second);
  (void)semver::coerce(input, semver::CoerceFrom::left);

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
