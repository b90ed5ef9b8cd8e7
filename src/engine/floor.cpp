// SPDX-License-Identifier: Apache-2.0
#include <noodle/engine/floor.hpp>
#include <noodle/engine/layout.hpp>

#include <fmt/format.h>

namespace noodle::engine {

Result<std::vector<FloorView>> floors(Session& session, const std::optional<std::string>& component)
{
  if (session.store() == nullptr) {
    return std::vector<FloorView>(); // a root never changed has no floors
  }
  auto all = session.store()->floors();
  if (!all) {
    return fail(all.error());
  }
  std::vector<FloorView> views;
  for (auto& f : *all) {
    if (component && f.component != *component) {
      continue;
    }
    FloorView v;
    if (session.has_root()) {
      auto active = current_version(session.root(), f.component);
      if (!active) {
        return fail(active.error());
      }
      v.active = *active;
    }
    v.floor = std::move(f);
    views.push_back(std::move(v));
  }
  return views;
}

Result<FloorReset> reset_floor(Session& session, const std::string& component, const std::string& reason)
{
  if (reason.empty()) {
    return fail(ErrorCode::usage, "a floor reset needs --reason TEXT: it is kept in the audit trail");
  }
  store::StateStore& db = *session.store();
  FloorReset reset;
  reset.component = component;
  auto before = db.floor(component);
  if (!before) {
    return fail(before.error());
  }
  reset.before = *before;
  auto active = current_version(session.root(), component);
  if (!active) {
    return fail(active.error());
  }
  reset.after = *active;
  if (auto begun = db.begin(); !begun) {
    return fail(begun.error());
  }
  const auto change = [&]() -> Result<void> {
    auto set = reset.after ? db.set_floor(component, *reset.after, session.now(), std::nullopt, reason)
                           : db.clear_floor(component);
    if (!set) {
      return set;
    }
    return session.audit("floor-reset", component, reset.before, reset.after, "completed", std::nullopt, reason);
  };
  if (auto done = change(); !done) {
    (void)db.rollback();
    return fail(done.error());
  }
  if (auto committed = db.commit(); !committed) {
    return fail(committed.error());
  }
  return reset;
}

} // namespace noodle::engine
