// SPDX-License-Identifier: Apache-2.0
#include <noodle/util/text.hpp>

#include <catch2/catch.hpp>

#include <string>

using noodle::util::escape_text;
using noodle::util::is_utf8;
using noodle::util::Newlines;
using noodle::util::shell_quote;

TEST_CASE("util::escape_text escapes C0 controls, ESC and DEL, and keeps printable text and UTF-8 as it is")
{
  CHECK(escape_text("plain text, 1.2.3 @ ./x_y-z") == "plain text, 1.2.3 @ ./x_y-z");
  CHECK(escape_text("caf\xc3\xa9 \xe2\x94\x94\xe2\x94\x80\xe2\x94\x80 \xf0\x9f\x93\xa6") ==
        "caf\xc3\xa9 \xe2\x94\x94\xe2\x94\x80\xe2\x94\x80 \xf0\x9f\x93\xa6");
  CHECK(escape_text("a\nb\rc\td") == "a\\nb\\rc\\td");
  CHECK(escape_text("\x1b[31mred\x1b[0m") == "\\x1b[31mred\\x1b[0m");
  CHECK(escape_text(std::string("nul\0bel\a", 8)) == "nul\\x00bel\\x07");
  CHECK(escape_text("del\x7f") == "del\\x7f");
}

TEST_CASE("util::escape_text shows C1 controls, bidi controls and line separators as code points")
{
  CHECK(escape_text("csi\xc2\x9b" "31m") == "csi\\u{009b}31m");
  CHECK(escape_text("nel\xc2\x85") == "nel\\u{0085}");
  CHECK(escape_text("abc\xe2\x80\xae" "fed") == "abc\\u{202e}fed");
  CHECK(escape_text("\xe2\x81\xa6x\xe2\x81\xa9") == "\\u{2066}x\\u{2069}");
  CHECK(escape_text("\xe2\x80\x8e\xe2\x80\x8f\xd8\x9c") == "\\u{200e}\\u{200f}\\u{061c}");
  CHECK(escape_text("a\xe2\x80\xa8" "b\xe2\x80\xa9") == "a\\u{2028}b\\u{2029}");
  // Neighbours of the escaped ranges stay.
  CHECK(escape_text("\xc2\xa0\xe2\x80\xad") == "\xc2\xa0\\u{202d}");
  CHECK(escape_text("\xe2\x80\xaf") == "\xe2\x80\xaf");
}

TEST_CASE("util::escape_text shows each byte that is not well-formed UTF-8 as \\xNN")
{
  CHECK(escape_text("evil\xff") == "evil\\xff");
  CHECK(escape_text("\xc0\xaf") == "\\xc0\\xaf");                 // overlong '/'
  CHECK(escape_text("\xed\xa0\x80") == "\\xed\\xa0\\x80");         // a surrogate
  CHECK(escape_text("\xf4\x90\x80\x80") == "\\xf4\\x90\\x80\\x80"); // past U+10FFFF
  CHECK(escape_text("cut \xe2\x94") == "cut \\xe2\\x94");
  CHECK(escape_text("\x80x") == "\\x80x");
}

TEST_CASE("util::escape_text keeps newlines when asked, and escaping twice changes nothing")
{
  CHECK(escape_text("a\nb\x1b\n", Newlines::keep) == "a\nb\\x1b\n");
  for (const std::string s : {"x\ny\x1b\xff\xc2\x9b\xe2\x80\xae", "\\x1b already", "ok"}) {
    const auto once = escape_text(s);
    CHECK(escape_text(once) == once);
    CHECK_FALSE(noodle::util::needs_escape(once));
  }
  CHECK(noodle::util::needs_escape("a\tb"));
}

TEST_CASE("util::is_utf8 accepts well-formed UTF-8 only")
{
  CHECK(is_utf8(""));
  CHECK(is_utf8("ascii"));
  CHECK(is_utf8("\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80"));
  CHECK_FALSE(is_utf8("\xff"));
  CHECK_FALSE(is_utf8("\xc3"));
  CHECK_FALSE(is_utf8("\xe0\x80\xaf"));
  CHECK_FALSE(is_utf8("\xed\xbf\xbf"));
}

TEST_CASE("util::shell_quote gives each argument as one shell word")
{
  CHECK(shell_quote("upgrade") == "upgrade");
  CHECK(shell_quote("--root=/var/lib/noodle") == "--root=/var/lib/noodle");
  CHECK(shell_quote("") == "''");
  CHECK(shell_quote("x --force") == "'x --force'");
  CHECK(shell_quote("it's") == "'it'\\''s'");
  CHECK(shell_quote("$(rm -rf /)") == "'$(rm -rf /)'");
  CHECK(shell_quote("x\n  13  2026") == "$'x\\n  13  2026'");
  CHECK(shell_quote("a'b\\c\x1b") == "$'a\\'b\\\\c\\x1b'");
  CHECK(shell_quote("\xe2\x80\xae" "x") == "$'\\u202ex'");
}
