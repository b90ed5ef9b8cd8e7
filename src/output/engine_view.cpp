// SPDX-License-Identifier: Apache-2.0
#include <noodle/output/engine_view.hpp>
#include <noodle/output/exit_code.hpp>
#include <noodle/output/graph_view.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <ctime>

namespace noodle::output {

namespace {

using json = nlohmann::ordered_json;

json opt(const std::optional<std::string>& s)
{
  return s ? json(*s) : json(nullptr);
}

json opt_int(const std::optional<std::int64_t>& v)
{
  return v ? json(*v) : json(nullptr);
}

std::string or_new(const std::optional<std::string>& v)
{
  return v ? *v : "(none)";
}

json upgrade_json(const store::UpgradeRecord& u, const std::vector<store::OperationRecord>& ops)
{
  json operations = json::array();
  for (const auto& op : ops) {
    operations.push_back({{"component", op.component},
                          {"from", opt(op.from_version)},
                          {"to", op.to_version},
                          {"status", store::to_string(op.status)},
                          {"rollback_point", opt_int(op.point_id)}});
  }
  return {{"id", u.id},
          {"kind", u.kind},
          {"status", store::to_string(u.status)},
          {"started_at", format_time(u.started_at)},
          {"finished_at", u.finished_at ? json(format_time(*u.finished_at)) : json(nullptr)},
          {"duration_ms", u.finished_at ? json(*u.finished_at - u.started_at) : json(nullptr)},
          {"requested_by", u.requested_by},
          {"user", u.user},
          {"uid", u.uid},
          {"pid", u.pid},
          {"command", u.command},
          {"strategy", u.strategy},
          {"priority", u.priority},
          {"metadata", json::parse(u.metadata_json, nullptr, false).is_discarded()
                           ? json::object()
                           : json::parse(u.metadata_json, nullptr, false)},
          {"error", u.error},
          {"operations", std::move(operations)}};
}

std::string changes_text(const std::vector<store::OperationRecord>& ops)
{
  std::vector<std::string> parts;
  for (const auto& op : ops) {
    parts.push_back(fmt::format("{} {} -> {}", op.component, or_new(op.from_version), op.to_version));
  }
  return fmt::format("{}", fmt::join(parts, ", "));
}

} // namespace

std::string format_time(store::Millis t)
{
  const std::time_t secs = static_cast<std::time_t>(t / 1000);
  std::tm tm{};
  ::gmtime_r(&secs, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S UTC", &tm);
  return buf;
}

std::string format_age(store::Millis from, store::Millis now)
{
  const std::int64_t d = now - from;
  const std::int64_t a = d < 0 ? -d : d;
  std::string s;
  if (a < 60'000) {
    s = fmt::format("{}s", a / 1000);
  } else if (a < 3'600'000) {
    s = fmt::format("{}m", a / 60'000);
  } else if (a < 86'400'000) {
    s = fmt::format("{}h", a / 3'600'000);
  } else {
    s = fmt::format("{}d", a / 86'400'000);
  }
  return d < 0 ? "in " + s : s + " ago";
}

ExitCode render_transaction(const engine::TransactionReport& report, const std::string& title, Reporter& r)
{
  json steps = json::array();
  std::string text = fmt::format("{}: upgrade {} ({})\n", title, report.upgrade_id, report.kind);
  std::size_t width = 0;
  for (const auto& s : report.steps) {
    width = std::max(width, s.component.size());
  }
  for (const auto& s : report.steps) {
    text += fmt::format("  {:<11} {:<{}}  {} -> {}", engine::to_string(s.outcome), s.component, width,
                        or_new(s.from), s.to);
    if (s.outcome == engine::StepReport::Outcome::completed || s.outcome == engine::StepReport::Outcome::kept) {
      text += fmt::format("  ({:.2f} s; link swap {:.3f} ms + fsync {:.1f} ms", s.seconds, s.swap_ms, s.sync_ms);
      if (s.live) {
        text += fmt::format("; {} on the runtime, traffic switch {:.3f} ms", s.live->strategy, s.live->switch_ms);
      }
      text += ")";
    }
    text += "\n";
    if (!s.message.empty()) {
      text += fmt::format("              {}\n", s.message);
    }
    json step = {{"component", s.component},
                 {"from", opt(s.from)},
                 {"to", s.to},
                 {"outcome", engine::to_string(s.outcome)},
                 {"message", s.message},
                 {"seconds", s.seconds},
                 {"swap_ms", s.swap_ms},
                 {"sync_ms", s.sync_ms},
                 {"rollback_point", opt_int(s.point_id)}};
    if (s.live) {
      step["live"] = {{"strategy", s.live->strategy},
                      {"committed", s.live->committed},
                      {"switch_ms", s.live->switch_ms},
                      {"events", s.live->events.size()}};
    }
    if (s.installed) {
      step["archive"] = {{"how", s.installed->how == engine::Installed::How::reused     ? "reused"
                                 : s.installed->how == engine::Installed::How::replaced ? "replaced"
                                                                                         : "extracted"},
                         {"signed", s.installed->is_signed},
                         {"key_id", s.installed->key_id},
                         {"sha256", s.installed->sha256},
                         {"files", s.installed->files},
                         {"bytes", s.installed->bytes}};
    }
    steps.push_back(std::move(step));
  }
  for (const auto& w : report.warnings) {
    r.warning(w);
  }
  json body = {{"upgrade_id", report.upgrade_id},
               {"kind", report.kind},
               {"status", store::to_string(report.status)},
               {"seconds", report.seconds},
               {"steps", std::move(steps)}};
  if (report.rollback_error) {
    body["root_state"] = report.root_state;
    r.text(text);
    return r.refusal(*report.rollback_error, std::move(body), ExitCode::rollback_failed);
  }
  if (report.error) {
    text += fmt::format("{}: {}\n", store::to_string(report.status),
                        report.status == store::UpgradeStatus::failed
                            ? "nothing was rolled back"
                            : "every completed step was rolled back; the root is as it was");
    r.text(text);
    Error e = *report.error;
    return r.refusal(e, std::move(body), exit_code_for(e.code));
  }
  text += fmt::format("completed in {:.2f} s\n", report.seconds);
  r.text(text);
  return r.success(std::move(body));
}

ExitCode render_upgrade(const engine::UpgradeOutcome& outcome, const std::string& title, Reporter& r)
{
  if (outcome.refusal) {
    if (!outcome.plan.checks.empty() && !outcome.plan.feasible) {
      // The plan's own report says why, check by check.
      return render_plan(outcome.plan, title, r);
    }
    return r.refusal(*outcome.refusal, {{"upgraded", false}}, exit_code_for(outcome.refusal->code));
  }
  if (outcome.no_op) {
    r.text(fmt::format("{}: already there, nothing to do\n", title));
    return r.success({{"no_op", true}, {"upgraded", false}});
  }
  return render_transaction(*outcome.transaction, title, r);
}

void render_recovery_notes(const engine::RecoveryReport& report, Reporter& r)
{
  for (const auto& u : report.upgrades) {
    r.warning(fmt::format("recovered interrupted {} {}: {}", u.kind, u.upgrade_id,
                          u.outcome == "completed" ? "it had finished; recorded as completed" : "undone"));
    for (const auto& a : u.actions) {
      r.note(fmt::format("  {}\n", a));
    }
  }
  for (const auto& path : report.removed) {
    r.detail(fmt::format("removed leftover '{}'\n", path));
  }
}

ExitCode render_recover(const engine::RecoveryReport& report, Reporter& r)
{
  json upgrades = json::array();
  std::string text;
  for (const auto& u : report.upgrades) {
    text += fmt::format("{} {}: {}\n", u.kind, u.upgrade_id, u.outcome == "completed" ? "finished" : "undone");
    for (const auto& a : u.actions) {
      text += fmt::format("  {}\n", a);
    }
    upgrades.push_back({{"upgrade_id", u.upgrade_id}, {"kind", u.kind}, {"outcome", u.outcome}, {"actions", u.actions}});
  }
  for (const auto& path : report.removed) {
    text += fmt::format("removed leftover '{}'\n", path);
  }
  if (report.nothing_to_do()) {
    text += "nothing to recover: no interrupted upgrade, no leftovers\n";
  }
  r.text(text);
  return r.success({{"upgrades", std::move(upgrades)}, {"removed", report.removed}});
}

ExitCode render_status(const engine::StatusReport& report, store::Millis now, Reporter& r)
{
  std::string text;
  json components = json::array();
  std::size_t width = 4;
  for (const auto& c : report.components) {
    width = std::max(width, c.name.size());
  }
  if (report.components.empty()) {
    text += "no components installed\n";
  } else {
    text += fmt::format("{:<{}}  {:<12}  {}\n", "NAME", width, "VERSION", "LAST CHANGE");
  }
  for (const auto& c : report.components) {
    text += fmt::format("{:<{}}  {:<12}  {}\n", c.name, width, c.version,
                        c.last_change ? format_age(*c.last_change, now) : "-");
    components.push_back({{"name", c.name},
                          {"version", c.version},
                          {"last_change", c.last_change ? json(format_time(*c.last_change)) : json(nullptr)},
                          {"floor", opt(c.floor)}});
  }
  json running = json::array();
  for (const auto& u : report.running) {
    text += fmt::format("\n{} {} {} by {} (pid {}, started {}): {}\n", u.alive ? "ACTIVE" : "INTERRUPTED",
                        u.record.kind, u.record.id, u.record.requested_by, u.record.pid,
                        format_age(u.record.started_at, now), changes_text(u.operations));
    if (!u.alive) {
      text += "  its process is gone; the next changing command (or `noodle-upgrade recover`) finishes or undoes it\n";
    }
    json j = upgrade_json(u.record, u.operations);
    j["state"] = u.alive ? "active" : "interrupted";
    running.push_back(std::move(j));
  }
  const auto& n = report.counts;
  text += fmt::format("\nupgrades: {} completed, {} failed, {} rolled back, {} cancelled, {} running\n", n.completed,
                      n.failed, n.rolled_back, n.cancelled, n.in_progress);
  r.text(text);
  return r.success({{"components", std::move(components)},
                    {"running", std::move(running)},
                    {"counts",
                     {{"completed", n.completed},
                      {"failed", n.failed},
                      {"rolled_back", n.rolled_back},
                      {"cancelled", n.cancelled},
                      {"running", n.in_progress}}}});
}

ExitCode render_history(const std::vector<engine::HistoryEntry>& entries, Reporter& r)
{
  std::string text;
  json list = json::array();
  if (entries.empty()) {
    text += "no history\n";
  }
  for (const auto& e : entries) {
    const auto& u = e.record;
    const double secs = u.finished_at ? static_cast<double>(*u.finished_at - u.started_at) / 1000.0 : 0.0;
    text += fmt::format("{:>4}  {}  {:<8} {:<11} {:>7.2f}s  {:<10} {}\n", u.id, format_time(u.started_at), u.kind,
                        store::to_string(u.status), secs, u.requested_by, changes_text(e.operations));
    if (!u.error.empty()) {
      text += fmt::format("      {}\n", u.error);
    }
    list.push_back(upgrade_json(u, e.operations));
  }
  r.text(text);
  return r.success({{"history", std::move(list)}});
}

ExitCode render_audit(const std::vector<store::AuditEntry>& entries, Reporter& r)
{
  std::string text;
  json list = json::array();
  if (entries.empty()) {
    text += "the audit trail is empty\n";
  }
  for (const auto& a : entries) {
    text += fmt::format("{}  {} (uid {})  {} {} {} -> {}: {}", format_time(a.time), a.user, a.uid, a.action,
                        a.component.empty() ? "-" : a.component, or_new(a.from_version), or_new(a.to_version),
                        a.outcome);
    if (!a.detail.empty()) {
      text += fmt::format(" ({})", a.detail);
    }
    text += fmt::format("\n    $ {}\n", a.command);
    list.push_back({{"id", a.id},
                    {"time", format_time(a.time)},
                    {"uid", a.uid},
                    {"user", a.user},
                    {"command", a.command},
                    {"action", a.action},
                    {"component", a.component},
                    {"from", opt(a.from_version)},
                    {"to", opt(a.to_version)},
                    {"outcome", a.outcome},
                    {"upgrade_id", opt_int(a.upgrade_id)},
                    {"detail", a.detail}});
  }
  r.text(text);
  return r.success({{"audit", std::move(list)}});
}

ExitCode render_points(const std::vector<store::RollbackPoint>& points, store::Millis now, Reporter& r)
{
  std::string text;
  json list = json::array();
  if (points.empty()) {
    text += "no rollback points\n";
  } else {
    text += fmt::format("{:>4}  {:<20} {:<12} {:<10} {:<12} {}\n", "ID", "COMPONENT", "VERSION", "AGE", "EXPIRES",
                        "REASON");
  }
  for (const auto& p : points) {
    text += fmt::format("{:>4}  {:<20} {:<12} {:<10} {:<12} {}\n", p.id, p.component, or_new(p.version),
                        format_age(p.created_at, now), p.expires_at <= now ? "expired" : format_age(p.expires_at, now),
                        p.reason);
    list.push_back({{"id", p.id},
                    {"component", p.component},
                    {"version", opt(p.version)},
                    {"created_at", format_time(p.created_at)},
                    {"expires_at", format_time(p.expires_at)},
                    {"expired", p.expires_at <= now},
                    {"upgrade_id", opt_int(p.upgrade_id)},
                    {"reason", p.reason}});
  }
  r.text(text);
  return r.success({{"points", std::move(list)}});
}

ExitCode render_snapshot(const store::RollbackPoint& p, Reporter& r)
{
  r.text(fmt::format("rollback point {}: {}@{} and its config/, expires {}\n", p.id, p.component, or_new(p.version),
                     format_time(p.expires_at)));
  return r.success({{"point",
                     {{"id", p.id},
                      {"component", p.component},
                      {"version", opt(p.version)},
                      {"created_at", format_time(p.created_at)},
                      {"expires_at", format_time(p.expires_at)}}}});
}

ExitCode render_check(const engine::CheckReport& report, Reporter& r)
{
  std::string text;
  json list = json::array();
  std::size_t problems = 0;
  for (const auto& v : report.versions) {
    text += fmt::format("{:<10} {}@{} ({})\n", engine::to_string(v.state), v.component, v.version, v.role);
    json diffs = json::array();
    for (const auto& d : v.differences) {
      text += fmt::format("    {} '{}' {}\n", archive::to_string(d.kind), d.path, d.detail);
      diffs.push_back({{"kind", archive::to_string(d.kind)}, {"path", d.path}, {"detail", d.detail}});
    }
    if (v.state == engine::VersionCheck::State::unrecorded) {
      r.warning(fmt::format("{}@{} has no extraction record (not installed by noodle-upgrade): not checked",
                            v.component, v.version));
    }
    if (v.state == engine::VersionCheck::State::damaged || v.state == engine::VersionCheck::State::missing) {
      ++problems;
    }
    list.push_back({{"component", v.component},
                    {"version", v.version},
                    {"role", v.role},
                    {"state", engine::to_string(v.state)},
                    {"differences", std::move(diffs)}});
  }
  json unsafe = json::array();
  for (const auto& u : report.unsafe) {
    text += fmt::format("{:<10} '{}' {}\n", "unsafe", u.path.string(), u.problem);
    unsafe.push_back({{"path", u.path.string()}, {"problem", u.problem}});
  }
  if (report.versions.empty() && report.unsafe.empty()) {
    text += "nothing installed to check\n";
  }
  r.text(text);
  json body = {{"versions", std::move(list)}, {"unsafe", std::move(unsafe)}};
  if (report.failed()) {
    std::vector<std::string> parts;
    if (report.unsafe.size() == 1) {
      parts.push_back(fmt::format("'{}' {}", report.unsafe[0].path.string(), report.unsafe[0].problem));
    } else if (!report.unsafe.empty()) {
      parts.push_back(fmt::format("{} paths below the root are symbolic links where directories must be",
                                  report.unsafe.size()));
    }
    if (problems > 0) {
      parts.push_back(fmt::format("{} version{} do{} not match {} extraction record", problems,
                                  problems == 1 ? "" : "s", problems == 1 ? "es" : "",
                                  problems == 1 ? "its" : "their"));
    }
    std::string message = parts.front();
    for (std::size_t i = 1; i < parts.size(); ++i) {
      message += "; " + parts[i];
    }
    return r.refusal(Error(ErrorCode::integrity, std::move(message)), std::move(body), ExitCode::integrity);
  }
  return r.success(std::move(body));
}

ExitCode render_gc(const engine::GcReport& report, Reporter& r)
{
  std::string text;
  for (const auto& v : report.removed_versions) {
    text += fmt::format("removed {}\n", v);
  }
  for (const auto& p : report.removed_points) {
    text += fmt::format("removed expired rollback point {}\n", p);
  }
  for (const auto& k : report.kept) {
    text += fmt::format("kept    {}\n", k);
  }
  if (report.removed_versions.empty() && report.removed_points.empty()) {
    text += "nothing to remove\n";
  }
  r.text(text);
  return r.success({{"removed_versions", report.removed_versions},
                    {"removed_points", report.removed_points},
                    {"kept", report.kept}});
}

ExitCode render_cancel(const engine::CancelReport& report, Reporter& r)
{
  json body = {{"upgrade_id", report.upgrade_id},
               {"finished", report.finished},
               {"status", store::to_string(report.status)},
               {"reason", report.error}};
  if (!report.finished) {
    return r.refusal(Error(ErrorCode::timeout,
                           fmt::format("upgrade {} was asked to stop but has not finished yet; see `status`",
                                       report.upgrade_id)),
                     std::move(body), ExitCode::failed);
  }
  r.text(fmt::format("upgrade {} stopped: {}{}\n", report.upgrade_id, store::to_string(report.status),
                     report.error.empty() ? "" : " (" + report.error + ")"));
  return r.success(std::move(body));
}

} // namespace noodle::output
