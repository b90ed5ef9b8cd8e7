// SPDX-License-Identifier: Apache-2.0
// The hand-written scanners behind range parsing: pieces of npm semver's
// length-bounded patterns (XRANGEPLAIN, PRERELEASE, BUILD, ...) and the
// JavaScript string operations its rewriting steps use. Private to semver/.
#pragma once

#include <noodle/semver/detail/scan.hpp>
#include <noodle/semver/detail/text.hpp>

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace noodle::semver::range_scan {

inline constexpr std::size_t k_max_number_digits = 257;   // [1-9]\d{0,256}

inline constexpr std::size_t k_max_pre_digits = 256;      // \d{0,256} before a letter

inline constexpr std::size_t k_max_identifier_tail = 250; // [a-zA-Z0-9-]{0,250}

char at(std::string_view s, std::size_t i);

std::size_t digit_run(std::string_view s, std::size_t i);

// ---- pieces of npm's XRANGEPLAIN / FULLPLAIN patterns (strict) ----------

// XRANGEIDENTIFIER: 0 | [1-9]\d{0,256} | x | X | *; loose: \d{1,256} | x | X
// | *. Returns the end, or i.
std::size_t xid_end(std::string_view s, std::size_t i, bool loose);

// PRERELEASEIDENTIFIER: alphanumeric form first, then numeric.
std::size_t pre_identifier_end(std::string_view s, std::size_t i);

// PRERELEASEIDENTIFIERLOOSE: the alphanumeric form, else \d{1,256}.
std::size_t loose_pre_identifier_end(std::string_view s, std::size_t i);

// PRERELEASELOOSE: "-"? id ("." id)*. Returns the end, or i when absent;
// `pre_begin` is where the captured identifiers start.
std::size_t loose_prerelease_end(std::string_view s, std::size_t i, std::size_t& pre_begin);

// PRERELEASE: "-" id ("." id)*. Returns the end, or i when absent.
std::size_t prerelease_end(std::string_view s, std::size_t i);

std::size_t build_identifier_end(std::string_view s, std::size_t i, std::size_t limit);

// BUILD: "+" id ("." id)*, ids of at most `limit` characters.
std::size_t build_end(std::string_view s, std::size_t i, std::size_t limit);

// A match of XRANGEPLAIN (XRANGEPLAINLOOSE when loose):
// [v=\s]* M(.m(.p(-pre)?(+build)?)?)?; absent parts are empty.
struct XPlain {
  std::size_t begin = 0; // where the [v=\s]* prefix starts
  std::size_t end = 0;   // one past the match; == begin when there is none
  std::string_view major;
  std::string_view minor;
  std::string_view patch;
  std::string_view pre;
};

// The first match in the pattern's priority order. In every anchored use
// below, only that one can succeed: any other alternative ends earlier, in
// the middle of [0-9A-Za-z.+*-] text, where the continuation cannot match.
// Where a match may end: anchored uses need the end of the text.
using AcceptEnd = bool (*)(std::string_view s, std::size_t end);

bool at_text_end(std::string_view s, std::size_t end);

XPlain scan_xplain(std::string_view s, std::size_t i, bool loose, AcceptEnd accept = at_text_end);

// npm's isX(): absent, "x", "X" or "*".
bool is_x(std::string_view id);

// JavaScript's `${+n + 1}` for a decimal digit string. Results above 2^53-1
// are refused later by the version parser whatever their spelling, so any
// such result is represented by 2^53.
std::string increment(std::string_view digits);

// ---- JavaScript string helpers ------------------------------------------

// str.split(sep) for a one-character separator.
std::vector<std::string_view> split_on(std::string_view s, char sep);

// str.split(/\s+/). After the initial collapse, ' ' is the only whitespace.
std::vector<std::string_view> split_spaces(std::string_view s);

std::string_view trim_spaces(std::string_view s);

template <typename Parts>
std::string join(const Parts& parts, std::string_view sep)
{
  std::string out;
  bool first = true;
  for (const auto& p : parts) {
    if (!first) {
      out += sep;
    }
    first = false;
    out += p;
  }
  return out;
}

// range.trim().replace(/\s+/g, ' ')
std::string collapse_whitespace(std::string_view text);

// ---- whole versions inside comparator text ---------------------------

bool is_version_prefix(char c);

bool is_version_start(char c);

// The remaining scanners mirror the boundaries of npm's COMPARATORTRIM
// replacement (loose full version, else partial/x version).
std::size_t digits_end(std::string_view s, std::size_t i, std::size_t limit);

std::size_t number_end(std::string_view s, std::size_t i, bool loose);

std::size_t trim_pre_identifier_end(std::string_view s, std::size_t i, bool loose);

std::size_t trim_prerelease_end(std::string_view s, std::size_t i, bool loose);

std::size_t loose_full_version_end(std::string_view s, std::size_t i);

std::size_t partial_component_end(std::string_view s, std::size_t i);

std::size_t partial_version_end(std::string_view s, std::size_t i);

std::size_t version_end(std::string_view s, std::size_t i);

} // namespace noodle::semver::range_scan
