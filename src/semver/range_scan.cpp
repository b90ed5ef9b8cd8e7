// SPDX-License-Identifier: Apache-2.0
#include "range_scan.hpp"

#include <optional>

namespace noodle::semver::range_scan {

using detail::is_digit;
using detail::is_identifier_char;
using detail::is_letter;

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

namespace {

// Where an identifier with a letter or '-' after its leading digits ends
// (npm's bounded alphanumeric piece); nullopt when it is all digits.
std::optional<std::size_t> alphanumeric_end(std::string_view s, std::size_t i, std::size_t digits)
{
  if (digits > k_max_pre_digits) {
    return std::nullopt;
  }
  const char c = at(s, i + digits);
  if (!is_letter(c) && c != '-') {
    return std::nullopt;
  }
  std::size_t e = i + digits + 1;
  const auto limit = e + k_max_identifier_tail;
  while (e < limit && e < s.size() && is_identifier_char(s[e])) {
    ++e;
  }
  return e;
}

} // namespace

std::size_t pre_identifier_end(std::string_view s, std::size_t i)
{
  const auto digits = digit_run(s, i);
  if (const auto e = alphanumeric_end(s, i, digits)) {
    return *e;
  }
  if (at(s, i) == '0') {
    return i + 1;
  }
  return i + std::min(digits, k_max_number_digits);
}

std::size_t loose_pre_identifier_end(std::string_view s, std::size_t i)
{
  const auto digits = digit_run(s, i);
  if (const auto e = alphanumeric_end(s, i, digits)) {
    return *e;
  }
  return i + std::min(digits, k_max_version_length);
}

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

bool at_text_end(std::string_view s, std::size_t end)
{
  return end == s.size();
}

XPlain scan_xplain(std::string_view s, std::size_t i, bool loose, AcceptEnd accept)
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

bool is_x(std::string_view id)
{
  return id.empty() || id == "x" || id == "X" || id == "*";
}

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

bool is_version_prefix(char c)
{
  return c == 'v' || c == '=' || c == ' ';
}

bool is_version_start(char c)
{
  return is_digit(c) || c == 'x' || c == 'X' || c == '*';
}

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

} // namespace noodle::semver::range_scan
