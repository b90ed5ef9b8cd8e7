// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <noodle/engine/layout.hpp>
#include <noodle/live/strategy.hpp>
#include <noodle/store/state_store.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace noodle::engine {

// Where a running live rollout is, for `status` to show: the running change
// writes it at every strategy event to
//   <root>/.noodle-upgrade/steering/<id>.progress
// (replaced whole: temporary file, then rename) and removes it when the
// change ends. The state database keeps live events only at the commit and
// the end of a rollout, so this file is the only view of the current step.
// It is for display only: nothing decides anything from it.
struct Progress {
  std::int64_t upgrade_id = 0;
  std::string component;
  std::string from_version;
  std::string to_version;
  std::string strategy;
  int step = 0;  // activates so far in this change
  int steps = 0; // gradual: the number of weights; 0 when not known ahead
  std::optional<int> weight;
  std::optional<store::Millis> analysis_until; // when the wait before the next gate ends
  std::vector<std::pair<std::string, bool>> health; // per instance ("*": all) from the last gate
  store::Millis updated = 0;
};

// The progress of upgrade `id`, or nullopt when there is none or the file
// is not a progress file of that upgrade (partial, foreign, damaged).
std::optional<Progress> read_progress(const Layout& layout, std::int64_t id);

// The running side: follows the strategy events of one upgrade and keeps
// its progress file; the file goes with the tracker. Writing is best
// effort: a file that cannot be written only leaves `status` without it.
class ProgressTracker {
public:
  ProgressTracker(const Layout& layout, std::int64_t id);
  ProgressTracker(const ProgressTracker&) = delete;
  ProgressTracker& operator=(const ProgressTracker&) = delete;
  ~ProgressTracker();

  // A change's rollout starts with `options` (options.name the strategy).
  void begin(const live::StrategyOptions& options, const std::string& component, const std::string& from,
             const std::string& to, store::Millis now);
  void on_event(const live::StrategyEvent& event, store::Millis now);

private:
  void write();

  std::filesystem::path m_path;
  Progress m_progress;
  std::chrono::milliseconds m_step_interval{0};
  std::chrono::milliseconds m_analysis{0};
  std::string m_fallback;
};

} // namespace noodle::engine
