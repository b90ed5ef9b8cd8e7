// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <noodle/manifest/model.hpp>

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace noodle::graph {

// Catalog names close to `name` (distance at most max(2, size / 3)), nearest
// first then by name, at most `limit` of them.
std::vector<std::string> similar_names(const manifest::Catalog& catalog, std::string_view name, std::size_t limit = 3);

// "did you mean 'a'?" / "did you mean 'a' or 'b'?"; empty when nothing is close.
std::string did_you_mean(const manifest::Catalog& catalog, std::string_view name);

} // namespace noodle::graph
