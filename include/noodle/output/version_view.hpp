// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <noodle/output/reporter.hpp>
#include <noodle/semver/increment.hpp>
#include <noodle/semver/range.hpp>
#include <noodle/semver/version.hpp>
#include <noodle/semver/version_list.hpp>

#include <optional>
#include <string>
#include <vector>

namespace noodle::output {

ExitCode render_version(const semver::Version& v, Reporter& r);
ExitCode render_compare(const semver::Version& a, const semver::Version& b, int result, Reporter& r);
// `versions` already sorted; exit 1 when `range` is set and nothing matched.
// Text mode writes in blocks, so large lists need no buffer of their whole output.
ExitCode render_version_list(const semver::VersionList& versions, const semver::Range* range, Reporter& r);
ExitCode render_compat(const semver::Version& from, const semver::Version& to, const semver::Compatibility& c,
                       Reporter& r);
// `version inc`: the new version; JSON also names the input and the release.
ExitCode render_increment(const semver::Version& from, const semver::Increment& how, const semver::Version& to,
                          Reporter& r);

// `version diff`: the release type between A and B; exit 1 when they are
// equal in precedence (no output in text mode, null in JSON).
ExitCode render_difference(const semver::Version& a, const semver::Version& b, std::optional<semver::Release> kind,
                           Reporter& r);
// `version coerce`: the version found in `text`; exit 1 when none.
ExitCode render_coerce(const std::string& text, const std::optional<semver::Version>& found, Reporter& r);

// `version intersects` and `version outside`: prints true or false, exit 1
// when false; `fields` name the inputs in JSON, `answer_key` the answer.
ExitCode render_answer(bool answer, const char* answer_key, nlohmann::ordered_json fields, Reporter& r);
// `version min-version`, `min-satisfying`, `max-satisfying`: the version
// found, exit 1 when none; JSON holds the normalized range and the version.
ExitCode render_found_version(const semver::Range& range, const std::optional<semver::Version>& found, Reporter& r);

} // namespace noodle::output
