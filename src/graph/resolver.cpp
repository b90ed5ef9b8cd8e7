// SPDX-License-Identifier: Apache-2.0
#include <noodle/graph/resolver.hpp>

#include <noodle/graph/suggest.hpp>

#include "common.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <bit>
#include <charconv>
#include <cstdint>
#include <cstring>
#include <deque>
#include <functional>
#include <iterator>
#include <limits>
#include <memory>
#include <span>
#include <unordered_map>

namespace noodle::graph {

std::string_view to_string(ChangeReason reason)
{
  switch (reason) {
  case ChangeReason::requested: return "requested";
  case ChangeReason::dependency: return "dependency";
  case ChangeReason::dependent: return "dependent";
  }
  return "requested";
}

namespace {

// Catalogs reach 100k components, so the resolver keeps its own compact
// state: nodes in one vector addressed by 32-bit indices, per-node lists
// threaded through shared arrays, nodes found by the catalog's component ids
// (names are hashed only for installed components and the caller's names),
// each chosen manifest's dependencies remembered as node indices, and
// versions compared and range-checked by the catalog's release keys. Most of
// the time goes to waiting on memory, so the hot loops fetch ahead what they
// will read (a hint only: results never depend on it).

using Index = std::uint32_t;
constexpr Index k_none = std::numeric_limits<Index>::max();
constexpr int k_no_priority = std::numeric_limits<int>::min();
constexpr std::size_t k_npos = std::numeric_limits<std::size_t>::max();
constexpr std::size_t k_queue_ahead = 8; // how far ahead the fixpoint fetches queued nodes
// A component whose choice keeps moving is a conflict the greedy choice
// cannot settle; this bounds the fixpoint.
constexpr std::uint32_t k_max_reselections = 16;

// What a changed component's manifest asks of another. Live only while the
// source is still changed and still at that manifest.
// The dependency is manifest->dependencies[index], read only to explain.
struct Demand {
  Index source;
  Index next;
  const manifest::Manifest* manifest;
  manifest::RangeId range; // the dependency's range in the catalog's index, for checks
  std::uint32_t index;

  const manifest::Dependency& dependency() const { return manifest->dependencies[index]; }
};

// An installed component's manifest asking something of another.
struct InstalledDependent {
  Index source;
  Index next;
  manifest::RangeId range; // the dependency's range in the catalog's index
  std::uint32_t index;     // in the source's installed manifest's dependencies
};

struct ConstraintLink {
  const Constraint* constraint;
  Index next;
};

struct IndexLink {
  Index value;
  Index next;
};

// Head and tail of a list threaded through one of the arrays above; appends
// keep insertion order, which the explanations show.
struct List {
  Index head = k_none;
  Index tail = k_none;
};

template <typename T> void append(std::vector<T>& arena, List& list, T item)
{
  const auto at = static_cast<Index>(arena.size());
  item.next = k_none;
  arena.push_back(item);
  if (list.tail == k_none) {
    list.head = at;
  } else {
    arena[list.tail].next = at;
  }
  list.tail = at;
}

enum class Mode : std::uint8_t { requested, dependency, dependent };

using manifest::k_no_release_key;
using manifest::ReleaseKey;

// A version with its manifest::release_key(), so that range checks and
// comparisons can mostly do without reading the version itself.
struct Keyed {
  const semver::Version* version;
  ReleaseKey key;
};

bool less(Keyed a, Keyed b)
{
  return a.key != k_no_release_key && b.key != k_no_release_key ? a.key < b.key : *a.version < *b.version;
}

bool same(Keyed a, Keyed b)
{
  return a.key != k_no_release_key && b.key != k_no_release_key ? a.key == b.key : *a.version == *b.version;
}

// Fields the fixpoint reads most come first, within one cache line.
struct Node {
  // The manifest of the version this component ends at: for an untouched
  // installed component its installed manifest (nullptr when the catalog
  // lacks it); nullptr for an absent component.
  const manifest::Manifest* selected = nullptr;
  const state::InstalledComponent* installed = nullptr;
  ReleaseKey selected_key = k_no_release_key;
  ReleaseKey installed_key = k_no_release_key;
  const std::vector<manifest::Manifest>* versions = nullptr; // nullptr when not in the catalog
  const manifest::Manifest* first_version = nullptr;         // versions->data(), without reading the vector
  List demands;
  List dependents; // installed components depending on this one
  const manifest::Manifest* targets_of = nullptr;             // the manifest whose targets are cached
  Index targets_begin = 0;                                    // in Resolver::m_targets, one per dependency
  Index targets_count = 0;
  // Demands up to this one (inclusive) are known to accept the current
  // selection; only later ones need checking. Reset when the selection moves.
  Index verified = k_none;
  manifest::ComponentId component = manifest::k_no_component; // k_no_component when the catalog never saw the name
  bool changed = false;                                       // selected differs from installed
  bool queued = false;
  bool requested = false;
  bool chosen = false; // an unversioned request has been settled once
  Mode origin = Mode::dependency;
  bool has_origin = false;

  std::string_view name; // points into the catalog, the installed state or the caller's strings
  const manifest::Manifest* installed_manifest = nullptr;
  const semver::Version* pinned = nullptr;
  // For a dependent: trigger_manifest->dependencies[trigger_index] rejected
  // the trigger's new version.
  const manifest::Manifest* trigger_manifest = nullptr;
  std::uint32_t trigger_index = 0;
  List constraints;
  List triggered;         // dependents this component's change moved
  Index trigger = k_none; // for a dependent: the dependency whose new version it rejected
  int priority = k_no_priority;
  std::uint32_t reselections = 0;
  std::uint64_t prefix = 0; // name_prefix(name), for ranking

  bool present() const { return selected != nullptr || installed != nullptr; }
  const semver::Version* version() const
  {
    if (selected != nullptr) {
      return &selected->version;
    }
    return installed != nullptr ? &installed->version : nullptr;
  }
  // version() and its key; present() must hold.
  Keyed keyed() const
  {
    return selected != nullptr ? Keyed{&selected->version, selected_key} : Keyed{&installed->version, installed_key};
  }
};

std::uint64_t hash_name(std::string_view name)
{
  return std::hash<std::string_view>{}(name);
}

// Open addressing, linear probing; slots hold the hash and the node index,
// names are compared through the node. Only for names the catalog lacks.
class NameTable {
public:
  Index find(std::string_view name, std::uint64_t hash, const std::vector<Node>& nodes) const
  {
    if (m_slots.empty()) {
      return k_none;
    }
    for (std::size_t i = hash & m_mask;; i = (i + 1) & m_mask) {
      const Slot& s = m_slots[i];
      if (s.id == k_none) {
        return k_none;
      }
      if (s.hash == hash && nodes[s.id].name == name) {
        return s.id;
      }
    }
  }

  void insert(std::uint64_t hash, Index id)
  {
    if ((m_count + 1) * 2 > m_slots.size()) {
      grow();
    }
    place(hash, id);
    ++m_count;
  }

