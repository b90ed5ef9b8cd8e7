// SPDX-License-Identifier: Apache-2.0
// Opening a root for reading or changing, and the signals that stop a change.
#include "context.hpp"

#include <noodle/engine/recover.hpp>
#include <noodle/output/engine_view.hpp>
#include <noodle/util/duration.hpp>

#include <fmt/format.h>

#include <csignal>
#include <memory>

namespace noodle::cli {

namespace {

volatile std::sig_atomic_t g_signal = 0;

// How long recovery waits for each answer of the runtime.
constexpr std::chrono::milliseconds k_recovery_request_timeout{5000};

extern "C" void remember_signal(int signal)
{
  g_signal = signal;
}

struct sigaction g_old_int {};
struct sigaction g_old_term {};
struct sigaction g_old_hup {};

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
  // A dropped SSH session or a closed terminal: stop and roll back like
  // SIGTERM, instead of dying half-way with the runtime switched.
  ::sigaction(SIGHUP, &sa, &g_old_hup);
}

StopSignals::~StopSignals()
{
  ::sigaction(SIGINT, &g_old_int, nullptr);
  ::sigaction(SIGTERM, &g_old_term, nullptr);
  ::sigaction(SIGHUP, &g_old_hup, nullptr);
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
    if (signal == SIGHUP) {
      return Error(ErrorCode::hangup, "stopped by SIGHUP (the terminal or session went away)");
    }
    return std::nullopt;
  };
}

namespace {

// On a terminal the wait is one line counting the seconds, not a note.
class LockWaitLine final : public util::ProgressSink {
public:
  explicit LockWaitLine(TerminalProgress& line) : m_line(line) {}
  void set_holder(const std::optional<engine::LockHolder>& holder) { m_holder = holder; }
  void update(std::string_view, std::uint64_t done, std::uint64_t) override
  {
    const std::uint64_t seconds = done / 1000;
    m_line.show(m_holder ? fmt::format("waiting for the lock held by pid {}: {} s", m_holder->pid, seconds)
                         : fmt::format("waiting for the root's lock: {} s", seconds));
  }
  void finish() override { m_line.finish(); }

private:
  TerminalProgress& m_line;
  std::optional<engine::LockHolder> m_holder;
};

} // namespace

engine::RuntimeConnector recovery_runtime(const Context& ctx)
{
  // Connected on first use, kept for the rest of the recovery.
  auto held = std::make_shared<std::unique_ptr<live::SocketRuntime>>();
  return [&ctx, held]() -> Result<live::Runtime*> {
    if (*held) {
      return held->get();
    }
    auto connected = connect_runtime(ctx, k_recovery_request_timeout);
    if (!connected) {
      return fail(connected.error());
    }
    *held = std::move(connected->first);
    return held->get();
  };
}

ChangeSession open_change_session(Context& ctx, const std::string& requested_by, RecoveryNotes notes)
{
  ChangeSession result;
  const engine::Layout layout(ctx.root());
  const auto timeout = ctx.global.lock_timeout;
  const std::string seconds = util::seconds_text(timeout);
  std::optional<LockWaitLine> wait_line;
  if (ctx.progress != nullptr) {
    wait_line.emplace(*ctx.progress);
  }
  const engine::RuntimeConnector runtime = recovery_runtime(ctx);
  auto session = engine::Session::open_for_change(
      layout, timeout, engine::Actor::current(ctx.command_line, requested_by), std::chrono::system_clock::now,
      [&](const std::optional<engine::LockHolder>& holder) {
        if (wait_line) {
          wait_line->set_holder(holder);
          wait_line->update("lock", 0, 0);
          return;
        }
        ctx.reporter.note(holder ? fmt::format("noodle-upgrade: waiting up to {} s for the lock held by pid {} "
                                               "({}): {}\n",
                                               seconds, holder->pid, holder->user, holder->command)
                                 : fmt::format("noodle-upgrade: waiting up to {} s for the root's lock\n",
                                               seconds));
      },
      wait_line ? &*wait_line : nullptr, runtime);
  if (!session) {
    result.exit = ctx.reporter.failure(session.error());
    return result;
  }
  if (notes == RecoveryNotes::warn) {
    output::render_recovery_notes(session->recovery(), ctx.reporter);
  }
  result.session.emplace(std::move(*session));
  ctx.opened_for_change = true;
  return result;
}

ChangeSession open_read_session(Context& ctx)
{
  ChangeSession result;
  auto session = engine::Session::open_for_reading(engine::Layout(ctx.root()), std::chrono::system_clock::now,
                                                   engine::Actor::current(ctx.command_line));
  if (!session) {
    result.exit = ctx.reporter.failure(session.error());
    return result;
  }
  result.session.emplace(std::move(*session));
  return result;
}

} // namespace noodle::cli
