// SPDX-License-Identifier: Apache-2.0
#include <noodle/semver/detail/scan.hpp>
#include <noodle/semver/detail/text.hpp>
#include <noodle/semver/range.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <optional>

// The range grammar is defined by what npm semver 7 does, and npm defines it
// as a pipeline of textual rewrites (hyphen ranges, operator/whitespace
// trimming, caret, tilde, x-range and star replacement) followed by a strict
// comparator parse. Quirks of that pipeline are observable (e.g. "*1.2.3"
// means "1.2.3", "~1.x.3" is valid but "1.x.3" is not), so the parser below
// reproduces each step with hand-written scanners over the text. It only
// runs when a range is parsed; matching works on the desugared comparators.
//
// Limits inherited from npm's length-bounded patterns: a version number has
// at most 257 digits, a prerelease identifier at most 256 digits plus 251
// further characters, a build identifier at most 250 characters.

namespace noodle::semver {

namespace {

using detail::is_digit;
using detail::is_identifier_char;
using detail::is_letter;

constexpr std::size_t k_max_number_digits = 257;   // [1-9]\d{0,256}
constexpr std::size_t k_max_pre_digits = 256;      // \d{0,256} before a letter
constexpr std::size_t k_max_identifier_tail = 250; // [a-zA-Z0-9-]{0,250}

char at(std::string_view s, std::size_t i)
{
  return i < s.size() ? s[i] : '\0';
}

std::size_t digit_run(std::string_view s, std::size_t i)
{
  std::size_t e = i;
  while (e < s.size() && is_digit(s[e])) {
    ++e;
  }
  return e - i;
}

// ---- pieces of npm's XRANGEPLAIN / FULLPLAIN patterns (strict) ----------

// XRANGEIDENTIFIER: 0 | [1-9]\d{0,256} | x | X | *; loose: \d{1,256} | x | X
// | *. Returns the end, or i.
std::size_t xid_end(std::string_view s, std::size_t i, bool loose)
{
  const char c = at(s, i);
  if (loose && is_digit(c)) {
    return i + std::min(digit_run(s, i), k_max_version_length);
  }
  if (c == '0' || c == 'x' || c == 'X' || c == '*') {
    return i + 1;
  }
  if (c >= '1' && c <= '9') {
    return i + std::min(digit_run(s, i), k_max_number_digits);
  }
  return i;
}

// PRERELEASEIDENTIFIER: alphanumeric form first, then numeric.
std::size_t pre_identifier_end(std::string_view s, std::size_t i)
{
  const auto digits = digit_run(s, i);
  if (digits <= k_max_pre_digits) {
    const char c = at(s, i + digits);
    if (is_letter(c) || c == '-') {
      std::size_t e = i + digits + 1;
      const auto limit = e + k_max_identifier_tail;
      while (e < limit && e < s.size() && is_identifier_char(s[e])) {
        ++e;
      }
      return e;
    }
  }
  if (at(s, i) == '0') {
    return i + 1;
  }
  return i + std::min(digits, k_max_number_digits);
}

// PRERELEASEIDENTIFIERLOOSE: the alphanumeric form, else \d{1,256}.
std::size_t loose_pre_identifier_end(std::string_view s, std::size_t i)
{
  const auto digits = digit_run(s, i);
  if (digits <= k_max_pre_digits) {
    const char c = at(s, i + digits);
    if (is_letter(c) || c == '-') {
      std::size_t e = i + digits + 1;
      const auto limit = e + k_max_identifier_tail;
      while (e < limit && e < s.size() && is_identifier_char(s[e])) {
        ++e;
      }
      return e;
    }
  }
  return i + std::min(digits, k_max_version_length);
}

// PRERELEASELOOSE: "-"? id ("." id)*. Returns the end, or i when absent;
// `pre_begin` is where the captured identifiers start.
std::size_t loose_prerelease_end(std::string_view s, std::size_t i, std::size_t& pre_begin)
{
  pre_begin = i;
  if (at(s, i) == '-') {
    const auto e = loose_pre_identifier_end(s, i + 1);
    if (e != i + 1) {
      pre_begin = i + 1;
    }
  }
  auto e = loose_pre_identifier_end(s, pre_begin);
  if (e == pre_begin) {
    return i;
  }
  while (at(s, e) == '.') {
    const auto next = loose_pre_identifier_end(s, e + 1);
    if (next == e + 1) {
      break;
    }
    e = next;
  }
  return e;
}

// PRERELEASE: "-" id ("." id)*. Returns the end, or i when absent.
std::size_t prerelease_end(std::string_view s, std::size_t i)
{
  if (at(s, i) != '-') {
    return i;
  }
  auto e = pre_identifier_end(s, i + 1);
  if (e == i + 1) {
    return i;
  }
  while (at(s, e) == '.') {
    const auto next = pre_identifier_end(s, e + 1);
    if (next == e + 1) {
      break;
    }
    e = next;
  }
  return e;
}

std::size_t build_identifier_end(std::string_view s, std::size_t i, std::size_t limit)
{
  std::size_t e = i;
  while (e < s.size() && e - i < limit && is_identifier_char(s[e])) {
    ++e;
  }
  return e;
}

// BUILD: "+" id ("." id)*, ids of at most `limit` characters.
std::size_t build_end(std::string_view s, std::size_t i, std::size_t limit)
{
  if (at(s, i) != '+') {
    return i;
  }
  auto e = build_identifier_end(s, i + 1, limit);
  if (e == i + 1) {
    return i;
  }
  while (at(s, e) == '.') {
    const auto next = build_identifier_end(s, e + 1, limit);
    if (next == e + 1) {
      break;
    }
    e = next;
  }
  return e;
}

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

bool at_text_end(std::string_view s, std::size_t end)
{
  return end == s.size();
}

XPlain scan_xplain(std::string_view s, std::size_t i, bool loose, AcceptEnd accept = at_text_end)
{
  XPlain x;
  x.begin = i;
  x.end = i;
  auto j = i;
  while (j < s.size() && (s[j] == 'v' || s[j] == '=' || s[j] == ' ')) {
    ++j;
  }
  auto e = xid_end(s, j, loose);
  if (e == j) {
    return x;
  }
  x.major = s.substr(j, e - j);
  if (at(s, e) == '.') {
    const auto e2 = xid_end(s, e + 1, loose);
    if (e2 != e + 1) {
      x.minor = s.substr(e + 1, e2 - e - 1);
      e = e2;
      if (at(s, e) == '.') {
        const auto e3 = xid_end(s, e + 1, loose);
        if (e3 != e + 1) {
          x.patch = s.substr(e + 1, e3 - e - 1);
          e = e3;
          if (loose) {
            // The loose pattern backtracks into the patch digits when the
            // rest does not match otherwise ("^1.2.100.01": patch 10,
            // prerelease 0.01); longest patch first.
            const auto patch_begin = e - x.patch.size();
            for (auto patch_end = e; patch_end > patch_begin; --patch_end) {
              std::size_t pre_begin = patch_end;
              const auto p = loose_prerelease_end(s, patch_end, pre_begin);
              const auto b = build_end(s, p, k_max_identifier_tail);
              if (accept(s, b) || patch_end == patch_begin + 1) {
                if (!accept(s, b)) {
                  patch_end = e; // no split matches: the greedy reading
                  pre_begin = e;
                }
                const auto p2 = loose_prerelease_end(s, patch_end, pre_begin);
                x.patch = s.substr(patch_begin, patch_end - patch_begin);
                x.pre = p2 != patch_end ? s.substr(pre_begin, p2 - pre_begin) : std::string_view();
                e = p2;
                break;
              }
            }
          } else {
            const auto p = prerelease_end(s, e);
            if (p != e) {
              x.pre = s.substr(e + 1, p - e - 1);
              e = p;
            }
          }
          e = build_end(s, e, k_max_identifier_tail);
        }
      }
    }
  }
  x.end = e;
  return x;
}

// npm's isX(): absent, "x", "X" or "*".
bool is_x(std::string_view id)
{
  return id.empty() || id == "x" || id == "X" || id == "*";
}

// JavaScript's `${+n + 1}` for a decimal digit string. Results above 2^53-1
// are refused later by the version parser whatever their spelling, so any
// such result is represented by 2^53.
std::string increment(std::string_view digits)
{
  while (digits.size() > 1 && digits[0] == '0') {
    digits.remove_prefix(1); // loose mode keeps leading zeros up to here
  }
  if (digits.size() > 16) {
    return std::to_string(k_max_safe_integer + 1);
  }
  std::uint64_t v = 0;
  for (char c : digits) {
    v = v * 10 + static_cast<std::uint64_t>(c - '0');
  }
  return std::to_string(std::min(v + 1, k_max_safe_integer + 1));
}

// ---- JavaScript string helpers ------------------------------------------

// str.split(sep) for a one-character separator.
std::vector<std::string_view> split_on(std::string_view s, char sep)
{
  std::vector<std::string_view> out;
  std::size_t b = 0;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == sep) {
      out.push_back(s.substr(b, i - b));
      b = i + 1;
    }
  }
  out.push_back(s.substr(b));
  return out;
}

