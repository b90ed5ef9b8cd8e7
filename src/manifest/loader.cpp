// SPDX-License-Identifier: Apache-2.0
#include <noodle/manifest/loader.hpp>
#include <noodle/util/unique_fd.hpp>

#include "fields.hpp"
#include "loader_files.hpp"
#include "probe_reader.hpp"
#include "yaml_doc.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <numeric>

#include <fcntl.h>
#include <unistd.h>
#include <sys/stat.h>

namespace noodle::manifest {

namespace {

using namespace detail;

const std::vector<std::string> k_top_fields = {
  "name",          "version",       "description",  "type",     "dependencies",
  "upgrade_from",  "required_stop", "hot_swappable", "compatibility", "resources",
  "health_check",  "entry_point",   "configuration_schema", "metadata", "archive",
  "health_check_endpoint", "location",
  // The descriptor's own names, aliases of the fields above (see field_alias).
  "component_type", "upgrade_path", "compatibility_matrix", "resource_requirements",
};

// The field a descriptor written in the original system's names means:
// component_type is type, upgrade_path (the versions it upgrades from) is
// upgrade_from, compatibility_matrix is compatibility and
// resource_requirements is resources; any other name is itself.
std::string field_alias(const std::string& key)
{
  if (key == "component_type") {
    return "type";
  }
  if (key == "upgrade_path") {
    return "upgrade_from";
  }
  if (key == "compatibility_matrix") {
    return "compatibility";
  }
  if (key == "resource_requirements") {
    return "resources";
  }
  return key;
}
const std::vector<std::string> k_resource_fields = {"memory_mb", "cpu_cores", "disk_mb"};
const std::vector<std::string> k_health_fields = {"timeout_ms", "retries", "probes"};
const std::vector<std::string> k_archive_fields = {"file", "sha256", "size"};
const std::vector<std::string> k_types = {"runtime", "compiler", "ai_agent", "deployment", "system"};

std::string index_field(const std::string& field, std::size_t i)
{
  return fmt::format("{}[{}]", field, i);
}

ParseLimits limits_of(const LoadOptions& o)
{
  return ParseLimits{o.max_file_bytes, o.max_depth, o.max_documents, o.max_aliases, o.max_nodes};
}

// Reads one YAML document into a Manifest, reporting every problem.
class ManifestReader {
public:
  ManifestReader(Sink& sink, const std::filesystem::path& base_dir, const LoadOptions& options,
                 std::vector<ArchiveProbe>* probes)
    : m_sink(sink), m_base_dir(base_dir), m_options(options), m_probes(probes)
  {
  }

