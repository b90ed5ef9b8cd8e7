// SPDX-License-Identifier: Apache-2.0
#include <noodle/output/catalog_view.hpp>
#include <noodle/output/text.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <functional>
#include <span>

namespace noodle::output {

namespace {

std::string ranges_text(std::span<const semver::Range> ranges)
{
  std::vector<std::string> parts;
  for (const auto& r : ranges) {
    parts.push_back(r.raw());
  }
  return format_text("{}", fmt::join(parts, " | "));
}

nlohmann::ordered_json ranges_json(std::span<const semver::Range> ranges)
{
  nlohmann::ordered_json j = nlohmann::ordered_json::array();
  for (const auto& r : ranges) {
    j.push_back(r.raw());
  }
  return j;
}

std::string versions_text(const std::vector<manifest::Manifest>& list)
{
  std::vector<std::string> vs;
  for (const auto& m : list) {
    vs.push_back(m.version.to_string());
  }
  return format_text("{}", fmt::join(vs, " "));
}

std::string yes_no(bool b)
{
  return b ? "yes" : "no";
}

} // namespace

nlohmann::ordered_json manifest_json(const manifest::Manifest& m)
{
  const manifest::ManifestExtras& x = *m.extras;
  nlohmann::ordered_json deps = nlohmann::ordered_json::object();
  for (const auto& d : m.dependencies) {
    deps[d.name] = d.range.raw();
  }
  nlohmann::ordered_json compat = nlohmann::ordered_json::object();
  for (const auto& c : x.compatibility) {
    compat[c.component] = ranges_json(c.ranges);
  }
  nlohmann::ordered_json j = {
      {"name", m.name},
      {"version", m.version.to_string()},
      {"description", m.description},
      {"type", manifest::to_string(m.type)},
      {"dependencies", deps},
      {"upgrade_from", ranges_json(m.upgrade_from)},
      {"required_stop", m.required_stop},
      {"hot_swappable", m.hot_swappable},
      {"compatibility", compat},
      {"resources",
       {{"memory_mb", m.resources.memory_mb}, {"cpu_cores", m.resources.cpu_cores}, {"disk_mb", m.resources.disk_mb}}},
      {"health_check",
       {{"timeout_ms", x.health_check.timeout_ms},
        {"retries", x.health_check.retries},
        {"endpoint", x.health_check.endpoint.empty() ? nlohmann::ordered_json(nullptr)
                                                     : nlohmann::ordered_json(x.health_check.endpoint)}}},
      {"entry_point", x.entry_point},
      {"location", x.location},
      {"configuration_schema", x.configuration_schema},
      {"metadata", x.metadata},
      {"source", m.where.to_string()},
  };
  if (x.archive) {
    j["archive"] = {{"file", x.archive->file.string()}, {"sha256", x.archive->sha256}, {"size", x.archive->size}};
  } else {
    j["archive"] = nullptr;
  }
  return j;
}

ExitCode render_component_list(const manifest::Catalog& catalog, const state::InstalledState& installed, Reporter& r)
{
  // Only the form asked for is made, and it is written as it is made: for
  // a large catalog either one held whole costs more memory than the
  // catalog's strings (100,000 components: 17 MB of JSON text, or 20 MB of
  // table rows).
  if (r.json()) {
    using json = nlohmann::ordered_json;
    return r.success(json::object(), "components", [&catalog, &installed](JsonArray& list) {
      json item = json::object();
      const auto add_item = [&list, &item](std::string_view name, json type, std::string_view description,
                                           json inst, json latest, json versions) {
        auto& fields = item.get_ref<json::object_t&>();
        fields.clear();
        fields.emplace_back("name", name);
        fields.emplace_back("type", std::move(type));
        fields.emplace_back("description", description);
        fields.emplace_back("installed", std::move(inst));
        fields.emplace_back("latest", std::move(latest));
        fields.emplace_back("versions", std::move(versions));
        list.push(item);
      };
      for (const auto& [name, versions] : catalog.components()) {
        const auto& latest = versions.back();
        const auto* inst = installed.find(name);
        json vs = json::array();
        auto& vlist = vs.get_ref<json::array_t&>();
        vlist.reserve(versions.size());
        for (const auto& m : versions) {
          vlist.emplace_back(m.version.to_string());
        }
        add_item(name, manifest::to_string(latest.type), latest.description,
                 inst != nullptr ? json(inst->version.to_string()) : json(), latest.version.to_string(),
                 std::move(vs));
      }
      // Installed components the catalog does not know are shown too:
      // hiding them would misreport what the runtime runs.
      for (const auto& [name, inst] : installed.components) {
        if (!catalog.contains(name)) {
          add_item(name, nullptr, "", inst.version.to_string(), nullptr, json::array());
        }
      }
    });
  }
  // The table's rows are made twice, by one function: first for the
  // columns' widths, then written a piece at a time.
  using Row = std::array<std::string, 5>;
  const auto each_row = [&catalog, &installed](const std::function<void(const Row&)>& use) {
    Row row{"NAME", "TYPE", "INSTALLED", "LATEST", "VERSIONS"};
    use(row);
    for (const auto& [name, versions] : catalog.components()) {
      const auto& latest = versions.back();
      const auto* inst = installed.find(name);
      row[0].assign(name);
      row[1].assign(manifest::to_string(latest.type));
      row[2] = inst != nullptr ? inst->version.to_string() : "-";
      row[3] = latest.version.to_string();
      row[4] = std::to_string(versions.size());
      use(row);
    }
    for (const auto& [name, inst] : installed.components) {
      if (!catalog.contains(name)) {
        use(Row{name, "?", inst.version.to_string(), "-", "0"});
      }
    }
  };
  std::array<std::size_t, 5> width{};
  each_row([&width](const Row& row) {
    for (std::size_t i = 0; i < row.size(); ++i) {
      width[i] = std::max(width[i], shown_width(row[i]));
    }
  });
  std::string text;
  each_row([&text, &width, &r](const Row& row) {
    text += format_text("{:<{}}  {:<{}}  {:<{}}  {:<{}}  {}\n", row[0], width[0], row[1], width[1], row[2], width[2],
                        row[3], width[3], row[4]);
    if (text.size() >= 64 * 1024) {
      r.text(text);
      text.clear();
    }
  });
  r.text(text);
  return r.success();
}

ExitCode render_component(const manifest::Manifest& m, const manifest::Catalog& catalog,
                          const state::InstalledState& installed, Reporter& r)
{
  const auto* inst = installed.find(m.name);
  const auto* versions = catalog.versions(m.name);
  if (!r.json()) {
    std::string t = format_text("{} {} ({})\n", m.name, m.version.to_string(), manifest::to_string(m.type));
    if (!m.description.empty()) {
      t += format_text("  {}\n", m.description);
    }
    auto row = [&t](std::string_view key, const std::string& value) {
      t += format_text("  {:<15} {}\n", std::string(key) + ":", value);
    };
    row("installed", inst != nullptr ? inst->version.to_string() : "no");
    row("versions", versions_text(*versions));
    std::vector<std::string> deps;
    for (const auto& d : m.dependencies) {
      deps.push_back(format_text("{} {}", d.name, d.range.raw()));
    }
    row("dependencies", deps.empty() ? "none" : format_text("{}", fmt::join(deps, ", ")));
    row("upgrade from", m.upgrade_from.empty() ? "any lower version" : ranges_text(m.upgrade_from));
    row("required stop", yes_no(m.required_stop));
    row("hot swappable", yes_no(m.hot_swappable));
    const manifest::ManifestExtras& x = *m.extras;
    std::vector<std::string> compat;
    for (const auto& c : x.compatibility) {
      compat.push_back(format_text("{} {}", c.component, ranges_text(c.ranges)));
    }
    row("compatibility", compat.empty() ? "none" : format_text("{}", fmt::join(compat, ", ")));
    row("resources", format_text("memory {} MB, cpu {} cores, disk {} MB", m.resources.memory_mb, m.resources.cpu_cores,
                                 m.resources.disk_mb));
    row("health check", format_text("timeout {} ms, {} retries", x.health_check.timeout_ms, x.health_check.retries));
    if (!x.health_check.endpoint.empty()) {
      row("health endpoint", x.health_check.endpoint);
    }
    if (!x.entry_point.empty()) {
      row("entry point", x.entry_point);
    }
    if (!x.location.empty()) {
      row("location", x.location);
    }
    if (x.archive) {
      row("archive",
          format_text("{} ({} bytes, sha256 {})", x.archive->file.string(), x.archive->size, x.archive->sha256));
    }
    row("defined at", m.where.to_string());
    r.text(t);
  }
  nlohmann::ordered_json vs = nlohmann::ordered_json::array();
  for (const auto& v : *versions) {
    vs.push_back(v.version.to_string());
  }
  return r.success(
      {{"component", manifest_json(m)},
       {"installed", inst != nullptr ? nlohmann::ordered_json(inst->version.to_string()) : nlohmann::ordered_json()},
       {"versions", vs}});
}

ExitCode render_validation(const manifest::LoadResult& result, Reporter& r)
{
  using Severity = manifest::Diagnostic::Severity;
  const std::size_t errors = manifest::count(result.diagnostics, Severity::error);
  const std::size_t warnings = manifest::count(result.diagnostics, Severity::warning);
  r.diagnostics(result.diagnostics);
  nlohmann::ordered_json body = {{"files", result.files},
                                 {"manifests", result.catalog.manifest_count()},
                                 {"components", result.catalog.component_count()},
                                 {"errors", errors},
                                 {"warnings", warnings}};
  if (errors > 0) {
    const auto first = std::find_if(result.diagnostics.begin(), result.diagnostics.end(),
                                    [](const manifest::Diagnostic& d) { return d.severity == Severity::error; });
    Error e(first->code,
            format_text("{} error{} and {} warning{} in {} file{}", errors, errors == 1 ? "" : "s", warnings,
                        warnings == 1 ? "" : "s", result.files, result.files == 1 ? "" : "s"));
    return r.refusal(e, body, ExitCode::usage);
  }
  r.text(format_text("{} file{}, {} manifest{} of {} component{}: ok{}\n", result.files, result.files == 1 ? "" : "s",
                     result.catalog.manifest_count(), result.catalog.manifest_count() == 1 ? "" : "s",
                     result.catalog.component_count(), result.catalog.component_count() == 1 ? "" : "s",
                     warnings > 0 ? format_text(" ({} warning{})", warnings, warnings == 1 ? "" : "s") : ""));
  return r.success(body);
}

} // namespace noodle::output
