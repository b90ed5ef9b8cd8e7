// SPDX-License-Identifier: Apache-2.0
#include <noodle/output/metrics_text.hpp>

#include <fmt/format.h>

#include <cmath>
#include <utility>
#include <vector>

namespace noodle::output {

namespace {

using Labels = std::vector<std::pair<std::string_view, std::string_view>>;

// A sample value: shortest round-trip decimal; the format's spellings of
// infinity and not-a-number.
std::string number(double v)
{
  if (std::isnan(v)) {
    return "NaN";
  }
  if (std::isinf(v)) {
    return v > 0 ? "+Inf" : "-Inf";
  }
  return fmt::format("{}", v);
}

class Writer {
public:
  void family(std::string_view name, std::string_view type, std::string_view help)
  {
    m_out += fmt::format("# HELP {} {}\n# TYPE {} {}\n", name, help, name, type);
  }
  void sample(std::string_view name, const Labels& labels, std::string_view value)
  {
    m_out += name;
    if (!labels.empty()) {
      m_out += '{';
      bool first = true;
      for (const auto& [key, val] : labels) {
        m_out += fmt::format("{}{}=\"{}\"", first ? "" : ",", key, escape_label_value(val));
        first = false;
      }
      m_out += '}';
    }
    m_out += ' ';
    m_out += value;
    m_out += '\n';
  }
  void histogram(std::string_view name, Labels labels, const engine::Histogram& h)
  {
    const std::string bucket = std::string(name) + "_bucket";
    for (std::size_t i = 0; i < h.cumulative.size(); ++i) {
      const std::string le = i < h.bounds.size() ? number(h.bounds[i]) : "+Inf";
      Labels with_le = labels;
      with_le.emplace_back("le", le);
      sample(bucket, with_le, fmt::format("{}", h.cumulative[i]));
    }
    sample(std::string(name) + "_sum", labels, number(h.sum));
    sample(std::string(name) + "_count", labels, fmt::format("{}", h.count));
  }
  std::string take() { return std::move(m_out); }

private:
  std::string m_out;
};

} // namespace

std::string escape_label_value(std::string_view value)
{
  std::string out;
  out.reserve(value.size());
  for (const char c : value) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '"') {
      out += "\\\"";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out;
}

std::string render_metrics_text(const engine::Metrics& m)
{
  Writer w;
  w.family("noodle_upgrade_upgrades_total", "counter",
           "Changes recorded in the root's history (upgrade, apply, rollback), by kind and status.");
  for (const auto& u : m.upgrades) {
    w.sample("noodle_upgrade_upgrades_total", {{"kind", u.kind}, {"status", u.status}}, fmt::format("{}", u.count));
  }

  w.family("noodle_upgrade_last_success_timestamp_seconds", "gauge",
           "When the newest completed change of each component finished, with the version it left active.");
  for (const auto& s : m.last_success) {
    w.sample("noodle_upgrade_last_success_timestamp_seconds", {{"component", s.component}, {"version", s.version}},
             number(s.timestamp_seconds));
  }

  w.family("noodle_upgrade_change_duration_seconds", "histogram",
           "How long each component change took, by the strategy that ran it.");
  for (const auto& [strategy, h] : m.durations) {
    w.histogram("noodle_upgrade_change_duration_seconds", {{"strategy", strategy}}, h);
  }

  w.family("noodle_upgrade_rollbacks_total", "counter",
           "Rollbacks: changes the tool rolled back (automatic) and completed rollback commands (command).");
  w.sample("noodle_upgrade_rollbacks_total", {{"trigger", "automatic"}}, fmt::format("{}", m.automatic_rollbacks));
  w.sample("noodle_upgrade_rollbacks_total", {{"trigger", "command"}}, fmt::format("{}", m.rollback_commands));

  w.family("noodle_upgrade_refusals_total", "counter",
           "Refused changes in the audit trail, one per component named, by action and error code.");
  for (const auto& r : m.refusals) {
    w.sample("noodle_upgrade_refusals_total", {{"action", r.action}, {"code", r.code}}, fmt::format("{}", r.count));
  }

  w.family("noodle_upgrade_lock_wait_seconds", "histogram", "How long each change waited for the root's lock.");
  w.histogram("noodle_upgrade_lock_wait_seconds", {}, m.lock_wait);

  w.family("noodle_upgrade_last_lock_wait_seconds", "gauge", "How long the newest change waited for the root's lock.");
  if (m.last_lock_wait_seconds) {
    w.sample("noodle_upgrade_last_lock_wait_seconds", {}, number(*m.last_lock_wait_seconds));
  }
  return w.take();
}

} // namespace noodle::output
