// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <noodle/semver/version.hpp>

#include <string>
#include <string_view>

namespace noodle::semver::detail {

// Version::parse without the error wrapping: on success fills `out` and
// returns true; on failure sets `why` (e.g. "leading zero in minor") and
// returns false. Shared with the range parser, which needs the bare reason.
bool scan_version(std::string_view text, Version& out, std::string& why);
// The same for npm's loose mode (Options::loose).
bool scan_version_loose(std::string_view text, Version& out, std::string& why);

// What a list of versions keeps of each beside its text.
struct VersionShape {
  bool prerelease = false;
  bool build = false;
};
// scan_version's check, keeping only MAJOR.MINOR.PATCH (in `numbers`) and
// whether there are prerelease and build identifiers: nothing is allocated.
bool scan_version_shape(std::string_view text, Version& numbers, VersionShape& shape, std::string& why);

} // namespace noodle::semver::detail
