// SPDX-License-Identifier: Apache-2.0
// One self-erasing status line on a terminal's stderr, for long work.
#pragma once

#include <noodle/util/progress.hpp>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <iosfwd>
#include <string>
#include <string_view>

namespace noodle::cli {

// Draws "\r<phase> <percent>% <done>/<total> MB" on `err`, at most ten
// times a second (a new phase and 100% are always drawn), and erases it at
// finish() with spaces, so no escape sequence is ever written. Only made
// when stderr is a terminal, the output is text, not --quiet and not
// --no-progress (see progress_enabled).
class TerminalProgress final : public util::ProgressSink {
public:
  explicit TerminalProgress(std::ostream& err);
  ~TerminalProgress() override;
  TerminalProgress(const TerminalProgress&) = delete;
  TerminalProgress& operator=(const TerminalProgress&) = delete;

  void update(std::string_view phase, std::uint64_t done, std::uint64_t total) override;
  void finish() override;
  // Draws `text` as the line when it differs from what is shown.
  void show(std::string_view text);

private:
  void draw(std::string_view text);

  std::ostream& m_err;
  std::string m_phase;
  std::string m_shown;
  std::size_t m_width = 0; // of the line on screen, 0 when none is
  std::chrono::steady_clock::time_point m_last{};
};

// "verify 42% 1.3/3.1 MB" (the percentage left out when `total` is 0).
std::string progress_text(std::string_view phase, std::uint64_t done, std::uint64_t total);

} // namespace noodle::cli
