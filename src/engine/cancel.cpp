// SPDX-License-Identifier: Apache-2.0
#include <noodle/engine/cancel.hpp>
#include <noodle/engine/status.hpp>

#include <fmt/format.h>

#include <csignal>
#include <thread>

namespace noodle::engine {

Result<CancelReport> cancel(Session& session, std::int64_t id, std::chrono::milliseconds wait, std::string_view action)
{
  auto record = find_upgrade(session, id);
  if (!record) {
    return fail(record.error());
  }
  store::StateStore* db = session.store();
  const auto& r = *record;
  if (r.status != store::UpgradeStatus::pending && r.status != store::UpgradeStatus::in_progress) {
    return fail(ErrorCode::usage, fmt::format("upgrade {} is not running: it is {}", id, store::to_string(r.status)));
  }
  if (auto requested = db->request_cancel(id, session.actor().requested_by); !requested) {
    return fail(requested.error());
  }
  if (!process_matches(r.pid, r.pid_start)) {
    Error e(ErrorCode::not_found, fmt::format("upgrade {} was left by process {}, which is gone", id, r.pid));
    e.details.push_back("run `noodle-upgrade recover` to finish or undo it");
    return fail(std::move(e));
  }
  ::kill(static_cast<pid_t>(r.pid), SIGTERM);
  CancelReport report;
  report.upgrade_id = id;
  const auto until = std::chrono::steady_clock::now() + wait;
  for (;;) {
    auto now = db->upgrade(id);
    if (!now) {
      return fail(now.error());
    }
    if (*now && (*now)->status != store::UpgradeStatus::pending
        && (*now)->status != store::UpgradeStatus::in_progress) {
      report.status = (*now)->status;
      report.error = (*now)->error;
      report.finished = true;
      break;
    }
    if (std::chrono::steady_clock::now() >= until) {
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  (void)session.audit(std::string(action), "", std::nullopt, std::nullopt,
                      report.finished ? std::string(store::to_string(report.status)) : "requested", id,
                      fmt::format("{} of upgrade {} ({} by {}) requested by {}", action, id, r.kind, r.requested_by,
                                  session.actor().requested_by));
  return report;
}

} // namespace noodle::engine
