// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <noodle/util/error.hpp>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

namespace noodle::manifest {

// Settings of a noodle-upgrade configuration file. Every one is optional: an
// absent setting leaves the built-in default, and environment variables and
// command-line flags override what is set here.
struct Config {
  std::optional<std::string> root;
  std::optional<std::string> catalog;
  std::optional<std::string> keyring;
  std::optional<std::string> archives;
  std::optional<std::string> socket;
  std::optional<std::string> output;   // text | json
  std::optional<std::string> metrics_file; // the Prometheus text file written after every change
  std::optional<std::string> strategy; // one of batch_strategies()
  // Durations (util::parse_duration: "30", "1.5", "500ms", "5s", "2m",
  // "1h"), each at most util::k_max_duration.
  std::optional<std::chrono::milliseconds> lock_timeout;    // >= 0
  std::optional<std::chrono::milliseconds> request_timeout; // > 0
  std::optional<std::chrono::milliseconds> lease;           // > 0
  std::optional<std::chrono::milliseconds> step_interval;   // >= 0
  std::optional<std::chrono::milliseconds> analysis;        // >= 0
  std::optional<std::chrono::milliseconds> timeout;         // a change's --timeout, >= 0 (0: none)
  // Extraction limits (see archive::Limits), each >= 1.
  struct Limits {
    std::optional<std::uint64_t> max_entries;
    std::optional<std::uint64_t> max_file_bytes;
    std::optional<std::uint64_t> max_total_bytes;
    std::optional<std::uint64_t> max_ratio;
    std::optional<std::uint64_t> max_path_bytes;
    std::optional<std::uint64_t> max_path_depth;
    std::optional<std::uint64_t> max_archive_bytes;
  } limits;
  std::optional<std::uint32_t> gc_keep;              // newest versions gc keeps per component, <= k_max_gc_keep
  std::optional<std::uint32_t> point_retention_days; // >= 1
};

// The most versions gc may be told to keep per component.
inline constexpr std::uint32_t k_max_gc_keep = 1000;

// The default configuration file, read when neither --config nor
// NOODLE_CONFIG names one.
inline constexpr const char* k_default_config_path = "/etc/noodle-upgrade/config.yaml";

// Parses one configuration file: a single YAML mapping of the settings above
// (`limits` a nested mapping). An empty document is an empty Config. Fails
// with the first problem, located at `origin`:line:col: an unknown key
// (manifest_invalid, with a did-you-mean), a wrong type or a value out of
// range (manifest_invalid), a YAML syntax error (manifest_parse). Never throws.
Result<Config> parse_config(std::string_view text, const std::string& origin);

// Whether a missing file is an error: a file named by the user must exist,
// the default one need not.
enum class MissingConfig { error, empty };

// Reads `path` (at most 1 MiB) and parses it. A missing file is an empty
// Config with MissingConfig::empty, an io error otherwise.
Result<Config> load_config(const std::filesystem::path& path, MissingConfig missing);

} // namespace noodle::manifest
