// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <noodle/util/boxed.hpp>
#include <noodle/util/error.hpp>

#include <compare>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace noodle::semver {

// Limits shared with npm semver: longer inputs and larger numbers are refused.
inline constexpr std::size_t k_max_version_length = 256;            // UTF-16 code units, as JavaScript counts
inline constexpr std::uint64_t k_max_safe_integer = 9007199254740991; // 2^53-1

// One dot-separated prerelease identifier: numeric ones compare as numbers
// and sort below alphanumeric ones (SemVer 2.0.0, rule 11). Numeric
// identifiers of any length compare exactly (by digit count, then digits);
// `number` holds the value when it has at most 19 digits, else UINT64_MAX.
struct Identifier {
  bool numeric = false;
  std::uint64_t number = 0; // when numeric
  std::string text;         // always the identifier as written

  friend std::strong_ordering operator<=>(const Identifier& a, const Identifier& b);
  friend bool operator==(const Identifier& a, const Identifier& b) { return (a <=> b) == 0; }
};

enum class BuildMetadata { include, omit };

// npm semver's options, for the parsers and the range test.
struct Options {
  // npm's `loose`: versions may carry leading zeros ("01.002.3" = 1.2.3),
  // any run of "v", "=" and whitespace before them, and a prerelease without
  // its hyphen ("1.2.3beta" = 1.2.3-beta); invalid comparators of a range are
  // dropped instead of refusing the range.
  bool loose = false;
  // npm's `includePrerelease`: a range admits prereleases of any
  // MAJOR.MINOR.PATCH, and its x-ranges, carets and tildes start at "-0".
  bool include_prerelease = false;
};

// A SemVer 2.0.0 version.
//
// parse() accepts exactly what npm semver 7's valid() accepts (strict mode):
//  - surrounding whitespace (JavaScript's trim() set, Unicode included) is
//    ignored, and one leading lowercase "v" is tolerated ("v1.2.3");
//    "=1.2.3", "V1.2.3" and "vv1.2.3" are refused, as npm refuses them;
//  - MAJOR.MINOR.PATCH are decimal numbers without leading zeros, each at most
//    2^53-1; prerelease identifiers are [0-9A-Za-z-]+, numeric ones without
//    leading zeros (of any size); build identifiers are [0-9A-Za-z-]+;
//  - inputs longer than 256 UTF-16 code units (counted before trimming) are
//    refused.
class Version {
public:
  std::uint64_t major = 0;
  std::uint64_t minor = 0;
  std::uint64_t patch = 0;

  Version() = default;
  Version(std::uint64_t ma, std::uint64_t mi, std::uint64_t pa) : major(ma), minor(mi), patch(pa) {}

  // The prerelease identifiers, and the build identifiers (ignored for
  // precedence). Most versions have neither: both are kept behind one
  // pointer, set only when one is not empty, so that a version is 32 bytes
  // where a catalog holds hundreds of thousands.
  const std::vector<Identifier>& prerelease() const { return m_tail->prerelease; }
  const std::vector<std::string>& build() const { return m_tail->build; }
  void set_prerelease(std::vector<Identifier> prerelease);
  void set_build(std::vector<std::string> build);
  void set_identifiers(std::vector<Identifier> prerelease, std::vector<std::string> build);

  // Fails with ErrorCode::invalid_version and the message
  // "invalid version '<text>': <why>".
  // With Options::loose, parses as npm's loose mode (see Options); numeric
  // identifiers are then written without their leading zeros.
  static Result<Version> parse(std::string_view text, const Options& options = {});

  bool is_prerelease() const { return m_tail.is_set() && !m_tail->prerelease.empty(); }

  // Canonical form: "1.2.3-rc.1+build.5"; with BuildMetadata::omit it is
  // npm's `version` / valid() form "1.2.3-rc.1".
  std::string to_string(BuildMetadata build_metadata = BuildMetadata::include) const;
  // Appends the same text to `out`, for building large outputs without a
  // temporary string per version.
  void append_to(std::string& out, BuildMetadata build_metadata = BuildMetadata::include) const;

  // Precedence order; build metadata is ignored, so 1.0.0+a == 1.0.0+b.
  // Never allocates; MAJOR.MINOR.PATCH are compared inline.
  friend std::strong_ordering operator<=>(const Version& a, const Version& b)
  {
    if (a.major != b.major) {
      return a.major <=> b.major;
    }
    if (a.minor != b.minor) {
      return a.minor <=> b.minor;
    }
    if (a.patch != b.patch) {
      return a.patch <=> b.patch;
    }
    if (!a.is_prerelease() && !b.is_prerelease()) {
      return std::strong_ordering::equal;
    }
    return compare_prerelease(a, b);
  }
  friend bool operator==(const Version& a, const Version& b) { return (a <=> b) == 0; }

private:
  struct Tail {
    std::vector<Identifier> prerelease;
    std::vector<std::string> build;

    friend bool operator==(const Tail&, const Tail&) = default;
  };

  // Precedence of the prerelease parts alone (none sorts above any).
  static std::strong_ordering compare_prerelease(const Version& a, const Version& b);

  util::Boxed<Tail> m_tail; // unset when both are empty
};

// -1, 0 or 1 by precedence.
int compare(const Version& a, const Version& b);

// Orders versions of equal precedence by their build metadata, identifier by
// identifier (numeric ones as numbers), as npm's compareBuild does; -1, 0 or 1.
int compare_build(const Version& a, const Version& b);

// Sorts ascending by precedence, then by build metadata, keeping the input
// order of equal versions: the order of npm's semver.sort(). (Where npm's
// build comparison is not a consistent order -- "+001.b" against "+1.a",
// whose first identifiers are equal as numbers -- the later identifiers
// decide.) Faster than std::sort on Version objects: it sorts compact keys
// and moves each version once.
void sort(std::vector<Version>& versions);

// Whether moving from `from` to `to` is a compatible change under SemVer:
// breaking when the major version changes, when the minor version changes
// while major is 0, and on any change of MAJOR.MINOR.PATCH within 0.0.x.
// Downgrades follow the same rules (the direction is named in `reason`).
// Prerelease and build changes alone are compatible.
struct Compatibility {
  bool compatible = true; // always !breaking
  bool breaking = false;
  std::string reason; // e.g. "major version changes from 1 to 2"
};
Compatibility compatibility(const Version& from, const Version& to);

} // namespace noodle::semver