  std::optional<Manifest> read(const Node& root)
  {
    const std::size_t errors_before = m_sink.errors();
    if (root.kind != NodeKind::mapping) {
      m_sink.error(ErrorCode::manifest_invalid,
                   fmt::format("a manifest document must be a mapping of fields, {}", got(root)), root);
      return std::nullopt;
    }
    Manifest m;
    m.where = m_sink.location(root);
    bool have_name = false;
    bool have_version = false;
    const Node* endpoint_node = nullptr;
    for (const Entry& e : entries_of(root, m_sink, "")) {
      const Node& v = *e.value;
      const std::string k = field_alias(e.key);
      if (k == "name") {
        have_name = true;
        if (auto name = read_component_name(v, m_sink, k)) {
          m.name = *name;
          note(m, k, v);
        }
      } else if (k == "version") {
        have_version = true;
        if (auto version = read_version(v, m_sink, k)) {
          m.version = std::move(*version);
          note(m, k, v);
        }
      } else if (k == "description") {
        if (auto s = read_string(v, m_sink, k)) {
          m.description = *s;
        }
      } else if (k == "type") {
        if (auto t = read_choice(v, m_sink, k, k_types)) {
          m.type = *component_type_from_string(*t);
          note(m, k, v);
        }
      } else if (k == "dependencies") {
        read_dependencies(v, m);
      } else if (k == "upgrade_from") {
        read_upgrade_from(v, m);
      } else if (k == "required_stop") {
        if (auto b = read_bool(v, m_sink, k)) {
          m.required_stop = *b;
          note(m, k, v);
        }
      } else if (k == "hot_swappable") {
        if (auto b = read_bool(v, m_sink, k)) {
          m.hot_swappable = *b;
          note(m, k, v);
        }
      } else if (k == "compatibility") {
        read_compatibility(v, m);
      } else if (k == "resources") {
        read_resources(v, m);
      } else if (k == "health_check") {
        read_health_check(v, m);
      } else if (k == "entry_point") {
        if (auto s = read_string(v, m_sink, k)) {
          m.extras.edit().entry_point = *s;
        }
      } else if (k == "health_check_endpoint") {
        if (auto s = read_string(v, m_sink, k)) {
          m.extras.edit().health_check.endpoint = *s;
          endpoint_node = &v;
        }
      } else if (k == "location") {
        if (auto s = read_string(v, m_sink, k)) {
          m.extras.edit().location = *s;
        }
      } else if (k == "configuration_schema") {
        m.extras.edit().configuration_schema = to_json(v, m_sink, k);
      } else if (k == "metadata") {
        m.extras.edit().metadata = to_json(v, m_sink, k);
      } else if (k == "archive") {
        read_archive(v, m);
      } else {
        report_unknown_field(e, m_sink, "", k_top_fields, unknown_severity());
      }
    }
    if (endpoint_node != nullptr) {
      // The descriptor's health_check_endpoint is one more http probe.
      if (auto probe = endpoint_probe(*endpoint_node, m_sink, m.extras->health_check.endpoint, probe_defaults(m))) {
        m.extras.edit().health_check.probes.push_back(std::move(*probe));
      }
    }
    if (!have_name) {
      report_missing_field(root, m_sink, "name");
    }
    if (!have_version) {
      report_missing_field(root, m_sink, "version");
    }
    if (!m.name.empty()) {
      for (const Dependency& d : m.dependencies) {
        if (d.name == m.name) {
          m_sink.report(Diagnostic::Severity::error, ErrorCode::manifest_invalid, "a component cannot depend on itself",
                        d.line, d.column, join_field("dependencies", d.name));
        }
      }
      for (const CompatibilityRule& r : m.extras->compatibility) {
        if (r.component == m.name) {
          m_sink.report(Diagnostic::Severity::error, ErrorCode::manifest_invalid,
                        "a component cannot have a compatibility rule on itself", r.where.line, r.where.column,
                        join_field("compatibility", r.component));
        }
      }
    }
    if (m_sink.errors() != errors_before) {
      return std::nullopt;
    }
    if (m.extras.is_set() && m.extras->empty()) {
      m.extras = util::Boxed<ManifestExtras>(); // only what most versions leave out: no box
    }
    return m;
  }

private:
  Sink& m_sink;
  const std::filesystem::path& m_base_dir;
  const LoadOptions& m_options;
  std::vector<ArchiveProbe>* m_probes; // the archive files looked at, when asked

  Diagnostic::Severity unknown_severity() const
  {
    return m_options.strictness == Strictness::strict ? Diagnostic::Severity::error : Diagnostic::Severity::warning;
  }

  void note(Manifest& m, const std::string& field, const Node& at) const
  {
    m.field_where.set(field, at.line, at.column);
  }

  void read_dependencies(const Node& v, Manifest& m)
  {
    const std::string field = "dependencies";
    auto duplicate = [&](const std::string& name) {
      return std::find_if(m.dependencies.begin(), m.dependencies.end(),
                          [&](const Dependency& d) { return d.name == name; });
    };
    if (v.kind == NodeKind::sequence) {
      for (std::size_t i = 0; i < v.items.size(); ++i) {
        const Node& item = *v.items[i];
        std::string item_field = index_field(field, i);
        if (item.kind == NodeKind::mapping) {
          m_sink.error(ErrorCode::manifest_invalid,
                       fmt::format("field '{}' must be a component name, got a mapping (to give version ranges, "
                                   "make 'dependencies' a mapping of name to range)",
                                   item_field),
                       item, item_field);
          continue;
        }
        auto name = read_component_name(item, m_sink, item_field);
        if (!name) {
          continue;
        }
        if (auto it = duplicate(*name); it != m.dependencies.end()) {
          m_sink.error(
              ErrorCode::manifest_invalid,
              fmt::format("duplicate dependency '{}' (first listed at {})", *name, m.location_of(*it).to_string()),
              item, item_field);
          continue;
        }
        auto any = semver::Range::parse("*");
        if (!any) {
          m_sink.error(ErrorCode::internal, fmt::format("cannot build the range '*': {}", any.error().message), item,
                       item_field);
          continue;
        }
        note(m, join_field(field, *name), item);
        m.dependencies.push_back(Dependency{*name, std::move(*any), item.line, item.column});
      }
      return;
    }
    if (v.kind == NodeKind::mapping) {
      for (const Entry& e : entries_of(v, m_sink, field)) {
        std::string entry_field = join_field(field, e.key);
        bool name_ok = check_component_name(e.key, *e.key_node, m_sink, entry_field);
        if (e.value->kind == NodeKind::null) {
          m_sink.error(ErrorCode::manifest_invalid,
                       fmt::format("dependency '{}' needs a version range, got null (use '*' for any version)", e.key),
                       *e.value, entry_field);
          continue;
        }
        auto range = read_range(*e.value, m_sink, entry_field);
        if (!name_ok || !range) {
          continue;
        }
        note(m, entry_field, *e.value);
        m.dependencies.push_back(Dependency{e.key, std::move(*range), e.key_node->line, e.key_node->column});
      }
      return;
    }
    m_sink.error(ErrorCode::manifest_invalid,
                 fmt::format("field '{}' must be a list of component names or a mapping of name to version range, {}",
                             field, got(v)),
                 v, field);
  }

