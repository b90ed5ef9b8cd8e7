// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <noodle/semver/version.hpp>

#include <optional>
#include <string_view>

namespace noodle::semver {

// npm semver's coerce(): the first (or, from the right, the last) run of
// 1 to 16 digits in `text`, with up to two more after dots, as
// MAJOR.MINOR.PATCH (missing parts 0). nullopt when there is none, or when
// the numbers do not make a valid version (a leading zero, over 2^53-1),
// unless `options.loose` lets them. With `options.include_prerelease` a
// prerelease and build metadata that follow the numbers are kept.
enum class CoerceFrom { left, right };
std::optional<Version> coerce(std::string_view text, CoerceFrom from, const Options& options = {});

} // namespace noodle::semver
