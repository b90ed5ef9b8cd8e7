// SPDX-License-Identifier: Apache-2.0
#include "terminal_progress.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <ostream>

namespace noodle::cli {

namespace {

constexpr auto k_interval = std::chrono::milliseconds(100);
constexpr double k_mb = 1024.0 * 1024.0;

} // namespace

std::string progress_text(std::string_view phase, std::uint64_t done, std::uint64_t total)
{
  if (total == 0) {
    return fmt::format("{} {:.1f} MB", phase, static_cast<double>(done) / k_mb);
  }
  const auto percent = static_cast<unsigned>(std::min<std::uint64_t>(done, total) * 100 / total);
  return fmt::format("{} {}% {:.1f}/{:.1f} MB", phase, percent, static_cast<double>(done) / k_mb,
                     static_cast<double>(total) / k_mb);
}

TerminalProgress::TerminalProgress(std::ostream& err) : m_err(err) {}

TerminalProgress::~TerminalProgress()
{
  finish();
}

void TerminalProgress::update(std::string_view phase, std::uint64_t done, std::uint64_t total)
{
  const auto now = std::chrono::steady_clock::now();
  const bool new_phase = phase != m_phase;
  const bool complete = total != 0 && done >= total;
  if (!new_phase && !complete && now - m_last < k_interval) {
    return;
  }
  m_phase = phase;
  m_last = now;
  show(progress_text(phase, done, total));
}

void TerminalProgress::show(std::string_view text)
{
  if (text != m_shown) {
    draw(text);
  }
}

void TerminalProgress::draw(std::string_view text)
{
  // Pads over a longer previous line instead of erasing it with an escape.
  const std::size_t pad = m_width > text.size() ? m_width - text.size() : 0;
  m_err << '\r' << text << std::string(pad, ' ');
  m_err.flush();
  m_shown = text;
  m_width = text.size();
}

void TerminalProgress::finish()
{
  if (m_width != 0) {
    m_err << '\r' << std::string(m_width, ' ') << '\r';
    m_err.flush();
  }
  m_width = 0;
  m_shown.clear();
  m_phase.clear();
  m_last = {};
}

} // namespace noodle::cli
