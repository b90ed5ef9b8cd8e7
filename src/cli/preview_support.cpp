// SPDX-License-Identifier: Apache-2.0
// What `plan` and --dry-run share with the changing run up to its first
// change: the runtime, then engine::preview_upgrade on a session opened for
// reading.
#include "context.hpp"

#include <noodle/engine/upgrade.hpp>
#include <noodle/state/machine.hpp>

namespace noodle::cli {

Result<std::optional<LiveConnection>> connect_as_the_run(Context& ctx, const LiveCliOptions& o,
                                                         const std::string& strategy)
{
  if (o.offline) {
    return std::optional<LiveConnection>();
  }
  auto connected = connect_live(ctx, o, strategy);
  if (!connected) {
    Error e = connected.error();
    e.details.push_back("the upgrade needs a running runtime, or --offline; this check asks it as the upgrade would");
    return fail(std::move(e));
  }
  return std::optional<LiveConnection>(std::move(*connected));
}

Preview preview_change(Context& ctx, const LiveCliOptions& live, const graph::PlanRequest& request,
                       const manifest::Catalog& catalog, const engine::ArchiveSource& source)
{
  Preview result;
  auto connection = connect_as_the_run(ctx, live, request.default_strategy);
  if (!connection) {
    result.exit = ctx.reporter.failure(connection.error());
    return result;
  }
  auto opened = open_read_session(ctx);
  if (opened.exit) {
    result.exit = opened.exit;
    return result;
  }
  engine::UpgradeOptions options;
  options.plan = request;
  options.source = source;
  if (*connection) {
    options.live = (*connection)->path;
    options.live->runtime = (*connection)->runtime.get();
  }
  auto outcome = engine::preview_upgrade(*opened.session, catalog, state::probe_machine(ctx.root()), options);
  if (!outcome) {
    result.exit = ctx.reporter.failure(outcome.error());
    return result;
  }
  result.outcome = std::move(*outcome);
  return result;
}

} // namespace noodle::cli