  void reserve(std::size_t count)
  {
    std::size_t size = 64;
    while (size < count * 2) {
      size *= 2;
    }
    if (size > m_slots.size()) {
      rehash(size);
    }
  }

private:
  struct Slot {
    std::uint64_t hash = 0;
    Index id = k_none;
  };

  void place(std::uint64_t hash, Index id)
  {
    std::size_t i = hash & m_mask;
    while (m_slots[i].id != k_none) {
      i = (i + 1) & m_mask;
    }
    m_slots[i] = Slot{hash, id};
  }

  void grow() { rehash(m_slots.empty() ? 64 : m_slots.size() * 2); }

  void rehash(std::size_t size)
  {
    std::vector<Slot> old = std::move(m_slots);
    m_slots.assign(size, Slot{});
    m_mask = size - 1;
    for (const Slot& s : old) {
      if (s.id != k_none) {
        place(s.hash, s.id);
      }
    }
  }

  std::vector<Slot> m_slots;
  std::size_t m_mask = 0;
  std::size_t m_count = 0;
};

// Starts fetching what `address` points to; changes nothing, and any
// address (null included) is fine.
inline void prefetch(const void* address)
{
#if defined(__GNUC__)
  __builtin_prefetch(address);
#else
  (void)address;
#endif
}

// A reused buffer for explanations, which are built for every change: room()
// is checked once for a group of pieces, which are then copied unchecked.
class TextBuffer {
public:
  std::string_view view() const { return {m_data.get(), m_size}; }
  std::size_t size() const { return m_size; }
  void clear() { m_size = 0; }

  void room(std::size_t n)
  {
    if (m_size + n > m_capacity) {
      grow(m_size + n);
    }
  }
  void put(std::string_view text)
  {
    char* to = m_data.get() + m_size;
    const char* from = text.data();
    const std::size_t n = text.size();
    // Most pieces are short: two overlapping fixed-size copies instead of a
    // call.
    if (n >= 8 && n <= 16) {
      std::memcpy(to, from, 8);
      std::memcpy(to + n - 8, from + n - 8, 8);
    } else if (n >= 4 && n < 8) {
      std::memcpy(to, from, 4);
      std::memcpy(to + n - 4, from + n - 4, 4);
    } else if (n != 0) {
      std::memcpy(to, from, n);
    }
    m_size += n;
  }
  void put(char c) { m_data[m_size++] = c; }
  // Needs room for 20 characters.
  void put_number(std::uint64_t value)
  {
    if (value < 10) {
      put(static_cast<char>('0' + value));
      return;
    }
    if (value < 100) {
      put(static_cast<char>('0' + value / 10));
      put(static_cast<char>('0' + value % 10));
      return;
    }
    m_size = static_cast<std::size_t>(std::to_chars(m_data.get() + m_size, m_data.get() + m_size + 20, value).ptr
                                      - m_data.get());
  }

private:
  void grow(std::size_t need)
  {
    const std::size_t capacity = std::max<std::size_t>(need, m_capacity * 2 + 256);
    auto data = std::make_unique_for_overwrite<char[]>(capacity);
    if (m_size != 0) {
      std::memcpy(data.get(), m_data.get(), m_size);
    }
    m_data = std::move(data);
    m_capacity = capacity;
  }

  std::unique_ptr<char[]> m_data;
  std::size_t m_size = 0;
  std::size_t m_capacity = 0;
};

constexpr std::size_t k_number_room = 20;

// The identifiers of a prerelease or build part, each with its separator.
std::size_t identifiers_room(const semver::Version& v)
{
  std::size_t n = 0;
  for (const auto& id : v.prerelease) {
    n += id.text.size() + 1 + k_number_room;
  }
  for (const auto& b : v.build) {
    n += b.size() + 1;
  }
  return n;
}

enum class NumericText { as_written, canonical };

// Room put_version() needs.
std::size_t version_room(const semver::Version& v)
{
  return 3 * k_number_room + 2 + (v.prerelease.empty() && v.build.empty() ? 0 : identifiers_room(v));
}

// NumericText::canonical is Version::to_string() (a numeric identifier with
// no text is written from its number); as_written writes the text alone.
// Needs version_room(v).
void put_version(TextBuffer& out, const semver::Version& v, NumericText numeric)
{
  out.put_number(v.major);
  out.put('.');
  out.put_number(v.minor);
  out.put('.');
  out.put_number(v.patch);
  for (std::size_t i = 0; i < v.prerelease.size(); ++i) {
    out.put(i == 0 ? '-' : '.');
    const auto& id = v.prerelease[i];
    if (numeric == NumericText::canonical && id.text.empty() && id.numeric) {
      out.put_number(id.number);
    } else {
      out.put(id.text);
    }
  }
  for (std::size_t i = 0; i < v.build.size(); ++i) {
    out.put(i == 0 ? '+' : '.');
    out.put(v.build[i]);
  }
}

// `prefix` and SourceLocation{file, line, column}.to_string(). Needs
// location_room().
void put_location(TextBuffer& out, std::string_view prefix, std::string_view file, std::uint32_t line,
                  std::uint32_t column)
{
  out.put(prefix);
  out.put(file);
  if (line != 0) {
    out.put(':');
    out.put_number(line);
    if (column != 0) {
      out.put(':');
      out.put_number(column);
    }
  }
}

// What a "required by" part shows, read out of the manifest and dependency.
struct DemandText {
  std::string_view name;
  const semver::Version* version;
  std::string_view file;
  std::uint32_t line;
  std::uint32_t column;
  std::string_view range;
};

// "required by {name}@{version} (range {range}{, where})"
void put_demand(TextBuffer& out, const DemandText& d)
{
  using namespace std::string_view_literals;
  out.room(12 + d.name.size() + 1 + version_room(*d.version) + 8 + d.range.size() + 2 + d.file.size()
           + 2 * k_number_room + 2 + 1);
  out.put("required by "sv);
  out.put(d.name);
  out.put('@');
  put_version(out, *d.version, NumericText::as_written);
  out.put(" (range "sv);
  out.put(d.range);
  if (!d.file.empty()) {
    put_location(out, ", "sv, d.file, d.line, d.column);
  }
  out.put(')');
}

std::string range_at(const manifest::Dependency& dep)
{
  return dep.where.known() ? fmt::format("range {}, {}", dep.range.raw(), dep.where.to_string())
                           : fmt::format("range {}", dep.range.raw());
}

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

// The first eight bytes of a name as a big-endian number: ordering by it
// agrees with ordering by name, except among names that share those bytes.
std::uint64_t name_prefix(std::string_view name)
{
  std::uint64_t prefix = 0;
  for (std::size_t i = 0; i < 8; ++i) {
    prefix = (prefix << 8) | (i < name.size() ? static_cast<unsigned char>(name[i]) : 0U);
  }
  return prefix;
}

// What a dependent's explanation shows: its trigger's new version and the
// range its installed manifest demands of it.
struct TriggerText {
  std::string_view trigger;
  const semver::Version* trigger_version = nullptr;
  std::string_view name;
  const semver::Version* installed_version = nullptr;
  std::string_view file;
  std::uint32_t line = 0;
  std::uint32_t column = 0;
  std::string_view range;
};

// "{t} changes to {v}, but installed {n}@{v} requires {t} {range}{ (where)}"
void put_trigger(TextBuffer& out, const TriggerText& d)
{
  using namespace std::string_view_literals;
  out.room(d.trigger.size() + 12 + version_room(*d.trigger_version) + 16 + d.name.size() + 1
           + version_room(*d.installed_version) + 10 + d.trigger.size() + 1 + d.range.size() + 2 + d.file.size()
           + 2 * k_number_room + 2 + 1);
  out.put(d.trigger);
  out.put(" changes to "sv);
  put_version(out, *d.trigger_version, NumericText::canonical);
  out.put(", but installed "sv);
  out.put(d.name);
  out.put('@');
  put_version(out, *d.installed_version, NumericText::canonical);
  out.put(" requires "sv);
  out.put(d.trigger);
  out.put(' ');
  out.put(d.range);
  if (!d.file.empty()) {
    put_location(out, " ("sv, d.file, d.line, d.column);
    out.put(')');
  }
}

class Resolver {
public:
  Resolver(const manifest::Catalog& catalog, const state::InstalledState& installed, const ResolveOptions& options)
    : m_catalog(catalog), m_installed(installed), m_options(options)
  {
  }

