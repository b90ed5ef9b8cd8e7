// SPDX-License-Identifier: Apache-2.0
#include <noodle/util/text.hpp>

#include <fmt/format.h>

#include <cstdint>

namespace noodle::util {

namespace {

// One character of a UTF-8 text: its code point and byte length; length 0
// for a byte that does not start a well-formed sequence.
struct Decoded {
  char32_t code_point = 0;
  std::size_t length = 0;
};

bool continuation(unsigned char b)
{
  return (b & 0xc0u) == 0x80u;
}

// Table 3-7 of the Unicode standard: the second byte's range depends on the
// first (that excludes overlong forms, surrogates and values past U+10FFFF).
Decoded decode(std::string_view text, std::size_t at)
{
  const auto byte = [&](std::size_t k) { return static_cast<unsigned char>(text[at + k]); };
  const unsigned char b0 = byte(0);
  if (b0 < 0x80u) {
    return {b0, 1};
  }
  std::size_t length = 0;
  unsigned char low = 0x80;
  unsigned char high = 0xbf;
  if (b0 >= 0xc2u && b0 <= 0xdfu) {
    length = 2;
  } else if (b0 >= 0xe0u && b0 <= 0xefu) {
    length = 3;
    low = b0 == 0xe0u ? 0xa0 : 0x80;
    high = b0 == 0xedu ? 0x9f : 0xbf;
  } else if (b0 >= 0xf0u && b0 <= 0xf4u) {
    length = 4;
    low = b0 == 0xf0u ? 0x90 : 0x80;
    high = b0 == 0xf4u ? 0x8f : 0xbf;
  } else {
    return {};
  }
  if (at + length > text.size() || byte(1) < low || byte(1) > high) {
    return {};
  }
  char32_t cp = b0 & (length == 2 ? 0x1fu : length == 3 ? 0x0fu : 0x07u);
  cp = (cp << 6) | (byte(1) & 0x3fu);
  for (std::size_t k = 2; k < length; ++k) {
    if (!continuation(byte(k))) {
      return {};
    }
    cp = (cp << 6) | (byte(k) & 0x3fu);
  }
  return {cp, length};
}

// Characters past ASCII that are shown as "\u{NNNN}".
bool hidden_code_point(char32_t cp)
{
  return (cp >= 0x80 && cp <= 0x9f) ||                   // C1 controls
         cp == 0x061c || cp == 0x200e || cp == 0x200f || // bidi marks
         (cp >= 0x202a && cp <= 0x202e) ||               // bidi embeddings and overrides
         (cp >= 0x2066 && cp <= 0x2069) ||               // bidi isolates
         cp == 0x2028 || cp == 0x2029;                   // line and paragraph separators
}

bool control_byte(unsigned char b)
{
  return b < 0x20u || b == 0x7fu;
}

void append_control(std::string& out, unsigned char b)
{
  switch (b) {
  case '\n': out += "\\n"; break;
  case '\r': out += "\\r"; break;
  case '\t': out += "\\t"; break;
  default: out += fmt::format("\\x{:02x}", b); break;
  }
}

// Walks `text`, calling `plain(at, decoded)` for each character shown as it
// is and `escaped(at, decoded)` for each that is not; stops when a callback
// returns false.
// How many leading bytes are printable ASCII (and kept newlines): text that
// needs no decoding, the common case, is passed over a byte at a time.
std::size_t plain_ascii(std::string_view text, std::size_t at, Newlines newlines)
{
  while (at < text.size()) {
    const auto b = static_cast<unsigned char>(text[at]);
    if ((b < 0x20u || b >= 0x7fu) && !(b == '\n' && newlines == Newlines::keep)) {
      break;
    }
    ++at;
  }
  return at;
}

template <typename Plain, typename Escaped>
void walk(std::string_view text, Newlines newlines, const Plain& plain, const Escaped& escaped)
{
  std::size_t at = 0;
  while (at < text.size()) {
    const Decoded d = decode(text, at);
    const auto b = static_cast<unsigned char>(text[at]);
    const bool kept_newline = b == '\n' && newlines == Newlines::keep;
    if (d.length == 0 || (d.length == 1 && control_byte(b) && !kept_newline) ||
        (d.length > 1 && hidden_code_point(d.code_point))) {
      if (!escaped(at, d)) {
        return;
      }
      at += d.length == 0 ? 1 : d.length;
      continue;
    }
    if (!plain(at, d)) {
      return;
    }
    at += d.length;
  }
}

void append_escape(std::string& out, std::string_view text, std::size_t at, const Decoded& d)
{
  if (d.length == 0) {
    out += fmt::format("\\x{:02x}", static_cast<unsigned char>(text[at]));
  } else if (d.length == 1) {
    append_control(out, static_cast<unsigned char>(text[at]));
  } else {
    out += fmt::format("\\u{{{:04x}}}", static_cast<std::uint32_t>(d.code_point));
  }
}

bool shell_safe(char c)
{
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '@' || c == '%' ||
         c == '+' || c == '=' || c == ':' || c == ',' || c == '.' || c == '/' || c == '_' || c == '-';
}

} // namespace

bool is_utf8(std::string_view text)
{
  std::size_t at = 0;
  while (at < text.size()) {
    const Decoded d = decode(text, at);
    if (d.length == 0) {
      return false;
    }
    at += d.length;
  }
  return true;
}

bool needs_escape(std::string_view text)
{
  bool found = false;
  walk(
      text, Newlines::escape, [](std::size_t, const Decoded&) { return true; },
      [&](std::size_t, const Decoded&) {
        found = true;
        return false;
      });
  return found;
}

std::string escape_text(std::string_view text, Newlines newlines)
{
  std::string out;
  out.reserve(text.size());
  // Plain characters are copied a run at a time, up to the next escape.
  if (plain_ascii(text, 0, newlines) == text.size()) {
    out.assign(text);
    return out;
  }
  std::size_t run = 0;
  walk(
      text, newlines, [](std::size_t, const Decoded&) { return true; },
      [&](std::size_t at, const Decoded& d) {
        out.append(text.substr(run, at - run));
        append_escape(out, text, at, d);
        run = at + (d.length == 0 ? 1 : d.length);
        return true;
      });
  out.append(text.substr(run));
  return out;
}

std::string shell_quote(std::string_view word)
{
  bool plain = !word.empty();
  for (const char c : word) {
    plain = plain && shell_safe(c);
  }
  if (plain) {
    return std::string(word);
  }
  if (!needs_escape(word)) {
    std::string out = "'";
    for (const char c : word) {
      out += c == '\'' ? std::string("'\\''") : std::string(1, c);
    }
    return out + "'";
  }
  // bash's ANSI-C quoting; its \u takes hexadecimal digits without braces.
  std::string out = "$'";
  walk(
      word, Newlines::escape,
      [&](std::size_t at, const Decoded& d) {
        const std::string_view c = word.substr(at, d.length);
        out += c == "\\" ? std::string_view("\\\\") : c == "'" ? std::string_view("\\'") : c;
        return true;
      },
      [&](std::size_t at, const Decoded& d) {
        if (d.length > 1) {
          out += fmt::format("\\u{:04x}", static_cast<std::uint32_t>(d.code_point));
        } else {
          append_escape(out, word, at, d);
        }
        return true;
      });
  return out + "'";
}

} // namespace noodle::util
