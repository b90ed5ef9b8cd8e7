// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <noodle/semver/range.hpp>

#include <string>

namespace noodle::graph {

// Whether a component may end up at a lower version than the installed one.
enum class AllowDowngrade { no, yes };

// A user pin (`--constraint NAME@RANGE`): the resolver may choose for `name`
// only versions inside `range`.
struct Constraint {
  std::string name;
  semver::Range range;
};

} // namespace noodle::graph