// str.split(/\s+/). After the initial collapse, ' ' is the only whitespace.
std::vector<std::string_view> split_spaces(std::string_view s)
{
  std::vector<std::string_view> out;
  std::size_t b = 0;
  std::size_t i = 0;
  while (i < s.size()) {
    if (s[i] == ' ') {
      out.push_back(s.substr(b, i - b));
      while (i < s.size() && s[i] == ' ') {
        ++i;
      }
      b = i;
    } else {
      ++i;
    }
  }
  out.push_back(s.substr(b));
  return out;
}

std::string_view trim_spaces(std::string_view s)
{
  while (!s.empty() && s.front() == ' ') {
    s.remove_prefix(1);
  }
  while (!s.empty() && s.back() == ' ') {
    s.remove_suffix(1);
  }
  return s;
}

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
std::string collapse_whitespace(std::string_view text)
{
  const auto s = detail::js_trim(text);
  std::string out;
  out.reserve(s.size());
  std::size_t i = 0;
  while (i < s.size()) {
    auto k = detail::js_space_at(s, i);
    if (k == 0) {
      out += s[i++];
      continue;
    }
    while (k != 0) {
      i += k;
      k = detail::js_space_at(s, i);
    }
    out += ' ';
  }
  return out;
}

// ---- the rewriting steps of npm's Range.parseRange ----------------------

