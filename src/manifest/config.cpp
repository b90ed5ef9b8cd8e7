// SPDX-License-Identifier: Apache-2.0
#include <noodle/manifest/batch.hpp>
#include <noodle/manifest/config.hpp>
#include <noodle/manifest/loader.hpp>
#include <noodle/util/duration.hpp>

#include "fields.hpp"
#include "yaml_doc.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <iterator>
#include <system_error>

namespace noodle::manifest {

namespace {

using namespace detail;

const std::vector<std::string> k_fields = {
    "root",     "catalog",       "keyring",  "archives", "socket", "output",  "strategy",
    "lock_timeout", "timeout", "request_timeout", "lease", "step_interval", "analysis", "limits", "gc_keep",
    "point_retention_days", "metrics_file"};
struct LimitField {
  const char* name;
  std::optional<std::uint64_t> Config::Limits::*member;
};
constexpr LimitField k_limit_fields[] = {
    {"max_entries", &Config::Limits::max_entries},       {"max_file_bytes", &Config::Limits::max_file_bytes},
    {"max_total_bytes", &Config::Limits::max_total_bytes}, {"max_ratio", &Config::Limits::max_ratio},
    {"max_path_bytes", &Config::Limits::max_path_bytes},   {"max_path_depth", &Config::Limits::max_path_depth},
    {"max_archive_bytes", &Config::Limits::max_archive_bytes}};

std::optional<std::string> read_path(const Node& n, Sink& sink, const std::string& field)
{
  auto s = read_string(n, sink, field);
  if (s && s->empty()) {
    sink.error(ErrorCode::manifest_invalid, fmt::format("field '{}' must not be empty", field), n, field);
    return std::nullopt;
  }
  return s;
}

// A duration as the command line takes it (util::parse_duration), with the
// same range and message.
std::optional<std::chrono::milliseconds> read_duration(const Node& n, Sink& sink, const std::string& field, Sign sign)
{
  const auto range = sign == Sign::positive ? util::k_positive_duration : util::DurationRange{};
  if (n.kind != NodeKind::scalar) {
    sink.error(ErrorCode::manifest_invalid, fmt::format("field '{}' must be a duration, {}", field, got(n)), n, field);
    return std::nullopt;
  }
  auto d = util::parse_duration(n.text, range);
  if (!d) {
    sink.error(ErrorCode::manifest_invalid, fmt::format("field '{}': {}", field, d.error().message), n, field);
    return std::nullopt;
  }
  return *d;
}

void read_limits(const Node& n, Sink& sink, Config::Limits& limits)
{
  if (!expect_mapping(n, sink, "limits")) {
    return;
  }
  for (const Entry& e : entries_of(n, sink, "limits")) {
    const auto* field = std::find_if(std::begin(k_limit_fields), std::end(k_limit_fields),
                                     [&](const LimitField& l) { return e.key == l.name; });
    if (field == std::end(k_limit_fields)) {
      std::vector<std::string> names;
      for (const auto& l : k_limit_fields) {
        names.emplace_back(l.name);
      }
      report_unknown_field(e, sink, "limits", names, Diagnostic::Severity::error);
      continue;
    }
    limits.*(field->member) = read_unsigned(*e.value, sink, join_field("limits", e.key), Sign::positive);
  }
}

void read_config(const Node& root, Sink& sink, Config& config)
{
  if (root.kind != NodeKind::mapping) {
    sink.error(ErrorCode::manifest_invalid,
               fmt::format("a configuration file must be a mapping of settings, {}", got(root)), root);
    return;
  }
  for (const Entry& e : entries_of(root, sink, "")) {
    const Node& v = *e.value;
    const std::string& k = e.key;
    if (k == "root") {
      config.root = read_path(v, sink, k);
    } else if (k == "catalog") {
      config.catalog = read_path(v, sink, k);
    } else if (k == "keyring") {
      config.keyring = read_path(v, sink, k);
    } else if (k == "archives") {
      config.archives = read_path(v, sink, k);
    } else if (k == "socket") {
      config.socket = read_path(v, sink, k);
    } else if (k == "metrics_file") {
      config.metrics_file = read_path(v, sink, k);
    } else if (k == "output") {
      config.output = read_choice(v, sink, k, {"text", "json"});
    } else if (k == "strategy") {
      config.strategy = read_strategy(v, sink, k);
    } else if (k == "lock_timeout") {
      config.lock_timeout = read_duration(v, sink, k, Sign::non_negative);
    } else if (k == "timeout") {
      config.timeout = read_duration(v, sink, k, Sign::non_negative);
    } else if (k == "request_timeout") {
      config.request_timeout = read_duration(v, sink, k, Sign::positive);
    } else if (k == "lease") {
      config.lease = read_duration(v, sink, k, Sign::positive);
    } else if (k == "step_interval") {
      config.step_interval = read_duration(v, sink, k, Sign::non_negative);
    } else if (k == "analysis") {
      config.analysis = read_duration(v, sink, k, Sign::non_negative);
    } else if (k == "limits") {
      read_limits(v, sink, config.limits);
    } else if (k == "gc_keep") {
      if (auto keep = read_unsigned(v, sink, k, Sign::non_negative, k_max_gc_keep)) {
        config.gc_keep = static_cast<std::uint32_t>(*keep);
      }
    } else if (k == "point_retention_days") {
      if (auto days = read_unsigned(v, sink, k, Sign::positive, 3650)) {
        config.point_retention_days = static_cast<std::uint32_t>(*days);
      }
    } else {
      report_unknown_field(e, sink, "", k_fields, Diagnostic::Severity::error);
    }
  }
}

} // namespace

Result<Config> parse_config(std::string_view text, const std::string& origin)
{
  std::vector<Diagnostic> diagnostics;
  Config config;
  try {
    SourceText source(text, origin);
    Sink sink(source, diagnostics);
    if (NodePtr root = parse_single_document(source, sink, "a configuration file")) {
      read_config(*root, sink, config);
    }
  } catch (const std::exception& e) {
    return fail(ErrorCode::internal, fmt::format("cannot parse configuration file '{}': {}", origin, e.what()));
  }
  for (const Diagnostic& d : diagnostics) {
    if (d.severity == Diagnostic::Severity::error) {
      return fail(to_error(d));
    }
  }
  return config;
}

Result<Config> load_config(const std::filesystem::path& path, MissingConfig missing)
{
  std::error_code ec;
  if (missing == MissingConfig::empty && !std::filesystem::exists(path, ec) && !ec) {
    return Config{};
  }
  std::vector<Diagnostic> diagnostics;
  auto text = read_input_file(path, 1024 * 1024, diagnostics);
  if (!text) {
    if (diagnostics.empty()) {
      return fail(ErrorCode::io, fmt::format("cannot read configuration file '{}'", path.string()));
    }
    Error e = to_error(diagnostics.back());
    e.message = fmt::format("configuration file: {}", e.message);
    return fail(std::move(e));
  }
  return parse_config(*text, path.string());
}

} // namespace noodle::manifest
