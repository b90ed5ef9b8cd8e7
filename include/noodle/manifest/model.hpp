// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <noodle/manifest/probe.hpp>
#include <noodle/semver/range.hpp>
#include <noodle/semver/version.hpp>
#include <noodle/util/boxed.hpp>
#include <noodle/util/compact_vector.hpp>
#include <noodle/util/error.hpp>
#include <noodle/util/shared_string.hpp>

#include <nlohmann/json.hpp>

#include <cstdint>
#include <filesystem>
#include <limits>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace noodle::manifest {

enum class ComponentType { runtime, compiler, ai_agent, deployment, system };

std::string_view to_string(ComponentType type);
std::optional<ComponentType> component_type_from_string(std::string_view text);

// A component name: 1 to 128 of lowercase letters, digits, '_', '.', '-',
// starting with a letter or digit. Names become directory names under
// <root>/components, so nothing else is allowed.
bool is_valid_component_name(std::string_view name);

// One entry of `dependencies`. The list form ("- runtime_core") means any
// version, i.e. the range "*".
struct Dependency {
  util::SharedString name; // one buffer per distinct name once in a Catalog (add() shares it)
  semver::Range range;
  // Where the entry is in its manifest's file (Manifest::location_of): the
  // file is the manifest's, not kept again in each of its dependencies.
  std::uint32_t line = 0; // 0: unknown
  std::uint32_t column = 0;
};

// One entry of `compatibility`: the installed version of `component` must
// satisfy at least one of `ranges`.
struct CompatibilityRule {
  std::string component;
  std::vector<semver::Range> ranges;
  SourceLocation where;
};

struct Resources {
  std::uint64_t memory_mb = 0;
  double cpu_cores = 0;
  std::uint64_t disk_mb = 0;
};

struct HealthCheck {
  std::uint64_t timeout_ms = 5000; // each probe's default timeout_ms
  std::uint32_t retries = 3;       // each probe's default failure_threshold, less one
  std::string endpoint; // health_check_endpoint: a URL to GET; "" when absent
  // The probes every health gate of a live rollout runs (`probes`, then the
  // endpoint's as one http probe named "health_check_endpoint").
  std::vector<Probe> probes;

  friend bool operator==(const HealthCheck&, const HealthCheck&) = default;
};

struct ArchiveRef {
  std::filesystem::path file; // resolved against the manifest's directory
  std::string sha256;         // 64 lowercase hex digits
  std::uint64_t size = 0;
};

// Where the loader found each field's value of one manifest, by path:
// "name", "version", "upgrade_from[0]", "dependencies.<name>", ... All in the
// manifest's own file, so only lines and columns are kept, packed with the
// paths into one buffer behind one pointer (a catalog holds hundreds of
// thousands of these): lines and columns as variable-length numbers, and
// the usual paths and path prefixes as one-byte codes. The buffer is never
// changed in place, and copies share it: a catalog's versions of one
// component often lay out their fields alike and then keep one buffer
// (Catalog::add).
class FieldLocations {
public:
  struct Item {
    std::string field;
    std::uint32_t line = 0;
    std::uint32_t column = 0;
  };

  // Records `field` (at most 255 bytes) at line:column, replacing an
  // earlier record of it.
  void set(std::string_view field, std::uint32_t line, std::uint32_t column);
  // nullopt when `field` has no record.
  std::optional<Item> find(std::string_view field) const;
  bool empty() const { return m_records.empty(); }
  std::size_t size() const;
  // Every record, in the order first set.
  std::vector<Item> items() const;
  // All records as one buffer, to be stored as it is and given back to
  // from_packed(), which refuses (nullopt) what is not such a buffer. The
  // codes are part of the format: a cache that stores this buffer changes
  // its version when they change.
  std::string_view packed() const { return m_records.str(); }
  static std::optional<FieldLocations> from_packed(std::string_view packed);
  // Whether both hold one buffer, not only equal ones.
  bool shares(const FieldLocations& other) const { return m_records.same_buffer(other.m_records); }

  friend bool operator==(const FieldLocations& a, const FieldLocations& b) { return a.m_records == b.m_records; }

private:
  util::SharedString m_records;
};

// The parts of a manifest that most versions leave out.
struct ManifestExtras {
  std::vector<CompatibilityRule> compatibility;
  HealthCheck health_check;
  std::string entry_point;
  std::string location;                // where the component lives, as its descriptor says; stored and shown
  nlohmann::json configuration_schema; // free-form, null when absent
  nlohmann::json metadata;             // free-form, null when absent
  std::optional<ArchiveRef> archive;

  // Whether every part is as a manifest that leaves them all out has it.
  bool empty() const;
};

