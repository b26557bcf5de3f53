// JSON string literal encoding for wire text: one pass that quotes, escapes '"', '\\' and control
// characters, and replaces invalid UTF-8 bytes by U+FFFD, so the result is always valid JSON.
#pragma once

#include <cstddef>
#include <string_view>

namespace cs {

// Bytes json_quote() may write for an input of `n` bytes (worst case: every byte a \u00XX escape).
constexpr size_t json_quote_capacity(size_t n) { return 6 * n + 2; }

// Writes `s` as a quoted JSON string to `out` (room for json_quote_capacity(s.size()) bytes); returns
// the bytes written.
size_t json_quote(std::string_view s, char* out);

}  // namespace cs
