// SPDX-License-Identifier: Apache-2.0
// Opening a root for reading or changing, and the signals that stop a change.
#include "context.hpp"

#include <noodle/engine/recover.hpp>
#include <noodle/output/engine_view.hpp>

#include <fmt/format.h>

#include <csignal>

namespace noodle::cli {

namespace {

volatile std::sig_atomic_t g_signal = 0;

extern "C" void remember_signal(int signal)
{
  g_signal = signal;
}

struct sigaction g_old_int {};
struct sigaction g_old_term {};

} // namespace

StopSignals::StopSignals()
{
  g_signal = 0;
  struct sigaction sa {};
  sa.sa_handler = remember_signal;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = SA_RESTART; // the running step finishes; the next safe point stops
  ::sigaction(SIGINT, &sa, &g_old_int);
  ::sigaction(SIGTERM, &sa, &g_old_term);
}

StopSignals::~StopSignals()
{
  ::sigaction(SIGINT, &g_old_int, nullptr);
  ::sigaction(SIGTERM, &g_old_term, nullptr);
}

engine::StopCheck StopSignals::stop_check() const
{
  return []() -> std::optional<Error> {
    const int signal = g_signal;
    if (signal == SIGINT) {
      return Error(ErrorCode::interrupted, "interrupted by SIGINT (Ctrl-C)");
    }
    if (signal == SIGTERM) {
      return Error(ErrorCode::terminated, "stopped by SIGTERM");
    }
    return std::nullopt;
  };
}

ChangeSession open_change_session(Context& ctx, const std::string& requested_by)
{
  ChangeSession result;
  const engine::Layout layout(ctx.root());
  const auto timeout = seconds_to_ms(ctx.global.lock_timeout);
  auto session = engine::Session::open_for_change(
      layout, timeout, engine::Actor::current(ctx.command_line, requested_by), std::chrono::system_clock::now,
      [&](const std::optional<engine::LockHolder>& holder) {
        ctx.reporter.note(holder ? fmt::format("noodle-upgrade: waiting up to {} s for the lock held by pid {} "
                                               "({}): {}\n",
                                               ctx.global.lock_timeout, holder->pid, holder->user, holder->command)
                                 : fmt::format("noodle-upgrade: waiting up to {} s for the root's lock\n",
                                               ctx.global.lock_timeout));
      });
  if (!session) {
    result.exit = ctx.reporter.failure(session.error());
    return result;
  }
  output::render_recovery_notes(session->recovery(), ctx.reporter);
  result.session.emplace(std::move(*session));
  return result;
}

ChangeSession open_read_session(Context& ctx)
{
  ChangeSession result;
  auto session = engine::Session::open_for_reading(engine::Layout(ctx.root()), std::chrono::system_clock::now);
  if (!session) {
    result.exit = ctx.reporter.failure(session.error());
    return result;
  }
  result.session.emplace(std::move(*session));
  return result;
}

} // namespace noodle::cli
