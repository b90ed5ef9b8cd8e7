// SPDX-License-Identifier: Apache-2.0
#include <noodle/archive/digest.hpp>
#include <noodle/archive/keyring.hpp>
#include <noodle/engine/plan_file.hpp>
#include <noodle/manifest/batch.hpp>
#include <noodle/manifest/loader.hpp>
#include <noodle/manifest/names.hpp>
#include <noodle/util/text.hpp>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <array>
#include <ctime>
#include <limits>
#include <utility>

namespace noodle::engine {

namespace {

// Adds a length-prefixed field so that no two inputs hash the same text.
void feed(archive::Sha256& sha, std::string_view bytes)
{
  sha.update(fmt::format("{}:", bytes.size()));
  sha.update(bytes);
}

// Read under the loader's own size limit: a file the catalog cannot load
// costs no more to digest than to refuse.
Result<void> feed_file(archive::Sha256& sha, const std::filesystem::path& path, const std::string& name)
{
  std::vector<manifest::Diagnostic> diagnostics;
  auto bytes = manifest::read_input_file(path, manifest::LoadOptions{}.max_file_bytes, diagnostics);
  if (!bytes) {
    return fail(manifest::to_error(diagnostics.back()));
  }
  feed(sha, name);
  feed(sha, *bytes);
  return {};
}

// The catalog's manifest files, as the loader picks them: regular *.yaml /
// *.yml files under `dir`, names starting with '.' skipped (directories
// too), in path order; a missing directory is empty.
std::vector<std::filesystem::path> catalog_files(const std::filesystem::path& dir)
{
  std::vector<std::filesystem::path> files;
  std::error_code ec;
  for (auto it = std::filesystem::recursive_directory_iterator(dir, ec);
       !ec && it != std::filesystem::recursive_directory_iterator(); it.increment(ec)) {
    const auto name = it->path().filename().string();
    if (name.rfind('.', 0) == 0) {
      if (it->is_directory(ec)) {
        it.disable_recursion_pending();
      }
      continue;
    }
    const auto ext = it->path().extension().string();
    if ((ext == ".yaml" || ext == ".yml") && it->is_regular_file(ec)) {
      files.push_back(it->path());
    }
  }
  std::sort(files.begin(), files.end());
  return files;
}

using json = nlohmann::json;

// The fields of a saved plan covered by its "sha256" object, in the order
// they are checked.
constexpr std::array<std::string_view, 6> k_digested{"created_at", "validation", "allow_downgrade",
                                                     "request",    "inputs",     "steps"};

// The digest of one field: its name and its canonical JSON (keys sorted, no
// spaces), so that reformatting the file changes nothing.
std::string field_digest(std::string_view name, const json& value)
{
  archive::Sha256 sha;
  feed(sha, name);
  feed(sha, value.dump(-1, ' ', false, json::error_handler_t::replace));
  return sha.hex_final();
}

Error edited(const std::string& origin, std::string what)
{
  Error e(ErrorCode::drift, fmt::format("the saved plan '{}' was edited: {}", util::escape_text(origin), what));
  e.details.push_back("run `plan --save` again and review the new plan");
  return e;
}

// A value of the file as it may be quoted in a message: escaped and short.
std::string quoted(const json& v)
{
  std::string text = util::escape_text(v.is_string() ? v.get<std::string>() : v.dump(-1, ' ', false,
                                                                                      json::error_handler_t::replace));
  constexpr std::size_t k_max_shown = 64;
  if (text.size() > k_max_shown) {
    text = text.substr(0, k_max_shown) + "...";
  }
  return fmt::format("'{}'", text);
}

// What a step's strategy may be: a rollout strategy, or what the plan sets
// for a new component ("install") or one that is not hot-swappable ("restart").
const std::vector<std::string>& step_strategies()
{
  static const std::vector<std::string> k_names = [] {
    auto names = manifest::batch_strategies();
    names.emplace_back("install");
    names.emplace_back("restart");
    return names;
  }();
  return k_names;
}

const std::vector<std::string> k_validations = {"strict", "normal", "permissive"};

enum class Nullable { no, yes };

// Reads the fields of a saved plan. The first one that is not as `plan
// --save` writes it is kept in `problem` ("steps[0].to '1.x' is not a
// version: ..."); every read after that gives an empty value.
struct PlanFields {
  std::string problem;

