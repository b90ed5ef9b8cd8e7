// SPDX-License-Identifier: Apache-2.0
// The resolver's compact state: nodes in one vector addressed by 32-bit
// indices, per-node lists threaded through shared arrays, and the table of
// names the catalog lacks. Private to graph/.
#pragma once

#include <noodle/graph/resolver.hpp>

#include <cstddef>
#include <cstdint>
#include <functional>
#include <limits>
#include <memory>
#include <string_view>
#include <vector>

namespace noodle::graph::detail {


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

// An installed component's manifest asking something of another. Built
// once, before the fixpoint, so each node's are one contiguous run.
struct InstalledDependent {
  Index source;
  manifest::RangeId range; // the dependency's range in the catalog's index
  std::uint32_t index;     // in the source's installed manifest's dependencies
};

// A run [begin, end) of one of the resolver's arrays.
struct Run {
  Index begin = 0;
  Index end = 0;
};

struct ConstraintLink {
  const Constraint* constraint;
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

inline bool less(Keyed a, Keyed b)
{
  return a.key != k_no_release_key && b.key != k_no_release_key ? a.key < b.key : *a.version < *b.version;
}

inline bool same(Keyed a, Keyed b)
{
  return a.key != k_no_release_key && b.key != k_no_release_key ? a.key == b.key : *a.version == *b.version;
}

// The fields the fixpoint reads come first, the first k_hot_bytes (two or
// three cache lines, fetched ahead together); those read only to explain,
// rank or report come after.
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
  Run dependents; // installed components depending on this one, in Resolver::m_dependents
  const manifest::Manifest* targets_of = nullptr;             // the manifest whose targets are cached
  Index targets_begin = 0;                                    // in Resolver::m_targets, one per dependency
  Index targets_count = 0;
  // Demands up to this one (inclusive) are known to accept the current
  // selection; only later ones need checking. Reset when the selection moves.
  Index verified = k_none;
  manifest::ComponentId component = manifest::k_no_component; // k_no_component when the catalog never saw the name
  const semver::Version* pinned = nullptr;
  List constraints;
  std::uint32_t reselections = 0;
  Index trigger = k_none; // for a dependent: the dependency whose new version it rejected
  bool changed = false;   // selected differs from installed
  bool requested = false;
  bool chosen = false; // an unversioned request has been settled once
  Mode origin = Mode::dependency;
  bool has_origin = false;

  std::string_view name; // points into the catalog, the installed state or the caller's strings
  const manifest::Manifest* installed_manifest = nullptr;
  // For a dependent: trigger_manifest->dependencies[trigger_index] rejected
  // the trigger's new version.
  const manifest::Manifest* trigger_manifest = nullptr;
  std::uint64_t prefix = 0; // name_prefix(name), for ranking
  std::uint32_t trigger_index = 0;
  int priority = k_no_priority;

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

// The bytes at the start of a Node that the fixpoint reads.
constexpr std::size_t k_hot_bytes = offsetof(Node, has_origin) + 1;

inline std::uint64_t hash_name(std::string_view name)
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


// The first eight bytes of a name as a big-endian number: ordering by it
// agrees with ordering by name, except among names that share those bytes.
inline std::uint64_t name_prefix(std::string_view name)
{
  std::uint64_t prefix = 0;
  for (std::size_t i = 0; i < 8; ++i) {
    prefix = (prefix << 8) | (i < name.size() ? static_cast<unsigned char>(name[i]) : 0U);
  }
  return prefix;
}


} // namespace noodle::graph::detail
