// SPDX-License-Identifier: Apache-2.0
#include <noodle/output/engine_view.hpp>

#include <noodle/output/exit_code.hpp>
#include <noodle/output/graph_view.hpp>
#include <noodle/output/text.hpp>

#include "json_values.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace noodle::output {

namespace {

using json = nlohmann::ordered_json;
using detail::opt;
using detail::text_or_null;

json opt_int(const std::optional<std::int64_t>& v)
{
  return v ? json(*v) : json(nullptr);
}

json time_or_null(const std::optional<store::Millis>& t)
{
  return t ? json(format_timestamp(*t)) : json(nullptr);
}

std::string or_new(const std::optional<std::string>& v)
{
  return v ? *v : "(none)";
}

json metadata_json(const std::string& text)
{
  auto parsed = json::parse(text, nullptr, false);
  return parsed.is_object() ? parsed : json::object();
}

json operation_json(const store::OperationRecord& op)
{
  return {{"component", op.component},
          {"from", opt(op.from_version)},
          {"to", op.to_version},
          {"status", store::to_string(op.status)},
          {"strategy", opt(op.strategy)},
          {"started_at", time_or_null(op.started_at)},
          {"finished_at", time_or_null(op.finished_at)},
          {"duration_ms", op.started_at && op.finished_at ? json(*op.finished_at - *op.started_at) : json(nullptr)},
          {"restores_config", op.restores_config},
          {"rollback_point", opt_int(op.point_id)},
          {"error", text_or_null(op.error)}};
}

json upgrade_json(const store::UpgradeRecord& u, const std::vector<store::OperationRecord>& ops)
{
  json operations = json::array();
  for (const auto& op : ops) {
    operations.push_back(operation_json(op));
  }
  return {{"id", u.id},
          {"kind", u.kind},
          {"status", store::to_string(u.status)},
          {"started_at", format_timestamp(u.started_at)},
          {"finished_at", time_or_null(u.finished_at)},
          {"duration_ms", u.finished_at ? json(*u.finished_at - u.started_at) : json(nullptr)},
          {"requested_by", u.requested_by},
          {"user", u.user},
          {"uid", u.uid},
          {"pid", u.pid},
          {"command", u.command},
          {"live", !u.offline},
          {"strategy", u.strategy},
          {"priority", u.priority},
          {"metadata", metadata_json(u.metadata_json)},
          {"error", text_or_null(u.error)},
          {"undoes", opt_int(u.undoes)},
          {"rolled_back_by", opt_int(u.rolled_back_by)},
          {"cancelled_by", opt(u.cancelled_by)},
          {"operations", std::move(operations)}};
}

std::string changes_text(const std::vector<store::OperationRecord>& ops)
{
  std::vector<std::string> parts;
  for (const auto& op : ops) {
    parts.push_back(format_text("{} {} -> {}", op.component, or_new(op.from_version), op.to_version));
  }
  return format_text("{}", fmt::join(parts, ", "));
}

} // namespace

nlohmann::ordered_json event_json(const live::StrategyEvent& e)
{
  json j = {{"event", e.phase},
            {"upgrade_id", e.upgrade_id != 0 ? json(e.upgrade_id) : json(nullptr)},
            {"component", e.component},
            {"from", e.from_version.empty() ? json(nullptr) : json(e.from_version)},
            {"to", e.to_version},
            {"time", format_timestamp(e.time_ms)},
            {"at_ms", e.at_ms},
            {"detail", e.detail},
            {"weight", e.weight ? json(*e.weight) : json(nullptr)},
            {"instances", e.instances},
            {"healthy", e.healthy ? json(*e.healthy) : json(nullptr)}};
  return j;
}