  const json* field(const json& object, std::string_view key, std::string_view path)
  {
    if (!problem.empty()) {
      return nullptr;
    }
    const auto it = object.is_object() ? object.find(std::string(key)) : object.end();
    if (!object.is_object() || it == object.end()) {
      problem = fmt::format("it has no {}", path);
      return nullptr;
    }
    return &*it;
  }

  const json* typed(const json& object, std::string_view key, std::string_view path, bool (json::*is)() const noexcept,
                    std::string_view what)
  {
    const json* v = field(object, key, path);
    if (v != nullptr && !((*v).*is)()) {
      problem = fmt::format("{} {} is not {}", path, quoted(*v), what);
      return nullptr;
    }
    return v;
  }

  const json* object(const json& o, std::string_view key, std::string_view path)
  {
    return typed(o, key, path, &json::is_object, "an object");
  }
  const json* array(const json& o, std::string_view key, std::string_view path)
  {
    return typed(o, key, path, &json::is_array, "a list");
  }
  const json* string(const json& o, std::string_view key, std::string_view path)
  {
    return typed(o, key, path, &json::is_string, "a string");
  }
  std::string text(const json& o, std::string_view key, std::string_view path)
  {
    const json* v = string(o, key, path);
    return v != nullptr ? v->get<std::string>() : std::string();
  }
  bool boolean(const json& o, std::string_view key, std::string_view path)
  {
    const json* v = typed(o, key, path, &json::is_boolean, "true or false");
    return v != nullptr && v->get<bool>();
  }

  // A string that must be one of `allowed` (null too, when nullable).
  std::optional<std::string> choice(const json& o, std::string_view key, std::string_view path,
                                    const std::vector<std::string>& allowed, std::string_view what, Nullable nullable)
  {
    const json* v = field(o, key, path);
    if (v == nullptr || (v->is_null() && nullable == Nullable::yes)) {
      return std::nullopt;
    }
    if (!v->is_string() || std::find(allowed.begin(), allowed.end(), v->get<std::string>()) == allowed.end()) {
      problem = fmt::format("{} {} is not {}: expected one of {}", path, quoted(*v), what, fmt::join(allowed, ", "));
      return std::nullopt;
    }
    return v->get<std::string>();
  }

  // The text of a SemVer version (null too, when nullable).
  std::optional<std::string> version(const json& o, std::string_view key, std::string_view path, Nullable nullable)
  {
    const json* v = field(o, key, path);
    if (v == nullptr || (v->is_null() && nullable == Nullable::yes)) {
      return std::nullopt;
    }
    if (!v->is_string()) {
      problem = fmt::format("{} {} is not a version", path, quoted(*v));
      return std::nullopt;
    }
    if (auto parsed = semver::Version::parse(v->get<std::string>()); !parsed) {
      problem = fmt::format("{} {} is not a version: {}", path, quoted(*v), parsed.error().message);
      return std::nullopt;
    }
    return v->get<std::string>();
  }