  void read_upgrade_from(const Node& v, Manifest& m)
  {
    const std::string field = "upgrade_from";
    if (v.kind == NodeKind::sequence) {
      if (v.items.empty()) {
        m_sink.error(ErrorCode::manifest_invalid,
                     fmt::format("field '{}' must not be empty (leave it out to allow upgrades from any lower "
                                 "version)",
                                 field),
                     v, field);
        return;
      }
      for (std::size_t i = 0; i < v.items.size(); ++i) {
        std::string item_field = index_field(field, i);
        if (auto r = read_range(*v.items[i], m_sink, item_field)) {
          note(m, item_field, *v.items[i]);
          m.upgrade_from.push_back(std::move(*r));
        }
      }
      return;
    }
    if (v.kind == NodeKind::scalar) {
      if (auto r = read_range(v, m_sink, field)) {
        note(m, index_field(field, 0), v);
        m.upgrade_from.push_back(std::move(*r));
      }
      return;
    }
    m_sink.error(ErrorCode::manifest_invalid,
                 fmt::format("field '{}' must be a version range or a list of version ranges, {}", field, got(v)), v,
                 field);
  }

  void read_compatibility(const Node& v, Manifest& m)
  {
    const std::string field = "compatibility";
    if (!expect_mapping(v, m_sink, field)) {
      return;
    }
    for (const Entry& e : entries_of(v, m_sink, field)) {
      std::string entry_field = join_field(field, e.key);
      bool ok = check_component_name(e.key, *e.key_node, m_sink, entry_field);
      CompatibilityRule rule;
      rule.component = e.key;
      rule.where = m_sink.location(*e.key_node);
      const Node& value = *e.value;
      if (value.kind == NodeKind::scalar) {
        if (auto r = read_range(value, m_sink, entry_field)) {
          rule.ranges.push_back(std::move(*r));
        } else {
          ok = false;
        }
      } else if (value.kind == NodeKind::sequence && !value.items.empty()) {
        for (std::size_t i = 0; i < value.items.size(); ++i) {
          if (auto r = read_range(*value.items[i], m_sink, index_field(entry_field, i))) {
            rule.ranges.push_back(std::move(*r));
          } else {
            ok = false;
          }
        }
      } else {
        m_sink.error(ErrorCode::manifest_invalid,
                     fmt::format("field '{}' must be a version range or a non-empty list of version ranges, {}",
                                 entry_field, value.kind == NodeKind::sequence ? "got an empty list" : got(value)),
                     value, entry_field);
        ok = false;
      }
      if (ok) {
        note(m, entry_field, *e.key_node);
        m.extras.edit().compatibility.push_back(std::move(rule));
      }
    }
  }

  void read_resources(const Node& v, Manifest& m)
  {
    const std::string field = "resources";
    if (!expect_mapping(v, m_sink, field)) {
      return;
    }
    for (const Entry& e : entries_of(v, m_sink, field)) {
      std::string f = join_field(field, e.key);
      if (e.key == "memory_mb") {
        if (auto n = read_unsigned(*e.value, m_sink, f, Sign::non_negative)) {
          m.resources.memory_mb = *n;
        }
      } else if (e.key == "disk_mb") {
        if (auto n = read_unsigned(*e.value, m_sink, f, Sign::non_negative)) {
          m.resources.disk_mb = *n;
        }
      } else if (e.key == "cpu_cores") {
        auto d = as_number(*e.value);
        if (!d || *d <= 0) {
          m_sink.error(ErrorCode::manifest_invalid,
                       fmt::format("field '{}' must be a positive number, {}", f, got(*e.value)), *e.value, f);
        } else {
          m.resources.cpu_cores = *d;
        }
      } else {
        report_unknown_field(e, m_sink, field, k_resource_fields, unknown_severity());
      }
    }
  }

