// SPDX-License-Identifier: Apache-2.0
#include <noodle/semver/detail/scan.hpp>
#include <noodle/semver/detail/text.hpp>
#include <noodle/semver/range.hpp>

#include "range_scan.hpp"

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
using namespace range_scan;

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
         v.prerelease().size() == 1 && v.prerelease()[0].numeric && v.prerelease()[0].number == 0;
}

bool is_any(const std::vector<Comparator>& set)
{
  return set.size() == 1 && set[0].any_version;
}

// Why the partial version `v` (what follows an operator) is malformed, or
// an empty string when it looks well formed.
std::string explain_partial(std::string_view v)
{
  static constexpr const char* k_part_names[] = {"major", "minor", "patch"};
  std::size_t i = 0;
  while (i < v.size() && (v[i] == 'v' || v[i] == '=')) {
    ++i;
  }
  for (int k = 0; k < 3; ++k) {
    const char* name = k_part_names[k];
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

const util::Shared<Range::Data>& Range::any()
{
  static const util::Shared<Data> k_any = [] {
    Data data;
    data.raw = "*";
    Comparator any_version;
    any_version.any_version = true;
    data.sets.push_back({any_version});
    return util::Shared<Data>(std::move(data));
  }();
  return k_any;
}

Range::Range() : m_data(any()) {}

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
  Data data;
  data.raw.assign(text);
  data.sets = std::move(sets);
  data.options = options;
  Range r;
  r.m_data = util::Shared<Data>(std::move(data));
  return r;
}

bool Range::satisfies(const Version& v) const
{
  for (const auto& set : m_data->sets) {
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
    if (!v.is_prerelease() || m_data->options.include_prerelease) {
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
  const auto& sets = m_data->sets;
  std::string out;
  for (std::size_t i = 0; i < sets.size(); ++i) {
    if (i > 0) {
      out += "||";
    }
    for (std::size_t k = 0; k < sets[i].size(); ++k) {
      if (k > 0) {
        out += ' ';
      }
      out += sets[i][k].to_string();
    }
  }
  return out.empty() ? std::string("*") : out;
}

} // namespace noodle::semver
