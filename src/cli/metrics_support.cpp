// SPDX-License-Identifier: Apache-2.0
// The metrics file written when a changing command ends.
#include "context.hpp"

#include <noodle/engine/metrics.hpp>
#include <noodle/output/metrics_text.hpp>
#include <noodle/util/atomic_file.hpp>

#include <fmt/format.h>

namespace noodle::cli {

namespace {

Result<void> write_metrics(Context& ctx)
{
  // A read session of its own: the file depends on the committed history
  // only, whatever this command still holds.
  auto session = engine::Session::open_for_reading(engine::Layout(ctx.root()), std::chrono::system_clock::now,
                                                   engine::Actor::current(ctx.command_line));
  if (!session) {
    return fail(session.error());
  }
  auto metrics = engine::read_metrics(*session);
  if (!metrics) {
    return fail(metrics.error());
  }
  // Readable by the collector, which often runs as another user.
  return util::write_file_atomic(ctx.global.metrics_file, output::render_metrics_text(*metrics), 0644);
}

} // namespace

void write_metrics_file(Context& ctx)
{
  if (ctx.metrics_written || !ctx.opened_for_change || ctx.global.metrics_file.empty()) {
    return;
  }
  ctx.metrics_written = true;
  if (auto written = write_metrics(ctx); !written) {
    ctx.reporter.warning(
        fmt::format("metrics file '{}' not written: {}", ctx.global.metrics_file, written.error().message));
  }
}

} // namespace noodle::cli