  // A batch file's priority: any whole number an int holds.
  int priority(const json& o, std::string_view key, std::string_view path)
  {
    const json* v = field(o, key, path);
    if (v == nullptr) {
      return 0;
    }
    constexpr auto k_min = std::numeric_limits<int>::min();
    constexpr auto k_max = std::numeric_limits<int>::max();
    const bool fits = (v->is_number_unsigned() && v->get<std::uint64_t>() <= static_cast<std::uint64_t>(k_max)) ||
                      (v->is_number_integer() && !v->is_number_unsigned() && v->get<std::int64_t>() >= k_min &&
                       v->get<std::int64_t>() <= k_max);
    if (!fits) {
      problem = fmt::format("{} {} is not a whole number from {} to {}", path, quoted(*v), k_min, k_max);
      return 0;
    }
    return static_cast<int>(v->get<std::int64_t>());
  }
};

// The request a plan was computed from, with the same rules as the
// options and batch files that gave it.
void read_request(PlanFields& f, const json& j, graph::PlanRequest& request)
{
  const auto validation = f.choice(j, "validation", "validation", k_validations, "a validation", Nullable::no);
  request.validation = validation == "strict"       ? graph::Validation::strict
                       : validation == "permissive" ? graph::Validation::permissive
                                                    : graph::Validation::normal;
  request.allow_downgrade = f.boolean(j, "allow_downgrade", "allow_downgrade") ? graph::AllowDowngrade::yes
                                                                              : graph::AllowDowngrade::no;
  const json* r = f.object(j, "request", "request");
  if (r == nullptr) {
    return;
  }
  request.default_strategy =
      f.choice(*r, "strategy", "request.strategy", manifest::batch_strategies(), "a strategy", Nullable::no)
          .value_or("");
  if (const json* items = f.array(*r, "items", "request.items")) {
    for (std::size_t i = 0; i < items->size() && f.problem.empty(); ++i) {
      const json& item = (*items)[i];
      const std::string at = fmt::format("request.items[{}]", i);
      graph::PlanItem p;
      p.component = f.text(item, "component", at + ".component");
      if (auto v = f.version(item, "version", at + ".version", Nullable::yes)) {
        p.version = semver::Version::parse(*v).value();
      }
      p.strategy = f.choice(item, "strategy", at + ".strategy", manifest::batch_strategies(), "a strategy",
                            Nullable::yes);
      p.priority = f.priority(item, "priority", at + ".priority");
      request.items.push_back(std::move(p));
    }
  }
  if (const json* constraints = f.array(*r, "constraints", "request.constraints")) {
    for (std::size_t i = 0; i < constraints->size() && f.problem.empty(); ++i) {
      const json& c = (*constraints)[i];
      const std::string at = fmt::format("request.constraints[{}]", i);
      const std::string name = f.text(c, "component", at + ".component");
      const std::string range_text = f.text(c, "range", at + ".range");
      // Written only when set, so plans without them read as before.
      semver::Options options;
      if (c.is_object() && c.contains("loose")) {
        options.loose = f.boolean(c, "loose", at + ".loose");
      }
      if (c.is_object() && c.contains("include_prerelease")) {
        options.include_prerelease = f.boolean(c, "include_prerelease", at + ".include_prerelease");
      }
      if (!f.problem.empty()) {
        return;
      }
      auto range = semver::Range::parse(range_text, options);
      if (!range) {
        f.problem = fmt::format("{}.range {} is not a range: {}", at, quoted(json(range_text)), range.error().message);
        return;
      }
      request.constraints.push_back({name, std::move(*range)});
    }
  }
}

} // namespace

std::string iso_time(std::chrono::system_clock::time_point t)
{
  const std::time_t secs = std::chrono::system_clock::to_time_t(t);
  std::tm tm{};
  ::gmtime_r(&secs, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

Result<PlanInputs> digest_plan_inputs(const std::filesystem::path& catalog_dir, const state::InstalledState& installed,
                                      const std::filesystem::path& keyring_dir)
{
  PlanInputs inputs;
  {
    archive::Sha256 sha;
    for (const auto& file : catalog_files(catalog_dir)) {
      if (auto fed = feed_file(sha, file, file.lexically_relative(catalog_dir).string()); !fed) {
        return fail(fed.error());
      }
    }
    inputs.catalog = sha.hex_final();
  }
  {
    archive::Sha256 sha;
    for (const auto& [name, c] : installed.components) {
      feed(sha, name);
      feed(sha, c.version.to_string());
    }
    inputs.installed = sha.hex_final();
  }
  auto keyring = archive::keyring_digest(keyring_dir);
  if (!keyring) {
    return fail(keyring.error());
  }
  inputs.keyring = std::move(*keyring);
  return inputs;
}

SavedPlan make_saved_plan(const std::vector<Change>& changes, const graph::PlanRequest& request, PlanInputs inputs,
                          std::string created_at)
{
  SavedPlan saved;
  saved.created_at = std::move(created_at);
  saved.request = request;
  saved.inputs = std::move(inputs);
  for (const auto& c : changes) {
    saved.steps.push_back({c.component, c.from, c.to, c.strategy, c.priority});
  }
  return saved;
}

std::string serialize(const SavedPlan& plan)
{
  using ojson = nlohmann::ordered_json;
  const auto opt = [](const auto& v) { return v ? ojson(*v) : ojson(nullptr); };
  const graph::PlanRequest& r = plan.request;
  ojson j;
  j["format"] = k_plan_format;
  j["created_at"] = plan.created_at;
  j["validation"] = graph::to_string(r.validation);
  j["allow_downgrade"] = r.allow_downgrade == graph::AllowDowngrade::yes;
  auto items = ojson::array();
  for (const auto& item : r.items) {
    items.push_back({{"component", item.component},
                     {"version", item.version ? ojson(item.version->to_string()) : ojson(nullptr)},
                     {"strategy", opt(item.strategy)},
                     {"priority", item.priority}});
  }
  auto constraints = ojson::array();
  for (const auto& c : r.constraints) {
    ojson constraint = {{"component", c.name}, {"range", c.range.raw()}};
    if (c.range.options().loose) {
      constraint["loose"] = true;
    }
    if (c.range.options().include_prerelease) {
      constraint["include_prerelease"] = true;
    }
    constraints.push_back(std::move(constraint));
  }
  j["request"] = {{"items", std::move(items)}, {"constraints", std::move(constraints)}, {"strategy", r.default_strategy}};
  j["inputs"] = {{"catalog_sha256", plan.inputs.catalog},
                 {"installed_sha256", plan.inputs.installed},
                 {"keyring_sha256", plan.inputs.keyring}};
  auto steps = ojson::array();
  for (const auto& s : plan.steps) {
    steps.push_back(
        {{"component", s.component}, {"from", opt(s.from)}, {"to", s.to}, {"strategy", s.strategy}, {"priority", s.priority}});
  }
  j["steps"] = std::move(steps);
  ojson sums = ojson::object();
  for (const auto field : k_digested) {
    sums[std::string(field)] = field_digest(field, nlohmann::json::parse(j[std::string(field)].dump()));
  }
  j["sha256"] = std::move(sums);
  return j.dump(2) + "\n";
}

Result<SavedPlan> parse_saved_plan(std::string_view text, const std::string& origin)
{
  const std::string shown = util::escape_text(origin);
  auto j = nlohmann::json::parse(text.begin(), text.end(), nullptr, false);
  if (j.is_discarded() || !j.is_object()) {
    return fail(ErrorCode::usage,
                fmt::format("'{}' is not a saved plan: expected one JSON object written by `plan --save`", shown));
  }
  const auto format = j.find("format");
  if (format == j.end() || !format->is_string() || format->get<std::string>() != k_plan_format) {
    std::string why = fmt::format("expected \"format\": \"{}\"", k_plan_format);
    if (format != j.end() && format->is_string() && format->get<std::string>().rfind("noodle-plan ", 0) == 0) {
      why = fmt::format("its format '{}' is not \"{}\"; run `plan --save` again",
                        util::escape_text(format->get<std::string>()), k_plan_format);
    }
    return fail(ErrorCode::usage, fmt::format("'{}' is not a saved plan: {}", shown, why));
  }
  // From here on the file is one `plan --save` wrote: anything that is not
  // as it wrote it was edited.
  PlanFields f;
  SavedPlan plan;
  plan.origin = origin;
  const json* sums = f.object(j, "sha256", "sha256");
  for (const auto field : k_digested) {
    const json* value = f.field(j, field, field);
    const json* sum = sums != nullptr ? f.string(*sums, field, fmt::format("sha256.{}", field)) : nullptr;
    if (value == nullptr || sum == nullptr) {
      break;
    }
    if (*sum != field_digest(field, *value)) {
      if (field == "steps") {
        // The steps are judged against their request first, which names the field.
        plan.steps_digest_ok = false;
        continue;
      }
      f.problem = fmt::format("its '{}' does not match the digest it was saved with", field);
      break;
    }
  }
  // Read on after a problem as far as the fields allow: the steps name what
  // the refusal is audited against.
  std::string digest_problem = std::exchange(f.problem, std::string());
  plan.created_at = f.text(j, "created_at", "created_at");
  read_request(f, j, plan.request);
  if (const json* inputs = f.object(j, "inputs", "inputs")) {
    plan.inputs.catalog = f.text(*inputs, "catalog_sha256", "inputs.catalog_sha256");
    plan.inputs.installed = f.text(*inputs, "installed_sha256", "inputs.installed_sha256");
    plan.inputs.keyring = f.text(*inputs, "keyring_sha256", "inputs.keyring_sha256");
  }
  // The steps on their own, so that they are read whatever came before.
  PlanFields g;
  if (const json* steps = g.array(j, "steps", "steps")) {
    for (std::size_t i = 0; i < steps->size() && g.problem.empty(); ++i) {
      const json& s = (*steps)[i];
      const std::string at = fmt::format("steps[{}]", i);
      SavedStep step;
      step.component = g.text(s, "component", at + ".component");
      step.from = g.version(s, "from", at + ".from", Nullable::yes);
      step.to = g.version(s, "to", at + ".to", Nullable::no).value_or("");
      step.strategy =
          g.choice(s, "strategy", at + ".strategy", step_strategies(), "a strategy", Nullable::no).value_or("");
      step.priority = g.priority(s, "priority", at + ".priority");
      // Each name and version becomes a path under the root.
      for (auto checked : {manifest::check_name(step.component), manifest::check_version(step.to),
                           step.from ? manifest::check_version(*step.from) : Result<void>()}) {
        if (!checked && g.problem.empty() && !step.to.empty()) {
          g.problem = checked.error().message;
        }
      }
      plan.steps.push_back(std::move(step));
    }
  }
  for (const std::string* problem : {&digest_problem, &f.problem, &g.problem}) {
    if (!problem->empty()) {
      plan.edited = edited(origin, *problem);
      break;
    }
  }
  return plan;
}

Result<void> check_drift(const SavedPlan& plan, const PlanInputs& now)
{
  std::vector<std::string> changed;
  if (plan.inputs.catalog != now.catalog) {
    changed.push_back("the catalog changed");
  }
  if (plan.inputs.installed != now.installed) {
    changed.push_back("the installed versions changed");
  }
  if (plan.inputs.keyring != now.keyring) {
    changed.push_back("the keyring changed");
  }
  if (changed.empty()) {
    return {};
  }
  Error e(ErrorCode::drift, fmt::format("the saved plan of {} is stale: {}", plan.created_at, changed.front()));
  for (std::size_t i = 1; i < changed.size(); ++i) {
    e.details.push_back(changed[i]);
  }
  e.details.push_back("run `plan --save` again and review the new plan");
  return fail(std::move(e));
}

Result<void> check_saved_steps(const SavedPlan& plan, const std::vector<Change>& derived)
{
  if (plan.steps.size() != derived.size()) {
    return fail(edited(plan.origin, fmt::format("it lists {} step{}, but its request gives {}", plan.steps.size(),
                                                plan.steps.size() == 1 ? "" : "s", derived.size())));
  }
  const auto differs = [&](std::size_t i, std::string_view field, const std::string& saved, const std::string& now) {
    return edited(plan.origin, fmt::format("steps[{}].{} is '{}', but its request gives '{}'", i, field,
                                           util::escape_text(saved), util::escape_text(now)));
  };
  const auto or_none = [](const std::optional<std::string>& v) { return v.value_or("(none)"); };
  for (std::size_t i = 0; i < derived.size(); ++i) {
    const SavedStep& s = plan.steps[i];
    const Change& d = derived[i];
    if (s.component != d.component) {
      return fail(differs(i, "component", s.component, d.component));
    }
    if (s.from != d.from) {
      return fail(differs(i, "from", or_none(s.from), or_none(d.from)));
    }
    if (s.to != d.to) {
      return fail(differs(i, "to", s.to, d.to));
    }
    if (s.strategy != d.strategy) {
      return fail(differs(i, "strategy", s.strategy, d.strategy));
    }
    if (s.priority != d.priority) {
      return fail(differs(i, "priority", std::to_string(s.priority), std::to_string(d.priority)));
    }
  }
  if (!plan.steps_digest_ok) {
    return fail(edited(plan.origin, "its 'steps' does not match the digest it was saved with"));
  }
  return {};
}

} // namespace noodle::engine
