// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <noodle/manifest/diagnostic.hpp>
#include <noodle/semver/version.hpp>
#include <noodle/util/error.hpp>

#include <cstddef>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace noodle::manifest {

// Priorities, as --priority takes them: among steps that do not depend on
// each other, higher goes first.
inline constexpr int k_min_priority = 1;
inline constexpr int k_max_priority = 10;
inline constexpr int k_default_priority = 5;

// One requested upgrade of a batch file (`plan -f`, `apply`).
struct BatchItem {
  std::string component;
  semver::Version version;
  std::optional<std::string> strategy; // one of batch_strategies()
  int priority = k_default_priority;   // k_min_priority-k_max_priority; higher goes first
  SourceLocation where;                // the item's mapping
};

struct Batch {
  std::vector<BatchItem> items; // in file order
};

// The accepted `strategy` values: immediate, gradual, canary, blue-green, rolling.
const std::vector<std::string>& batch_strategies();

// The strategy an alias stands for (blue_green: blue-green), else `name`.
std::string strategy_alias(std::string_view name);

// Parses a batch file:
//   upgrades:
//     - {component: NAME, version: X.Y.Z, strategy: canary, priority: 10}
// Appends every problem to `diagnostics` (unknown fields are errors here: a
// misspelt key must not silently drop a setting). Fails with the first
// error when there is any; an empty list or a component listed twice is an
// error. The same size, depth and alias limits as manifests apply. Never throws.
Result<Batch> parse_batch(std::string_view text, const std::string& file_name, std::vector<Diagnostic>& diagnostics);

// The largest batch file read.
inline constexpr std::size_t k_max_batch_file_bytes = 1024 * 1024;

// Reads `path` (read_input_file, refused over `max_file_bytes`) and parses it
// as parse_batch does; the file name in locations is `path` as given.
Result<Batch> load_batch(const std::filesystem::path& path, std::vector<Diagnostic>& diagnostics,
                         std::size_t max_file_bytes = k_max_batch_file_bytes);

} // namespace noodle::manifest
