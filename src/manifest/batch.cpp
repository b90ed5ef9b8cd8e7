// SPDX-License-Identifier: Apache-2.0
#include <noodle/manifest/batch.hpp>
#include <noodle/manifest/loader.hpp>

#include "fields.hpp"
#include "yaml_doc.hpp"

#include <fmt/format.h>

#include <limits>

namespace noodle::manifest {

namespace {

using namespace detail;

const std::vector<std::string> k_batch_fields = {"upgrades"};
const std::vector<std::string> k_item_fields = {"component", "version", "strategy", "priority"};

std::optional<BatchItem> read_item(const Node& n, const std::string& field, Sink& sink)
{
  if (!expect_mapping(n, sink, field)) {
    return std::nullopt;
  }
  const std::size_t errors_before = sink.errors();
  BatchItem item;
  item.where = sink.location(n);
  bool have_component = false;
  bool have_version = false;
  for (const Entry& e : entries_of(n, sink, field)) {
    std::string f = join_field(field, e.key);
    if (e.key == "component") {
      have_component = true;
      if (auto name = read_component_name(*e.value, sink, f)) {
        item.component = *name;
      }
    } else if (e.key == "version") {
      have_version = true;
      if (auto v = read_version(*e.value, sink, f)) {
        item.version = std::move(*v);
      }
    } else if (e.key == "strategy") {
      item.strategy = read_strategy(*e.value, sink, f);
    } else if (e.key == "priority") {
      if (auto p = read_signed(*e.value, sink, f, k_min_priority, k_max_priority)) {
        item.priority = static_cast<int>(*p);
      }
    } else {
      report_unknown_field(e, sink, field, k_item_fields, Diagnostic::Severity::error);
    }
  }
  if (!have_component) {
    report_missing_field(n, sink, join_field(field, "component"));
  }
  if (!have_version) {
    report_missing_field(n, sink, join_field(field, "version"));
  }
  if (sink.errors() != errors_before) {
    return std::nullopt;
  }
  return item;
}

void read_batch(const Node& root, Sink& sink, Batch& batch)
{
  if (root.kind != NodeKind::mapping) {
    sink.error(ErrorCode::manifest_invalid,
               fmt::format("a batch file must be a mapping with an 'upgrades' list, {}", got(root)), root);
    return;
  }
  const Node* upgrades = nullptr;
  for (const Entry& e : entries_of(root, sink, "")) {
    if (e.key == "upgrades") {
      upgrades = e.value;
    } else {
      report_unknown_field(e, sink, "", k_batch_fields, Diagnostic::Severity::error);
    }
  }
  if (upgrades == nullptr) {
    report_missing_field(root, sink, "upgrades");
    return;
  }
  if (upgrades->kind != NodeKind::sequence) {
    sink.error(ErrorCode::manifest_invalid, fmt::format("field 'upgrades' must be a list, {}", got(*upgrades)),
               *upgrades, "upgrades");
    return;
  }
  if (upgrades->items.empty()) {
    sink.error(ErrorCode::manifest_invalid, "field 'upgrades' must not be empty", *upgrades, "upgrades");
    return;
  }
  for (std::size_t i = 0; i < upgrades->items.size(); ++i) {
    std::string field = fmt::format("upgrades[{}]", i);
    auto item = read_item(*upgrades->items[i], field, sink);
    if (!item) {
      continue;
    }
    auto first = std::find_if(batch.items.begin(), batch.items.end(),
                              [&](const BatchItem& other) { return other.component == item->component; });
    if (first != batch.items.end()) {
      sink.report(Diagnostic::Severity::error, ErrorCode::manifest_invalid,
                  fmt::format("component '{}' appears twice in the batch (first at {})", item->component,
                              first->where.to_string()),
                  item->where.line, item->where.column, join_field(field, "component"));
      continue;
    }
    batch.items.push_back(std::move(*item));
  }
}

} // namespace

std::string strategy_alias(std::string_view name)
{
  return name == "blue_green" ? std::string("blue-green") : std::string(name);
}

const std::vector<std::string>& batch_strategies()
{
  static const std::vector<std::string> k_strategies = {"immediate", "gradual", "canary", "blue-green", "rolling"};
  return k_strategies;
}

Result<Batch> parse_batch(std::string_view text, const std::string& file_name, std::vector<Diagnostic>& diagnostics)
{
  const std::size_t diagnostics_before = diagnostics.size();
  Batch batch;
  try {
    SourceText source(text, file_name);
    Sink sink(source, diagnostics);
    if (NodePtr root = parse_single_document(source, sink, "a batch file")) {
      read_batch(*root, sink, batch);
    } else if (sink.errors() == 0) {
      sink.report(Diagnostic::Severity::error, ErrorCode::manifest_invalid,
                  "batch file is empty: expected an 'upgrades' list", 0, 0, "upgrades");
    }
  } catch (const std::exception& e) {
    Diagnostic d;
    d.code = ErrorCode::internal;
    d.message = fmt::format("cannot parse batch file: {}", e.what());
    d.where = SourceLocation{file_name, 0, 0};
    diagnostics.push_back(std::move(d));
  }
  for (std::size_t i = diagnostics_before; i < diagnostics.size(); ++i) {
    if (diagnostics[i].severity == Diagnostic::Severity::error) {
      return fail(to_error(diagnostics[i]));
    }
  }
  return batch;
}

Result<Batch> load_batch(const std::filesystem::path& path, std::vector<Diagnostic>& diagnostics,
                         std::size_t max_file_bytes)
{
  auto text = read_input_file(path, max_file_bytes, diagnostics);
  if (!text) {
    return fail(to_error(diagnostics.back()));
  }
  return parse_batch(*text, path.string(), diagnostics);
}

} // namespace noodle::manifest