// Removes every build suffix: /\+([0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*)/g.
std::string strip_builds(std::string_view s)
{
  std::string out;
  out.reserve(s.size());
  std::size_t i = 0;
  while (i < s.size()) {
    if (s[i] == '+') {
      const auto e = build_end(s, i, std::string_view::npos);
      if (e != i) {
        i = e;
        continue;
      }
    }
    out += s[i++];
  }
  return out;
}

// `1.2.3 - 2.3.4` => `>=1.2.3 <=2.3.4`, with partial versions on either side.
std::string replace_hyphen(std::string s, const Options& o)
{
  const std::string_view v = s;
  const std::size_t start = at(v, 0) == ' ' ? 1 : 0;
  const auto from = scan_xplain(v, start, o.loose,
                               [](std::string_view t, std::size_t e) { return t.substr(e, 3) == " - "; });
  if (from.end == from.begin || v.substr(from.end, 3) != " - ") {
    return s;
  }
  const auto to = scan_xplain(v, from.end + 3, o.loose, [](std::string_view t, std::size_t e) {
    return e == t.size() || (e + 1 == t.size() && t[e] == ' ');
  });
  if (to.end == to.begin || !(to.end == v.size() || (to.end + 1 == v.size() && v[to.end] == ' '))) {
    return s;
  }
  const char* z = o.include_prerelease ? "-0" : "";
  std::string lo;
  if (is_x(from.major)) {
  } else if (is_x(from.minor)) {
    lo = fmt::format(">={}.0.0{}", from.major, z);
  } else if (is_x(from.patch)) {
    lo = fmt::format(">={}.{}.0{}", from.major, from.minor, z);
  } else if (!from.pre.empty()) {
    lo = fmt::format(">={}", v.substr(from.begin, from.end - from.begin));
  } else {
    lo = fmt::format(">={}{}", v.substr(from.begin, from.end - from.begin), z);
  }
  std::string hi;
  if (is_x(to.major)) {
  } else if (is_x(to.minor)) {
    hi = fmt::format("<{}.0.0-0", increment(to.major));
  } else if (is_x(to.patch)) {
    hi = fmt::format("<{}.{}.0-0", to.major, increment(to.minor));
  } else if (!to.pre.empty()) {
    hi = fmt::format("<={}.{}.{}-{}", to.major, to.minor, to.patch, to.pre);
  } else if (o.include_prerelease) {
    hi = fmt::format("<{}.{}.{}-0", to.major, to.minor, increment(to.patch));
  } else {
    hi = fmt::format("<={}", v.substr(to.begin, to.end - to.begin));
  }
  return std::string(trim_spaces(lo + " " + hi));
}

bool is_version_prefix(char c)
{
  return c == 'v' || c == '=' || c == ' ';
}

bool is_version_start(char c)
{
  return is_digit(c) || c == 'x' || c == 'X' || c == '*';
}

