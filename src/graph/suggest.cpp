// SPDX-License-Identifier: Apache-2.0
#include <noodle/graph/suggest.hpp>
#include <noodle/util/spellcheck.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <utility>

namespace noodle::graph {

std::vector<std::string> similar_names(const manifest::Catalog& catalog, std::string_view name, std::size_t limit)
{
  const std::size_t max_distance = std::max<std::size_t>(2, name.size() / 3);
  std::vector<std::pair<std::size_t, std::string_view>> close;
  for (const auto& [candidate, _] : catalog.components()) {
    // Lengths alone bound the distance; skips most of a large catalog cheaply.
    const std::size_t length_gap =
        candidate.size() > name.size() ? candidate.size() - name.size() : name.size() - candidate.size();
    if (length_gap > max_distance) {
      continue;
    }
    const std::size_t distance = util::edit_distance(name, candidate, max_distance);
    if (distance <= max_distance && distance > 0) {
      close.emplace_back(distance, candidate);
    }
  }
  std::sort(close.begin(), close.end());
  std::vector<std::string> out;
  for (std::size_t i = 0; i < close.size() && i < limit; ++i) {
    out.emplace_back(close[i].second);
  }
  return out;
}

std::string did_you_mean(const manifest::Catalog& catalog, std::string_view name)
{
  const auto names = similar_names(catalog, name);
  if (names.empty()) {
    return {};
  }
  std::string text = "did you mean ";
  for (std::size_t i = 0; i < names.size(); ++i) {
    if (i > 0) {
      text += i + 1 == names.size() ? " or " : ", ";
    }
    text += fmt::format("'{}'", names[i]);
  }
  text += "?";
  return text;
}

} // namespace noodle::graph
