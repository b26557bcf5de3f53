// JSON string literal encoding for wire text: one pass that quotes, escapes '"', '\\' and control
// characters, and replaces invalid UTF-8 bytes by U+FFFD, so the result is always valid JSON.
#pragma once

#include <cstddef>
#include <string_view>

namespace cs {

// Room json_quote() needs for an input of `n` bytes: the worst case (every byte a \u00XX escape, plus the
// quotes) and kJsonQuoteSlack bytes it may scribble past the end of what it wrote (16-byte stores).
inline constexpr size_t kJsonQuoteSlack = 16;
constexpr size_t json_quote_capacity(size_t n) { return 6 * n + 2 + kJsonQuoteSlack; }

// Writes `s` as a quoted JSON string to `out` (room for json_quote_capacity(s.size()) bytes); returns
// the bytes written (at most 6 * s.size() + 2). Plain text (no byte to escape or check) is copied 16 or 8
// bytes at a time, short strings and tails included.
size_t json_quote(std::string_view s, char* out);

}  // namespace cs