// The remaining scanners mirror the boundaries of npm's COMPARATORTRIM
// replacement (loose full version, else partial/x version).
std::size_t digits_end(std::string_view s, std::size_t i, std::size_t limit)
{
  return i + std::min(digit_run(s, i), limit);
}

std::size_t number_end(std::string_view s, std::size_t i, bool loose)
{
  if (!loose && at(s, i) == '0') {
    return i + 1;
  }
  return digits_end(s, i, loose ? k_max_version_length : k_max_version_length + 1);
}

std::size_t trim_pre_identifier_end(std::string_view s, std::size_t i, bool loose)
{
  const auto d = digits_end(s, i, k_max_version_length);
  const char c = at(s, d);
  if (is_letter(c) || c == '-') {
    std::size_t e = d + 1;
    const auto limit = e + k_max_identifier_tail;
    while (e < limit && e < s.size() && is_identifier_char(s[e])) {
      ++e;
    }
    return e;
  }
  return number_end(s, i, loose);
}

std::size_t trim_prerelease_end(std::string_view s, std::size_t i, bool loose)
{
  const bool hyphen = at(s, i) == '-';
  if (!loose && !hyphen) {
    return i;
  }
  const auto id_start = i + (hyphen ? 1 : 0);
  auto e = trim_pre_identifier_end(s, id_start, loose);
  if (e == id_start) {
    if (!loose || !hyphen) {
      return i;
    }
    e = trim_pre_identifier_end(s, i, loose); // a lone hyphen is an identifier
  }
  while (at(s, e) == '.') {
    const auto next = trim_pre_identifier_end(s, e + 1, loose);
    if (next == e + 1) {
      break;
    }
    e = next;
  }
  return e;
}

std::size_t loose_full_version_end(std::string_view s, std::size_t i)
{
  auto e = i;
  for (int component = 0; component < 3; ++component) {
    const auto next = number_end(s, e, true);
    if (next == e) {
      return i;
    }
    e = next;
    if (component < 2) {
      if (at(s, e) != '.') {
        return i;
      }
      ++e;
    }
  }
  return build_end(s, trim_prerelease_end(s, e, true), k_max_identifier_tail);
}

std::size_t partial_component_end(std::string_view s, std::size_t i)
{
  if (is_digit(at(s, i))) {
    return number_end(s, i, false);
  }
  return is_version_start(at(s, i)) ? i + 1 : i;
}

std::size_t partial_version_end(std::string_view s, std::size_t i)
{
  auto e = partial_component_end(s, i);
  for (int component = 0; component < 2; ++component) {
    if (at(s, e) != '.') {
      return e;
    }
    const auto next = partial_component_end(s, e + 1);
    if (next == e + 1) {
      return e;
    }
    e = next;
  }
  return build_end(s, trim_prerelease_end(s, e, false), k_max_identifier_tail);
}

std::size_t version_end(std::string_view s, std::size_t i)
{
  const auto full = loose_full_version_end(s, i);
  return full != i ? full : partial_version_end(s, i);
}

// `> 1.2.3 < 1.2.5` => `>1.2.3 <1.2.5`: drops the one space between an
// operator and the version it applies to.
std::string trim_comparator_whitespace(std::string_view s)
{
  std::string out;
  out.reserve(s.size());
  std::size_t copy_from = 0;
  std::size_t cursor = 0;
  while (cursor < s.size()) {
    const auto match_start = cursor;
    if (s[cursor] == '<' || s[cursor] == '>') {
      ++cursor;
    } else if (!is_version_prefix(s[cursor]) && !is_version_start(s[cursor])) {
      ++cursor;
      continue;
    }
    while (cursor < s.size() && is_version_prefix(s[cursor])) {
      ++cursor;
    }
    if (!is_version_start(at(s, cursor))) {
      continue;
    }
    auto p = match_start;
    if (at(s, p) == ' ') {
      ++p;
    }
    if (at(s, p) == '<' || at(s, p) == '>') {
      ++p;
    }
    if (at(s, p) == '=') {
      ++p;
    }
    if (at(s, p) == ' ') {
      out.append(s.substr(copy_from, p - copy_from));
      copy_from = p + 1;
    }
    cursor = version_end(s, cursor);
  }
  out.append(s.substr(copy_from));
  return out;
}