  void read_health_check(const Node& v, Manifest& m)
  {
    const std::string field = "health_check";
    if (!expect_mapping(v, m_sink, field)) {
      return;
    }
    const Node* probes = nullptr;
    for (const Entry& e : entries_of(v, m_sink, field)) {
      std::string f = join_field(field, e.key);
      if (e.key == "timeout_ms") {
        if (auto n = read_unsigned(*e.value, m_sink, f, Sign::positive)) {
          m.extras.edit().health_check.timeout_ms = *n;
        }
      } else if (e.key == "retries") {
        // failure_threshold is retries + 1, at most k_probe_max_threshold.
        if (auto n = read_unsigned(*e.value, m_sink, f, Sign::non_negative, k_probe_max_threshold - 1)) {
          m.extras.edit().health_check.retries = static_cast<std::uint32_t>(*n);
        }
      } else if (e.key == "probes") {
        probes = e.value; // read last: timeout_ms and retries are its defaults, wherever they stand
      } else {
        report_unknown_field(e, m_sink, field, k_health_fields, unknown_severity());
      }
    }
    if (probes != nullptr) {
      std::vector<Probe> read;
      read_probes(*probes, m_sink, join_field(field, "probes"), probe_defaults(m), unknown_severity(), read);
      // Before any endpoint probe, which the document's end adds.
      auto& all = m.extras.edit().health_check.probes;
      all.insert(all.begin(), read.begin(), read.end());
    }
  }

  static ProbeDefaults probe_defaults(const Manifest& m)
  {
    return ProbeDefaults{m.extras->health_check.timeout_ms, m.extras->health_check.retries + 1};
  }

  void read_archive(const Node& v, Manifest& m)
  {
    const std::string field = "archive";
    if (!expect_mapping(v, m_sink, field)) {
      return;
    }
    ArchiveRef archive;
    bool have_file = false;
    bool ok = true;
    for (const Entry& e : entries_of(v, m_sink, field)) {
      std::string f = join_field(field, e.key);
      if (e.key == "file") {
        have_file = true;
        auto text = read_string(*e.value, m_sink, f);
        if (!text) {
          ok = false;
          continue;
        }
        ok = read_archive_file(*text, *e.value, f, archive) && ok;
        note(m, f, *e.value);
      } else if (e.key == "sha256") {
        auto text = read_string(*e.value, m_sink, f);
        if (!text) {
          ok = false;
          continue;
        }
        std::string hex = *text;
        bool valid = hex.size() == 64 && std::all_of(hex.begin(), hex.end(), [](char c) {
                       return std::isxdigit(static_cast<unsigned char>(c)) != 0;
                     });
        if (!valid) {
          m_sink.error(ErrorCode::manifest_invalid,
                       fmt::format("field '{}' must be 64 hexadecimal digits, {}", f, got(*e.value)), *e.value, f);
          ok = false;
          continue;
        }
        std::transform(hex.begin(), hex.end(), hex.begin(),
                       [](char c) { return static_cast<char>(std::tolower(static_cast<unsigned char>(c))); });
        archive.sha256 = hex;
      } else if (e.key == "size") {
        if (auto n = read_unsigned(*e.value, m_sink, f, Sign::positive)) {
          archive.size = *n;
        } else {
          ok = false;
        }
      } else {
        report_unknown_field(e, m_sink, field, k_archive_fields, unknown_severity());
      }
    }
    if (!have_file) {
      report_missing_field(v, m_sink, "archive.file");
      return;
    }
    if (ok) {
      m.extras.edit().archive = std::move(archive);
    }
  }

