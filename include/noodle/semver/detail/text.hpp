// SPDX-License-Identifier: Apache-2.0
#pragma once

// Character helpers shared by the version and range scanners. They reproduce
// JavaScript's notions (String.prototype.trim, \s, string length in UTF-16
// code units) on UTF-8 text, because npm semver is the reference.

#include <cstddef>
#include <string>
#include <string_view>

namespace noodle::semver::detail {

constexpr bool is_digit(char c)
{
  return c >= '0' && c <= '9';
}

constexpr bool is_letter(char c)
{
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

// [0-9A-Za-z-], the alphabet of prerelease and build identifiers.
constexpr bool is_identifier_char(char c)
{
  return is_digit(c) || is_letter(c) || c == '-';
}

// Byte length of the JavaScript whitespace character starting at s[i], or 0.
// The set is ECMAScript WhiteSpace + LineTerminator, i.e. what \s and trim() use.
inline std::size_t js_space_at(std::string_view s, std::size_t i)
{
  const auto n = s.size();
  if (i >= n) {
    return 0;
  }
  const auto c = static_cast<unsigned char>(s[i]);
  if (c == ' ' || (c >= 0x09 && c <= 0x0d)) {
    return 1;
  }
  if (c < 0x80) {
    return 0;
  }
  auto at = [&](std::size_t k) { return i + k < n ? static_cast<unsigned char>(s[i + k]) : 0u; };
  if (c == 0xc2) {
    return at(1) == 0xa0 ? 2 : 0; // U+00A0
  }
  if (c == 0xe1) {
    return (at(1) == 0x9a && at(2) == 0x80) ? 3 : 0; // U+1680
  }
  if (c == 0xe2) {
    const auto b1 = at(1);
    const auto b2 = at(2);
    if (b1 == 0x80 && ((b2 >= 0x80 && b2 <= 0x8a) || b2 == 0xa8 || b2 == 0xa9 || b2 == 0xaf)) {
      return 3; // U+2000..U+200A, U+2028, U+2029, U+202F
    }
    return (b1 == 0x81 && b2 == 0x9f) ? 3 : 0; // U+205F
  }
  if (c == 0xe3) {
    return (at(1) == 0x80 && at(2) == 0x80) ? 3 : 0; // U+3000
  }
  if (c == 0xef) {
    return (at(1) == 0xbb && at(2) == 0xbf) ? 3 : 0; // U+FEFF
  }
  return 0;
}

// Byte length of the JavaScript whitespace character that ends right before
// s[end], or 0.
inline std::size_t js_space_before(std::string_view s, std::size_t end)
{
  for (std::size_t len = 1; len <= 3 && len <= end; ++len) {
    if (js_space_at(s, end - len) == len) {
      return len;
    }
  }
  return 0;
}

// String.prototype.trim().
inline std::string_view js_trim(std::string_view s)
{
  std::size_t b = 0;
  std::size_t e = s.size();
  while (b < e) {
    const auto k = js_space_at(s, b);
    if (k == 0) {
      break;
    }
    b += k;
  }
  while (e > b) {
    const auto k = js_space_before(s, e);
    if (k == 0) {
      break;
    }
    e -= k;
  }
  return s.substr(b, e - b);
}

// The length JavaScript reports for the UTF-8 text s: one unit per code
// point, two for code points outside the BMP.
inline std::size_t utf16_length(std::string_view s)
{
  std::size_t n = 0;
  for (char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    if ((c & 0xc0) != 0x80) {
      n += (c >= 0xf0) ? 2 : 1;
    }
  }
  return n;
}

// The UTF-8 character starting at s[i], for quoting in messages.
inline std::string_view char_at(std::string_view s, std::size_t i)
{
  const auto c = static_cast<unsigned char>(s[i]);
  std::size_t len = 1;
  if (c >= 0xf0) {
    len = 4;
  } else if (c >= 0xe0) {
    len = 3;
  } else if (c >= 0xc0) {
    len = 2;
  }
  return s.substr(i, len);
}

} // namespace noodle::semver::detail