// /(\s*)~>?\s+/g => '$1~' (with_gt) and /(\s*)\^\s+/g => '$1^'.
std::string trim_after_operator(std::string_view s, char op, bool with_gt)
{
  std::string out;
  out.reserve(s.size());
  std::size_t i = 0;
  while (i < s.size()) {
    std::size_t k = i;
    if (s[k] == ' ' && at(s, k + 1) == op) {
      ++k;
    }
    if (s[k] == op) {
      auto q = k + 1;
      if (with_gt && at(s, q) == '>' && at(s, q + 1) == ' ') {
        ++q;
      }
      if (at(s, q) == ' ') {
        out.append(s.substr(i, k - i));
        out += op;
        i = q + 1;
        continue;
      }
    }
    out += s[i++];
  }
  return out;
}

// Removes the first /\+([0-9A-Za-z-]{1,250}(?:\.[0-9A-Za-z-]{1,250})*)/.
std::string strip_first_build(std::string_view s)
{
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '+') {
      const auto e = build_end(s, i, k_max_identifier_tail);
      if (e != i) {
        return std::string(s.substr(0, i)) + std::string(s.substr(e));
      }
    }
  }
  return std::string(s);
}

// ^1.2.3 => >=1.2.3 <2.0.0-0, and the other caret forms.
std::string replace_caret(std::string_view c, const Options& o)
{
  if (at(c, 0) != '^') {
    return std::string(c);
  }
  const auto x = scan_xplain(c, 1, o.loose);
  if (x.end == x.begin || x.end != c.size()) {
    return std::string(c);
  }
  const auto M = x.major;
  const auto m = x.minor;
  const auto p = x.patch;
  if (is_x(M)) {
    return {};
  }
  const char* z = o.include_prerelease ? "-0" : "";
  if (is_x(m)) {
    return fmt::format(">={}.0.0{} <{}.0.0-0", M, z, increment(M));
  }
  if (is_x(p)) {
    if (M == "0") {
      return fmt::format(">={}.{}.0{} <{}.{}.0-0", M, m, z, M, increment(m));
    }
    return fmt::format(">={}.{}.0{} <{}.0.0-0", M, m, z, increment(M));
  }
  const std::string pre = x.pre.empty() ? std::string() : fmt::format("-{}", x.pre);
  if (M == "0") {
    if (m == "0") {
      return fmt::format(">={}.{}.{}{} <{}.{}.{}-0", M, m, p, pre, M, m, increment(p));
    }
    return fmt::format(">={}.{}.{}{} <{}.{}.0-0", M, m, p, pre, M, increment(m));
  }
  return fmt::format(">={}.{}.{}{} <{}.0.0-0", M, m, p, pre, increment(M));
}

// ~1.2.3 => >=1.2.3 <1.3.0-0, and the other tilde forms (also "~>").
std::string replace_tilde(std::string_view c, const Options& o)
{
  if (at(c, 0) != '~') {
    return std::string(c);
  }
  const auto x = scan_xplain(c, at(c, 1) == '>' ? 2 : 1, o.loose);
  if (x.end == x.begin || x.end != c.size()) {
    return std::string(c);
  }
  const auto M = x.major;
  const auto m = x.minor;
  const auto p = x.patch;
  if (is_x(M)) {
    return {};
  }
  const char* z = o.include_prerelease ? "-0" : "";
  if (is_x(m)) {
    return fmt::format(">={}.0.0{} <{}.0.0-0", M, z, increment(M));
  }
  if (is_x(p)) {
    return fmt::format(">={}.{}.0{} <{}.{}.0-0", M, m, z, M, increment(m));
  }
  const std::string pre = x.pre.empty() ? std::string() : fmt::format("-{}", x.pre);
  return fmt::format(">={}.{}.{}{} <{}.{}.0-0", M, m, p, pre, M, increment(m));
}

// The operator prefix ((?:<|>)?=?) of a comparator.
std::size_t operator_end(std::string_view c)
{
  std::size_t i = 0;
  if (at(c, i) == '<' || at(c, i) == '>') {
    ++i;
  }
  if (at(c, i) == '=') {
    ++i;
  }
  return i;
}

struct XRangeMatch {
  std::string_view gtlt;
  XPlain x;
};

std::optional<XRangeMatch> match_xrange(std::string_view c, bool loose)
{
  const auto op = operator_end(c);
  const auto x = scan_xplain(c, op, loose);
  if (x.end == x.begin || x.end != c.size()) {
    return std::nullopt;
  }
  return XRangeMatch{c.substr(0, op), x};
}

bool invalid_x_order(const XPlain& x)
{
  return (is_x(x.major) && !is_x(x.minor)) || (is_x(x.minor) && !x.patch.empty() && !is_x(x.patch));
}

