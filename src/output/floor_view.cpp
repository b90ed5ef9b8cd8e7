// SPDX-License-Identifier: Apache-2.0
#include <noodle/output/floor_view.hpp>

#include <noodle/output/text.hpp>
#include <noodle/output/timestamp.hpp>

#include "json_values.hpp"

namespace noodle::output {

namespace {

using json = nlohmann::ordered_json;
using detail::opt;

std::string origin(const store::Floor& f)
{
  if (!f.reason.empty()) {
    return "reset: " + f.reason;
  }
  if (f.upgrade_id) {
    return "upgrade " + std::to_string(*f.upgrade_id);
  }
  return "-";
}

} // namespace

ExitCode render_floors(const std::vector<engine::FloorView>& floors, Reporter& r)
{
  std::string text;
  json list = json::array();
  if (floors.empty()) {
    text += "no version floors\n";
  } else {
    text += format_text("{:<20} {:<12} {:<12} {:<24} {}\n", "COMPONENT", "FLOOR", "ACTIVE", "SET", "BY");
  }
  for (const auto& v : floors) {
    const auto& f = v.floor;
    text += format_text("{:<20} {:<12} {:<12} {:<24} {}\n", f.component, f.version, v.active.value_or("(none)"),
                        f.set_at ? format_time(*f.set_at) : "-", origin(f));
    list.push_back({{"component", f.component},
                    {"floor", f.version},
                    {"active", opt(v.active)},
                    {"set_at", f.set_at ? json(format_timestamp(*f.set_at)) : json(nullptr)},
                    {"upgrade_id", f.upgrade_id ? json(*f.upgrade_id) : json(nullptr)},
                    {"reason", f.reason.empty() ? json(nullptr) : json(f.reason)}});
  }
  r.text(text);
  return r.success({{"floors", std::move(list)}});
}

ExitCode render_floor_reset(const engine::FloorReset& reset, Reporter& r)
{
  if (reset.after) {
    r.text(format_text("{}: floor {} -> {} (the active version); recorded in the audit trail\n", reset.component,
                       reset.before.value_or("(none)"), *reset.after));
  } else {
    r.text(format_text("{}: floor {} cleared (not installed); recorded in the audit trail\n", reset.component,
                       reset.before.value_or("(none)")));
  }
  return r.success({{"component", reset.component}, {"before", opt(reset.before)}, {"after", opt(reset.after)}});
}

} // namespace noodle::output
