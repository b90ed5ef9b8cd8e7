// SPDX-License-Identifier: Apache-2.0
#include <noodle/manifest/model.hpp>
#include <noodle/manifest/names.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cstring>
#include <functional>
#include <limits>

namespace noodle::manifest {

bool is_valid_component_name(std::string_view name)
{
  return !name_problem(name);
}

std::string_view to_string(ComponentType type)
{
  switch (type) {
  case ComponentType::runtime: return "runtime";
  case ComponentType::compiler: return "compiler";
  case ComponentType::ai_agent: return "ai_agent";
  case ComponentType::deployment: return "deployment";
  case ComponentType::system: return "system";
  }
  return "runtime";
}

std::optional<ComponentType> component_type_from_string(std::string_view text)
{
  for (auto t : {ComponentType::runtime, ComponentType::compiler, ComponentType::ai_agent,
                 ComponentType::deployment, ComponentType::system}) {
    if (to_string(t) == text) {
      return t;
    }
  }
  return std::nullopt;
}

bool ManifestExtras::empty() const
{
  return compatibility.empty() && health_check == HealthCheck{} && entry_point.empty() && location.empty()
         && configuration_schema.is_null() && metadata.is_null() && !archive;
}

std::string Manifest::id() const
{
  return fmt::format("{}@{}", name, version.to_string());
}

SourceLocation Manifest::location_of(const Dependency& dependency) const
{
  if (dependency.line == 0) {
    return {};
  }
  return SourceLocation{where.file, dependency.line, dependency.column};
}

SourceLocation Manifest::location_of(std::string_view field) const
{
  if (auto found = field_where.find(field)) {
    return SourceLocation{where.file, found->line, found->column};
  }
  return where;
}

namespace {

// The paths most manifests record, each written as the one byte
// k_known_code + its index, and the prefixes of the paths of named entries,
// written as k_prefix_code + index, the rest's length and the rest. Any
// other path is written as its length (below k_known_code, or
// k_long_literal and a length byte) and itself.
constexpr std::array<std::string_view, 26> k_known_fields = {
  "name", "version", "description", "type", "required_stop", "hot_swappable", "upgrade_from", "upgrade_from[0]",
  "upgrade_from[1]", "upgrade_from[2]", "dependencies", "compatibility", "resources", "resources.memory_mb",
  "resources.cpu_cores", "resources.disk_mb", "health_check", "health_check.timeout_ms", "health_check.retries",
  "health_check_endpoint", "entry_point", "location", "archive.file", "archive.sha256", "archive.size",
  "configuration_schema"};
constexpr std::array<std::string_view, 4> k_known_prefixes = {"dependencies.", "compatibility.", "resources.",
                                                              "health_check."};
constexpr unsigned char k_known_code = 0x80;
constexpr unsigned char k_prefix_code = 0xF0;
constexpr unsigned char k_long_literal = 0xFF;
static_assert(k_known_code + k_known_fields.size() <= k_prefix_code);
static_assert(k_prefix_code + k_known_prefixes.size() <= k_long_literal);

// One record as read: its path is `head` then `tail` (a prefix and the
// rest, or the whole path and nothing).
struct Record {
  std::uint32_t line = 0;
  std::uint32_t column = 0;
  std::string_view head;
  std::string_view tail;
  std::size_t end = 0; // the offset just past it