// 1.2.x => >=1.2.0 <1.3.0-0, >1 => >=2.0.0, <=1.2 => <1.3.0-0, * and so on.
std::string replace_xrange(std::string_view token, const Options& o)
{
  const auto c = trim_spaces(token);
  const auto match = match_xrange(c, o.loose);
  if (!match) {
    return std::string(c);
  }
  const auto& x = match->x;
  if (invalid_x_order(x)) {
    return std::string(c);
  }
  std::string gtlt(match->gtlt);
  const bool xM = is_x(x.major);
  const bool xm = xM || is_x(x.minor);
  const bool xp = xm || is_x(x.patch);
  if (gtlt == "=" && xp) {
    gtlt.clear();
  }
  const std::string z = o.include_prerelease ? "-0" : "";
  if (xM) {
    return (gtlt == ">" || gtlt == "<") ? "<0.0.0-0" : "*";
  }
  if (!gtlt.empty() && xp) {
    std::string M(x.major);
    std::string m = xm ? "0" : std::string(x.minor);
    if (gtlt == ">") {
      gtlt = ">=";
      if (xm) {
        M = increment(M);
      } else {
        m = increment(m);
      }
    } else if (gtlt == "<=") {
      gtlt = "<";
      if (xm) {
        M = increment(M);
      } else {
        m = increment(m);
      }
    }
    return fmt::format("{}{}.{}.0{}", gtlt, M, m, gtlt == "<" ? "-0" : z);
  }
  if (xm) {
    return fmt::format(">={}.0.0{} <{}.0.0-0", x.major, z, increment(x.major));
  }
  if (xp) {
    return fmt::format(">={}.{}.0{} <{}.{}.0-0", x.major, x.minor, z, x.major, increment(x.minor));
  }
  return std::string(c);
}

// Removes the first /(<|>)?=?\s*\*/.
std::string replace_star(std::string_view comp)
{
  const auto s = trim_spaces(comp);
  for (std::size_t i = 0; i < s.size(); ++i) {
    auto k = i;
    if (s[k] == '<' || s[k] == '>') {
      ++k;
    }
    if (at(s, k) == '=') {
      ++k;
    }
    if (at(s, k) == ' ') {
      ++k;
    }
    if (at(s, k) == '*') {
      return std::string(s.substr(0, i)) + std::string(s.substr(k + 1));
    }
  }
  return std::string(s);
}

template <typename F>
std::string map_tokens(std::string_view s, F f, const Options& o)
{
  std::vector<std::string> out;
  for (auto t : split_spaces(s)) {
    out.push_back(f(t, o));
  }
  return join(out, " ");
}

// npm's parseComparator: caret, tilde, x-range and star replacement.
std::string desugar(std::string_view token, const Options& o)
{
  auto comp = strip_first_build(token);
  comp = map_tokens(trim_spaces(comp), replace_caret, o);
  comp = map_tokens(trim_spaces(comp), replace_tilde, o);
  comp = map_tokens(comp, replace_xrange, o);
  return replace_star(comp);
}

// Whether a comparator matches npm's COMPARATORLOOSE pattern
// (operator, [v=\s]*, a loose full version; or nothing); loose mode drops
// the others.
bool loose_comparator_shape(std::string_view c)
{
  if (c.empty()) {
    return true;
  }
  const auto x = scan_xplain(c, operator_end(c), true);
  return x.end == c.size() && x.end != x.begin && is_digit(at(x.major, 0)) && is_digit(at(x.minor, 0)) &&
         is_digit(at(x.patch, 0));
}

const char* op_text(Op op)
{
  switch (op) {
  case Op::lt: return "<";
  case Op::le: return "<=";
  case Op::gt: return ">";
  case Op::ge: return ">=";
  case Op::eq: return "";
  }
  return "";
}

bool same_value(const Comparator& a, const Comparator& b)
{
  if (a.any_version || b.any_version) {
    return a.any_version == b.any_version;
  }
  return a.op == b.op && a.version == b.version;
}

// npm's "<0.0.0-0", which nothing satisfies.
bool is_null_set(const Comparator& c)
{
  const auto& v = c.version;
  return !c.any_version && c.op == Op::lt && v.major == 0 && v.minor == 0 && v.patch == 0 &&
         v.prerelease.size() == 1 && v.prerelease[0].numeric && v.prerelease[0].number == 0;
}

bool is_any(const std::vector<Comparator>& set)
{
  return set.size() == 1 && set[0].any_version;
}

