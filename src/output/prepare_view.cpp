// SPDX-License-Identifier: Apache-2.0
#include <noodle/output/prepare_view.hpp>

#include <noodle/output/text.hpp>

#include "json_values.hpp"

namespace noodle::output {

namespace {

using json = nlohmann::ordered_json;
using detail::text_or_null;

} // namespace

json hop_actions_json(const engine::Prepared& prepared)
{
  json actions = json::array();
  for (const auto& a : prepared.actions) {
    actions.push_back({{"component", a.component},
                       {"from", a.from ? json(*a.from) : json(nullptr)},
                       {"to", a.to},
                       {"version_dir", engine::to_string(a.how)},
                       {"archive",
                        {{"path", text_or_null(a.archive)},
                         {"signature", text_or_null(a.signature)},
                         {"signed", a.how == engine::Installed::How::reused ? json(nullptr) : json(a.is_signed)},
                         {"key_id", text_or_null(a.key_id)},
                         {"signed_at", text_or_null(a.signed_at)},
                         {"sha256", text_or_null(a.sha256)},
                         {"size", a.size > 0 ? json(a.size) : json(nullptr)}}},
                       {"rollback_point", a.point},
                       {"swap", a.swap},
                       {"config", a.config},
                       {"strategy", a.strategy},
                       {"runtime", a.runtime},
                       {"probes", a.probes}});
  }
  return actions;
}

ExitCode render_dry_run(const engine::Prepared& prepared, const std::string& title, Reporter& r)
{
  for (const auto& w : prepared.warnings) {
    r.warning(w);
  }
  std::string text = format_text("{}: {} step{} would run\n", title, prepared.actions.size(),
                                 prepared.actions.size() == 1 ? "" : "s");
  std::size_t i = 0;
  for (const auto& a : prepared.actions) {
    ++i;
    text += format_text("\n  {}. {} {} -> {}\n", i, a.component, a.from.value_or("(none)"), a.to);
    switch (a.how) {
    case engine::Installed::How::reused:
      text += format_text("     version:  reuse versions/{} (matches its extraction record and archive {})\n", a.to,
                          a.sha256.empty() ? std::string("(unrecorded)") : a.sha256);
      break;
    case engine::Installed::How::replaced:
    case engine::Installed::How::extracted:
      text += format_text("     archive:  {}\n", a.archive);
      if (a.is_signed) {
        text += format_text("     signed:   key {} at {} ({})\n", a.key_id, a.signed_at, a.signature);
      } else {
        text += "     signed:   NO (--allow-unsigned)\n";
      }
      text += format_text("     sha256:   {} ({} bytes)\n", a.sha256, a.size);
      text += format_text("     version:  {} versions/{}\n",
                          a.how == engine::Installed::How::replaced ? "re-extract (replacing)" : "extract", a.to);
      break;
    }
    text += format_text("     point:    {}\n", a.point);
    text += format_text("     swap:     {}\n", a.swap);
    text += format_text("     config/:  {}\n", a.config);
    text += format_text("     runtime:  {}\n", a.runtime);
    for (const auto& probe : a.probes) {
      text += format_text("     probe:    {}\n", probe);
    }
  }
  text += "\ndry run: nothing was changed\n";
  r.text(text);
  return r.success({{"dry_run", true},
                    {"changed", false},
                    {"title", title},
                    {"steps", prepared.actions.size()},
                    {"actions", hop_actions_json(prepared)}});
}

} // namespace noodle::output
