// SPDX-License-Identifier: Apache-2.0
// Whole plans on generated 3,000-component catalogs, pinned by a digest of
// their full text: the resolver's data layout may change, its answers may
// not. The digests were taken from the resolver before its layout changed.
#include "cascade_catalog.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <cstdint>
#include <string>

namespace noodle::test {

namespace {

struct Pinned {
  std::size_t lines;
  std::uint64_t digest;
};

const Pinned k_pinned[] = {
    {1750, 0xa2e750d19918f8b5ULL}, // install the newest top
    {3000, 0xd96d12e3d72cdce1ULL}, // upgrade everything installed
    {2447, 0xc08e2f307eb5accbULL}, // upgrade a third installed, two priorities
    {6, 0x1dcaa6edf3a71308ULL},    // refuse a dependent that cannot follow
    {7, 0x06b16632fd27d604ULL},    // refuse a third installed, two priorities
    {7, 0x76b2a0f98b38c6b8ULL},    // unsatisfiable when ranges overlap badly
    {15, 0xd5a66ffd29d340c1ULL},   // refuse what a constraint forbids
};

} // namespace

TEST_CASE("generated cascades give the same plans and refusals as before, change for change", "[graph][resolver]")
{
  const auto cases = cascade_cases();
  REQUIRE(cases.size() == std::size(k_pinned));
  for (std::size_t i = 0; i < cases.size(); ++i) {
    INFO(cases[i].title);
    const std::string text = describe_case(cases[i]);
    CHECK(static_cast<std::size_t>(std::count(text.begin(), text.end(), '\n')) == k_pinned[i].lines);
    CHECK(digest(text) == k_pinned[i].digest);
  }
}

} // namespace noodle::test
