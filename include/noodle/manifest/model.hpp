// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <noodle/semver/range.hpp>
#include <noodle/semver/version.hpp>
#include <noodle/util/error.hpp>

#include <nlohmann/json.hpp>

#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
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
  std::string name;
  semver::Range range;
  SourceLocation where;
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
  std::uint64_t timeout_ms = 5000;
  std::uint32_t retries = 3;
};

struct ArchiveRef {
  std::filesystem::path file; // resolved against the manifest's directory
  std::string sha256;         // 64 lowercase hex digits
  std::uint64_t size = 0;
};

// One component version: one YAML document of the catalog.
struct Manifest {
  std::string name;
  semver::Version version;
  std::string description;
  ComponentType type = ComponentType::runtime;
  std::vector<Dependency> dependencies;
  // Versions that may upgrade directly to this one; empty = any lower version.
  std::vector<semver::Range> upgrade_from;
  bool required_stop = false;
  bool hot_swappable = false;
  std::vector<CompatibilityRule> compatibility;
  Resources resources;
  HealthCheck health_check;
  std::string entry_point;
  nlohmann::json configuration_schema; // free-form, null when absent
  nlohmann::json metadata;             // free-form, null when absent
  std::optional<ArchiveRef> archive;

  SourceLocation where; // start of the YAML document

  // Where the loader found each field's value, by path: "name", "version",
  // "type", "required_stop", "hot_swappable", "upgrade_from[0]",
  // "dependencies.<name>", "compatibility.<name>", "resources.memory_mb", ...
  std::map<std::string, SourceLocation, std::less<>> field_where;

  // "name@version".
  std::string id() const;

  // The location recorded for `field`, or the document's when there is none.
  const SourceLocation& location_of(std::string_view field) const;
};

// All component versions known to the tool, by name, each name's versions in
// ascending precedence.
class Catalog {
public:
  // Fails with ErrorCode::duplicate_version when name@version already exists.
  Result<void> add(Manifest m);

  // nullptr when unknown.
  const std::vector<Manifest>* versions(std::string_view name) const;
  const Manifest* find(std::string_view name, const semver::Version& version) const;
  const Manifest* latest(std::string_view name) const;

  bool contains(std::string_view name) const { return versions(name) != nullptr; }
  std::vector<std::string> names() const; // sorted
  std::size_t component_count() const { return m_components.size(); }
  std::size_t manifest_count() const;

  const std::map<std::string, std::vector<Manifest>, std::less<>>& components() const { return m_components; }

private:
  std::map<std::string, std::vector<Manifest>, std::less<>> m_components;
};

} // namespace noodle::manifest