ExitCode render_transaction(const engine::TransactionReport& report, const std::string& title, Reporter& r)
{
  if (report.already_undone_by) {
    r.text(format_text("{}: already undone by rollback {}; nothing to do\n", title, *report.already_undone_by));
    return r.success({{"upgrade_id", report.upgrade_id},
                      {"kind", report.kind},
                      {"status", store::to_string(report.status)},
                      {"no_op", true},
                      {"duration_ms", 0},
                      {"steps", json::array()}});
  }
  json steps = json::array();
  if (report.dry_run) {
    std::string text = format_text("{} (dry run):\n", title);
    for (const auto& s : report.steps) {
      text += format_text("  would roll back {} {} -> {}: {}\n", s.component, or_new(s.from), s.to, s.message);
      steps.push_back({{"component", s.component},
                       {"from", opt(s.from)},
                       {"to", s.to},
                       {"rollback_point", opt_int(s.point_id)},
                       {"actions", s.message}});
    }
    text += "dry run: nothing was changed\n";
    for (const auto& w : report.warnings) {
      r.warning(w);
    }
    r.text(text);
    return r.success({{"kind", report.kind}, {"dry_run", true}, {"steps", std::move(steps)}});
  }
  std::string text = format_text("{}: upgrade {} ({})\n", title, report.upgrade_id, report.kind);
  std::size_t width = 0;
  for (const auto& s : report.steps) {
    width = std::max(width, shown_width(s.component));
  }
  for (const auto& s : report.steps) {
    text += format_text("  {:<11} {:<{}}  {} -> {}", engine::to_string(s.outcome), s.component, width,
                        or_new(s.from), s.to);
    if (s.outcome == engine::StepReport::Outcome::completed || s.outcome == engine::StepReport::Outcome::kept) {
      text += format_text("  ({:.2f} s; link swap {:.3f} ms + fsync {:.1f} ms", s.seconds, s.swap_ms, s.sync_ms);
      if (s.live) {
        text += format_text("; {} on the runtime, traffic switch {:.3f} ms", s.live->strategy, s.live->switch_ms);
      }
      text += ")";
    }
    text += "\n";
    if (!s.message.empty()) {
      text += format_text("              {}\n", s.message);
    }
    json step = {{"component", s.component},
                 {"from", opt(s.from)},
                 {"to", s.to},
                 {"outcome", engine::to_string(s.outcome)},
                 {"message", text_or_null(s.message)},
                 {"duration_ms", s.seconds * 1000.0},
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
                         {"key_id", text_or_null(s.installed->key_id)},
                         {"sha256", text_or_null(s.installed->sha256)},
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
               {"duration_ms", report.seconds * 1000.0},
               {"steps", std::move(steps)}};
  if (report.rollback_error) {
    body["root_state"] = report.root_state;
    r.text(text);
    return r.refusal(*report.rollback_error, std::move(body), ExitCode::rollback_failed);
  }
  if (report.error) {
    text += format_text("{}: {}\n", store::to_string(report.status),
                        report.status == store::UpgradeStatus::failed
                            ? "nothing was rolled back"
                            : "every completed step was rolled back; the root is as it was");
    r.text(text);
    Error e = *report.error;
    return r.refusal(e, std::move(body), exit_code_for(e.code));
  }
  text += format_text("completed in {:.2f} s\n", report.seconds);
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
    r.text(format_text("{}: already there, nothing to do\n", title));
    return r.success({{"no_op", true}, {"upgraded", false}});
  }
  return render_transaction(*outcome.transaction, title, r);
}

void render_recovery_notes(const engine::RecoveryReport& report, Reporter& r)
{
  for (const auto& u : report.upgrades) {
    r.warning(format_text("recovered interrupted {} {}: {}", u.kind, u.upgrade_id,
                          u.outcome == "completed"  ? "it had finished; recorded as completed"
                          : u.outcome == "failed" ? "the steps the runtime committed kept, the rest undone"
                                                  : "undone"));
    for (const auto& a : u.actions) {
      r.note(format_text("  {}\n", a));
    }
    for (const auto& n : u.notes) {
      r.note(format_text("  note: {}\n", n));
    }
  }
  for (const auto& path : report.removed) {
    r.detail(format_text("removed leftover '{}'\n", path));
  }
}

