// SPDX-License-Identifier: Apache-2.0
#include <noodle/engine/status.hpp>
#include <noodle/engine/steer.hpp>
#include <noodle/util/atomic_file.hpp>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <fstream>
#include <sstream>
#include <system_error>
#include <thread>

namespace noodle::engine {

std::filesystem::path steering_dir(const Layout& layout)
{
  return layout.state_dir() / "steering";
}

namespace {

using json = nlohmann::json;

std::filesystem::path request_file(const Layout& layout, std::int64_t id)
{
  return steering_dir(layout) / fmt::format("{}.json", id);
}

std::filesystem::path ack_file(const Layout& layout, std::int64_t id)
{
  return steering_dir(layout) / fmt::format("{}.ack", id);
}

// A small JSON file, or null when it is absent or not (yet) JSON: both
// files are only ever replaced whole, so a reader sees old or new.
json read_json(const std::filesystem::path& path)
{
  std::ifstream in(path);
  if (!in) {
    return nullptr;
  }
  std::stringstream text;
  text << in.rdbuf();
  auto parsed = json::parse(text.str(), nullptr, false);
  return parsed.is_discarded() || !parsed.is_object() ? json(nullptr) : parsed;
}

struct Request {
  std::int64_t seq = 0;
  bool paused = false;
  bool promote = false;
  std::string by;
  store::Millis requested_at = 0;
};

Request read_request(const std::filesystem::path& path)
{
  const json j = read_json(path);
  Request r;
  if (j.is_null()) {
    return r;
  }
  r.seq = j.value("seq", std::int64_t{0});
  r.paused = j.value("paused", false);
  r.promote = j.value("promote", false);
  r.by = j.value("by", std::string());
  r.requested_at = j.value("requested_at", store::Millis{0});
  return r;
}

} // namespace

std::string_view to_string(SteerAction action)
{
  switch (action) {
  case SteerAction::pause: return "pause";
  case SteerAction::resume: return "resume";
  case SteerAction::promote: return "promote";
  }
  return "?";
}

Result<SteerReport> steer(Session& session, std::int64_t id, SteerAction action, std::chrono::milliseconds wait)
{
  auto record = find_upgrade(session, id);
  if (!record) {
    return fail(record.error());
  }
  const auto& r = *record;
  const auto running = [](store::UpgradeStatus s) {
    return s == store::UpgradeStatus::pending || s == store::UpgradeStatus::in_progress;
  };
  if (!running(r.status)) {
    return fail(ErrorCode::usage, fmt::format("upgrade {} is not running: it is {}", id, store::to_string(r.status)));
  }
  if (r.offline) {
    return fail(ErrorCode::usage,
                fmt::format("upgrade {} runs --offline: no live rollout to {}", id, to_string(action)));
  }
  if (!process_matches(r.pid, r.pid_start)) {
    Error e(ErrorCode::not_found, fmt::format("upgrade {} was left by process {}, which is gone", id, r.pid));
    e.details.push_back("run `noodle-upgrade recover` to finish or undo it");
    return fail(std::move(e));
  }
  const Layout& layout = session.layout();
  const auto path = request_file(layout, id);
  Request asked = read_request(path);
  switch (action) {
  case SteerAction::pause:
    if (asked.promote) {
      return fail(ErrorCode::usage,
                  fmt::format("upgrade {} was promoted: it goes to full traffic and cannot pause", id));
    }
    asked.paused = true;
    break;
  case SteerAction::resume:
    if (!asked.paused) {
      return fail(ErrorCode::usage, fmt::format("upgrade {} is not paused", id));
    }
    asked.paused = false;
    break;
  case SteerAction::promote:
    asked.paused = false;
    asked.promote = true;
    break;
  }
  ++asked.seq;
  asked.by = session.actor().requested_by.empty() ? session.actor().user : session.actor().requested_by;
  asked.requested_at = session.now();
  std::error_code ec;
  std::filesystem::create_directories(steering_dir(layout), ec);
  const json body = {{"seq", asked.seq},         {"paused", asked.paused},
                     {"promote", asked.promote}, {"action", to_string(action)},
                     {"by", asked.by},           {"requested_at", asked.requested_at}};
  if (auto written = util::write_file_atomic(path, body.dump() + "\n", 0644); !written) {
    return fail(written.error());
  }

  SteerReport report;
  report.upgrade_id = id;
  report.action = action;
  report.state = asked.promote ? "promoted" : asked.paused ? "paused" : "running";
  const auto until = std::chrono::steady_clock::now() + wait;
  store::StateStore* db = session.store();
  int polls = 0;
  for (;;) {
    const json ack = read_json(ack_file(layout, id));
    if (!ack.is_null() && ack.value("seq", std::int64_t{0}) >= asked.seq) {
      report.acknowledged = true;
      report.reaction_ms = static_cast<double>(ack.value("applied_at", asked.requested_at) - asked.requested_at);
      break;
    }
    if (std::chrono::steady_clock::now() >= until) {
      break;
    }
    // Now and then: has the run ended? It may have taken the request and
    // finished at once (a promote), its files gone: its events say so.
    if (++polls % 20 == 0 && db != nullptr) {
      if (auto now = db->upgrade(id); now && *now && !running((*now)->status)) {
        if (auto events = db->events(id); events) {
          const std::string phase(to_string(action));
          for (const auto& e : *events) {
            if (e.phase == phase && e.time >= asked.requested_at) {
              report.acknowledged = true;
              report.reaction_ms = static_cast<double>(e.time - asked.requested_at);
              break;
            }
          }
        }
        break;
      }
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  (void)session.audit(std::string(to_string(action)), "", std::nullopt, std::nullopt,
                      report.acknowledged ? report.state : "requested", id,
                      fmt::format("{} of upgrade {} ({} by {}) requested by {}", to_string(action), id, r.kind,
                                  r.requested_by, asked.by));
  return report;
}

std::optional<std::string> steering_state(const Layout& layout, std::int64_t id)
{
  const Request asked = read_request(request_file(layout, id));
  if (asked.seq == 0) {
    return std::nullopt;
  }
  const json ack = read_json(ack_file(layout, id));
  if (ack.is_null() || ack.value("seq", std::int64_t{0}) < asked.seq) {
    return std::nullopt;
  }
  if (asked.promote) {
    return "promoted";
  }
  if (asked.paused) {
    return "paused";
  }
  return std::nullopt;
}

SteeringInbox::SteeringInbox(const Layout& layout, std::int64_t id, std::function<store::Millis()> now)
  : m_request(request_file(layout, id)), m_ack(ack_file(layout, id)), m_now(std::move(now))
{
}

SteeringInbox::~SteeringInbox()
{
  std::error_code ec;
  std::filesystem::remove(m_request, ec);
  std::filesystem::remove(m_ack, ec);
}

live::Steering SteeringInbox::poll()
{
  const Request asked = read_request(m_request);
  if (asked.seq > m_seen) {
    m_seen = asked.seq;
    m_last.paused = asked.paused;
    m_last.promote = m_last.promote || asked.promote;
    m_last.by = asked.by;
  }
  return m_last;
}

void SteeringInbox::acknowledge()
{
  if (m_seen <= m_acked) {
    return;
  }
  m_acked = m_seen;
  const json ack = {{"seq", m_seen}, {"applied_at", m_now()}};
  // An acknowledgement that cannot be written leaves the requester
  // waiting, not the rollout unsteered.
  (void)util::write_file_atomic(m_ack, ack.dump() + "\n", 0644);
}

} // namespace noodle::engine