// Why the partial version `v` (what follows an operator) is malformed, or
// an empty string when it looks well formed.
std::string explain_partial(std::string_view v)
{
  static constexpr const char* k_names[] = {"major", "minor", "patch"};
  std::size_t i = 0;
  while (i < v.size() && (v[i] == 'v' || v[i] == '=')) {
    ++i;
  }
  for (int k = 0; k < 3; ++k) {
    const char* name = k_names[k];
    const char c = at(v, i);
    if (c == 'x' || c == 'X' || c == '*') {
      ++i;
    } else if (is_digit(c)) {
      const auto n = digit_run(v, i);
      if (n > 1 && c == '0') {
        return fmt::format("leading zero in {}", name);
      }
      if (n > 16 || std::stoull(std::string(v.substr(i, n))) > k_max_safe_integer) {
        return fmt::format("{} exceeds {}", name, k_max_safe_integer);
      }
      i += n;
    } else if (i >= v.size()) {
      return k == 0 ? "expected a version" : fmt::format("expected {} after '.'", name);
    } else {
      return fmt::format("unexpected character '{}' in {}", detail::char_at(v, i), name);
    }
    if (i >= v.size()) {
      return {};
    }
    if (v[i] != '.') {
      if (k < 2 && (v[i] == '-' || v[i] == '+')) {
        return "a prerelease or build needs MAJOR.MINOR.PATCH";
      }
      break;
    }
    if (k == 2) {
      return "expected at most MAJOR.MINOR.PATCH";
    }
    ++i;
  }
  if (at(v, i) != '-' && at(v, i) != '+') {
    return fmt::format("unexpected character '{}' after the version", detail::char_at(v, i));
  }
  Version ignored;
  std::string why;
  if (!detail::scan_version(fmt::format("0.0.0{}", v.substr(i)), ignored, why)) {
    return why;
  }
  return {};
}

// Why a comparator the pipeline produced is refused.
std::string explain_comparator(std::string_view c, std::string_view why_version)
{
  if (const auto match = match_xrange(c, false); match && invalid_x_order(match->x)) {
    return fmt::format("'{}' has a number after a wildcard", c);
  }
  if (c == "-") {
    return "stray '-': a hyphen range 'A - B' must be alone between '||'";
  }
  auto op = operator_end(c);
  if (at(c, 0) == '~') {
    op = at(c, 1) == '>' ? 2 : 1;
  } else if (at(c, 0) == '^') {
    op = 1;
  }
  const auto rest = c.substr(op);
  if (rest.empty()) {
    return op == 0 ? "empty comparator" : fmt::format("'{}' is not followed by a version", c);
  }
  if (auto why = explain_partial(rest); !why.empty()) {
    return fmt::format("'{}': {}", c, why);
  }
  return fmt::format("'{}' is not a valid comparator: {}", c, why_version);
}

// npm's Comparator constructor (strict): ((?:<|>)?=?) then a full version.
bool make_comparator(std::string_view c, Comparator& out, std::string& why, const Options& o)
{
  if (c.empty()) {
    out = Comparator{};
    out.any_version = true;
    return true;
  }
  const auto op_len = operator_end(c);
  const auto op = c.substr(0, op_len);
  out.any_version = false;
  out.op = op == "<"    ? Op::lt
           : op == "<=" ? Op::le
           : op == ">"  ? Op::gt
           : op == ">=" ? Op::ge
                        : Op::eq;
  std::string why_version;
  const auto rest = c.substr(op_len);
  // The version must be bare here: no whitespace is left to trim.
  if (rest.empty()) {
    why_version = "expected a version after the operator";
  } else if (o.loose) {
    if (detail::scan_version_loose(rest, out.version, why_version)) {
      return true;
    }
    why = fmt::format("'{}' is not a valid comparator: {}", c, why_version);
    return false;
  } else if (detail::scan_version(rest, out.version, why_version)) {
    return true;
  }
  why = explain_comparator(c, why_version);
  return false;
}

