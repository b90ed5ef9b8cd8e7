// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <noodle/engine/floor.hpp>
#include <noodle/output/reporter.hpp>

#include <vector>

namespace noodle::output {

// floor list: each floor, the version active now, and where the floor came
// from (the upgrade that raised it, or a reset and its reason).
ExitCode render_floors(const std::vector<engine::FloorView>& floors, Reporter& r);

// floor reset: the floor before and after.
ExitCode render_floor_reset(const engine::FloorReset& reset, Reporter& r);

} // namespace noodle::output