  Result<Resolution> run(const std::vector<Request>& requests);

private:
  Index node_of(std::string_view name);
  Index node_of(manifest::ComponentId component);
  Index add_node(const Node& node);
  Index find(std::string_view name) const;
  // `m` must be one of n's versions.
  std::span<const manifest::DependencyRef> dependencies_of(const Node& n, const manifest::Manifest& m) const
  {
    return m_catalog.dependencies_of(n.component, static_cast<std::size_t>(&m - n.first_version));
  }
  void seed_installed();
  void enqueue(Index id);
  void set_selected(Index id, const manifest::Manifest* manifest);
  std::span<const Index> targets(Index id);
  void lookup(Index id, const manifest::Manifest& m, std::vector<Index>& out);

  Result<void> seed_requests(const std::vector<Request>& requests);
  Result<void> process(Index id);
  Result<void> choose(Index id, Mode mode);
  Result<void> select(Index id, const manifest::Manifest* manifest, Mode mode, const std::vector<Index>* looked_up);

  bool live(const Demand& d) const { return m_live[d.source] == d.manifest; }
  bool any_live(const Node& n) const;
  bool acceptable(const Node& n, Keyed v) const;
  bool still_acceptable(Index id);
  bool acceptable_candidate(const Node& n, Keyed v) const;
  bool accepts_changed(Index id, const manifest::Manifest& m, const std::vector<Index>& dep_nodes) const;
  bool accepted_by_installed(const Node& n, Keyed v) const;
  bool admits(manifest::RangeId range, Keyed v) const { return m_catalog.satisfies(range, v.key, *v.version); }
  // The key of one of n's versions.
  ReleaseKey key_of(const Node& n, const manifest::Manifest& m) const
  {
    return m_catalog.release_key_of(n.component, static_cast<std::size_t>(&m - n.first_version));
  }
  // The live selection of node `id` (changed) with its key.
  Keyed live_version(Index id) const { return Keyed{&m_live[id]->version, m_live_key[id]}; }
  void rejected_changes(Index id, std::vector<Index>& who, std::vector<const manifest::Dependency*>& ranges);
  std::size_t first_rejected(Index id);

  std::string id_of(Index id) const;
  void explain(Index id, TextBuffer& out) const;
  void explaining_demands(Index id, std::vector<Index>& out) const;
  DemandText demand_text(const Demand& d) const;
  TriggerText trigger_text(const Node& n) const;
  std::string explain(Index id) const
  {
    TextBuffer out;
    explain(id, out);
    return std::string(out.view());
  }
  std::vector<std::string> demand_lines(Index id) const;
  std::string exclusion(const Node& n, const semver::Version& v) const;
  Error unsatisfiable(Index id) const;
  Error dependent_conflict(Index id, const std::vector<Index>& targets,
                           const std::vector<const manifest::Dependency*>& ranges) const;
  Error downgrade(Index id, const manifest::Manifest& best) const;

  void prune();
  void propagate_priorities();
  void rank_changes(const std::vector<Index>& members, std::vector<Index>& order) const;
  Result<std::vector<Index>> order();

