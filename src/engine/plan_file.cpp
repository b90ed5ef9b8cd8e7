// SPDX-License-Identifier: Apache-2.0
#include <noodle/archive/digest.hpp>
#include <noodle/engine/plan_file.hpp>
#include <noodle/manifest/names.hpp>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <ctime>
#include <fstream>
#include <iterator>

namespace noodle::engine {

namespace {

// Adds a length-prefixed field so that no two inputs hash the same text.
void feed(archive::Sha256& sha, std::string_view bytes)
{
  sha.update(fmt::format("{}:", bytes.size()));
  sha.update(bytes);
}

Result<void> feed_file(archive::Sha256& sha, const std::filesystem::path& path, const std::string& name)
{
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return fail(ErrorCode::io, fmt::format("cannot read '{}'", path.string()));
  }
  std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  feed(sha, name);
  feed(sha, bytes);
  return {};
}

// Regular files under `dir` (recursively when asked) with a relative name
// passing `keep`, in path order; a missing directory is empty.
std::vector<std::filesystem::path> files_under(const std::filesystem::path& dir, bool recursive,
                                               bool (*keep)(const std::filesystem::path&))
{
  std::vector<std::filesystem::path> files;
  std::error_code ec;
  if (recursive) {
    for (auto it = std::filesystem::recursive_directory_iterator(dir, ec);
         !ec && it != std::filesystem::recursive_directory_iterator(); it.increment(ec)) {
      // The catalog loader skips names starting with '.', directories too.
      if (it->path().filename().string().rfind('.', 0) == 0) {
        if (it->is_directory(ec)) {
          it.disable_recursion_pending();
        }
        continue;
      }
      if (it->is_regular_file(ec) && keep(it->path())) {
        files.push_back(it->path());
      }
    }
  } else {
    for (auto it = std::filesystem::directory_iterator(dir, ec); !ec && it != std::filesystem::directory_iterator();
         it.increment(ec)) {
      if (it->is_regular_file(ec) && keep(it->path())) {
        files.push_back(it->path());
      }
    }
  }
  std::sort(files.begin(), files.end());
  return files;
}

bool is_yaml(const std::filesystem::path& p)
{
  const auto ext = p.extension().string();
  return (ext == ".yaml" || ext == ".yml") && p.filename().string()[0] != '.';
}

bool any_file(const std::filesystem::path&)
{
  return true;
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
    for (const auto& file : files_under(catalog_dir, true, is_yaml)) {
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
  {
    archive::Sha256 sha;
    for (const auto& file : files_under(keyring_dir, false, any_file)) {
      if (auto fed = feed_file(sha, file, file.filename().string()); !fed) {
        return fail(fed.error());
      }
    }
    inputs.keyring = sha.hex_final();
  }
  return inputs;
}

SavedPlan make_saved_plan(const std::vector<Change>& changes, const graph::PlanRequest& request, PlanInputs inputs,
                          std::string created_at)
{
  SavedPlan saved;
  saved.created_at = std::move(created_at);
  saved.validation = std::string(graph::to_string(request.validation));
  saved.allow_downgrade = request.allow_downgrade == graph::AllowDowngrade::yes;
  saved.inputs = std::move(inputs);
  for (const auto& c : changes) {
    saved.steps.push_back({c.component, c.from, c.to, c.strategy, c.priority});
  }
  return saved;
}

std::string serialize(const SavedPlan& plan)
{
  nlohmann::ordered_json j;
  j["format"] = k_plan_format;
  j["created_at"] = plan.created_at;
  j["validation"] = plan.validation;
  j["allow_downgrade"] = plan.allow_downgrade;
  j["inputs"] = {{"catalog_sha256", plan.inputs.catalog},
                 {"installed_sha256", plan.inputs.installed},
                 {"keyring_sha256", plan.inputs.keyring}};
  auto steps = nlohmann::ordered_json::array();
  for (const auto& s : plan.steps) {
    nlohmann::ordered_json step;
    step["component"] = s.component;
    step["from"] = s.from ? nlohmann::ordered_json(*s.from) : nlohmann::ordered_json(nullptr);
    step["to"] = s.to;
    step["strategy"] = s.strategy;
    step["priority"] = s.priority;
    steps.push_back(std::move(step));
  }
  j["steps"] = std::move(steps);
  return j.dump(2) + "\n";
}

Result<SavedPlan> parse_saved_plan(std::string_view text, const std::string& origin)
{
  const auto bad = [&](std::string_view why) {
    return fail(ErrorCode::usage, fmt::format("'{}' is not a saved plan: {}", origin, why));
  };
  auto j = nlohmann::json::parse(text.begin(), text.end(), nullptr, false);
  if (j.is_discarded() || !j.is_object()) {
    return bad("expected one JSON object written by `plan --save`");
  }
  if (!j.contains("format") || j["format"] != k_plan_format) {
    return bad(fmt::format("expected \"format\": \"{}\"", k_plan_format));
  }
  SavedPlan plan;
  try {
    plan.created_at = j.at("created_at").get<std::string>();
    plan.validation = j.at("validation").get<std::string>();
    plan.allow_downgrade = j.at("allow_downgrade").get<bool>();
    const auto& inputs = j.at("inputs");
    plan.inputs.catalog = inputs.at("catalog_sha256").get<std::string>();
    plan.inputs.installed = inputs.at("installed_sha256").get<std::string>();
    plan.inputs.keyring = inputs.at("keyring_sha256").get<std::string>();
    for (const auto& s : j.at("steps")) {
      SavedStep step;
      step.component = s.at("component").get<std::string>();
      if (!s.at("from").is_null()) {
        step.from = s.at("from").get<std::string>();
      }
      step.to = s.at("to").get<std::string>();
      step.strategy = s.at("strategy").get<std::string>();
      step.priority = s.at("priority").get<int>();
      // Each name and version becomes a path under the root.
      for (auto checked : {manifest::check_name(step.component), manifest::check_version(step.to),
                           step.from ? manifest::check_version(*step.from) : Result<void>()}) {
        if (!checked) {
          return bad(checked.error().message);
        }
      }
      plan.steps.push_back(std::move(step));
    }
  } catch (const nlohmann::json::exception& e) {
    return bad(e.what());
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

} // namespace noodle::engine