ExitCode render_recover(const engine::RecoveryReport& report, Reporter& r)
{
  json upgrades = json::array();
  std::string text;
  const bool dry = report.dry_run;
  if (report.running_upgrade) {
    r.text(format_text("upgrade {} is running: recover would wait for the root's lock; nothing to preview\n",
                       *report.running_upgrade));
    return r.success({{"dry_run", true},
                      {"running_upgrade", *report.running_upgrade},
                      {"upgrades", upgrades},
                      {"removed", report.removed}});
  }
  for (const auto& u : report.upgrades) {
    text += format_text("{} {}: {}{}\n", u.kind, u.upgrade_id, dry ? "would be " : "",
                        u.outcome == "completed" ? "finished"
                        : u.outcome == "failed"  ? "partly kept (the runtime had committed), partly undone"
                                                 : "undone");
    for (const auto& a : u.actions) {
      text += format_text("  {}\n", a);
    }
    for (const auto& n : u.notes) {
      text += format_text("  note: {}\n", n);
    }
    upgrades.push_back({{"upgrade_id", u.upgrade_id},
                        {"kind", u.kind},
                        {"outcome", u.outcome},
                        {"actions", u.actions},
                        {"notes", u.notes}});
  }
  for (const auto& path : report.removed) {
    text += format_text("{} leftover '{}'\n", dry ? "would remove" : "removed", path);
  }
  if (report.nothing_to_do()) {
    text += "nothing to recover: no interrupted upgrade, no leftovers\n";
  }
  if (dry) {
    text += "dry run: nothing was changed\n";
  }
  r.text(text);
  return r.success({{"dry_run", dry},
                    {"running_upgrade", nullptr},
                    {"upgrades", std::move(upgrades)},
                    {"removed", report.removed}});
}

namespace {

// The analysis or step-interval time left, never below zero.
std::optional<store::Millis> time_left(const engine::Progress& p, store::Millis now)
{
  if (!p.analysis_until) {
    return std::nullopt;
  }
  return std::max<store::Millis>(0, *p.analysis_until - now);
}

std::string progress_text(const engine::Progress& p, store::Millis now)
{
  std::string line = format_text("  {} {} -> {} {}: step {}", p.component, p.from_version.empty() ? "-" : p.from_version,
                                 p.to_version, p.strategy, p.step);
  if (p.steps > 0) {
    line += format_text("/{}", p.steps);
  }
  if (p.weight) {
    line += format_text(", weight {}%", *p.weight);
  }
  if (const auto left = time_left(p, now)) {
    line += format_text(", {:.1f} s to the next gate", static_cast<double>(*left) / 1000.0);
  }
  line += "\n";
  if (!p.health.empty()) {
    std::vector<std::string> parts;
    for (const auto& [instance, healthy] : p.health) {
      parts.push_back(format_text("{} {}", instance == "*" ? "all" : instance, healthy ? "healthy" : "UNHEALTHY"));
    }
    line += format_text("  health: {}\n", fmt::format("{}", fmt::join(parts, ", ")));
  }
  return line;
}

json progress_json(const engine::Progress& p, store::Millis now)
{
  json health = json::array();
  for (const auto& [instance, healthy] : p.health) {
    health.push_back({{"instance", instance == "*" ? json(nullptr) : json(instance)}, {"healthy", healthy}});
  }
  const auto left = time_left(p, now);
  return {{"component", p.component},
          {"from_version", p.from_version.empty() ? json(nullptr) : json(p.from_version)},
          {"to_version", p.to_version},
          {"strategy", p.strategy},
          {"step", p.step},
          {"steps", p.steps > 0 ? json(p.steps) : json(nullptr)},
          {"weight", p.weight ? json(*p.weight) : json(nullptr)},
          {"analysis_left_ms", left ? json(*left) : json(nullptr)},
          {"health", std::move(health)},
          {"updated_at", time_or_null(p.updated)}};
}

} // namespace

