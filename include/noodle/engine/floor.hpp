// SPDX-License-Identifier: Apache-2.0
// Version floors: the highest version ever activated per component, below
// which an upgrade is a downgrade. Listing them, and an operator's reset.
#pragma once

#include <noodle/engine/session.hpp>
#include <noodle/store/state_store.hpp>
#include <noodle/util/error.hpp>

#include <optional>
#include <string>
#include <vector>

namespace noodle::engine {

// Every floor (or that of `component`), with the version active now.
struct FloorView {
  store::Floor floor;
  std::optional<std::string> active; // where `current` points, when installed
};
Result<std::vector<FloorView>> floors(Session& session, const std::optional<std::string>& component);

struct FloorReset {
  std::string component;
  std::optional<std::string> before; // the floor that was cleared
  std::optional<std::string> after;  // the active version, the new floor; nullopt when not installed
};

// Lowers `component`'s floor to the version active now (or clears it when
// none is), for `reason` (required), audited as "floor-reset". A changing
// session is needed: the floor decides what later upgrades may do.
Result<FloorReset> reset_floor(Session& session, const std::string& component, const std::string& reason);

} // namespace noodle::engine