// npm's Range.parseRange for one "||" alternative.
bool parse_alternative(std::string_view part, std::vector<Comparator>& set, std::string& why, const Options& o)
{
  auto s = strip_builds(part);
  s = replace_hyphen(std::move(s), o);
  s = trim_comparator_whitespace(s);
  s = trim_after_operator(s, '~', true);
  s = trim_after_operator(s, '^', false);

  std::vector<std::string> desugared;
  for (auto token : split_on(s, ' ')) {
    desugared.push_back(desugar(token, o));
  }
  const auto joined = join(desugared, " ");

  std::vector<Comparator> comparators;
  for (auto token : split_spaces(joined)) {
    token = trim_spaces(token);
    if (token == (o.include_prerelease ? ">=0.0.0-0" : ">=0.0.0")) {
      token = {};
    }
    if (o.loose && !loose_comparator_shape(token)) {
      continue;
    }
    Comparator c;
    if (!make_comparator(token, c, why, o)) {
      return false;
    }
    comparators.push_back(std::move(c));
  }

  set.clear();
  for (auto& c : comparators) {
    if (is_null_set(c)) {
      set.assign(1, std::move(c));
      return true;
    }
  }
  for (auto& c : comparators) {
    const bool seen = std::any_of(set.begin(), set.end(), [&](const Comparator& other) { return same_value(other, c); });
    if (!seen) {
      set.push_back(std::move(c));
    }
  }
  if (set.size() > 1) {
    std::erase_if(set, [](const Comparator& c) { return c.any_version; });
  }
  return true;
}

} // namespace

bool Comparator::test(const Version& v) const
{
  if (any_version) {
    return true;
  }
  const auto c = v <=> version;
  switch (op) {
  case Op::lt: return c < 0;
  case Op::le: return c <= 0;
  case Op::gt: return c > 0;
  case Op::ge: return c >= 0;
  case Op::eq: return c == 0;
  }
  return false;
}

std::string Comparator::to_string() const
{
  if (any_version) {
    return {};
  }
  return op_text(op) + version.to_string(BuildMetadata::omit);
}

Range::Range() : m_raw("*")
{
  Comparator any;
  any.any_version = true;
  m_sets.push_back({any});
}

Result<Range> Range::parse(std::string_view text, const Options& options)
{
  const auto raw = collapse_whitespace(text);
  std::vector<std::vector<Comparator>> sets;
  std::string_view rest = raw;
  for (;;) {
    const auto bar = rest.find("||");
    const auto part = trim_spaces(rest.substr(0, bar));
    std::vector<Comparator> set;
    std::string why;
    if (!parse_alternative(part, set, why, options)) {
      return fail(ErrorCode::invalid_range, fmt::format("invalid range '{}': {}", text, why));
    }
    // Loose mode may leave an alternative without comparators; npm drops it.
    if (!set.empty()) {
      sets.push_back(std::move(set));
    }
    if (bar == std::string_view::npos) {
      break;
    }
    rest.remove_prefix(bar + 2);
  }
  if (sets.empty()) {
    return fail(ErrorCode::invalid_range, fmt::format("invalid range '{}': no valid comparator", text));
  }
  if (sets.size() > 1) {
    auto first = sets.front();
    std::erase_if(sets, [](const std::vector<Comparator>& s) { return is_null_set(s.front()); });
    if (sets.empty()) {
      sets.push_back(std::move(first));
    } else if (sets.size() > 1) {
      const auto any = std::find_if(sets.begin(), sets.end(), is_any);
      if (any != sets.end()) {
        auto keep = std::move(*any);
        sets.clear();
        sets.push_back(std::move(keep));
      }
    }
  }
  Range r;
  r.m_raw.assign(text);
  r.m_sets = std::move(sets);
  r.m_options = options;
  return r;
}

bool Range::satisfies(const Version& v) const
{
  for (const auto& set : m_sets) {
    bool ok = true;
    for (const auto& c : set) {
      if (!c.test(v)) {
        ok = false;
        break;
      }
    }
    if (!ok) {
      continue;
    }
    if (!v.is_prerelease() || m_options.include_prerelease) {
      return true;
    }
    // A prerelease passes only through a set that names a prerelease of the
    // same MAJOR.MINOR.PATCH (npm's rule without includePrerelease).
    for (const auto& c : set) {
      if (!c.any_version && c.version.is_prerelease() && c.version.major == v.major &&
          c.version.minor == v.minor && c.version.patch == v.patch) {
        return true;
      }
    }
  }
  return false;
}

std::string Range::to_string() const
{
  std::string out;
  for (std::size_t i = 0; i < m_sets.size(); ++i) {
    if (i > 0) {
      out += "||";
    }
    for (std::size_t k = 0; k < m_sets[i].size(); ++k) {
      if (k > 0) {
        out += ' ';
      }
      out += m_sets[i][k].to_string();
    }
  }
  return out.empty() ? std::string("*") : out;
}

} // namespace noodle::semver
