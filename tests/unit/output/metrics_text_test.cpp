// SPDX-License-Identifier: Apache-2.0
#include <noodle/engine/metrics.hpp>
#include <noodle/output/metrics_text.hpp>

#include <catch2/catch.hpp>

#include <string>

using namespace noodle;

TEST_CASE("output::escape_label_value escapes backslash, double quote and newline only", "[metrics]")
{
  CHECK(output::escape_label_value("a\\b\"c\nd\te") == "a\\\\b\\\"c\\nd\te");
  CHECK(output::escape_label_value("1.2.3-rc.1+build") == "1.2.3-rc.1+build");
}

TEST_CASE("engine::make_histogram counts cumulatively with +Inf equal to the count", "[metrics]")
{
  const auto h = engine::make_histogram({1, 5}, {0.5, 1, 3, 10});
  CHECK(h.cumulative == std::vector<std::uint64_t>{2, 3, 4});
  CHECK(h.count == 4);
  CHECK(h.sum == 14.5);
}

TEST_CASE("output::render_metrics_text: a value with a quote, a backslash and a newline stays one sample line",
          "[metrics]")
{
  store::HistoryTotals totals;
  totals.last_changes.push_back({"svc", "1.0.0", 1500});
  totals.refusals.push_back({"upgrade", "odd\"code\\\n", 2});
  totals.durations.push_back({"gradual", 2500});
  const std::string text = output::render_metrics_text(engine::compute_metrics(totals));
  CHECK(text.find("noodle_upgrade_refusals_total{action=\"upgrade\",code=\"odd\\\"code\\\\\\n\"} 2\n") !=
        std::string::npos);
  CHECK(text.find("noodle_upgrade_last_success_timestamp_seconds{component=\"svc\",version=\"1.0.0\"} 1.5\n") !=
        std::string::npos);
  CHECK(text.find("noodle_upgrade_change_duration_seconds_bucket{strategy=\"gradual\",le=\"+Inf\"} 1\n") !=
        std::string::npos);
  CHECK(text.find("noodle_upgrade_change_duration_seconds_bucket{strategy=\"gradual\",le=\"2.5\"} 1\n") !=
        std::string::npos);
  CHECK(text.find("noodle_upgrade_change_duration_seconds_bucket{strategy=\"gradual\",le=\"1\"} 0\n") !=
        std::string::npos);
  CHECK(text.find("noodle_upgrade_upgrades_total{kind=\"upgrade\",status=\"completed\"} 0\n") != std::string::npos);
  // Every line is a comment or a sample: no label value added a line.
  std::size_t start = 0;
  while (start < text.size()) {
    const auto end = text.find('\n', start);
    const std::string line = text.substr(start, end - start);
    CHECK((line.rfind("# HELP noodle_upgrade_", 0) == 0 || line.rfind("# TYPE noodle_upgrade_", 0) == 0 ||
           line.rfind("noodle_upgrade_", 0) == 0));
    start = end + 1;
  }
}
