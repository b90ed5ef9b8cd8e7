// SPDX-License-Identifier: Apache-2.0
// A ProgressSink that remembers every call, for checking what the core reports.
#pragma once

#include <noodle/util/progress.hpp>

#include <cstdint>
#include <string>
#include <vector>

namespace noodle::test {

struct RecordingProgress final : util::ProgressSink {
  struct Update {
    std::string phase;
    std::uint64_t done;
    std::uint64_t total;
  };
  std::vector<Update> updates;
  int finishes = 0;

  void update(std::string_view phase, std::uint64_t done, std::uint64_t total) override
  {
    updates.push_back({std::string(phase), done, total});
  }
  void finish() override { ++finishes; }
};

} // namespace noodle::test
