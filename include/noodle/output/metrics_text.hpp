// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <noodle/engine/metrics.hpp>

#include <string>
#include <string_view>

namespace noodle::output {

// `m` in the Prometheus text exposition format (version 0.0.4), as
// node_exporter's textfile collector reads it: every metric named
// noodle_upgrade_*, with its # HELP and # TYPE lines before its samples,
// label values escaped (backslash, double quote, newline), no timestamps.
std::string render_metrics_text(const engine::Metrics& m);

// A label value as the format quotes it: \ as \\, " as \", newline as \n.
std::string escape_label_value(std::string_view value);

} // namespace noodle::output
