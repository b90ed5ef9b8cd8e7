// SPDX-License-Identifier: Apache-2.0
#include <noodle/semver/coerce.hpp>
#include <noodle/semver/detail/text.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <vector>

namespace noodle::semver {

namespace {

// One match of npm's COERCE pattern,
// (^|[^\d])(\d{1,16})(?:\.(\d{1,16}))?(?:\.(\d{1,16}))?(?:$|[^\d]).
struct CoerceMatch {
  std::size_t index = 0;  // where the match starts
  std::size_t end = 0;    // one past it (a trailing non-digit included)
  std::size_t resume = 0; // index + the lead character + the major digits
  std::string_view parts[3];
  std::string_view pre;   // with include_prerelease (npm's COERCEFULL)
  std::string_view build; // likewise
};

constexpr std::size_t k_coerce_digits = 16;

std::size_t digits_at(std::string_view s, std::size_t i)
{
  std::size_t e = i;
  while (e < s.size() && detail::is_digit(s[e])) {
    ++e;
  }
  return e - i;
}

// The match whose digits start at `d`, if any. A run of digits must be
// taken whole: a shorter one leaves a digit where the pattern needs a dot or
// a non-digit.
// One identifier of npm's strict PRERELEASE at s[i]: the alphanumeric form
// first, else 0 or [1-9]\d*. Returns the end, or i.
std::size_t strict_pre_identifier_end(std::string_view s, std::size_t i)
{
  const auto digits = digits_at(s, i);
  const auto after = i + digits;
  if (after < s.size() && (detail::is_letter(s[after]) || s[after] == '-')) {
    auto e = after + 1;
    while (e < s.size() && detail::is_identifier_char(s[e])) {
      ++e;
    }
    return e;
  }
  if (digits == 0) {
    return i;
  }
  return s[i] == '0' ? i + 1 : after;
}

// COERCEFULL's (?:PRERELEASE)?(?:BUILD)? after the numbers at s[e]; advances
// e. The pattern must end at a non-digit: when the greedy prerelease stops
// before a digit (an identifier "0" followed by digits), it backs off its
// last identifier.
void coerce_tail(std::string_view s, std::size_t& e, CoerceMatch& m)
{
  if (e < s.size() && s[e] == '-') {
    std::vector<std::size_t> ends;
    auto p = e + 1;
    for (;;) {
      const auto next = strict_pre_identifier_end(s, p);
      if (next == p) {
        break;
      }
      ends.push_back(next);
      if (next < s.size() && s[next] == '.') {
        p = next + 1;
        continue;
      }
      break;
    }
    if (!ends.empty() && ends.back() < s.size() && detail::is_digit(s[ends.back()])) {
      ends.pop_back();
    }
    if (!ends.empty()) {
      m.pre = s.substr(e + 1, ends.back() - e - 1);
      e = ends.back();
    }
  }
  if (e < s.size() && s[e] == '+') {
    auto p = e + 1;
    auto end = e;
    for (;;) {
      auto q = p;
      while (q < s.size() && q - p < 250 && detail::is_identifier_char(s[q])) {
        ++q;
      }
      if (q == p) {
        break;
      }
      end = q;
      if (q < s.size() && s[q] == '.') {
        p = q + 1;
        continue;
      }
      break;
    }
    if (end != e) {
      m.build = s.substr(e + 1, end - e - 1);
      e = end;
    }
  }
}

bool coerce_at(std::string_view s, std::size_t d, CoerceMatch& m, bool full)
{
  const auto major = digits_at(s, d);
  if (major == 0 || major > k_coerce_digits) {
    return false;
  }
  m.parts[0] = s.substr(d, major);
  m.parts[1] = m.parts[2] = {};
  auto e = d + major;
  for (int k = 1; k < 3; ++k) {
    if (e < s.size() && s[e] == '.') {
      const auto n = digits_at(s, e + 1);
      if (n >= 1 && n <= k_coerce_digits) {
        m.parts[k] = s.substr(e + 1, n);
        e += 1 + n;
        continue;
      }
    }
    break;
  }
  m.pre = m.build = {};
  if (full) {
    coerce_tail(s, e, m);
  }
  // The next character is never a digit; the pattern takes it whole, as one
  // UTF-16 unit (so a character outside the BMP only in part).
  if (e < s.size()) {
    const auto lead = static_cast<unsigned char>(s[e]);
    const std::size_t width = lead >= 0xf0 ? 1 : lead >= 0xe0 ? 3 : lead >= 0xc0 ? 2 : 1;
    e = std::min(s.size(), e + width);
  }
  m.end = e;
  return true;
}

// RegExp.exec from `from`: the first match starting at or after it.
std::optional<CoerceMatch> coerce_exec(std::string_view s, std::size_t from, bool full)
{
  for (std::size_t p = from; p < s.size(); ++p) {
    CoerceMatch m;
    if (p == 0 && coerce_at(s, 0, m, full)) {
      m.index = 0;
      m.resume = m.parts[0].size();
      return m;
    }
    if (!detail::is_digit(s[p]) && coerce_at(s, p + 1, m, full)) {
      m.index = p;
      m.resume = p + 1 + m.parts[0].size();
      return m;
    }
  }
  return std::nullopt;
}

} // namespace

std::optional<Version> coerce(std::string_view text, CoerceFrom from, const Options& options)
{
  std::optional<CoerceMatch> match;
  if (from == CoerceFrom::left) {
    match = coerce_exec(text, 0, options.include_prerelease);
  } else {
    // npm's loop: later matches replace earlier ones unless they end at the
    // same place; it stops once a match reaches the end of the text.
    std::size_t last = 0;
    while (!match || match->end != text.size()) {
      auto next = coerce_exec(text, last, options.include_prerelease);
      if (!next) {
        break;
      }
      if (!match || next->end != match->end) {
        match = next;
      }
      last = next->resume;
    }
  }
  if (!match) {
    return std::nullopt;
  }
  const auto part = [&](int k) { return match->parts[k].empty() ? std::string_view("0") : match->parts[k]; };
  std::string text_version = fmt::format("{}.{}.{}", part(0), part(1), part(2));
  if (!match->pre.empty()) {
    text_version += fmt::format("-{}", match->pre);
  }
  if (!match->build.empty()) {
    text_version += fmt::format("+{}", match->build);
  }
  auto v = Version::parse(text_version, options);
  if (!v) {
    return std::nullopt;
  }
  return std::move(*v);
}

} // namespace noodle::semver