// One component version: one YAML document of the catalog.
struct Manifest {
  util::SharedString name; // the catalog's one buffer for the name, once added
  semver::Version version;
  util::SharedString description; // 8 bytes where a std::string is 32: set in most versions, never edited
  ComponentType type = ComponentType::runtime;
  bool required_stop = false; // beside `type`, where they fill its padding
  bool hot_swappable = false;
  util::CompactVector<Dependency> dependencies; // one pointer: most versions have few, many none
  // Versions that may upgrade directly to this one; empty = any lower version.
  util::CompactVector<semver::Range> upgrade_from;
  Resources resources;
  // Rare in large catalogs, so all on the heap together, and only once one
  // is set: read through `extras->`, changed through `extras.edit()`. A
  // catalog of 100,000 components holds 400,000 Manifests.
  util::Boxed<ManifestExtras> extras;

  SourceLocation where; // start of the YAML document

  // Where the loader found each field's value, by path: "name", "version",
  // "type", "required_stop", "hot_swappable", "upgrade_from[0]",
  // "dependencies.<name>", "compatibility.<name>", "resources.memory_mb", ...
  // in the file of `where`.
  FieldLocations field_where;

  // "name@version".
  std::string id() const;

  // The location recorded for `field` (in where.file), or the document's
  // when there is none.
  SourceLocation location_of(std::string_view field) const;
  // Where `dependency`, one of this manifest's, is written; unknown (no
  // file) when its line is.
  SourceLocation location_of(const Dependency& dependency) const;
  // location_of(dependency).file, this manifest's own; null when unknown.
  const util::SharedPath* file_of(const Dependency& dependency) const
  {
    return dependency.line != 0 && !where.file.empty() ? &where.file : nullptr;
  }
};

// A component's place in a Catalog's dense index (see Catalog::id_of).
using ComponentId = std::uint32_t;
inline constexpr ComponentId k_no_component = std::numeric_limits<ComponentId>::max();

// A distinct range in a Catalog (see Catalog::range).
using RangeId = std::uint32_t;

// A release version MAJOR.MINOR.PATCH with each part below 2^21, packed as
// MAJOR << 42 | MINOR << 21 | PATCH, so that keys order as the versions do;
// k_no_release_key for a prerelease or a larger version.
using ReleaseKey = std::uint64_t;
inline constexpr ReleaseKey k_no_release_key = std::numeric_limits<ReleaseKey>::max();
ReleaseKey release_key(const semver::Version& version);

// One manifest dependency in a Catalog's dense index: whom it names and the
// range it demands.
struct DependencyRef {
  ComponentId component;
  RangeId range;
};

// All component versions known to the tool, by name, each name's versions in
// ascending precedence.
//
// Besides the map by name, add() maintains a dense index for callers that
// walk large catalogs: every name the catalog has seen -- a component added,
// or one named by an added manifest's dependency -- has an id in
// [0, id_count()), given in order of first sight and kept for the catalog's
// lifetime, and each manifest's dependencies are known by id, their ranges
// shared among all dependencies that spell them alike.
class Catalog {
public:
  Catalog() = default;
  Catalog(const Catalog& other);
  Catalog& operator=(const Catalog& other);
  Catalog(Catalog&& other) = default;
  Catalog& operator=(Catalog&& other) = default;
  ~Catalog() = default;

  // Fails with ErrorCode::duplicate_version when name@version already exists
  // (and then changes nothing).
  Result<void> add(Manifest m);
  // Gives back the room kept for versions and dependencies yet to come,
  // where a list is at least half empty: the loaders call it once a
  // catalog is complete (add() grows lists ahead of need, and a large
  // catalog is hundreds of thousands of small lists; copying one that is
  // nearly full costs more memory than it gives back).
  void shrink_to_fit();

  // nullptr when unknown.
  const std::vector<Manifest>* versions(std::string_view name) const;
  const Manifest* find(std::string_view name, const semver::Version& version) const;
  const Manifest* latest(std::string_view name) const;

  bool contains(std::string_view name) const { return versions(name) != nullptr; }
  std::vector<std::string> names() const; // sorted
  std::size_t component_count() const { return m_components.size(); }
  std::size_t manifest_count() const;

  const std::map<std::string, std::vector<Manifest>, std::less<>>& components() const { return m_components; }

  // The dense index. Pointers and views it returns stay valid until the
  // next add(), like those of versions().

