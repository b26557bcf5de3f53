// JSON string literal encoding for wire text: one pass that quotes, escapes '"', '\\' and control
// characters, and replaces invalid UTF-8 bytes by U+FFFD, so the result is always valid JSON.
//
// Hot path: most strings (paths, names, addresses, attribute keys) are plain: no byte below 0x20, no '"'
// or '\\', no byte >= 0x80. Those are checked and copied whole with a few overlapping word loads (never
// reading outside the string), inline; anything else takes the byte-by-byte path.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string_view>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace cs {

// Room json_quote() needs for an input of `n` bytes: the worst case (every byte a \u00XX escape, plus the
// quotes) and kJsonQuoteSlack bytes it may scribble past the end of what it wrote (word stores).
inline constexpr size_t kJsonQuoteSlack = 16;
constexpr size_t json_quote_capacity(size_t n) { return 6 * n + 2 + kJsonQuoteSlack; }

// Writes `s` as a quoted JSON string to `out` (room for json_quote_capacity(s.size()) bytes), whatever its
// bytes; returns the bytes written (at most 6 * s.size() + 2).
size_t json_quote_any(std::string_view s, char* out);

namespace json_detail {

constexpr uint64_t kOnes = 0x0101010101010101ull;
constexpr uint64_t kHigh = 0x8080808080808080ull;

// Nonzero if any of the 8 bytes in `v` is zero (classic SWAR test; a false hit only above a true one).
constexpr uint64_t has_zero_byte(uint64_t v) { return (v - kOnes) & ~v & kHigh; }

// Nonzero if any of the 8 bytes needs more than a copy: < 0x20, '"', '\\' or >= 0x80.
constexpr uint64_t needs_work(uint64_t v) {
  return (v & kHigh) | ((v - 0x20 * kOnes) & ~v & kHigh) | has_zero_byte(v ^ ('"' * kOnes)) |
         has_zero_byte(v ^ ('\\' * kOnes));
}

inline uint64_t load8(const char* b) {
  uint64_t v;
  std::memcpy(&v, b, 8);
  return v;
}

// The `n` (1..7) bytes at `b` in the low bytes of a word, the others zero; reads only those bytes.
inline uint64_t load_short(const char* b, size_t n) {
  if (n >= 4) {
    uint32_t lo, hi;
    std::memcpy(&lo, b, 4);
    std::memcpy(&hi, b + n - 4, 4);
    return lo | (uint64_t{hi} << (8 * (n - 4)));  // overlapping bytes are equal
  }
  const uint64_t first = static_cast<uint8_t>(b[0]), mid = static_cast<uint8_t>(b[n / 2]),
                 last = static_cast<uint8_t>(b[n - 1]);
  return first | (mid << (8 * (n / 2))) | (last << (8 * (n - 1)));
}

// The high bit of each of the first `n` (1..7) bytes of a word (little-endian: its low bytes).
inline uint64_t first_bytes_high_bits(size_t n) { return kHigh & ((uint64_t{1} << (8 * n)) - 1); }

#if defined(__SSE2__)
// Nonzero if any of the 16 bytes needs more than a copy (signed compare: >= 0x80 counts as < 0x20).
inline int needs_work16(__m128i v) {
  const __m128i low_or_high = _mm_cmplt_epi8(v, _mm_set1_epi8(0x20));
  const __m128i quote = _mm_cmpeq_epi8(v, _mm_set1_epi8('"'));
  const __m128i backslash = _mm_cmpeq_epi8(v, _mm_set1_epi8('\\'));
  return _mm_movemask_epi8(_mm_or_si128(low_or_high, _mm_or_si128(quote, backslash)));
}
#endif

}  // namespace json_detail

// Writes `s` quoted to `out` (room for json_quote_capacity(s.size()) bytes) if it is plain text and returns
// the bytes written; returns 0 (with junk in `out`) if some byte needs more than a copy.
inline size_t json_quote_plain(std::string_view s, char* out) {
  using namespace json_detail;
  const char* b = s.data();
  const size_t n = s.size();
  out[0] = '"';
  if (n >= 8 && n <= 16) {
    const uint64_t first = load8(b), last = load8(b + n - 8);
    if (needs_work(first) | needs_work(last)) return 0;
    std::memcpy(out + 1, &first, 8);
    std::memcpy(out + 1 + n - 8, &last, 8);
  } else if (n < 8) {
    if (n > 0) {
      const uint64_t v = load_short(b, n);
      if (needs_work(v) & first_bytes_high_bits(n)) return 0;
      std::memcpy(out + 1, &v, 8);
    }
  } else {
#if defined(__SSE2__)
    for (size_t i = 0; i + 16 < n; i += 16) {
      const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(b + i));
      if (needs_work16(v)) return 0;
      _mm_storeu_si128(reinterpret_cast<__m128i*>(out + 1 + i), v);
    }
    const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(b + n - 16));
    if (needs_work16(v)) return 0;
    _mm_storeu_si128(reinterpret_cast<__m128i*>(out + 1 + n - 16), v);
#else
    for (size_t i = 0; i + 8 < n; i += 8) {
      const uint64_t v = load8(b + i);
      if (needs_work(v)) return 0;
      std::memcpy(out + 1 + i, &v, 8);
    }
    const uint64_t v = load8(b + n - 8);
    if (needs_work(v)) return 0;
    std::memcpy(out + 1 + n - 8, &v, 8);
#endif
  }
  out[n + 1] = '"';
  return n + 2;
}

// Writes `s` as a quoted JSON string to `out` (room for json_quote_capacity(s.size()) bytes); returns the
// bytes written (at most 6 * s.size() + 2).
inline size_t json_quote(std::string_view s, char* out) {
  const size_t plain = json_quote_plain(s, out);
  return plain != 0 ? plain : json_quote_any(s, out);
}

}  // namespace cs
