// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <noodle/semver/range.hpp>
#include <noodle/semver/version.hpp>

#include <optional>

namespace noodle::semver {

// npm semver's intersects(): whether some version could satisfy both
// ranges, judged comparator by comparator as npm does (with the options
// `a` was parsed with).
bool intersects(const Range& a, const Range& b);

// npm semver's gtr() (Side::above) and ltr() (Side::below): whether `v` is
// above every version `range` admits, or below every one.
enum class Side { above, below };
bool outside(const Version& v, const Range& range, Side side);

// npm semver's minVersion(): the lowest version that satisfies `range`, or
// nullopt when npm finds none.
std::optional<Version> min_version(const Range& range);

} // namespace noodle::semver