  // k_no_component when `name` was neither added nor named by a dependency.
  ComponentId id_of(std::string_view name) const;
  // id_of(names[i]) into out[i] for each i (`out` as long as `names`). The
  // lookups overlap their reads of the table and of the names, so a batch
  // costs far less than one id_of() each when the table is larger than the
  // cache.
  void ids_of(std::span<const std::string_view> names, std::span<ComponentId> out) const;
  std::size_t id_count() const { return m_entries.size(); }
  // `id` must be below id_count().
  std::string_view name_of(ComponentId id) const { return m_names[id]; }
  // Same as versions(name_of(id)): nullptr when the name is only named by
  // dependencies.
  const std::vector<Manifest>* versions_of(ComponentId id) const { return m_entries[id].versions; }
  // The same versions, read from the index alone (empty when none).
  std::span<const Manifest> version_span(ComponentId id) const { return {m_entries[id].first, m_entries[id].count}; }
  // (*versions_of(id))[version].dependencies by id and range, in the same
  // order; `version` must be below versions_of(id)->size().
  std::span<const DependencyRef> dependencies_of(ComponentId id, std::size_t version) const
  {
    const auto& deps = m_entries[id].deps;
    const std::size_t base = 2 * std::size_t{m_entries[id].count} + 1;
    return {deps.data() + base + deps[version].component, deps.data() + base + deps[version + 1].component};
  }
  // Hints, changing nothing, that the index data of `id` will be read soon:
  // IndexPart::entry fetches what version_span() reads, IndexPart::versions
  // (best some time after entry) what dependencies_of() and release_key_of()
  // read.
  enum class IndexPart { entry, versions };
  void prefetch(ComponentId id, IndexPart part) const
  {
#if defined(__GNUC__)
    if (part == IndexPart::entry) {
      __builtin_prefetch(&m_entries[id]);
    } else {
      __builtin_prefetch(m_entries[id].deps.data());
    }
#else
    (void)id;
    (void)part;
#endif
  }
  // A range equal to every dependency range written as range(id).raw().
  const semver::Range& range(RangeId id) const { return m_ranges[id]; }
  std::size_t range_count() const { return m_ranges.size(); }
  // range(id).satisfies(version), where `key` is release_key(version):
  // settled from the key alone for most ranges when it is not
  // k_no_release_key, so `version` is then usually not read.
  bool satisfies(RangeId id, ReleaseKey key, const semver::Version& version) const
  {
    const RangeSpan span = m_range_spans[id];
    if (key == k_no_release_key || !span.exact) {
      return m_ranges[id].satisfies(version);
    }
    for (std::uint32_t i = span.begin; i < span.begin + span.count; ++i) {
      if (key >= m_intervals[i].low && key < m_intervals[i].high) {
        return true;
      }
    }
    return false;
  }
  // release_key() of (*versions_of(id))[version].
  ReleaseKey release_key_of(ComponentId id, std::size_t version) const
  {
    const DependencyRef& packed = m_entries[id].deps[m_entries[id].count + 1 + version];
    return ReleaseKey{packed.range} << 32 | packed.component;
  }

private:
  struct Entry {
    std::vector<Manifest>* versions = nullptr; // the value in m_components; nullptr until added
    const Manifest* first = nullptr;           // versions->data() and size(), kept here so that
    std::uint32_t count = 0;                   // the index is read without touching the map
    // For n versions, in one allocation: n + 1 offsets (in `component`),
    // n release keys (low half in `component`, high in `range`), then the
    // dependencies of every version in order; version i's are at
    // 2n + 1 + deps[i] up to 2n + 1 + deps[i + 1].
    std::vector<DependencyRef> deps;
  };
  // The release versions a range admits, as half-open intervals of keys;
  // not exact when a bound does not fit a key.
  struct Interval {
    ReleaseKey low;
    ReleaseKey high;
  };
  struct RangeSpan {
    std::uint32_t begin = 0;
    std::uint32_t count = 0;
    bool exact = false;
  };
  // Open addressing, linear probing: the upper half of the key's hash and
  // its index; keys are compared through m_names or m_ranges.
  struct Slot {
    std::uint32_t tag = 0;
    std::uint32_t index = std::numeric_limits<std::uint32_t>::max();
  };

  ComponentId intern(std::string_view name);
  RangeId intern(const semver::Range& range);
  // The catalog's one copy of an upgrade_from range spelled as `range` is.
  const semver::Range& shared_upgrade_range(const semver::Range& range);
  RangeSpan compile(const semver::Range& range);
  void relink();

  std::map<std::string, std::vector<Manifest>, std::less<>> m_components;
  std::vector<util::SharedString> m_names; // by id; each name's buffer stays put, shared by the versions and dependencies naming it
  std::vector<Entry> m_entries;    // by id
  std::vector<Slot> m_slots;
  std::vector<semver::Range> m_ranges; // by RangeId
  std::vector<RangeSpan> m_range_spans; // by RangeId
  std::vector<Interval> m_intervals;
  std::vector<Slot> m_range_slots;
  std::vector<semver::Range> m_upgrade_ranges; // every distinct upgrade_from range, each parsed once
  std::vector<Slot> m_upgrade_slots;
};

} // namespace noodle::manifest
