// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <noodle/manifest/loader.hpp>
#include <noodle/manifest/model.hpp>
#include <noodle/output/reporter.hpp>
#include <noodle/state/installed.hpp>

#include <nlohmann/json.hpp>

namespace noodle::output {

nlohmann::json manifest_json(const manifest::Manifest& m);

ExitCode render_component_list(const manifest::Catalog& catalog, const state::InstalledState& installed, Reporter& r);
ExitCode render_component(const manifest::Manifest& m, const manifest::Catalog& catalog,
                          const state::InstalledState& installed, Reporter& r);

// `validate`: every diagnostic, then a summary line; exit 2 when any is an error.
ExitCode render_validation(const manifest::LoadResult& result, Reporter& r);

} // namespace noodle::output
