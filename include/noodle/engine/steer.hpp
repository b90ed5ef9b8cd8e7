// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <noodle/engine/layout.hpp>
#include <noodle/engine/session.hpp>
#include <noodle/live/strategy.hpp>
#include <noodle/store/state_store.hpp>
#include <noodle/util/error.hpp>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>

namespace noodle::engine {

// Steering a running live rollout: `pause`, `resume` and `promote` (`abort`
// is `cancel`). The request is a small file beside the state database,
//   <root>/.noodle-upgrade/steering/<id>.json  what the operators asked last
//   <root>/.noodle-upgrade/steering/<id>.ack   the request the run has applied
// both replaced whole (temporary file, then rename). The running process
// reads the request at every step boundary and at least every
// live::k_steering_poll while it waits, so a request takes effect within a
// few tens of milliseconds, also in the middle of a step interval or an
// analysis; the acknowledgement says when.
enum class SteerAction { pause, resume, promote };

std::string_view to_string(SteerAction action);

struct SteerReport {
  std::int64_t upgrade_id = 0;
  SteerAction action = SteerAction::pause;
  bool acknowledged = false;         // the run applied it within the wait
  std::optional<double> reaction_ms; // from the request to the run applying it
  std::string state;                 // "paused", "running" or "promoted" as asked
};

// Asks upgrade `id` to pause, resume or promote, audits who asked, and waits
// up to `wait` for the run to apply it. Fails with not_found (no such
// upgrade, or its process is gone), usage (it is not running, it runs
// offline, or the request makes no sense: a resume of a run that is not
// paused, a pause after a promote), or io.
Result<SteerReport> steer(Session& session, std::int64_t id, SteerAction action, std::chrono::milliseconds wait);

// What the running upgrade `id` applied of the operators' last request:
// "paused" or "promoted" once the run acknowledged it; nullopt when nothing
// was asked, the run has not applied the last request yet, or it runs on.
std::optional<std::string> steering_state(const Layout& layout, std::int64_t id);

// Where a root's steering requests, acknowledgments and rollout progress
// files live.
std::filesystem::path steering_dir(const Layout& layout);

// The running side: what operators asked of upgrade `id`. poll() reads the
// request file (absent: nothing asked); acknowledge(), called once the
// rollout has applied what poll() returned (and emitted its event), answers
// the newest request seen, stamped with `now`. The files go with the inbox.
class SteeringInbox {
public:
  SteeringInbox(const Layout& layout, std::int64_t id, std::function<store::Millis()> now);
  SteeringInbox(const SteeringInbox&) = delete;
  SteeringInbox& operator=(const SteeringInbox&) = delete;
  ~SteeringInbox();

  live::Steering poll();
  void acknowledge();

private:
  std::filesystem::path m_request;
  std::filesystem::path m_ack;
  std::function<store::Millis()> m_now;
  std::int64_t m_seen = 0;
  std::int64_t m_acked = 0;
  live::Steering m_last;
};

} // namespace noodle::engine
