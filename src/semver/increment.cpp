// SPDX-License-Identifier: Apache-2.0
#include <noodle/semver/detail/text.hpp>
#include <noodle/semver/increment.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <utility>

namespace noodle::semver {

namespace {

constexpr std::array<std::pair<Release, const char*>, 8> k_names{{{Release::major, "major"},
                                                                   {Release::minor, "minor"},
                                                                   {Release::patch, "patch"},
                                                                   {Release::premajor, "premajor"},
                                                                   {Release::preminor, "preminor"},
                                                                   {Release::prepatch, "prepatch"},
                                                                   {Release::prerelease, "prerelease"},
                                                                   {Release::release, "release"}}};

Identifier number_identifier(std::uint64_t n)
{
  Identifier id;
  id.numeric = true;
  id.number = n;
  id.text = std::to_string(n);
  return id;
}

// npm holds numeric identifiers below 2^53-1 as numbers, larger ones as
// text; only numbers are counted up.
bool is_js_number(const Identifier& id)
{
  return id.numeric && id.text.size() <= 16 && id.number < k_max_safe_integer;
}

// The identifiers of `preid`: dot-separated [0-9A-Za-z-]+, numeric ones
// without leading zeros unless loose. Kept as written (npm keeps the text).
Result<std::vector<Identifier>> parse_preid(const std::string& preid, const Options& options)
{
  std::vector<Identifier> out;
  std::size_t begin = 0;
  for (;;) {
    const auto dot = preid.find('.', begin);
    const auto text = std::string_view(preid).substr(begin, dot == std::string::npos ? std::string::npos : dot - begin);
    Identifier id;
    id.numeric = !text.empty() && std::all_of(text.begin(), text.end(), detail::is_digit);
    const bool chars_ok = !text.empty() && std::all_of(text.begin(), text.end(), detail::is_identifier_char);
    if (!chars_ok || (id.numeric && text.size() > 1 && text[0] == '0' && !options.loose)) {
      return fail(ErrorCode::usage, fmt::format("invalid identifier '{}'", preid));
    }
    if (id.numeric) {
      auto digits = text;
      while (digits.size() > 1 && digits[0] == '0') {
        digits.remove_prefix(1);
      }
      id.number = digits.size() > 19 ? UINT64_MAX : std::stoull(std::string(digits));
    }
    id.text.assign(text);
    out.push_back(std::move(id));
    if (dot == std::string::npos) {
      return out;
    }
    begin = dot + 1;
  }
}

// Whether `prefix` starts `pre`, identifier by identifier (numbers as numbers).
bool starts_with(const std::vector<Identifier>& pre, const std::vector<Identifier>& prefix)
{
  if (prefix.size() > pre.size()) {
    return false;
  }
  for (std::size_t i = 0; i < prefix.size(); ++i) {
    if (pre[i] != prefix[i]) {
      return false;
    }
  }
  return true;
}

std::string dotted(const std::vector<Identifier>& ids)
{
  std::string out;
  for (const auto& id : ids) {
    out += out.empty() ? id.text : "." + id.text;
  }
  return out;
}

// npm's inc('pre').
Result<void> bump_pre(Version& v, const Increment& how, const std::vector<Identifier>& preid)
{
  const std::uint64_t base = how.base == IdentifierBase::one ? 1 : 0;
  if (v.prerelease.empty()) {
    v.prerelease = {number_identifier(base)};
  } else {
    bool counted = false;
    for (auto i = v.prerelease.size(); i-- > 0;) {
      if (is_js_number(v.prerelease[i])) {
        v.prerelease[i] = number_identifier(v.prerelease[i].number + 1);
        counted = true;
        break;
      }
    }
    if (!counted) {
      if (how.preid && *how.preid == dotted(v.prerelease) && how.base == IdentifierBase::none) {
        return fail(ErrorCode::usage, fmt::format("identifier '{}' is already the prerelease", *how.preid));
      }
      v.prerelease.push_back(number_identifier(base));
    }
  }
  if (how.preid && !how.preid->empty()) {
    auto fresh = preid;
    if (how.base != IdentifierBase::none) {
      fresh.push_back(number_identifier(base));
    }
    if (starts_with(v.prerelease, preid)) {
      // Keep the counter that follows the identifier, when there is one.
      const bool has_counter = v.prerelease.size() > preid.size() && v.prerelease[preid.size()].numeric;
      if (!has_counter) {
        v.prerelease = std::move(fresh);
      }
    } else {
      v.prerelease = std::move(fresh);
    }
  }
  return {};
}

} // namespace

std::optional<Release> release_from(std::string_view name)
{
  for (const auto& [r, n] : k_names) {
    if (name == n) {
      return r;
    }
  }
  return std::nullopt;
}

const char* release_name(Release r)
{
  for (const auto& [x, n] : k_names) {
    if (x == r) {
      return n;
    }
  }
  return "";
}

Result<Version> increment(const Version& from, const Increment& how, const Options& options)
{
  Version v = from;
  v.build.clear();
  std::vector<Identifier> preid;
  const bool pre = how.release == Release::premajor || how.release == Release::preminor ||
                   how.release == Release::prepatch || how.release == Release::prerelease;
  if (pre) {
    if ((!how.preid || how.preid->empty()) && how.base == IdentifierBase::none) {
      return fail(ErrorCode::usage, "the identifier is empty: --identifier-base false needs --preid");
    }
    if (how.preid && !how.preid->empty()) {
      auto parsed = parse_preid(*how.preid, options);
      if (!parsed) {
        return fail(parsed.error());
      }
      preid = std::move(*parsed);
    }
  }
  switch (how.release) {
  case Release::premajor:
    v.prerelease.clear();
    v.patch = 0;
    v.minor = 0;
    ++v.major;
    break;
  case Release::preminor:
    v.prerelease.clear();
    v.patch = 0;
    ++v.minor;
    break;
  case Release::prepatch:
    v.prerelease.clear();
    ++v.patch;
    break;
  case Release::prerelease:
    if (v.prerelease.empty()) {
      ++v.patch;
    }
    break;
  case Release::release:
    if (v.prerelease.empty()) {
      return fail(ErrorCode::invalid_version, fmt::format("version '{}' is not a prerelease", from.to_string()));
    }
    v.prerelease.clear();
    return v;
  case Release::major:
    if (v.minor != 0 || v.patch != 0 || v.prerelease.empty()) {
      ++v.major;
    }
    v.minor = 0;
    v.patch = 0;
    v.prerelease.clear();
    return v;
  case Release::minor:
    if (v.patch != 0 || v.prerelease.empty()) {
      ++v.minor;
    }
    v.patch = 0;
    v.prerelease.clear();
    return v;
  case Release::patch:
    if (v.prerelease.empty()) {
      ++v.patch;
    }
    v.prerelease.clear();
    return v;
  }
  if (auto r = bump_pre(v, how, preid); !r) {
    return fail(r.error());
  }
  return v;
}

std::optional<Release> difference(const Version& a, const Version& b)
{
  const int c = compare(a, b);
  if (c == 0) {
    return std::nullopt;
  }
  const Version& high = c > 0 ? a : b;
  const Version& low = c > 0 ? b : a;
  if (low.is_prerelease() && !high.is_prerelease()) {
    if (low.patch == 0 && low.minor == 0) {
      return Release::major;
    }
    if (low.major == high.major && low.minor == high.minor && low.patch == high.patch) {
      return low.minor != 0 && low.patch == 0 ? Release::minor : Release::patch;
    }
  }
  const bool pre = high.is_prerelease();
  if (a.major != b.major) {
    return pre ? Release::premajor : Release::major;
  }
  if (a.minor != b.minor) {
    return pre ? Release::preminor : Release::minor;
  }
  if (a.patch != b.patch) {
    return pre ? Release::prepatch : Release::patch;
  }
  return Release::prerelease;
}

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
