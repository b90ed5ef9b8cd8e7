// SPDX-License-Identifier: Apache-2.0
#include <noodle/engine/progress.hpp>
#include <noodle/engine/steer.hpp>
#include <noodle/util/atomic_file.hpp>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <fstream>
#include <sstream>
#include <system_error>

namespace noodle::engine {

namespace {

using json = nlohmann::json;

std::filesystem::path progress_file(const Layout& layout, std::int64_t id)
{
  return steering_dir(layout) / fmt::format("{}.progress", id);
}

json to_json(const Progress& p)
{
  json health = json::array();
  for (const auto& [instance, healthy] : p.health) {
    health.push_back({{"instance", instance}, {"healthy", healthy}});
  }
  return {{"upgrade_id", p.upgrade_id},
          {"component", p.component},
          {"from_version", p.from_version},
          {"to_version", p.to_version},
          {"strategy", p.strategy},
          {"step", p.step},
          {"steps", p.steps},
          {"weight", p.weight ? json(*p.weight) : json(nullptr)},
          {"analysis_until", p.analysis_until ? json(*p.analysis_until) : json(nullptr)},
          {"health", std::move(health)},
          {"updated", p.updated}};
}

} // namespace

std::optional<Progress> read_progress(const Layout& layout, std::int64_t id)
{
  std::ifstream in(progress_file(layout, id));
  if (!in) {
    return std::nullopt;
  }
  std::stringstream text;
  text << in.rdbuf();
  const json j = json::parse(text.str(), nullptr, false);
  if (j.is_discarded() || !j.is_object()) {
    return std::nullopt;
  }
  try {
    Progress p;
    p.upgrade_id = j.at("upgrade_id").get<std::int64_t>();
    if (p.upgrade_id != id) {
      return std::nullopt;
    }
    p.component = j.at("component").get<std::string>();
    p.from_version = j.at("from_version").get<std::string>();
    p.to_version = j.at("to_version").get<std::string>();
    p.strategy = j.at("strategy").get<std::string>();
    p.step = j.at("step").get<int>();
    p.steps = j.at("steps").get<int>();
    if (!j.at("weight").is_null()) {
      p.weight = j.at("weight").get<int>();
    }
    if (!j.at("analysis_until").is_null()) {
      p.analysis_until = j.at("analysis_until").get<store::Millis>();
    }
    for (const auto& h : j.at("health")) {
      p.health.emplace_back(h.at("instance").get<std::string>(), h.at("healthy").get<bool>());
    }
    p.updated = j.at("updated").get<store::Millis>();
    if (p.step < 0 || p.steps < 0) {
      return std::nullopt;
    }
    return p;
  } catch (const json::exception&) {
    return std::nullopt;
  }
}

ProgressTracker::ProgressTracker(const Layout& layout, std::int64_t id) : m_path(progress_file(layout, id))
{
  m_progress.upgrade_id = id;
}

ProgressTracker::~ProgressTracker()
{
  std::error_code ec;
  std::filesystem::remove(m_path, ec);
}

void ProgressTracker::begin(const live::StrategyOptions& options, const std::string& component, const std::string& from,
                            const std::string& to, store::Millis now)
{
  const std::int64_t id = m_progress.upgrade_id;
  m_progress = Progress();
  m_progress.upgrade_id = id;
  m_progress.component = component;
  m_progress.from_version = from;
  m_progress.to_version = to;
  m_progress.strategy = options.name;
  m_progress.steps = options.name == "gradual" ? static_cast<int>(options.steps.size()) : 0;
  m_progress.updated = now;
  m_step_interval = options.name == "gradual" ? options.step_interval : std::chrono::milliseconds{0};
  m_analysis = options.name == "canary" ? options.analysis : std::chrono::milliseconds{0};
  m_fallback = options.fallback.value_or(options.name);
  write();
}

void ProgressTracker::on_event(const live::StrategyEvent& event, store::Millis now)
{
  Progress& p = m_progress;
  p.updated = now;
  if (event.phase == "fallback") {
    p.strategy = m_fallback;
  } else if (event.phase == "activate") {
    ++p.step;
    p.weight = event.weight;
    // The last gate's health stays shown until the next gate replaces it.
    const auto wait = m_step_interval.count() > 0 ? m_step_interval : m_analysis;
    if (wait.count() > 0) {
      p.analysis_until = now + wait.count();
    } else {
      p.analysis_until.reset();
    }
  } else if ((event.phase == "health" || event.phase == "probe") && event.healthy) {
    const std::vector<std::string> all{"*"};
    for (const auto& instance : event.instances.empty() ? all : event.instances) {
      auto it = std::find_if(p.health.begin(), p.health.end(), [&](const auto& h) { return h.first == instance; });
      if (it == p.health.end()) {
        p.health.emplace_back(instance, *event.healthy);
      } else if (event.phase == "health") {
        it->second = *event.healthy; // a new gate
      } else {
        it->second = it->second && *event.healthy; // the probes of the same gate
      }
    }
  } else if (event.phase == "commit" || event.phase == "rollback" || event.phase == "abort") {
    p.analysis_until.reset();
  }
  write();
}

void ProgressTracker::write()
{
  std::error_code ec;
  std::filesystem::create_directories(m_path.parent_path(), ec);
  // Shown only, never trusted after a crash: written whole, not synced, so a
  // rollout's events do not wait for the disk.
  (void)util::write_file_atomic(m_path, to_json(m_progress).dump() + "\n", 0644, util::Overwrite::yes, util::Sync::no);
}

} // namespace noodle::engine
