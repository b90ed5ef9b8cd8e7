// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace noodle::util {

// Whether `text` is well-formed UTF-8 (RFC 3629: no overlong forms, no
// surrogates, nothing past U+10FFFF).
bool is_utf8(std::string_view text);

// Whether the line breaks of a text are its own (kept) or part of a value
// (escaped, so a value never starts a line of output).
enum class Newlines { escape, keep };

// `text` made safe to show on a terminal, whatever its bytes. Escaped, in a
// form that is itself printable ASCII:
//   - C0 controls and DEL: "\n", "\r", "\t", else "\xNN" (ESC is "\x1b");
//     with Newlines::keep, '\n' stays as it is;
//   - C1 controls (U+0080-U+009F; some terminals take U+009B as CSI):
//     "\u{NNNN}";
//   - characters that reorder or break what is read (bidirectional
//     controls U+061C, U+200E, U+200F, U+202A-U+202E, U+2066-U+2069; line
//     and paragraph separators U+2028, U+2029): "\u{NNNN}";
//   - each byte that is not part of well-formed UTF-8: "\xNN".
// Everything else, other UTF-8 text included, is copied. A text that needs
// no escape comes back unchanged, so escaping twice changes nothing.
std::string escape_text(std::string_view text, Newlines newlines = Newlines::escape);

// Whether escape_text would change `text`.
bool needs_escape(std::string_view text);

// One word as a POSIX shell reads it back: as it is when it holds only
// letters, digits and @%+=:,./_- (and is not empty); else in single quotes;
// in bash's $'...' (with the escapes of escape_text) when it holds anything
// escape_text escapes. "a b" is "'a b'", "it's" is "'it'\''s'", "x\ny" is
// "$'x\ny'".
std::string shell_quote(std::string_view word);

} // namespace noodle::util
