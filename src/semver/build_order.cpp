// SPDX-License-Identifier: Apache-2.0
#include <noodle/semver/detail/order.hpp>
#include <noodle/semver/version.hpp>

#include <bit>
#include <algorithm>
#include <cstdint>

namespace noodle::semver {

using detail::compare_build_identifier;

int compare_build(const Version& a, const Version& b)
{
  const std::size_t n = std::min(a.build().size(), b.build().size());
  for (std::size_t i = 0; i < n; ++i) {
    if (a.build()[i] == b.build()[i]) {
      continue;
    }
    // As npm: the first differing identifier decides, even when it compares
    // equal ("001" against "1").
    return compare_build_identifier(a.build()[i], b.build()[i]);
  }
  if (a.build().size() == b.build().size()) {
    return 0;
  }
  // As npm: fewer identifiers sort first, so no build metadata sorts first.
  return a.build().size() < b.build().size() ? -1 : 1;
}

namespace {

// compare_build made a consistent order for sorting: identifiers that are
// equal as numbers ("001", "1") do not stop the comparison.
int compare_build_for_sort(const Version& a, const Version& b)
{
  const std::size_t n = std::min(a.build().size(), b.build().size());
  for (std::size_t i = 0; i < n; ++i) {
    if (a.build()[i] == b.build()[i]) {
      continue;
    }
    if (const int c = compare_build_identifier(a.build()[i], b.build()[i]); c != 0) {
      return c;
    }
  }
  if (a.build().size() == b.build().size()) {
    return 0;
  }
  return a.build().size() < b.build().size() ? -1 : 1;
}

} // namespace

namespace {

// What sort() orders: MAJOR.MINOR.PATCH packed into one word, and flags
// that settle the commonest ties without touching the versions.
struct SortKey {
  std::uint64_t tuple;
  std::uint32_t index;
  std::uint8_t flags;
};

constexpr std::uint8_t k_release = 1; // no prerelease
constexpr std::uint8_t k_plain = 2;   // no prerelease and no build metadata

// Equal MAJOR.MINOR.PATCH: prerelease, build metadata, then input order.
bool tie_less(const std::vector<Version>& versions, const SortKey& x, const SortKey& y)
{
  if ((x.flags & k_release) != (y.flags & k_release)) {
    return (y.flags & k_release) != 0;
  }
  const auto& a = versions[x.index];
  const auto& b = versions[y.index];
  if ((x.flags & k_release) == 0) {
    if (const auto c = a <=> b; c != 0) {
      return c < 0;
    }
  }
  if (const int c = compare_build_for_sort(a, b); c != 0) {
    return c < 0;
  }
  return x.index < y.index;
}

// Stable LSD radix sort on the packed tuple, 11 bits per pass; passes whose
// digit is the same for every key are skipped.
void radix_sort(std::vector<SortKey>& keys, unsigned bits)
{
  constexpr unsigned k_digit = 11;
  constexpr std::size_t k_buckets = std::size_t{1} << k_digit;
  std::vector<SortKey> buffer(keys.size());
  std::vector<std::size_t> count(k_buckets);
  for (unsigned shift = 0; shift < bits; shift += k_digit) {
    std::fill(count.begin(), count.end(), 0);
    for (const auto& k : keys) {
      ++count[(k.tuple >> shift) & (k_buckets - 1)];
    }
    if (count[(keys.front().tuple >> shift) & (k_buckets - 1)] == keys.size()) {
      continue;
    }
    std::size_t sum = 0;
    for (auto& c : count) {
      const auto n = c;
      c = sum;
      sum += n;
    }
    for (const auto& k : keys) {
      buffer[count[(k.tuple >> shift) & (k_buckets - 1)]++] = k;
    }
    keys.swap(buffer);
  }
}

} // namespace

void sort(std::vector<Version>& versions)
{
  if (versions.size() < 2) {
    return;
  }
  std::uint64_t max_major = 0;
  std::uint64_t max_minor = 0;
  std::uint64_t max_patch = 0;
  for (const auto& v : versions) {
    max_major = std::max(max_major, v.major);
    max_minor = std::max(max_minor, v.minor);
    max_patch = std::max(max_patch, v.patch);
  }
  const unsigned patch_bits = static_cast<unsigned>(std::bit_width(max_patch));
  const unsigned minor_bits = static_cast<unsigned>(std::bit_width(max_minor));
  const unsigned bits = static_cast<unsigned>(std::bit_width(max_major)) + minor_bits + patch_bits;
  if (bits > 64 || versions.size() > UINT32_MAX) {
    // Rare: numbers too large to pack. Compare the versions themselves.
    std::stable_sort(versions.begin(), versions.end(), [](const Version& a, const Version& b) {
      if (const auto c = a <=> b; c != 0) {
        return c < 0;
      }
      return compare_build_for_sort(a, b) < 0;
    });
    return;
  }
  std::vector<SortKey> keys;
  keys.reserve(versions.size());
  for (std::size_t i = 0; i < versions.size(); ++i) {
    const auto& v = versions[i];
    std::uint8_t flags = 0;
    if (v.prerelease().empty()) {
      flags = v.build().empty() ? (k_release | k_plain) : k_release;
    }
    // Shifts by 64 are undefined; a zero-width field only ever holds 0.
    const std::uint64_t tuple = (minor_bits + patch_bits < 64 ? v.major << (minor_bits + patch_bits) : 0) |
                                (patch_bits < 64 ? v.minor << patch_bits : 0) | v.patch;
    keys.push_back(SortKey{tuple, static_cast<std::uint32_t>(i), flags});
  }
  radix_sort(keys, bits);
  // Radix sorting is stable, so equal plain releases are already in input
  // order; runs of one MAJOR.MINOR.PATCH with prereleases or builds are
  // sorted by the full rule.
  for (std::size_t b = 0; b < keys.size();) {
    std::size_t e = b + 1;
    bool plain = (keys[b].flags & k_plain) != 0;
    while (e < keys.size() && keys[e].tuple == keys[b].tuple) {
      plain = plain && (keys[e].flags & k_plain) != 0;
      ++e;
    }
    if (!plain) {
      std::sort(keys.begin() + static_cast<std::ptrdiff_t>(b), keys.begin() + static_cast<std::ptrdiff_t>(e),
                [&](const SortKey& x, const SortKey& y) {
                  if ((x.flags & y.flags & k_plain) != 0) {
                    return x.index < y.index;
                  }
                  return tie_less(versions, x, y);
                });
    }
    b = e;
  }
  // The gather is a random walk over the versions: fetch a few ahead.
  constexpr std::size_t k_ahead = 8;
  std::vector<Version> sorted;
  sorted.reserve(versions.size());
  for (std::size_t i = 0; i < keys.size(); ++i) {
    if (i + k_ahead < keys.size()) {
      __builtin_prefetch(&versions[keys[i + k_ahead].index]);
    }
    sorted.push_back(std::move(versions[keys[i].index]));
  }
  versions = std::move(sorted);
}

} // namespace noodle::semver
