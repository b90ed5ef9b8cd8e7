// SPDX-License-Identifier: Apache-2.0
#include "resolver_impl.hpp"

#include "common.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <bit>
#include <string>
#include <vector>

namespace noodle::graph::detail {

namespace {

// The smallest of a set of integers below a fixed bound: a bitmap with one
// summary level per 64-fold, so insert and pop_min take a few word
// operations each.
class RankQueue {
public:
  explicit RankQueue(std::size_t bound)
  {
    std::size_t words = bound;
    do {
      words = (words + 63) / 64;
      m_levels.emplace_back(std::max<std::size_t>(words, 1), 0);
    } while (words > 1);
  }

  bool empty() const { return m_levels.back()[0] == 0; }

  void insert(std::size_t value)
  {
    for (auto& level : m_levels) {
      std::uint64_t& word = level[value / 64];
      const bool had_any = word != 0;
      word |= std::uint64_t{1} << (value % 64);
      if (had_any) {
        break;
      }
      value /= 64;
    }
  }

  // Must not be empty.
  std::size_t pop_min()
  {
    std::size_t at = 0;
    for (auto level = m_levels.rbegin(); level != m_levels.rend(); ++level) {
      at = at * 64 + static_cast<std::size_t>(std::countr_zero((*level)[at]));
    }
    const std::size_t value = at;
    for (auto& level : m_levels) {
      std::uint64_t& word = level[at / 64];
      word &= ~(std::uint64_t{1} << (at % 64));
      if (word != 0) {
        break;
      }
      at /= 64;
    }
    return value;
  }

private:
  std::vector<std::vector<std::uint64_t>> m_levels; // [0] has one bit per value
};

} // namespace

void Resolver::prune()
{
  std::vector<char> needed(m_nodes.size(), 0);
  std::vector<Index> stack;
  for (Index i = 0; i < m_nodes.size(); ++i) {
    if (!changed(i)) {
      continue;
    }
    const Node& n = m_nodes[i];
    if (n.requested || n.installed != nullptr) {
      needed[i] = 1;
      stack.push_back(i);
    }
  }
  while (!stack.empty()) {
    const Index i = stack.back();
    stack.pop_back();
    for (const Index t : targets(i)) {
      if (!needed[t] && m_nodes[t].changed) {
        needed[t] = 1;
        stack.push_back(t);
      }
    }
  }
  for (Index i = 0; i < m_nodes.size(); ++i) {
    if (changed(i) && !needed[i]) {
      set_selected(i, nullptr);
    }
  }
}

// A dependency inherits the highest priority of what pulls it in; priorities
// only grow, so this settles.
void Resolver::propagate_priorities()
{
  // Requests without a priority (all 0, the default) leave every node at
  // 0, reached or not: nothing to walk.
  if (!m_any_priority) {
    return;
  }
  // The dependents each change moved (those whose trigger it is), laid out
  // by counting: dependents of node t at triggered[start[t]] up to
  // triggered[start[t + 1]].
  std::vector<Index> start(m_nodes.size() + 1, 0);
  for (const Node& n : m_nodes) {
    if (n.trigger != k_none) {
      ++start[n.trigger + 1];
    }
  }
  for (std::size_t t = 0; t < m_nodes.size(); ++t) {
    start[t + 1] += start[t];
  }
  std::vector<Index> triggered(start.back());
  {
    std::vector<Index> fill(start.begin(), start.end() - 1);
    for (Index i = 0; i < m_nodes.size(); ++i) {
      if (m_nodes[i].trigger != k_none) {
        triggered[fill[m_nodes[i].trigger]++] = i;
      }
    }
  }
  // Offers of a priority to a node, taken in the order made, each node
  // fetched when offered; as priorities only grow, the order does not change
  // the result.
  std::vector<std::pair<Index, int>> offers;
  auto offer_all = [&](Index i, int priority) {
    for (const Index t : targets(i)) {
      prefetch(&m_nodes[t]);
      offers.emplace_back(t, priority);
    }
    for (Index k = start[i]; k < start[i + 1]; ++k) {
      prefetch(&m_nodes[triggered[k]]);
      offers.emplace_back(triggered[k], priority);
    }
  };
  for (Index i = 0; i < m_nodes.size(); ++i) {
    if (changed(i) && m_nodes[i].requested) {
      offer_all(i, m_nodes[i].priority);
    }
  }
  for (std::size_t next = 0; next < offers.size(); ++next) {
    const auto [t, priority] = offers[next];
    if (m_nodes[t].changed && m_nodes[t].priority < priority) {
      m_nodes[t].priority = priority;
      offer_all(t, priority);
    }
  }
}

// Sorts `order` (indices into `members`, changed nodes) by higher priority,
// then by name: a stable radix sort on the names' first eight bytes, a
// stable sort by priority when priorities differ, then a full comparison
// within runs that tie on both.
void Resolver::rank_changes(const std::vector<Index>& members, std::vector<Index>& order) const
{
  struct Key {
    std::uint64_t prefix;
    int priority;
    Index member;
  };
  const std::size_t n = order.size();
  std::vector<Key> keys(n);
  std::vector<Key> spare(n);
  bool one_priority = true;
  for (std::size_t i = 0; i < n; ++i) {
    const Node& node = m_nodes[members[order[i]]];
    keys[i] = Key{node.prefix, priority_of(node), order[i]};
    one_priority = one_priority && keys[i].priority == keys[0].priority;
  }
  for (unsigned shift = 0; shift < 64; shift += 8) {
    std::array<std::size_t, 257> start{};
    for (const Key& k : keys) {
      ++start[((k.prefix >> shift) & 0xff) + 1];
    }
    if (std::find(start.begin() + 1, start.end(), n) != start.end()) {
      continue; // every key has the same byte here
    }
    for (std::size_t b = 0; b < 256; ++b) {
      start[b + 1] += start[b];
    }
    for (const Key& k : keys) {
      spare[start[(k.prefix >> shift) & 0xff]++] = k;
    }
    keys.swap(spare);
  }
  if (!one_priority) {
    std::stable_sort(keys.begin(), keys.end(), [](const Key& a, const Key& b) { return a.priority > b.priority; });
  }
  auto name_of = [&](const Key& k) { return m_nodes[members[k.member]].name; };
  for (std::size_t i = 0; i < n;) {
    std::size_t j = i + 1;
    while (j < n && keys[j].prefix == keys[i].prefix && keys[j].priority == keys[i].priority) {
      ++j;
    }
    if (j - i > 1) {
      std::sort(keys.begin() + static_cast<std::ptrdiff_t>(i), keys.begin() + static_cast<std::ptrdiff_t>(j),
                [&](const Key& a, const Key& b) { return name_of(a) < name_of(b); });
    }
    i = j;
  }
  for (std::size_t i = 0; i < n; ++i) {
    order[i] = keys[i].member;
  }
}

// Kahn's algorithm over the changed components and everything they depend
// on in the final state (unchanged ones still carry order through them).
Result<std::vector<Index>> Resolver::order()
{
  std::vector<Index> local(m_nodes.size(), k_none);
  std::vector<Index> members;
  for (Index i = 0; i < m_nodes.size(); ++i) {
    if (changed(i)) {
      local[i] = static_cast<Index>(members.size());
      members.push_back(i);
    }
  }
  // Dependency lists in one flat array (member k's at offsets[k]..offsets[k+1]).
  std::vector<Index> offsets{0};
  std::vector<Index> deps;
  offsets.reserve(members.size() + 1);
  deps.reserve(members.size() * 2);
  for (std::size_t k = 0; k < members.size(); ++k) {
    for (const Index target : targets(members[k])) {
      if (!changed(target) && !m_nodes[target].present()) {
        continue;
      }
      if (local.size() < m_nodes.size()) {
        local.resize(m_nodes.size(), k_none);
      }
      if (local[target] == k_none) {
        local[target] = static_cast<Index>(members.size());
        members.push_back(target);
      }
      deps.push_back(local[target]);
    }
    offsets.push_back(static_cast<Index>(deps.size()));
  }

  const std::size_t count = members.size();
  std::vector<Index> pending(count, 0);
  std::vector<Index> rev_offsets(count + 1, 0);
  for (std::size_t k = 0; k < count; ++k) {
    pending[k] = offsets[k + 1] - offsets[k];
    for (Index e = offsets[k]; e < offsets[k + 1]; ++e) {
      ++rev_offsets[deps[e] + 1];
    }
  }
  for (std::size_t k = 0; k < count; ++k) {
    rev_offsets[k + 1] += rev_offsets[k];
  }
  std::vector<Index> dependents(deps.size());
  {
    std::vector<Index> fill(rev_offsets.begin(), rev_offsets.end() - 1);
    for (std::size_t k = 0; k < count; ++k) {
      for (Index e = offsets[k]; e < offsets[k + 1]; ++e) {
        dependents[fill[deps[e]]++] = static_cast<Index>(k);
      }
    }
  }

  // Ready members: unchanged ones go first (they emit nothing and may free
  // changes), then changed ones by higher priority, then by name. Changed
  // members are ranked once, so the ready set is a queue of integers.
  std::vector<Index> by_rank;
  for (Index k = 0; k < count; ++k) {
    if (changed(members[k])) {
      by_rank.push_back(k);
    }
  }
  rank_changes(members, by_rank);
  std::vector<Index> rank(count, k_none);
  for (Index r = 0; r < by_rank.size(); ++r) {
    rank[by_rank[r]] = r;
  }
  RankQueue ready(by_rank.size());
  std::vector<Index> unchanged;
  auto make_ready = [&](Index k) {
    if (rank[k] == k_none) {
      unchanged.push_back(k);
    } else {
      ready.insert(rank[k]);
    }
  };
  for (Index k = 0; k < count; ++k) {
    if (pending[k] == 0) {
      make_ready(k);
    }
  }
  auto release = [&](Index k) {
    for (Index e = rev_offsets[k]; e < rev_offsets[k + 1]; ++e) {
      if (--pending[dependents[e]] == 0) {
        make_ready(dependents[e]);
      }
    }
  };
  std::vector<Index> out;
  out.reserve(by_rank.size());
  std::size_t done = 0;
  for (;;) {
    while (!unchanged.empty()) {
      const Index k = unchanged.back();
      unchanged.pop_back();
      ++done;
      release(k);
    }
    if (ready.empty()) {
      break;
    }
    const Index k = by_rank[ready.pop_min()];
    ++done;
    out.push_back(members[k]);
    release(k);
  }
  if (done == count) {
    return out;
  }

  // A cycle: walk unfinished dependencies from the smallest unfinished name
  // until a component repeats.
  Index start = k_none;
  for (Index k = 0; k < count; ++k) {
    if (pending[k] != 0 && (start == k_none || m_nodes[members[k]].name < m_nodes[members[start]].name)) {
      start = k;
    }
  }
  std::vector<Index> path;
  std::unordered_map<Index, std::size_t> position;
  Index at = start;
  while (position.find(at) == position.end()) {
    position.emplace(at, path.size());
    path.push_back(at);
    Index next = k_none;
    for (Index e = offsets[at]; e < offsets[at + 1]; ++e) {
      const Index t = deps[e];
      if (pending[t] != 0 && (next == k_none || m_nodes[members[t]].name < m_nodes[members[next]].name)) {
        next = t;
      }
    }
    at = next;
  }
  std::vector<Index> cycle(path.begin() + static_cast<std::ptrdiff_t>(position[at]), path.end());
  auto smallest = std::min_element(cycle.begin(), cycle.end(), [&](Index a, Index b) {
    return m_nodes[members[a]].name < m_nodes[members[b]].name;
  });
  std::rotate(cycle.begin(), smallest, cycle.end());

  std::string text;
  for (Index k : cycle) {
    text += fmt::format("{} -> ", m_nodes[members[k]].name);
  }
  text += m_nodes[members[cycle.front()]].name;
  Error e(ErrorCode::dependency_cycle, fmt::format("dependency cycle: {}", text));
  for (std::size_t i = 0; i < cycle.size(); ++i) {
    const Index from = members[cycle[i]];
    const std::string_view to = m_nodes[members[cycle[(i + 1) % cycle.size()]]].name;
    for (const auto& dep : m_nodes[from].selected->dependencies) {
      if (dep.name == to) {
        const SourceLocation where = m_nodes[from].selected->location_of(dep);
        if (!e.where && where.known()) {
          e.where = where;
        }
        e.details.push_back(fmt::format("{} requires '{}' {}{}", id_of(from), to, dep.range.raw(), detail::at(where)));
        break;
      }
    }
  }
  return fail(std::move(e));
}

} // namespace noodle::graph::detail