  bool is(std::string_view field) const
  {
    return field.size() == head.size() + tail.size() && field.substr(0, head.size()) == head
           && field.substr(head.size()) == tail;
  }
  std::string field() const { return std::string(head) + std::string(tail); }
};

bool read_number(std::string_view packed, std::size_t& at, std::uint32_t& out)
{
  std::uint64_t value = 0;
  for (unsigned shift = 0; shift < 35; shift += 7) {
    if (at >= packed.size()) {
      return false;
    }
    const auto byte = static_cast<unsigned char>(packed[at++]);
    value |= std::uint64_t{byte & 0x7FU} << shift;
    if ((byte & 0x80U) == 0) {
      if (value > std::numeric_limits<std::uint32_t>::max()) {
        return false;
      }
      out = static_cast<std::uint32_t>(value);
      return true;
    }
  }
  return false;
}

void write_number(std::string& out, std::uint32_t value)
{
  while (value >= 0x80) {
    out += static_cast<char>(static_cast<unsigned char>(0x80U | (value & 0x7FU)));
    value >>= 7;
  }
  out += static_cast<char>(static_cast<unsigned char>(value));
}

// `n` bytes at `at` as a view, past them; nullopt when they run past the end.
std::optional<std::string_view> take(std::string_view packed, std::size_t& at, std::size_t n)
{
  if (n > packed.size() - at) {
    return std::nullopt;
  }
  const std::string_view out = packed.substr(at, n);
  at += n;
  return out;
}

// The record at `at`; nullopt when the buffer is damaged there.
std::optional<Record> read_record(std::string_view packed, std::size_t at)
{
  Record r;
  if (!read_number(packed, at, r.line) || !read_number(packed, at, r.column) || at >= packed.size()) {
    return std::nullopt;
  }
  const auto code = static_cast<unsigned char>(packed[at++]);
  std::optional<std::string_view> text;
  if (code < k_known_code || code == k_long_literal) {
    std::size_t n = code;
    if (code == k_long_literal) {
      if (at >= packed.size()) {
        return std::nullopt;
      }
      n = static_cast<unsigned char>(packed[at++]);
    }
    if (!(text = take(packed, at, n))) {
      return std::nullopt;
    }
    r.head = *text;
  } else if (code >= k_prefix_code) {
    const std::size_t index = code - k_prefix_code;
    if (index >= k_known_prefixes.size() || at >= packed.size()) {
      return std::nullopt;
    }
    const std::size_t n = static_cast<unsigned char>(packed[at++]);
    if (!(text = take(packed, at, n))) {
      return std::nullopt;
    }
    r.head = k_known_prefixes[index];
    r.tail = *text;
  } else {
    const std::size_t index = code - k_known_code;
    if (index >= k_known_fields.size()) {
      return std::nullopt;
    }
    r.head = k_known_fields[index];
  }
  r.end = at;
  return r;
}

// Calls visit(record, offset) for each record until it returns false;
// false when the buffer is damaged before that.
template <typename Visit> bool for_each_record(std::string_view packed, Visit visit)
{
  std::size_t at = 0;
  while (at < packed.size()) {
    const std::optional<Record> r = read_record(packed, at);
    if (!r) {
      return false;
    }
    if (!visit(*r, at)) {
      return true;
    }
    at = r->end;
  }
  return true;
}

std::string encode_record(std::string_view field, std::uint32_t line, std::uint32_t column)
{
  std::string out;
  write_number(out, line);
  write_number(out, column);
  if (const auto* known = std::find(k_known_fields.begin(), k_known_fields.end(), field);
      known != k_known_fields.end()) {
    out += static_cast<char>(k_known_code + (known - k_known_fields.begin()));
    return out;
  }
  for (std::size_t i = 0; i < k_known_prefixes.size(); ++i) {
    const std::string_view prefix = k_known_prefixes[i];
    if (field.size() > prefix.size() && field.substr(0, prefix.size()) == prefix) {
      const std::string_view rest = field.substr(prefix.size());
      out += static_cast<char>(k_prefix_code + i);
      out += static_cast<char>(static_cast<unsigned char>(rest.size()));
      out += rest;
      return out;
    }
  }
  if (field.size() >= k_known_code) {
    out += static_cast<char>(k_long_literal);
  }
  out += static_cast<char>(static_cast<unsigned char>(field.size()));
  out += field;
  return out;
}

} // namespace

void FieldLocations::set(std::string_view field, std::uint32_t line, std::uint32_t column)
{
  field = field.substr(0, 255);
  const std::string record = encode_record(field, line, column);
  const std::string_view now = packed();
  std::optional<std::pair<std::size_t, std::size_t>> existing;
  for_each_record(now, [&](const Record& r, std::size_t at) {
    if (r.is(field)) {
      existing.emplace(at, r.end);
      return false;
    }
    return true;
  });
  // The record replaces the earlier one, or goes at the end; in a new
  // buffer each time, as the old one may be shared.
  const auto [from, to] = existing.value_or(std::pair<std::size_t, std::size_t>{now.size(), now.size()});
  std::string next;
  next.reserve(now.size() - (to - from) + record.size());
  next.append(now.substr(0, from));
  next.append(record);
  next.append(now.substr(to));
  m_records = util::SharedString(next);
}

std::optional<FieldLocations> FieldLocations::from_packed(std::string_view packed)
{
  if (packed.size() > std::numeric_limits<std::uint32_t>::max()
      || !for_each_record(packed, [](const Record&, std::size_t) { return true; })) {
    return std::nullopt;
  }
  FieldLocations out;
  out.m_records = util::SharedString(packed);
  return out;
}

std::optional<FieldLocations::Item> FieldLocations::find(std::string_view field) const
{
  field = field.substr(0, 255);
  std::optional<Item> found;
  for_each_record(packed(), [&](const Record& r, std::size_t) {
    if (r.is(field)) {
      found = Item{r.field(), r.line, r.column};
      return false;
    }
    return true;
  });
  return found;
}

std::size_t FieldLocations::size() const
{
  std::size_t n = 0;
  for_each_record(packed(), [&](const Record&, std::size_t) {
    ++n;
    return true;
  });
  return n;
}

std::vector<FieldLocations::Item> FieldLocations::items() const
{
  std::vector<Item> out;
  for_each_record(packed(), [&](const Record& r, std::size_t) {
    out.push_back(Item{r.field(), r.line, r.column});
    return true;
  });
  return out;
}

namespace {

constexpr std::uint32_t k_empty = std::numeric_limits<std::uint32_t>::max();

std::uint64_t hash_text(std::string_view text)
{
  return std::hash<std::string_view>{}(text);
}

std::uint32_t tag_of(std::uint64_t hash)
{
  return static_cast<std::uint32_t>(hash >> 32);
}

// Lookups in an open-addressing table whose keys live elsewhere: `key_of(i)`
// gives the key of index i. k_empty when absent.
template <typename Slot, typename KeyOf>
std::uint32_t probe(const std::vector<Slot>& slots, std::string_view key, std::uint64_t hash, KeyOf key_of)
{
  if (slots.empty()) {
    return k_empty;
  }
  const std::uint32_t tag = tag_of(hash);
  const std::size_t mask = slots.size() - 1;
  for (std::size_t i = hash & mask;; i = (i + 1) & mask) {
    const Slot& s = slots[i];
    if (s.index == k_empty) {
      return k_empty;
    }
    if (s.tag == tag && key_of(s.index) == key) {
      return s.index;
    }
  }
}

template <typename Slot> void place(std::vector<Slot>& slots, std::uint64_t hash, std::uint32_t index)
{
  const std::size_t mask = slots.size() - 1;
  std::size_t i = hash & mask;
  while (slots[i].index != k_empty) {
    i = (i + 1) & mask;
  }
  slots[i] = Slot{tag_of(hash), index};
}

// Makes room for key number `count` (keys 0 .. count - 1 are in), keeping
// the table at most half full.
template <typename Slot, typename KeyOf> void reserve_one(std::vector<Slot>& slots, std::size_t count, KeyOf key_of)
{
  if ((count + 1) * 2 <= slots.size()) {
    return;
  }
  slots.assign(slots.empty() ? 64 : slots.size() * 2, Slot{});
  for (std::size_t i = 0; i < count; ++i) {
    place(slots, hash_text(key_of(static_cast<std::uint32_t>(i))), static_cast<std::uint32_t>(i));
  }
}

// The place in `ranges` of the range spelled as `range` is, looked up
// through `slots`; `range` is added at the end when none is, and `added`
// says so.
template <typename Slot>
std::uint32_t find_or_add(std::vector<semver::Range>& ranges, std::vector<Slot>& slots, const semver::Range& range,
                          bool& added)
{
  const std::string_view raw = range.raw();
  const std::uint64_t hash = hash_text(raw);
  auto key_of = [&ranges](std::uint32_t i) -> std::string_view { return ranges[i].raw(); };
  added = false;
  if (const std::uint32_t i = probe(slots, raw, hash, key_of); i != k_empty) {
    return i;
  }
  reserve_one(slots, ranges.size(), key_of);
  const auto i = static_cast<std::uint32_t>(ranges.size());
  ranges.push_back(range);
  place(slots, hash, i);
  added = true;
  return i;
}

} // namespace

ReleaseKey release_key(const semver::Version& version)
{
  constexpr std::uint64_t k_limit = std::uint64_t{1} << 21;
  if (!version.prerelease().empty() || version.major >= k_limit || version.minor >= k_limit
      || version.patch >= k_limit) {
    return k_no_release_key;
  }
  return version.major << 42 | version.minor << 21 | version.patch;
}

Catalog::Catalog(const Catalog& other)
  : m_components(other.m_components),
    m_names(other.m_names),
    m_entries(other.m_entries),
    m_slots(other.m_slots),
    m_ranges(other.m_ranges),
    m_range_spans(other.m_range_spans),
    m_intervals(other.m_intervals),
    m_range_slots(other.m_range_slots),
    m_upgrade_ranges(other.m_upgrade_ranges),
    m_upgrade_slots(other.m_upgrade_slots)
{
  relink();
}

Catalog& Catalog::operator=(const Catalog& other)
{
  if (this != &other) {
    Catalog copy(other);
    *this = std::move(copy);
  }
  return *this;
}

// Points the entries at this catalog's own map values after a copy.
void Catalog::relink()
{
  for (std::size_t id = 0; id < m_entries.size(); ++id) {
    if (m_entries[id].versions != nullptr) {
      m_entries[id].versions = &m_components.find(m_names[id])->second;
      m_entries[id].first = m_entries[id].versions->data();
    }
  }
}

ComponentId Catalog::id_of(std::string_view name) const
{
  return probe(m_slots, name, hash_text(name), [this](std::uint32_t i) -> std::string_view { return m_names[i]; });
}

void Catalog::ids_of(std::span<const std::string_view> names, std::span<ComponentId> out) const
{
  if (m_slots.empty()) {
    std::fill(out.begin(), out.end(), k_no_component);
    return;
  }
  // Each lookup reads the name, hashes it, reads a slot, then the entry of
  // m_names it names, then that name's text: reads that wait on memory one
  // after the other. Each is started a step of the loop ahead of the next
  // (a hint only: the probe below decides), so that a batch's reads
  // overlap. A name is hashed once it is in cache, k_step names before its
  // slot is needed.
  constexpr std::size_t k_step = 8;
  const std::size_t count = names.size();
  const std::size_t mask = m_slots.size() - 1;
  std::vector<std::uint64_t> hashes(count);
  const auto slot_of = [&](std::size_t i) -> const Slot& { return m_slots[hashes[i] & mask]; };
  const auto key_of = [this](std::uint32_t i) -> std::string_view { return m_names[i]; };
  const auto hash_and_fetch = [&](std::size_t i) {
    hashes[i] = hash_text(names[i]);
    __builtin_prefetch(&slot_of(i));
  };
  for (std::size_t i = 0; i < std::min(count, 3 * k_step); ++i) {
    hash_and_fetch(i);
  }
  for (std::size_t i = 0; i < count; ++i) {
    if (i + 4 * k_step < count) {
      __builtin_prefetch(names[i + 4 * k_step].data());
    }
    if (i + 3 * k_step < count) {
      hash_and_fetch(i + 3 * k_step);
    }
    if (i + 2 * k_step < count) {
      if (const std::uint32_t index = slot_of(i + 2 * k_step).index; index != k_empty) {
        __builtin_prefetch(&m_names[index]);
      }
    }
    if (i + k_step < count) {
      if (const std::uint32_t index = slot_of(i + k_step).index; index != k_empty) {
        __builtin_prefetch(m_names[index].data());
      }
    }
    out[i] = probe(m_slots, names[i], hashes[i], key_of);
  }
}

ComponentId Catalog::intern(std::string_view name)
{
  const std::uint64_t hash = hash_text(name);
  auto key_of = [this](std::uint32_t i) -> std::string_view { return m_names[i]; };
  if (const ComponentId id = probe(m_slots, name, hash, key_of); id != k_empty) {
    return id;
  }
  reserve_one(m_slots, m_entries.size(), key_of);
  const auto id = static_cast<ComponentId>(m_entries.size());
  m_names.emplace_back(name);
  m_entries.emplace_back();
  place(m_slots, hash, id);
  return id;
}

const semver::Range& Catalog::shared_upgrade_range(const semver::Range& range)
{
  bool added = false;
  return m_upgrade_ranges[find_or_add(m_upgrade_ranges, m_upgrade_slots, range, added)];
}

RangeId Catalog::intern(const semver::Range& range)
{
  bool added = false;
  const RangeId id = find_or_add(m_ranges, m_range_slots, range, added);
  if (added) {
    m_range_spans.push_back(compile(range));
  }
  return id;
}

// For a release version v and a comparator on c, v <=> c is the order of
// their keys, except that at equal keys v is above a prerelease c. So each
// comparator set admits one interval of release keys, and the range their
// union (the prerelease rule only concerns prerelease versions).
Catalog::RangeSpan Catalog::compile(const semver::Range& range)
{
  RangeSpan span;
  span.begin = static_cast<std::uint32_t>(m_intervals.size());
  for (const auto& set : range.sets()) {
    ReleaseKey low = 0;
    ReleaseKey high = k_no_release_key; // above every key
    for (const auto& c : set) {
      if (c.any_version) {
        continue;
      }
      semver::Version bound(c.version.major, c.version.minor, c.version.patch);
      const ReleaseKey key = release_key(bound);
      if (key == k_no_release_key) {
        m_intervals.resize(span.begin);
        return RangeSpan{span.begin, 0, false};
      }
      const bool prerelease = c.version.is_prerelease();
      switch (c.op) {
      case semver::Op::ge: low = std::max(low, key); break;
      case semver::Op::gt: low = std::max(low, prerelease ? key : key + 1); break;
      case semver::Op::lt: high = std::min(high, key); break;
      case semver::Op::le: high = std::min(high, prerelease ? key : key + 1); break;
      case semver::Op::eq:
        if (prerelease) {
          high = 0; // no release equals a prerelease
        } else {
          low = std::max(low, key);
          high = std::min(high, key + 1);
        }
        break;
      }
    }
    if (low < high) {
      m_intervals.push_back(Interval{low, high});
    }
  }
  span.count = static_cast<std::uint32_t>(m_intervals.size() - span.begin);
  span.exact = true;
  return span;
}

Result<void> Catalog::add(Manifest m)
{
  const ComponentId id = intern(m.name);
  m.name = m_names[id]; // every version of a component keeps the one buffer
  if (m_entries[id].versions == nullptr) {
    m_entries[id].versions = &m_components.try_emplace(m.name.string()).first->second;
    m_entries[id].deps.assign(1, DependencyRef{0, 0});
  }
  auto& list = *m_entries[id].versions;
  auto it = std::lower_bound(list.begin(), list.end(), m.version,
                             [](const Manifest& a, const semver::Version& v) { return a.version < v; });
  if (it != list.end() && it->version == m.version) {
    Error e(ErrorCode::duplicate_version,
            fmt::format("duplicate component version '{}' (first defined at {})", m.id(), it->where.to_string()),
            m.where);
    return tl::unexpected<Error>(std::move(e));
  }

  // Open gaps for the new version's dependencies, key and offset (in that
  // order, so earlier positions hold), then fill the dependencies in
  // (interning may grow m_entries, so the entry is found by id).
  const std::size_t n = list.size();
  const std::size_t at = static_cast<std::size_t>(it - list.begin());
  const auto count = static_cast<std::uint32_t>(m.dependencies.size());
  {
    auto& deps = m_entries[id].deps;
    // Grown by a quarter, or just enough for a small list: most
    // components have a few versions, and a list grown by doubling ends
    // up to half empty (a catalog holds one per component).
    const std::size_t needed = deps.size() + 2 + count;
    if (needed > deps.capacity()) {
      deps.reserve(std::max(needed, deps.size() + deps.size() / 4));
    }
    const std::uint32_t start = deps[at].component;
    for (std::size_t i = at + 1; i <= n; ++i) {
      deps[i].component += count;
    }
    const ReleaseKey key = release_key(m.version);
    deps.insert(deps.begin() + static_cast<std::ptrdiff_t>(2 * n + 1 + start), count, DependencyRef{k_no_component, 0});
    deps.insert(deps.begin() + static_cast<std::ptrdiff_t>(n + 1 + at),
                DependencyRef{static_cast<std::uint32_t>(key), static_cast<std::uint32_t>(key >> 32)});
    deps.insert(deps.begin() + static_cast<std::ptrdiff_t>(at + 1), DependencyRef{start + count, 0});
  }
  const std::size_t first = 2 * (n + 1) + 1 + m_entries[id].deps[at].component;
  for (std::size_t k = 0; k < m.dependencies.size(); ++k) {
    auto& dep = m.dependencies[k];
    const DependencyRef ref{intern(dep.name), intern(dep.range)};
    // A name is named by many: every dependency on it keeps the one buffer,
    // and every range spelled alike the one parse (a parsed range is a few
    // hundred bytes; a large catalog spells a handful of ranges a million
    // times).
    dep.name = m_names[ref.component];
    dep.range = m_ranges[ref.range];
    m_entries[id].deps[first + k] = ref;
  }
  for (semver::Range& range : m.upgrade_from) {
    range = shared_upgrade_range(range);
  }
  // Neighbouring versions often lay out their fields, depend on the same
  // components and describe themselves alike: such a version keeps its
  // neighbour's buffers.
  const auto same_dependencies = [](std::span<const Dependency> a, std::span<const Dependency> b) {
    return std::equal(a.begin(), a.end(), b.begin(), b.end(), [](const Dependency& x, const Dependency& y) {
      return x.name == y.name && x.line == y.line && x.column == y.column && x.range.raw() == y.range.raw();
    });
  };
  const auto share_alike = [&m, &same_dependencies](const Manifest& near) {
    if (m.field_where == near.field_where) {
      m.field_where = near.field_where;
    }
    if (same_dependencies(m.dependencies, near.dependencies)) {
      m.dependencies = near.dependencies;
    }
    if (m.description == near.description) {
      m.description = near.description;
    }
  };
  if (at < n) {
    share_alike(list[at]);
  }
  if (at > 0) {
    share_alike(list[at - 1]);
  }
  if (list.size() == list.capacity() && list.size() == 1) {
    // A component with a second version usually has more: room for four
    // at once rather than growing by doubling, which moves every manifest
    // each time.
    list.reserve(4);
  }
  list.insert(list.begin() + static_cast<std::ptrdiff_t>(at), std::move(m));
  m_entries[id].first = list.data();
  m_entries[id].count = static_cast<std::uint32_t>(list.size());
  return {};
}

namespace {

// A copy costs a new allocation while the old one's memory stays with the
// allocator (a large catalog's lists are hundreds of thousands of small
// blocks, freed all at once when nothing else is allocated any more): so
// only a list at least half empty is copied to its size.
template <typename T> void shrink_if_half_empty(std::vector<T>& list)
{
  if (list.capacity() >= 2 * list.size() + 1) {
    list.shrink_to_fit();
  }
}

} // namespace

void Catalog::shrink_to_fit()
{
  for (Entry& e : m_entries) {
    shrink_if_half_empty(e.deps);
    if (e.versions != nullptr) {
      shrink_if_half_empty(*e.versions);
      e.first = e.versions->data();
    }
  }
  shrink_if_half_empty(m_entries);
  shrink_if_half_empty(m_names);
}

const std::vector<Manifest>* Catalog::versions(std::string_view name) const
{
  const ComponentId id = id_of(name);
  return id == k_no_component ? nullptr : m_entries[id].versions;
}

const Manifest* Catalog::find(std::string_view name, const semver::Version& version) const
{
  const auto* list = versions(name);
  if (list == nullptr) {
    return nullptr;
  }
  auto it = std::lower_bound(list->begin(), list->end(), version,
                             [](const Manifest& a, const semver::Version& v) { return a.version < v; });
  return (it != list->end() && it->version == version) ? &*it : nullptr;
}

const Manifest* Catalog::latest(std::string_view name) const
{
  const auto* list = versions(name);
  return (list == nullptr || list->empty()) ? nullptr : &list->back();
}

std::vector<std::string> Catalog::names() const
{
  std::vector<std::string> out;
  out.reserve(m_components.size());
  for (const auto& [name, _] : m_components) {
    out.push_back(name);
  }
  return out;
}

std::size_t Catalog::manifest_count() const
{
  std::size_t n = 0;
  for (const auto& [_, list] : m_components) {
    n += list.size();
  }
  return n;
}

} // namespace noodle::manifest
