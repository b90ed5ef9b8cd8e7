// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <noodle/engine/prepare.hpp>
#include <noodle/output/reporter.hpp>

#include <nlohmann/json.hpp>

#include <string>

namespace noodle::output {

// The actions of each hop as JSON objects, in order.
nlohmann::ordered_json hop_actions_json(const engine::Prepared& prepared);

// --dry-run that found nothing to refuse: the actions of each hop (archive,
// key id, signed at, extract or reuse, rollback point, swap, config/, what
// runs on the runtime) and the warnings; exit 0. JSON: {"dry_run": true,
// "changed": false, "steps": N, "actions": [...]}.
ExitCode render_dry_run(const engine::Prepared& prepared, const std::string& title, Reporter& r);

} // namespace noodle::output