ExitCode render_status(const engine::StatusReport& report, store::Millis now, Reporter& r)
{
  std::string text;
  json components = json::array();
  std::size_t width = 4;
  for (const auto& c : report.components) {
    width = std::max(width, shown_width(c.name));
  }
  if (report.components.empty()) {
    text += "no components installed\n";
  } else {
    text += format_text("{:<{}}  {:<12}  {:<12}  {:<12}  {}\n", "NAME", width, "VERSION", "RUNNING", "FLOOR",
                        "LAST CHANGE");
  }
  for (const auto& c : report.components) {
    const std::string running = !report.runtime_asked ? "?" : c.running ? *c.running : "-";
    text += format_text("{:<{}}  {:<12}  {:<12}  {:<12}  {}{}\n", c.name, width, c.version, running,
                        c.floor.value_or("-"), c.last_change ? format_age(*c.last_change, now) : "-",
                        c.pending_restart ? "  (pending restart)" : "");
    components.push_back({{"name", c.name},
                          {"version", c.version},
                          {"running", opt(c.running)},
                          {"pending_restart", c.pending_restart},
                          {"last_change", time_or_null(c.last_change)},
                          {"floor", opt(c.floor)}});
  }
  if (!report.components.empty() && !report.runtime_asked) {
    text += format_text("RUNNING unknown: {}\n", report.runtime_note);
  }
  json running = json::array();
  for (const auto& u : report.running) {
    text += format_text("\n{}{} {} {} by {} (pid {}, started {}): {}\n", u.alive ? "ACTIVE" : "INTERRUPTED",
                        u.steering ? " (" + *u.steering + ")" : std::string(),
                        u.record.kind, u.record.id, u.record.requested_by, u.record.pid,
                        format_age(u.record.started_at, now), changes_text(u.operations));
    if (!u.alive) {
      text += "  its process is gone; the next changing command (or `noodle-upgrade recover`) finishes or undoes it\n";
    }
    if (u.progress) {
      text += progress_text(*u.progress, now);
    }
    json j = upgrade_json(u.record, u.operations);
    j["state"] = u.alive ? "active" : "interrupted";
    j["steering"] = u.steering ? json(*u.steering) : json(nullptr);
    j["progress"] = u.progress ? progress_json(*u.progress, now) : json(nullptr);
    running.push_back(std::move(j));
  }
  const auto& n = report.counts;
  text += format_text("\nupgrades: {} completed, {} failed, {} rolled back, {} cancelled, {} running\n", n.completed,
                      n.failed, n.rolled_back, n.cancelled, n.in_progress);
  r.text(text);
  return r.success({{"components", std::move(components)},
                    {"runtime", {{"asked", report.runtime_asked}, {"note", text_or_null(report.runtime_note)}}},
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
  } else {
    text += fmt::format("{:>4}  {:<23}  {:<8} {:<11} {:>8}  {:<10} {}\n", "ID", "STARTED", "KIND", "STATUS",
                        "DURATION", "BY", "CHANGES");
  }
  for (const auto& e : entries) {
    const auto& u = e.record;
    const std::string took =
        u.finished_at ? format_text("{:.2f}s", static_cast<double>(*u.finished_at - u.started_at) / 1000.0) : "-";
    text += format_text("{:>4}  {:<23}  {:<8} {:<11} {:>8}  {:<10} {}\n", u.id, format_time(u.started_at), u.kind,
                        store::to_string(u.status), took, u.requested_by, changes_text(e.operations));
    if (u.rolled_back_by) {
      text += format_text("      rolled back by upgrade {}\n", *u.rolled_back_by);
    }
    if (!u.error.empty()) {
      text += format_text("      {}\n", u.error);
    }
    list.push_back(upgrade_json(u, e.operations));
  }
  r.text(text);
  return r.success({{"history", std::move(list)}});
}

ExitCode render_upgrade_detail(const engine::UpgradeDetail& d, Reporter& r)
{
  const auto& u = d.record;
  std::string text = format_text("{} {}: {}\n", u.kind, u.id, store::to_string(u.status));
  text += format_text("  started    {}{}\n", format_time(u.started_at),
                      u.finished_at ? fmt::format(", took {:.2f} s",
                                                  static_cast<double>(*u.finished_at - u.started_at) / 1000.0)
                                    : std::string(", not finished"));
  text += format_text("  by         {} (user {}, uid {}, pid {})\n", u.requested_by, u.user, u.uid, u.pid);
  text += format_text("  command    {}\n", u.command);
  text += format_text("  mode       {}\n", u.offline ? "offline (files only)" : "live, strategy " + u.strategy);
  const json metadata = metadata_json(u.metadata_json);
  if (!metadata.empty()) {
    std::vector<std::string> pairs;
    for (const auto& [key, value] : metadata.items()) {
      pairs.push_back(fmt::format("{}={}", key, value.is_string() ? value.get<std::string>() : value.dump()));
    }
    text += format_text("  metadata   {}\n", fmt::join(pairs, ", "));
  }
  if (u.undoes) {
    text += format_text("  undoes     upgrade {}\n", *u.undoes);
  }
  if (u.rolled_back_by) {
    text += format_text("  undone by  upgrade {}\n", *u.rolled_back_by);
  }
  if (u.cancelled_by) {
    text += format_text("  cancelled  by {}\n", *u.cancelled_by);
  }
  if (!u.error.empty()) {
    text += format_text("  error      {}\n", u.error);
  }
  text += "steps:\n";
  for (const auto& op : d.operations) {
    text += format_text("  {:>2}  {} {} -> {}  {}", op.seq + 1, op.component, or_new(op.from_version), op.to_version,
                        store::to_string(op.status));
    if (op.strategy) {
      text += format_text(", {}", *op.strategy);
    }
    if (op.started_at && op.finished_at) {
      text += format_text(", {:.2f} s", static_cast<double>(*op.finished_at - *op.started_at) / 1000.0);
    }
    if (op.point_id) {
      text += format_text(" (rollback point {})", *op.point_id);
    }
    text += "\n";
    if (!op.error.empty()) {
      text += format_text("      {}\n", op.error);
    }
  }
  json events = json::array();
  if (!d.events.empty()) {
    text += "events:\n";
  }
  for (const auto& e : d.events) {
    const store::OperationRecord* op = nullptr;
    for (const auto& candidate : d.operations) {
      if (e.operation_id && candidate.id == *e.operation_id) {
        op = &candidate;
      }
    }
    text += format_text("  {}  {:<10} {:<8} {}\n", format_time(e.time), op != nullptr ? op->component : "-", e.phase,
                        e.detail);
    events.push_back({{"step", op != nullptr ? json(op->seq + 1) : json(nullptr)},
                      {"component", op != nullptr ? json(op->component) : json(nullptr)},
                      {"time", format_timestamp(e.time)},
                      {"at_ms", e.at_ms},
                      {"phase", e.phase},
                      {"detail", e.detail},
                      {"weight", opt_int(e.weight)},
                      {"instances", e.instances},
                      {"healthy", e.healthy ? json(*e.healthy) : json(nullptr)}});
  }
  r.text(text);
  json upgrade = upgrade_json(u, d.operations);
  upgrade["events"] = std::move(events);
  return r.success({{"upgrade", std::move(upgrade)}});
}

ExitCode render_audit(const std::vector<store::AuditEntry>& entries, Reporter& r)
{
  std::string text;
  json list = json::array();
  if (entries.empty()) {
    text += "the audit trail is empty\n";
  }
  for (const auto& a : entries) {
    text += format_text("{}  {} (uid {})  {} {} {} -> {}: {}", format_time(a.time), a.user, a.uid, a.action,
                        a.component.empty() ? "-" : a.component, or_new(a.from_version), or_new(a.to_version),
                        a.outcome);
    if (!a.detail.empty()) {
      text += format_text(" ({})", a.detail);
    }
    text += format_text("\n    $ {}\n", a.command);
    list.push_back({{"id", a.id},
                    {"time", format_timestamp(a.time)},
                    {"uid", a.uid},
                    {"user", a.user},
                    {"command", a.command},
                    {"action", a.action},
                    {"component", text_or_null(a.component)},
                    {"from", opt(a.from_version)},
                    {"to", opt(a.to_version)},
                    {"outcome", a.outcome},
                    {"upgrade_id", opt_int(a.upgrade_id)},
                    {"detail", text_or_null(a.detail)}});
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
    text += format_text("{:>4}  {:<20} {:<12} {:<10} {:<12} {}\n", "ID", "COMPONENT", "VERSION", "AGE", "EXPIRES",
                        "REASON");
  }
  for (const auto& p : points) {
    text += format_text("{:>4}  {:<20} {:<12} {:<10} {:<12} {}\n", p.id, p.component, or_new(p.version),
                        format_age(p.created_at, now), p.expires_at <= now ? "expired" : format_age(p.expires_at, now),
                        p.reason);
    list.push_back({{"id", p.id},
                    {"component", p.component},
                    {"version", opt(p.version)},
                    {"created_at", format_timestamp(p.created_at)},
                    {"expires_at", format_timestamp(p.expires_at)},
                    {"expired", p.expires_at <= now},
                    {"upgrade_id", opt_int(p.upgrade_id)},
                    {"reason", p.reason}});
  }
  r.text(text);
  return r.success({{"points", std::move(list)}});
}

ExitCode render_snapshot(const store::RollbackPoint& p, Reporter& r)
{
  r.text(format_text("rollback point {}: {}@{} and its config/, expires {}\n", p.id, p.component, or_new(p.version),
                     format_time(p.expires_at)));
  return r.success({{"point",
                     {{"id", p.id},
                      {"component", p.component},
                      {"version", opt(p.version)},
                      {"created_at", format_timestamp(p.created_at)},
                      {"expires_at", format_timestamp(p.expires_at)}}}});
}

ExitCode render_check(const engine::CheckReport& report, Reporter& r)
{
  std::string text;
  json list = json::array();
  std::size_t problems = 0;
  for (const auto& v : report.versions) {
    text += format_text("{:<10} {}@{} ({})\n", engine::to_string(v.state), v.component, v.version, v.role);
    json diffs = json::array();
    for (const auto& d : v.differences) {
      text += format_text("    {} '{}' {}\n", archive::to_string(d.kind), d.path, d.detail);
      diffs.push_back({{"kind", archive::to_string(d.kind)}, {"path", d.path}, {"detail", d.detail}});
    }
    if (v.state == engine::VersionCheck::State::unrecorded) {
      r.warning(format_text("{}@{} has no extraction record (not installed by noodle-upgrade): not checked",
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
  const char* removed = report.dry_run ? "would remove" : "removed";
  const char* kept = report.dry_run ? "would keep  " : "kept   ";
  for (const auto& v : report.removed_versions) {
    text += format_text("{} {}\n", removed, v);
  }
  for (const auto& p : report.removed_points) {
    text += format_text("{} expired rollback point {}\n", removed, p);
  }
  for (const auto& k : report.kept) {
    text += format_text("{} {}\n", kept, k);
  }
  if (report.removed_versions.empty() && report.removed_points.empty()) {
    text += "nothing to remove\n";
  }
  if (report.dry_run) {
    text += "dry run: nothing was removed\n";
  }
  r.text(text);
  return r.success({{"dry_run", report.dry_run},
                    {"removed_versions", report.removed_versions},
                    {"removed_points", report.removed_points},
                    {"kept", report.kept}});
}

ExitCode render_cancel(const engine::CancelReport& report, Reporter& r)
{
  json body = {{"upgrade_id", report.upgrade_id},
               {"finished", report.finished},
               {"status", store::to_string(report.status)},
               {"reason", text_or_null(report.error)}};
  if (!report.finished) {
    return r.refusal(Error(ErrorCode::timeout,
                           fmt::format("upgrade {} was asked to stop but has not finished yet; see `status`",
                                       report.upgrade_id)),
                     std::move(body), ExitCode::failed);
  }
  r.text(format_text("upgrade {} stopped: {}{}\n", report.upgrade_id, store::to_string(report.status),
                     report.error.empty() ? "" : " (" + report.error + ")"));
  return r.success(std::move(body));
}

ExitCode render_steer(const engine::SteerReport& report, Reporter& r)
{
  json body = {{"upgrade_id", report.upgrade_id},
               {"action", engine::to_string(report.action)},
               {"state", report.state},
               {"acknowledged", report.acknowledged},
               {"reaction_ms", report.reaction_ms ? json(*report.reaction_ms) : json(nullptr)}};
  if (!report.acknowledged) {
    return r.refusal(Error(ErrorCode::timeout,
                           fmt::format("upgrade {} was asked to {} but has not taken it yet; see `status`",
                                       report.upgrade_id, engine::to_string(report.action))),
                     std::move(body), ExitCode::failed);
  }
  r.text(format_text("upgrade {}: {} (taken in {:.0f} ms)\n", report.upgrade_id, report.state, *report.reaction_ms));
  return r.success(std::move(body));
}

} // namespace noodle::output
