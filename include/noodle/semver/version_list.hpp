// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <noodle/semver/range.hpp>
#include <noodle/semver/version.hpp>
#include <noodle/util/error.hpp>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace noodle::semver {

// Many versions held as compact fixed-size records, for sorting, filtering
// and printing large inputs without a heap allocation per version.
//
// Each record keeps MAJOR.MINOR.PATCH packed into one word and the position
// of the version's canonical text in the buffer it was parsed from: a valid
// version, once trimmed and stripped of its leading "v", is already canonical
// (Version::to_string() gives the same bytes), so printing is a copy.
//
// Ownership: parse_lines() and parse_each() keep their own copy of the text;
// parse_lines_borrowed() keeps only a view of it, for callers that hold a
// large input anyway: they keep that text alive and unchanged while the list
// (or a list moved from it) is used.
class VersionList {
public:
  VersionList() = default;

  // One version per line: lines end at '\n' (a '\r' before it is dropped)
  // and lines of only spaces and tabs are skipped. Each line is read exactly
  // as Version::parse reads it. Fails at the first invalid line with
  // Version::parse's error, its `where` set to `source` and the 1-based line.
  static Result<VersionList> parse_lines(std::string text, std::string_view source);
  // The same, referring into `text` instead of owning it.
  static Result<VersionList> parse_lines_borrowed(std::string_view text, std::string_view source);

  // Each string one version, as Version::parse reads it; fails with the
  // error of the first invalid one (no location).
  static Result<VersionList> parse_each(const std::vector<std::string>& texts);

  std::size_t size() const { return m_entries.size(); }
  bool empty() const { return m_entries.empty(); }

  // The canonical form of version i, build metadata included: the text
  // Version::to_string() gives. Valid while the parsed text lives.
  std::string_view text(std::size_t i) const;
  // Version i as a full Version (allocates).
  Version version(std::size_t i) const;

  // Sorts into the order of semver::sort (npm's semver.sort): precedence,
  // then build metadata, then input order.
  void sort();

  // Keeps the versions that satisfy `range`, in their current order.
  void keep_satisfying(const Range& range);

  // Appends the canonical form of versions [first, first + count), each
  // followed by '\n'; stops at the end of the list.
  void append_lines(std::string& out, std::size_t first, std::size_t count) const;

private:
  struct Entry {
    std::uint64_t key; // packed MAJOR.MINOR.PATCH and a tie class; see version_list.cpp
    std::uint64_t loc; // offset of the canonical text << 16 | length << 4 | flags
  };
  struct Tuple {
    std::uint64_t major;
    std::uint64_t minor;
    std::uint64_t patch;
  };

  std::string_view base() const { return m_owned.empty() ? m_text : std::string_view(m_owned); }
  std::string_view entry_text(const Entry& e) const;
  Tuple tuple(const Entry& e) const;
  void push(std::uint64_t major, std::uint64_t minor, std::uint64_t patch, std::uint64_t flags, std::size_t offset,
            std::size_t length);
  bool add_general(std::string_view line, std::size_t offset, std::string& why);
  Result<void> add_lines(std::string_view source);
  void pack_keys();
  bool tie_less(const Entry& a, const Entry& b) const;
  void sort_wide();

  std::string m_owned;     // the text when the list owns it, else empty
  std::string_view m_text; // the text when borrowed
  std::vector<Entry> m_entries;
  Version m_scratch; // reused while parsing, so that its storage is too
  // How keys pack MAJOR.MINOR.PATCH; m_wide when the numbers do not fit one
  // word and tuples are read back from the text instead.
  bool m_wide = false;
  unsigned m_patch_shift = 0;
  unsigned m_minor_shift = 0;
  unsigned m_major_shift = 0;
  std::uint64_t m_max_major = 0;
  std::uint64_t m_max_minor = 0;
  std::uint64_t m_max_patch = 0;
};

} // namespace noodle::semver
