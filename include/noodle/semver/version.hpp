// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <noodle/util/error.hpp>

#include <compare>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace noodle::semver {

// One dot-separated prerelease identifier: numeric ones compare as numbers
// and sort below alphanumeric ones (SemVer 2.0.0, rule 11).
struct Identifier {
  bool numeric = false;
  std::uint64_t number = 0; // when numeric
  std::string text;         // always the identifier as written

  friend std::strong_ordering operator<=>(const Identifier& a, const Identifier& b);
  friend bool operator==(const Identifier& a, const Identifier& b) { return (a <=> b) == 0; }
};

// A SemVer 2.0.0 version. Accepts what npm semver's valid() accepts in strict
// mode (an optional leading "v" or "=" and surrounding spaces are tolerated, as
// npm does); numbers above 2^53-1 and inputs over 256 characters are refused.
class Version {
public:
  std::uint64_t major = 0;
  std::uint64_t minor = 0;
  std::uint64_t patch = 0;
  std::vector<Identifier> prerelease;
  std::vector<std::string> build; // ignored for precedence

  Version() = default;
  Version(std::uint64_t ma, std::uint64_t mi, std::uint64_t pa) : major(ma), minor(mi), patch(pa) {}

  // Fails with ErrorCode::invalid_version and a message naming the input.
  static Result<Version> parse(std::string_view text);

  bool is_prerelease() const { return !prerelease.empty(); }

  // Canonical form: "1.2.3-rc.1+build.5".
  std::string to_string() const;

  // Precedence order; build metadata is ignored, so 1.0.0+a == 1.0.0+b.
  friend std::strong_ordering operator<=>(const Version& a, const Version& b);
  friend bool operator==(const Version& a, const Version& b) { return (a <=> b) == 0; }
};

// -1, 0 or 1 by precedence.
int compare(const Version& a, const Version& b);

// Orders versions of equal precedence by their build metadata, identifier by
// identifier (numeric ones as numbers), as npm's compareBuild does; -1, 0 or 1.
int compare_build(const Version& a, const Version& b);

// Whether moving from `from` to `to` is a compatible change under SemVer:
// breaking on a major bump, or on a minor bump while major is 0 (and on any
// change of 0.0.x).
struct Compatibility {
  bool compatible = true;
  bool breaking = false;
  std::string reason; // e.g. "major version changes from 1 to 2"
};
Compatibility compatibility(const Version& from, const Version& to);

} // namespace noodle::semver
