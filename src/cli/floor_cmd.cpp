// SPDX-License-Identifier: Apache-2.0
// floor list and floor reset: the version floors that refuse downgrades.
#include "context.hpp"

#include <noodle/engine/floor.hpp>
#include <noodle/output/floor_view.hpp>

namespace noodle::cli {

namespace {

struct FloorOptions {
  std::string list_name;
  std::string reset_name;
  std::string reason;
};

} // namespace

void add_floor_commands(CLI::App& app, Registry& registry)
{
  auto o = std::make_shared<FloorOptions>();
  auto* floor = add_command(
      app, "floor", "Show or reset the version floors that refuse downgrades",
      "A component's floor is the highest version ever activated on this root. An upgrade whose target is below it is "
      "refused (exit 3) unless --allow-downgrade; required stops on the way are not judged.",
      "noodle-upgrade floor list");
  floor->require_subcommand(1);

  auto* list = add_command(*floor, "list", "List the floors, the active versions and where each floor came from", "",
                           "noodle-upgrade floor list runtime_core");
  list->add_option("NAME", o->list_name, "Only this component");
  on_run(list, registry, [o](Context& ctx) {
    auto opened = open_for_component(ctx, o->list_name);
    if (opened.exit) {
      return *opened.exit;
    }
    auto floors = engine::floors(*opened.session, o->list_name.empty() ? std::nullopt
                                                                        : std::optional<std::string>(o->list_name));
    if (!floors) {
      return ctx.reporter.failure(floors.error());
    }
    return output::render_floors(*floors, ctx.reporter);
  });

  auto* reset = add_command(
      *floor, "reset", "Lower a component's floor to its active version (audited, with a reason)",
      "For when a version below the floor is wanted for good, such as a fix release on an older line after a rollback. "
      "The floor becomes the version active now (cleared when none is); the reset and its reason go in the audit "
      "trail.",
      "noodle-upgrade floor reset runtime_core --reason 'stay on 1.x until the 2.x leak is fixed'");
  reset->add_option("NAME", o->reset_name, "Component")->required();
  reset->add_option("--reason", o->reason, "Why (kept in the audit trail)")->required();
  on_run(reset, registry, [o](Context& ctx) {
    if (o->reason.empty()) {
      return ctx.reporter.failure(Error(ErrorCode::usage, "--reason must not be empty: it is kept in the audit trail"));
    }
    if (auto reading = open_for_component(ctx, o->reset_name); reading.exit) {
      return *reading.exit;
    }
    auto opened = open_change_session(ctx);
    if (opened.exit) {
      return *opened.exit;
    }
    auto done = engine::reset_floor(*opened.session, o->reset_name, o->reason);
    if (!done) {
      return ctx.reporter.failure(done.error());
    }
    return output::render_floor_reset(*done, ctx.reporter);
  });
}

} // namespace noodle::cli
