// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <noodle/semver/version.hpp>
#include <noodle/util/error.hpp>

#include <optional>
#include <string>
#include <string_view>

namespace noodle::semver {

enum class Release { major, minor, patch, premajor, preminor, prepatch, prerelease, release };

// "major" ... "release"; nullopt for any other name.
std::optional<Release> release_from(std::string_view name);
const char* release_name(Release r);

// npm's identifierBase: the number a new prerelease counter starts at, or
// none (npm's `false`: the identifier alone, without a counter).
enum class IdentifierBase { zero, one, none };

struct Increment {
  Release release = Release::patch;
  std::optional<std::string> preid; // npm's `identifier`, e.g. "beta"
  IdentifierBase base = IdentifierBase::zero;
};

// npm semver's inc(): the next version by `how`, build metadata dropped.
// `options.loose` decides how `preid` is checked. Fails with
// ErrorCode::usage for an invalid or empty identifier (empty only matters
// with IdentifierBase::none), with the identifier already there under
// IdentifierBase::none, and with ErrorCode::invalid_version for `release`
// of a version that is not a prerelease.
//
// Unlike npm, numbers are not limited to 2^53: a counter past it keeps
// counting exactly.
Result<Version> increment(const Version& v, const Increment& how, const Options& options = {});

// npm semver's diff(): the largest release type between `a` and `b`, as
// major, premajor, minor, preminor, patch, prepatch or prerelease (the
// "pre" forms when the higher version is a prerelease); nullopt when they
// have equal precedence. A prerelease against its own release counts as the
// release it becomes (1.2.0-rc.1 to 1.2.0 is minor).
std::optional<Release> difference(const Version& a, const Version& b);

} // namespace noodle::semver