  const manifest::Catalog& m_catalog;
  const state::InstalledState& m_installed;
  const ResolveOptions& m_options;
  std::vector<Node> m_nodes;
  // By node: the selected manifest while the node is changed, else nullptr.
  // Compact, for the checks that ask whether a demand still holds.
  std::vector<const manifest::Manifest*> m_live;
  std::vector<ReleaseKey> m_live_key; // the key of m_live's version
  std::vector<Index> m_node_of_component; // by catalog component id
  NameTable m_names;                      // nodes of names the catalog lacks
  std::vector<Demand> m_demands;
  std::vector<InstalledDependent> m_dependents;
  std::vector<ConstraintLink> m_constraints;
  std::vector<IndexLink> m_links;
  std::vector<Index> m_targets;
  std::vector<Index> m_scratch;
  std::vector<Index> m_best_targets;
  std::deque<Index> m_queue;
};

Index Resolver::add_node(const Node& node)
{
  const auto id = static_cast<Index>(m_nodes.size());
  m_nodes.push_back(node);
  m_nodes.back().prefix = name_prefix(node.name);
  m_live.push_back(node.changed ? node.selected : nullptr);
  m_live_key.push_back(node.selected_key);
  if (node.component != manifest::k_no_component) {
    m_node_of_component[node.component] = id;
  } else {
    m_names.insert(hash_name(node.name), id);
  }
  return id;
}

Index Resolver::find(std::string_view name) const
{
  const manifest::ComponentId c = m_catalog.id_of(name);
  if (c != manifest::k_no_component) {
    return m_node_of_component[c];
  }
  return m_names.find(name, hash_name(name), m_nodes);
}

Index Resolver::node_of(manifest::ComponentId component)
{
  if (const Index id = m_node_of_component[component]; id != k_none) {
    return id;
  }
  Node n;
  n.name = m_catalog.name_of(component); // the catalog's name outlives any caller's buffer
  n.component = component;
  n.versions = m_catalog.versions_of(component);
  n.first_version = m_catalog.version_span(component).data();
  // Installed components were all added up front.
  return add_node(n);
}

Index Resolver::node_of(std::string_view name)
{
  const manifest::ComponentId c = m_catalog.id_of(name);
  if (c != manifest::k_no_component) {
    return node_of(c);
  }
  if (const Index id = m_names.find(name, hash_name(name), m_nodes); id != k_none) {
    return id;
  }
  Node n;
  n.name = name;
  return add_node(n);
}

// Every installed component becomes a node first, in name order.
void Resolver::seed_installed()
{
  for (const auto& [name, component] : m_installed.components) {
    Node n;
    n.name = name;
    n.installed = &component;
    n.component = m_catalog.id_of(name);
    if (n.component != manifest::k_no_component) {
      n.versions = m_catalog.versions_of(n.component);
      n.first_version = m_catalog.version_span(n.component).data();
    }
    n.installed_key = manifest::release_key(component.version);
    if (n.versions != nullptr) {
      // A binary search by key, reading versions only where keys cannot tell.
      const auto versions = m_catalog.version_span(n.component);
      const Keyed wanted{&component.version, n.installed_key};
      std::size_t low = 0;
      std::size_t high = versions.size();
      while (low < high) {
        const std::size_t mid = low + (high - low) / 2;
        if (less(Keyed{&versions[mid].version, m_catalog.release_key_of(n.component, mid)}, wanted)) {
          low = mid + 1;
        } else {
          high = mid;
        }
      }
      if (low < versions.size()
          && same(Keyed{&versions[low].version, m_catalog.release_key_of(n.component, low)}, wanted)) {
        n.installed_manifest = &versions[low];
      }
    }
    n.selected = n.installed_manifest;
    n.selected_key = n.installed_key;
    add_node(n);
  }
  // Who among the installed components depends on what.
  const auto count = static_cast<Index>(m_nodes.size());
  for (Index i = 0; i < count; ++i) {
    if (const auto* m = m_nodes[i].installed_manifest) {
      const auto refs = dependencies_of(m_nodes[i], *m);
      for (std::size_t k = 0; k < refs.size(); ++k) {
        const Index t = node_of(refs[k].component);
        append(m_dependents, m_nodes[t].dependents,
               InstalledDependent{i, k_none, refs[k].range, static_cast<std::uint32_t>(k)});
      }
    }
  }
}

void Resolver::enqueue(Index id)
{
  if (!m_nodes[id].queued) {
    m_nodes[id].queued = true;
    m_queue.push_back(id);
  }
}

void Resolver::set_selected(Index id, const manifest::Manifest* manifest)
{
  Node& n = m_nodes[id];
  n.selected = manifest;
  n.verified = k_none;
  n.selected_key = manifest != nullptr ? key_of(n, *manifest) : k_no_release_key;
  n.changed = manifest != nullptr
              && (n.installed == nullptr
                  || !same(Keyed{&manifest->version, n.selected_key}, Keyed{&n.installed->version, n.installed_key}));
  m_live[id] = n.changed ? manifest : nullptr;
  m_live_key[id] = n.selected_key;
}

// `m` is one of `id`'s versions.
void Resolver::lookup(Index id, const manifest::Manifest& m, std::vector<Index>& out)
{
  out.clear();
  for (const auto& ref : dependencies_of(m_nodes[id], m)) {
    out.push_back(node_of(ref.component));
    prefetch(&m_nodes[out.back()]); // select() reads it if `m` is chosen
  }
}

// The nodes the selected manifest's dependencies name, looked up once;
// empty when nothing is selected.
std::span<const Index> Resolver::targets(Index id)
{
  const auto* m = m_nodes[id].selected;
  if (m == nullptr) {
    return {};
  }
  if (m_nodes[id].targets_of != m) {
    const auto begin = static_cast<Index>(m_targets.size());
    for (const auto& ref : dependencies_of(m_nodes[id], *m)) {
      const Index t = node_of(ref.component);
      m_targets.push_back(t);
    }
    Node& n = m_nodes[id];
    n.targets_of = m;
    n.targets_begin = begin;
    n.targets_count = static_cast<Index>(m_targets.size() - begin);
  }
  return {m_targets.data() + m_nodes[id].targets_begin, m_nodes[id].targets_count};
}

bool Resolver::any_live(const Node& n) const
{
  for (Index d = n.demands.head; d != k_none; d = m_demands[d].next) {
    if (live(m_demands[d])) {
      return true;
    }
  }
  return false;
}

bool Resolver::acceptable(const Node& n, Keyed keyed) const
{
  const semver::Version& v = *keyed.version;
  if (n.pinned != nullptr && *n.pinned != v) {
    return false;
  }
  for (Index c = n.constraints.head; c != k_none; c = m_constraints[c].next) {
    if (!m_constraints[c].constraint->range.satisfies(v)) {
      return false;
    }
  }
  for (Index d = n.demands.head; d != k_none; d = m_demands[d].next) {
    if (live(m_demands[d]) && !admits(m_demands[d].range, keyed)) {
      return false;
    }
  }
  return true;
}

// acceptable() for the current version, checking only the demands that
// arrived since the last check of the same selection.
bool Resolver::still_acceptable(Index id)
{
  Node& n = m_nodes[id];
  if (!n.present()) {
    return false;
  }
  const Keyed v = n.keyed();
  if (n.verified == k_none) {
    if (!acceptable(n, v)) {
      return false;
    }
  } else {
    for (Index d = m_demands[n.verified].next; d != k_none; d = m_demands[d].next) {
      if (live(m_demands[d]) && !admits(m_demands[d].range, v)) {
        return false;
      }
    }
  }
  n.verified = n.demands.tail;
  return true;
}

// A candidate prerelease must be asked for: pinned, or named by a range
// (ranges only match prereleases of the tuple they name).
bool Resolver::acceptable_candidate(const Node& n, Keyed v) const
{
  if (!acceptable(n, v)) {
    return false;
  }
  if (v.key != k_no_release_key || !v.version->is_prerelease() || n.pinned != nullptr
      || n.constraints.head != k_none) {
    return true;
  }
  return any_live(n);
}

bool Resolver::accepts_changed(Index id, const manifest::Manifest& m, const std::vector<Index>& dep_nodes) const
{
  const auto refs = dependencies_of(m_nodes[id], m);
  for (std::size_t i = 0; i < dep_nodes.size(); ++i) {
    const Index t = dep_nodes[i];
    if (m_live[t] != nullptr && !admits(refs[i].range, live_version(t))) {
      return false;
    }
  }
  return true;
}

bool Resolver::accepted_by_installed(const Node& n, Keyed v) const
{
  for (Index d = n.dependents.head; d != k_none; d = m_dependents[d].next) {
    const auto& dep = m_dependents[d];
    if (m_live[dep.source] == nullptr && !admits(dep.range, v)) {
      return false;
    }
  }
  return true;
}

// The dependencies of `id`'s selected manifest that reject the new version
// of a changed component.
void Resolver::rejected_changes(Index id, std::vector<Index>& who, std::vector<const manifest::Dependency*>& ranges)
{
  const auto t = targets(id);
  const auto& deps = m_nodes[id].selected->dependencies;
  const auto refs = dependencies_of(m_nodes[id], *m_nodes[id].selected);
  for (std::size_t i = 0; i < deps.size(); ++i) {
    if (m_live[t[i]] != nullptr && !admits(refs[i].range, live_version(t[i]))) {
      who.push_back(t[i]);
      ranges.push_back(&deps[i]);
    }
  }
}

// Where the first of those is among the dependencies; k_npos when none.
std::size_t Resolver::first_rejected(Index id)
{
  const auto t = targets(id);
  const auto refs = dependencies_of(m_nodes[id], *m_nodes[id].selected);
  for (std::size_t i = 0; i < refs.size(); ++i) {
    if (m_live[t[i]] != nullptr && !admits(refs[i].range, live_version(t[i]))) {
      return i;
    }
  }
  return k_npos;
}

Result<void> Resolver::seed_requests(const std::vector<Request>& requests)
{
  for (const auto& c : m_options.constraints) {
    const Index id = node_of(c.name);
    if (m_nodes[id].versions == nullptr && m_nodes[id].installed == nullptr) {
      Error e(ErrorCode::not_found, fmt::format("constraint names unknown component '{}'", c.name));
      if (auto hint = did_you_mean(m_catalog, c.name); !hint.empty()) {
        e.details.push_back(hint);
      }
      return fail(std::move(e));
    }
    append(m_constraints, m_nodes[id].constraints, ConstraintLink{&c, k_none});
  }

  for (const auto& r : requests) {
    const Index id = node_of(r.name);
    Node& n = m_nodes[id];
    if (n.versions == nullptr) {
      Error e(ErrorCode::not_found, n.installed != nullptr
                                        ? fmt::format("component '{}' has no manifest in the catalog", r.name)
                                        : fmt::format("unknown component '{}'", r.name));
      if (auto hint = did_you_mean(m_catalog, r.name); !hint.empty() && n.installed == nullptr) {
        e.details.push_back(hint);
      }
      return fail(std::move(e));
    }
    if (r.version) {
      const auto* m = m_catalog.find(r.name, *r.version);
      if (m == nullptr) {
        Error e(ErrorCode::not_found, fmt::format("unknown version '{}@{}'", r.name, r.version->to_string()));
        e.details.push_back(fmt::format("catalog versions of '{}': {}", r.name, detail::list_versions(*n.versions)));
        return fail(std::move(e));
      }
      if (n.pinned != nullptr && *n.pinned != *r.version) {
        return fail(ErrorCode::unsatisfiable, fmt::format("conflicting requests for '{}': {} and {}", r.name,
                                                          n.pinned->to_string(), r.version->to_string()));
      }
      if (n.installed != nullptr && m->version < n.installed->version
          && m_options.allow_downgrade == AllowDowngrade::no) {
        Error e(ErrorCode::downgrade_refused, fmt::format("requested '{}' is older than the installed version {}",
                                                          m->id(), n.installed->version.to_string()));
        e.details.push_back("downgrades are not allowed unless explicitly permitted");
        return fail(std::move(e));
      }
      n.pinned = &m->version;
    }
    n.requested = true;
    n.priority = std::max(n.priority, r.priority);
    if (!n.has_origin) {
      n.origin = Mode::requested;
      n.has_origin = true;
    }
    enqueue(id);
  }
  return {};
}

Result<void> Resolver::process(Index id)
{
  m_nodes[id].queued = false;
  const Node& n = m_nodes[id];

  if (n.requested) {
    if (n.pinned == nullptr && !n.chosen) {
      return choose(id, Mode::requested);
    }
    if (n.present() && acceptable(n, n.keyed()) && (n.pinned == nullptr || *n.version() == *n.pinned)) {
      return {};
    }
    return choose(id, Mode::requested);
  }

  if (still_acceptable(id)) {
    if (n.changed || n.selected == nullptr) {
      return {};
    }
    // Untouched installed component: does it still accept what changed below it?
    if (first_rejected(id) == k_npos) {
      return {};
    }
    return choose(id, Mode::dependent);
  }
  if (!n.present() && !any_live(n)) {
    return {}; // whatever asked for it has moved on
  }
  return choose(id, Mode::dependency);
}

Result<void> Resolver::choose(Index id, Mode mode)
{
  if (m_nodes[id].versions == nullptr) {
    return fail(unsatisfiable(id));
  }
  const bool allow_down = m_options.allow_downgrade == AllowDowngrade::yes;
  const manifest::Manifest* best = nullptr;
  const manifest::Manifest* refused_downgrade = nullptr;
  std::vector<Index>& best_targets = m_best_targets;
  best_targets.clear();
  int best_tier = 4;
  const auto versions = m_catalog.version_span(m_nodes[id].component);
  for (std::size_t at = versions.size(); at-- > 0 && best_tier > 0;) {
    const manifest::Manifest& m = versions[at];
    const Keyed candidate{&m.version, m_catalog.release_key_of(m_nodes[id].component, at)};
    const Node& n = m_nodes[id];
    if (!acceptable_candidate(n, candidate)) {
      continue;
    }
    if (!allow_down && n.installed != nullptr && less(candidate, Keyed{&n.installed->version, n.installed_key})) {
      if (refused_downgrade == nullptr) {
        refused_downgrade = &m;
      }
      continue;
    }
    if (mode == Mode::requested) {
      // The request names this component: take the newest it allows and let
      // dependents follow.
      best = &m;
      break;
    }
    // Preference: the candidate accepts what already changed, then the
    // installed dependents accept it (no further moves).
    lookup(id, m, m_scratch);
    const bool accepts = accepts_changed(id, m, m_scratch);
    if (mode == Mode::dependent && !accepts) {
      continue;
    }
    const bool soft = accepted_by_installed(m_nodes[id], candidate);
    const int tier = accepts ? (soft ? 0 : 1) : (soft ? 2 : 3);
    if (tier < best_tier) {
      best = &m;
      best_tier = tier;
      best_targets.swap(m_scratch);
    }
  }

  const Node& n = m_nodes[id];
  if (best == nullptr) {
    if (mode == Mode::requested && n.pinned == nullptr && n.present() && acceptable(n, n.keyed())) {
      m_nodes[id].chosen = true; // nothing newer is allowed; stays
      return {};
    }
    if (mode == Mode::dependent) {
      std::vector<Index> who;
      std::vector<const manifest::Dependency*> ranges;
      rejected_changes(id, who, ranges);
      return fail(dependent_conflict(id, who, ranges));
    }
    if (refused_downgrade != nullptr) {
      return fail(downgrade(id, *refused_downgrade));
    }
    return fail(unsatisfiable(id));
  }
  m_nodes[id].chosen = true;
  if (best == n.selected) {
    return {};
  }
  if (mode == Mode::dependent && m_nodes[id].trigger == k_none) {
    if (const std::size_t k = first_rejected(id); k != k_npos) {
      const Index who = targets(id)[k];
      m_nodes[id].trigger = who;
      m_nodes[id].trigger_manifest = m_nodes[id].selected;
      m_nodes[id].trigger_index = static_cast<std::uint32_t>(k);
      append(m_links, m_nodes[who].triggered, IndexLink{id, k_none});
    }
  }
  return select(id, best, mode, best_targets.empty() && !best->dependencies.empty() ? nullptr : &best_targets);
}

Result<void> Resolver::select(Index id, const manifest::Manifest* manifest, Mode mode,
                              const std::vector<Index>* looked_up)
{
  {
    Node& n = m_nodes[id];
    if (++n.reselections > k_max_reselections) {
      Error e = unsatisfiable(id);
      e.message = fmt::format("no stable choice for '{}': the demands on it keep changing", n.name);
      return fail(std::move(e));
    }
    if (!n.has_origin) {
      n.origin = mode;
      n.has_origin = true;
    }
  }
  set_selected(id, manifest);
  if (!m_nodes[id].changed) {
    return {};
  }
  if (looked_up != nullptr) {
    m_nodes[id].targets_of = manifest;
    m_nodes[id].targets_begin = static_cast<Index>(m_targets.size());
    m_nodes[id].targets_count = static_cast<Index>(looked_up->size());
    m_targets.insert(m_targets.end(), looked_up->begin(), looked_up->end());
  }
  const auto t = targets(id);
  const auto refs = dependencies_of(m_nodes[id], *manifest);
  for (const Index target : t) {
    prefetch(&m_nodes[target]); // each is read below; let the reads overlap
  }
  for (std::size_t i = 0; i < refs.size(); ++i) {
    const Index target = t[i];
    if (m_nodes[target].versions == nullptr && m_nodes[target].installed == nullptr) {
      const auto& dep = manifest->dependencies[i];
      Error e(ErrorCode::missing_dependency,
              fmt::format("'{}' depends on unknown component '{}'", manifest->id(), dep.name), dep.where);
      e.details.push_back(fmt::format("'{}' requires '{}' {}", manifest->id(), dep.name, range_at(dep)));
      e.details.push_back(fmt::format("'{}' is neither in the catalog nor installed", dep.name));
      if (auto hint = did_you_mean(m_catalog, dep.name); !hint.empty()) {
        e.details.push_back(hint);
      }
      e.details.push_back(fmt::format("'{}' is chosen because: {}", manifest->id(), explain(id)));
      return fail(std::move(e));
    }
    append(m_demands, m_nodes[target].demands,
           Demand{id, k_none, manifest, refs[i].range, static_cast<std::uint32_t>(i)});
    enqueue(target);
  }
  const Keyed chosen{&manifest->version, m_nodes[id].selected_key};
  for (Index d = m_nodes[id].dependents.head; d != k_none; d = m_dependents[d].next) {
    // Sources are installed components with manifests; while unchanged they
    // stay selected at them.
    const auto& dep = m_dependents[d];
    if (m_live[dep.source] == nullptr && !admits(dep.range, chosen)) {
      enqueue(dep.source);
    }
  }
  return {};
}

std::string Resolver::id_of(Index id) const
{
  const Node& n = m_nodes[id];
  const auto* v = n.version();
  return v != nullptr ? fmt::format("{}@{}", n.name, v->to_string()) : std::string(n.name);
}

void Resolver::explain(Index id, TextBuffer& out) const
{
  using namespace std::string_view_literals;
  const Node& n = m_nodes[id];
  switch (n.origin) {
  case Mode::requested: {
    const std::string_view text = n.pinned != nullptr ? "requested"sv : "requested (newest allowed version)"sv;
    out.room(text.size());
    out.put(text);
    return;
  }
  case Mode::dependent:
    if (n.trigger != k_none && n.trigger_manifest != nullptr && n.installed != nullptr) {
      put_trigger(out, trigger_text(n));
    } else {
      const std::string_view text = "an installed dependent requires it"sv;
      out.room(text.size());
      out.put(text);
    }
    return;
  case Mode::dependency: break;
  }
  const std::size_t start = out.size();
  std::vector<Index> demands;
  explaining_demands(id, demands);
  for (const Index d : demands) {
    if (out.size() != start) {
      out.room(2);
      out.put("; "sv);
    }
    put_demand(out, demand_text(m_demands[d]));
  }
  if (out.size() == start) {
    const std::string_view text = "required by a dependency"sv;
    out.room(text.size());
    out.put(text);
  }
}

// For a dependent with a trigger, a trigger dependency and an installed version.
TriggerText Resolver::trigger_text(const Node& n) const
{
  const Node& t = m_nodes[n.trigger];
  const manifest::Dependency& dependency = n.trigger_manifest->dependencies[n.trigger_index];
  const SourceLocation& where = dependency.where;
  return TriggerText{t.name,     &t.selected->version, n.name,       &n.installed->version,
                     where.file, where.line,           where.column, dependency.range.raw()};
}

DemandText Resolver::demand_text(const Demand& d) const
{
  const SourceLocation& where = d.dependency().where;
  return DemandText{d.manifest->name, &d.manifest->version, where.file, where.line, where.column,
                    m_catalog.range(d.range).raw()};
}

// The demands whose "required by" parts explain why node `id` (a change
// for a dependency) changes, in order, appended to `out`.
void Resolver::explaining_demands(Index id, std::vector<Index>& out) const
{
  const Node& n = m_nodes[id];
  const std::size_t start = out.size();
  std::size_t live_count = 0;
  for (Index i = n.demands.head; i != k_none && live_count < 2; i = m_demands[i].next) {
    live_count += live(m_demands[i]) ? 1 : 0;
  }
  // For an upgrade, only the demands the installed version fails say why
  // (a single demand says it either way).
  if (n.installed != nullptr && live_count > 1) {
    for (Index i = n.demands.head; i != k_none; i = m_demands[i].next) {
      const auto& d = m_demands[i];
      if (live(d) && !admits(d.range, Keyed{&n.installed->version, n.installed_key})) {
        out.push_back(i);
      }
    }
  }
  if (out.size() == start) {
    for (Index i = n.demands.head; i != k_none; i = m_demands[i].next) {
      if (live(m_demands[i])) {
        out.push_back(i);
      }
    }
  }
}

std::vector<std::string> Resolver::demand_lines(Index id) const
{
  const Node& n = m_nodes[id];
  std::vector<std::string> lines;
  if (n.pinned != nullptr) {
    lines.push_back(fmt::format("requested at version {}", n.pinned->to_string()));
  } else if (n.requested) {
    lines.push_back("requested at the newest allowed version");
  }
  for (Index i = n.demands.head; i != k_none; i = m_demands[i].next) {
    const auto& d = m_demands[i];
    if (live(d)) {
      lines.push_back(fmt::format("required by {}: '{}' {}{}", d.manifest->id(), n.name,
                                  d.dependency().range.raw(), detail::at(d.dependency().where)));
    }
  }
  for (Index c = n.constraints.head; c != k_none; c = m_constraints[c].next) {
    const auto* constraint = m_constraints[c].constraint;
    lines.push_back(fmt::format("constraint '{}@{}'", constraint->name, constraint->range.raw()));
  }
  for (Index i = n.dependents.head; i != k_none; i = m_dependents[i].next) {
    const auto& d = m_dependents[i];
    if (!m_nodes[d.source].changed) {
      const auto& dep = m_nodes[d.source].installed_manifest->dependencies[d.index];
      lines.push_back(fmt::format("installed {} requires '{}' {}{}", id_of(d.source), n.name, dep.range.raw(),
                                  detail::at(dep.where)));
    }
  }
  lines.push_back(fmt::format("catalog versions of '{}': {}", n.name,
                              n.versions != nullptr ? detail::list_versions(*n.versions) : std::string("none")));
  if (n.installed != nullptr) {
    lines.push_back(fmt::format("installed version: {}", n.installed->version.to_string()));
  }
  return lines;
}

// The first demand or constraint `v` fails, in words.
std::string Resolver::exclusion(const Node& n, const semver::Version& v) const
{
  if (n.pinned != nullptr && *n.pinned != v) {
    return fmt::format("version {} is requested", n.pinned->to_string());
  }
  for (Index c = n.constraints.head; c != k_none; c = m_constraints[c].next) {
    const auto* constraint = m_constraints[c].constraint;
    if (!constraint->range.satisfies(v)) {
      return fmt::format("constraint '{}@{}'", constraint->name, constraint->range.raw());
    }
  }
  for (Index i = n.demands.head; i != k_none; i = m_demands[i].next) {
    const auto& d = m_demands[i];
    if (live(d) && !d.dependency().range.satisfies(v)) {
      return fmt::format("{} requires '{}' {}{}", d.manifest->id(), n.name, d.dependency().range.raw(),
                         detail::at(d.dependency().where));
    }
  }
  return "prereleases are chosen only when a range names them";
}

Error Resolver::unsatisfiable(Index id) const
{
  const Node& n = m_nodes[id];
  Error e(ErrorCode::unsatisfiable, fmt::format("no version of '{}' satisfies every demand", n.name));
  for (Index i = n.demands.head; i != k_none; i = m_demands[i].next) {
    const auto& d = m_demands[i];
    if (live(d) && d.dependency().where.known()) {
      e.where = d.dependency().where;
      break;
    }
  }
  e.details = demand_lines(id);
  return e;
}

Error Resolver::dependent_conflict(Index id, const std::vector<Index>& targets,
                                   const std::vector<const manifest::Dependency*>& ranges) const
{
  const Node& n = m_nodes[id];
  std::string changed;
  for (Index t : targets) {
    if (!changed.empty()) {
      changed += ", ";
    }
    changed += id_of(t);
  }
  Error e(ErrorCode::unsatisfiable, fmt::format("no version of '{}' accepts {}", n.name, changed));
  if (!ranges.empty()) {
    e.where = ranges.front()->where;
  }
  for (std::size_t i = 0; i < targets.size(); ++i) {
    const Node& t = m_nodes[targets[i]];
    e.details.push_back(fmt::format("installed {} requires '{}' {}{}", id_of(id), t.name, ranges[i]->range.raw(),
                                    detail::at(ranges[i]->where)));
    e.details.push_back(
        fmt::format("{} changes to {}: {}", t.name, t.selected->version.to_string(), explain(targets[i])));
  }
  for (auto it = n.versions->rbegin(); it != n.versions->rend(); ++it) {
    const auto& m = *it;
    if (n.installed != nullptr && m.version == n.installed->version) {
      continue;
    }
    if (n.installed != nullptr && m.version < n.installed->version && m_options.allow_downgrade == AllowDowngrade::no) {
      e.details.push_back(fmt::format("{} would be a downgrade", m.id()));
      continue;
    }
    if (!acceptable_candidate(n, Keyed{&m.version, manifest::release_key(m.version)})) {
      e.details.push_back(fmt::format("{} is excluded: {}", m.id(), exclusion(n, m.version)));
      continue;
    }
    for (const auto& dep : m.dependencies) {
      const Index t = find(dep.name);
      if (t != k_none && m_nodes[t].changed && !dep.range.satisfies(m_nodes[t].selected->version)) {
        e.details.push_back(
            fmt::format("{} requires '{}' {}{}", m.id(), dep.name, dep.range.raw(), detail::at(dep.where)));
      }
    }
  }
  for (Index c = n.constraints.head; c != k_none; c = m_constraints[c].next) {
    const auto* constraint = m_constraints[c].constraint;
    e.details.push_back(fmt::format("constraint '{}@{}'", constraint->name, constraint->range.raw()));
  }
  return e;
}

Error Resolver::downgrade(Index id, const manifest::Manifest& best) const
{
  const Node& n = m_nodes[id];
  Error e(ErrorCode::downgrade_refused, fmt::format("'{}' would have to be downgraded from {} to {}", n.name,
                                                    n.installed->version.to_string(), best.version.to_string()));
  e.details = demand_lines(id);
  e.details.push_back("downgrades are not allowed unless explicitly permitted");
  return e;
}

// Drops new installs that no remaining change needs (their demanders moved
// to other versions during the fixpoint).
void Resolver::prune()
{
  std::vector<char> needed(m_nodes.size(), 0);
  std::vector<Index> stack;
  for (Index i = 0; i < m_nodes.size(); ++i) {
    const Node& n = m_nodes[i];
    if (n.changed && (n.requested || n.installed != nullptr)) {
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
    if (m_nodes[i].changed && !needed[i]) {
      set_selected(i, nullptr);
    }
  }
}

// A dependency inherits the highest priority of what pulls it in; priorities
// only grow, so this settles.
void Resolver::propagate_priorities()
{
  // Offers of a priority to a node, taken in the order made, each node
  // fetched when offered; as priorities only grow, the order does not change
  // the result.
  std::vector<std::pair<Index, int>> offers;
  auto offer_all = [&](Index i, int priority) {
    for (const Index t : targets(i)) {
      prefetch(&m_nodes[t]);
      offers.emplace_back(t, priority);
    }
    for (Index l = m_nodes[i].triggered.head; l != k_none; l = m_links[l].next) {
      prefetch(&m_nodes[m_links[l].value]);
      offers.emplace_back(m_links[l].value, priority);
    }
  };
  for (Index i = 0; i < m_nodes.size(); ++i) {
    if (m_nodes[i].changed && m_nodes[i].requested) {
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
  for (auto& n : m_nodes) {
    if (n.priority == k_no_priority) {
      n.priority = 0;
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
    keys[i] = Key{node.prefix, node.priority, order[i]};
    one_priority = one_priority && node.priority == keys[0].priority;
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
    if (m_nodes[i].changed) {
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
      if (!m_nodes[target].present()) {
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
    if (m_nodes[members[k]].changed) {
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
        if (!e.where && dep.where.known()) {
          e.where = dep.where;
        }
        e.details.push_back(
            fmt::format("{} requires '{}' {}{}", id_of(from), to, dep.range.raw(), detail::at(dep.where)));
        break;
      }
    }
  }
  return fail(std::move(e));
}

Result<Resolution> Resolver::run(const std::vector<Request>& requests)
{
  const std::size_t expected = m_installed.components.size() + requests.size() * 4 + 16;
  m_nodes.reserve(expected);
  m_live.reserve(expected);
  m_live_key.reserve(expected);
  m_node_of_component.assign(m_catalog.id_count(), k_none);
  seed_installed();

  if (auto ok = seed_requests(requests); !ok) {
    return fail(std::move(ok.error()));
  }
  while (!m_queue.empty()) {
    // The queue says which nodes come next: fetch them, and what they point
    // to, a few steps ahead.
    if (m_queue.size() > k_queue_ahead) {
      prefetch(&m_nodes[m_queue[k_queue_ahead]]);
      const Node& soon = m_nodes[m_queue[k_queue_ahead / 2]];
      if (soon.demands.head != k_none) {
        prefetch(&m_demands[soon.demands.head]);
      }
      if (soon.dependents.head != k_none) {
        prefetch(&m_dependents[soon.dependents.head]);
      }
      if (soon.component != manifest::k_no_component) {
        m_catalog.prefetch(soon.component, manifest::Catalog::IndexPart::entry);
      }
      const Node& next = m_nodes[m_queue[k_queue_ahead / 4]];
      if (next.versions != nullptr) {
        m_catalog.prefetch(next.component, manifest::Catalog::IndexPart::versions);
      }
    }
    const Index id = m_queue.front();
    m_queue.pop_front();
    if (auto ok = process(id); !ok) {
      return fail(std::move(ok.error()));
    }
  }
  prune();
  propagate_priorities();
  auto sequence = order();
  if (!sequence) {
    return fail(std::move(sequence.error()));
  }

  Resolution resolution;
  const std::vector<Index>& ids = *sequence;
  // Changes are built in passes over blocks of them: the many reads of one
  // pass do not wait on one another, where building each change in turn
  // would wait on each, and a block is small enough that what one pass reads
  // ahead stays cached for the next. First the changes without their
  // explanations, and which demands explain each dependency.
  constexpr std::size_t k_block = 256;
  std::vector<Index> first_part(ids.size() + 1);
  std::vector<Index> part_demands;
  resolution.changes.resize(ids.size());
  for (std::size_t i = 0; i < ids.size(); ++i) {
    if (i % k_block == 0) {
      const std::size_t end = std::min(i + k_block, ids.size());
      for (std::size_t k = i; k < end; ++k) {
        const Node& n = m_nodes[ids[k]];
        prefetch(&n);
        prefetch(&n.name);
        prefetch(&n.priority);
      }
      for (std::size_t k = i; k < end; ++k) {
        const Node& n = m_nodes[ids[k]];
        prefetch(n.installed);
        prefetch(&n.selected->version);
        prefetch(n.name.data());
        if (n.demands.head != k_none) {
          prefetch(&m_demands[n.demands.head]);
        }
      }
    }
    const Node& n = m_nodes[ids[i]];
    Change& c = resolution.changes[i];
    c.name = std::string(n.name);
    if (n.installed != nullptr) {
      c.from = n.installed->version;
    }
    c.to = n.selected->version;
    c.reason = n.origin == Mode::requested   ? ChangeReason::requested
               : n.origin == Mode::dependent ? ChangeReason::dependent
                                             : ChangeReason::dependency;
    c.manifest = n.selected;
    c.priority = n.priority;
    first_part[i] = static_cast<Index>(part_demands.size());
    if (n.origin == Mode::dependency) {
      explaining_demands(ids[i], part_demands);
    }
  }
  first_part[ids.size()] = static_cast<Index>(part_demands.size());
  // Then, block by block, what those demands and the dependents' triggers
  // show, and the explanations: each built in a reused buffer, then copied
  // once at its exact size.
  std::vector<DemandText> parts;
  std::vector<TriggerText> triggers(k_block);
  TextBuffer text;
  for (std::size_t begin = 0; begin < ids.size(); begin += k_block) {
    const std::size_t end = std::min(begin + k_block, ids.size());
    const Index first = first_part[begin];
    parts.resize(first_part[end] - first);
    // Level by level along demand -> manifest -> dependency -> file name.
    for (std::size_t k = 0; k < parts.size(); ++k) {
      prefetch(&m_demands[part_demands[first + k]]);
    }
    for (std::size_t k = 0; k < parts.size(); ++k) {
      const Demand& d = m_demands[part_demands[first + k]];
      prefetch(d.manifest);
      prefetch(&d.manifest->version.build);
      prefetch(&d.manifest->dependencies);
    }
    for (std::size_t k = 0; k < parts.size(); ++k) {
      const Demand& d = m_demands[part_demands[first + k]];
      prefetch(&d.dependency().where);
    }
    for (std::size_t k = 0; k < parts.size(); ++k) {
      parts[k] = demand_text(m_demands[part_demands[first + k]]);
      prefetch(parts[k].file.data());
    }
    for (std::size_t i = begin; i < end; ++i) {
      const Node& n = m_nodes[ids[i]];
      TriggerText& t = triggers[i - begin];
      t = TriggerText{};
      if (n.origin == Mode::dependent && n.trigger != k_none && n.trigger_manifest != nullptr
          && n.installed != nullptr) {
        t = trigger_text(n);
        prefetch(t.file.data());
        prefetch(&t.trigger_version->build);
      }
    }
    for (std::size_t i = begin; i < end; ++i) {
      text.clear();
      if (triggers[i - begin].trigger_version != nullptr) {
        put_trigger(text, triggers[i - begin]);
      } else if (first_part[i] == first_part[i + 1]) {
        explain(ids[i], text);
      } else {
        for (Index k = first_part[i]; k < first_part[i + 1]; ++k) {
          if (k != first_part[i]) {
            text.room(2);
            text.put("; ");
          }
          put_demand(text, parts[k - first]);
        }
      }
      resolution.changes[i].explanation.assign(text.view());
    }
  }
  for (const auto& r : requests) {
    const Node& n = m_nodes[find(r.name)];
    if (!n.changed && n.installed != nullptr) {
      auto note = fmt::format("{}@{} is already installed", n.name, n.installed->version.to_string());
      if (!r.version) {
        note += " and is the newest allowed version";
      }
      if (std::find(resolution.notes.begin(), resolution.notes.end(), note) == resolution.notes.end()) {
        resolution.notes.push_back(std::move(note));
      }
    }
  }
  if (!resolution.changes.empty()) {
    for (const auto& n : m_nodes) {
      if (n.installed != nullptr && n.installed_manifest == nullptr) {
        resolution.notes.push_back(
            fmt::format("installed {}@{} has no manifest in the catalog, so what it depends on was not checked", n.name,
                        n.installed->version.to_string()));
      }
    }
  }
  return resolution;
}

} // namespace

Result<Resolution> resolve(const manifest::Catalog& catalog, const state::InstalledState& installed,
                           const std::vector<Request>& requests, const ResolveOptions& options)
{
  Resolver resolver(catalog, installed, options);
  return resolver.run(requests);
}

} // namespace noodle::graph