  bool read_archive_file(const std::string& text, const Node& at, const std::string& field, ArchiveRef& archive)
  {
    std::filesystem::path rel(text);
    if (text.empty() || rel.is_absolute()) {
      m_sink.error(ErrorCode::manifest_invalid,
                   fmt::format("field '{}' must be a path relative to the manifest's directory, {}", field, got(at)),
                   at, field);
      return false;
    }
    std::error_code ec;
    std::filesystem::path resolved = std::filesystem::absolute(m_base_dir / rel, ec).lexically_normal();
    if (ec) {
      resolved = (m_base_dir / rel).lexically_normal();
    }
    if (m_options.check_archive_files == LoadOptions::CheckArchiveFiles::no) {
      archive.file = std::move(resolved);
      return true;
    }
    const bool found = std::filesystem::is_regular_file(resolved, ec);
    if (m_probes != nullptr) {
      m_probes->push_back(ArchiveProbe{resolved.string(), found});
    }
    if (!found) {
      m_sink.error(ErrorCode::not_found,
                   fmt::format("archive file '{}' not found (resolved to '{}')", text, resolved.string()), at, field);
      return false;
    }
    archive.file = std::move(resolved);
    return true;
  }
};

} // namespace

namespace detail {

FileLoad load_file(const util::SharedPath& name, const LoadOptions& options)
{
  FileLoad file;
  try {
    const std::filesystem::path path(name.string());
    auto bytes = read_file_bytes(path, options.max_file_bytes, file.diagnostics);
    if (!bytes) {
      return file;
    }
    file.read = true;
    file.stamp = bytes->stamp;
    file.manifests = parse_manifests_probed(bytes->view(), name, path.parent_path(), options,
                                            file.diagnostics, &file.probes);
  } catch (const std::exception& e) {
    // Allocation or filesystem failures only; never let them escape.
    file.diagnostics.push_back(
      file_diagnostic(ErrorCode::io, fmt::format("cannot load '{}': {}", name, e.what()), name.string()));
  }
  return file;
}

std::vector<Manifest> parse_manifests_probed(std::string_view text, const util::SharedPath& file_name,
                                             const std::filesystem::path& base_dir, const LoadOptions& options,
                                             std::vector<Diagnostic>& diagnostics, std::vector<ArchiveProbe>* probes)
{
  std::vector<Manifest> out;
  try {
    SourceText source(text, file_name);
    Sink sink(source, diagnostics);
    const std::size_t diagnostics_before = diagnostics.size();
    std::vector<Document> documents = parse_yaml(source, limits_of(options), sink);
    ManifestReader reader(sink, base_dir, options, probes);
    for (const Document& doc : documents) {
      if (doc.root->kind == NodeKind::null) {
        continue; // an empty document, e.g. after a trailing "---"
      }
      auto m = reader.read(*doc.root);
      if (!m) {
        continue;
      }
      auto first = std::find_if(out.begin(), out.end(), [&](const Manifest& other) {
        return other.name == m->name && other.version == m->version;
      });
      if (first != out.end()) {
        sink.report(Diagnostic::Severity::error, ErrorCode::duplicate_version,
                    fmt::format("duplicate component version '{}' (first defined at {})", m->id(),
                                first->where.to_string()),
                    m->where.line, m->where.column, "version");
        continue;
      }
      out.push_back(std::move(*m));
    }
    if (out.empty() && diagnostics.size() == diagnostics_before) {
      sink.report(Diagnostic::Severity::warning, ErrorCode::manifest_invalid, "file defines no component", 0, 0);
    }
  } catch (const std::exception& e) {
    // Only allocation failures can get here; never let them escape.
    Diagnostic d =
        file_diagnostic(ErrorCode::internal, fmt::format("cannot load manifests: {}", e.what()), file_name.string());
    diagnostics.push_back(std::move(d));
    out.clear();
  }
  return out;
}

} // namespace detail

std::vector<Manifest> parse_manifests(std::string_view text, const std::string& file_name,
                                      const std::filesystem::path& base_dir, const LoadOptions& options,
                                      std::vector<Diagnostic>& diagnostics)
{
  return parse_manifests_probed(text, file_name, base_dir, options, diagnostics, nullptr);
}

std::optional<std::string> read_input_file(const std::filesystem::path& path, std::size_t max_file_bytes,
                                           std::vector<Diagnostic>& diagnostics)
{
  auto bytes = read_file_bytes(path, max_file_bytes, diagnostics);
  if (!bytes) {
    return std::nullopt;
  }
  return std::string(bytes->view());
}

bool LoadResult::has_errors() const
{
  return manifest::has_errors(diagnostics);
}

LoadResult load_catalog(const std::filesystem::path& dir, const LoadOptions& options)
{
  LoadResult result;
  if (!check_catalog_dir(dir, result.diagnostics)) {
    return result;
  }
  const ScannedFiles files = scan_catalog(dir, result.diagnostics);
  std::vector<std::size_t> all(files.size());
  std::iota(all.begin(), all.end(), std::size_t{0});
  FileReader reader(files, std::move(all), options);
  for (std::size_t i = 0; i < reader.size(); ++i) {
    add_file(reader.next(), result);
  }
  result.catalog.shrink_to_fit();
  return result;
}

LoadResult load_files(const std::vector<std::filesystem::path>& paths, const LoadOptions& options)
{
  LoadResult result;
  for (const auto& path : paths) {
    std::error_code ec;
    if (std::filesystem::is_directory(path, ec)) {
      const ScannedFiles files = scan_catalog(path, result.diagnostics);
      for (std::size_t i = 0; i < files.size(); ++i) {
        add_file(load_file(files.path(i), options), result);
      }
    } else {
      add_file(load_file(util::SharedPath(path.native()), options), result);
    }
  }
  result.catalog.shrink_to_fit();
  return result;
}

} // namespace noodle::manifest
