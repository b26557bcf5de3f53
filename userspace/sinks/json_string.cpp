#include "sinks/json_string.h"

#include <array>
#include <cstdint>
#include <cstring>

#include "sinks/utf8_sanitize.h"

namespace cs {

namespace {

// 0: copy as is; 1: needs an escape; 2: start of a multi-byte sequence (validate).
constexpr std::array<uint8_t, 256> make_classes() {
  std::array<uint8_t, 256> t{};
  for (int c = 0; c < 0x20; ++c) t[c] = 1;
  t['"'] = 1;
  t['\\'] = 1;
  for (int c = 0x80; c < 0x100; ++c) t[c] = 2;
  return t;
}
constexpr std::array<uint8_t, 256> kClass = make_classes();

constexpr char kHex[] = "0123456789abcdef";

using json_detail::load8;
using json_detail::needs_work;

#if defined(__SSE2__)
// Bit k set: byte k of `v` needs more than a copy (< 0x20 or >= 0x80 as signed bytes, '"', '\\').
inline unsigned special_bytes(__m128i v) { return static_cast<unsigned>(json_detail::needs_work16(v)); }
#endif

// The high bit of each of the first `n` (1..8) bytes of a word (little-endian: its low bytes).
inline uint64_t first_bytes_high_bits(size_t n) {
  return n >= 8 ? json_detail::kHigh : json_detail::first_bytes_high_bits(n);
}

// The last `r` (1..7) bytes of s[0, n) in the low bytes of a word (the others zero), reading only inside s.
inline uint64_t load_tail(const char* b, size_t n, size_t r) {
  if (n >= 8) return load8(b + n - 8) >> (8 * (8 - r));  // overlaps bytes already handled, shifted out
  return json_detail::load_short(b + n - r, r);
}

}  // namespace

size_t json_quote_any(std::string_view s, char* out) {
  char* p = out;
  *p++ = '"';
  const char* b = s.data();
  const size_t n = s.size();
  size_t i = 0;
  while (i < n) {
#if defined(__SSE2__)
    // Copy 16 plain bytes at a time; on a special byte, copy the plain ones before it.
    while (i + 16 <= n) {
      const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(b + i));
      const unsigned special = special_bytes(v);
      _mm_storeu_si128(reinterpret_cast<__m128i*>(p), v);
      if (special != 0) {
        const auto plain = static_cast<size_t>(__builtin_ctz(special));
        p += plain;
        i += plain;
        break;
      }
      p += 16;
      i += 16;
    }
    if (i + 16 <= n) goto one_byte;  // stopped at a special byte
#endif
    // Copy 8 plain bytes at a time.
    while (i + 8 <= n) {
      const uint64_t v = load8(b + i);
      if (needs_work(v)) break;
      std::memcpy(p, &v, 8);
      p += 8;
      i += 8;
    }
    if (i >= n) break;
    if (i + 8 > n) {
      // Fewer than 8 bytes left: check them in one word; if plain, store the word (the bytes past them
      // land in the slack and are overwritten or ignored).
      const size_t r = n - i;
      const uint64_t v = load_tail(b, n, r);
      if ((needs_work(v) & first_bytes_high_bits(r)) == 0) {
        std::memcpy(p, &v, 8);
        p += r;
        break;
      }
    }
#if defined(__SSE2__)
  one_byte:
#endif
    const auto c = static_cast<uint8_t>(b[i]);
    const uint8_t cls = kClass[c];
    if (cls == 0) {
      *p++ = static_cast<char>(c);
      ++i;
    } else if (cls == 1) {
      *p++ = '\\';
      switch (c) {
        case '"': *p++ = '"'; break;
        case '\\': *p++ = '\\'; break;
        case '\n': *p++ = 'n'; break;
        case '\r': *p++ = 'r'; break;
        case '\t': *p++ = 't'; break;
        case '\b': *p++ = 'b'; break;
        case '\f': *p++ = 'f'; break;
        default:
          *p++ = 'u';
          *p++ = '0';
          *p++ = '0';
          *p++ = kHex[c >> 4];
          *p++ = kHex[c & 0xf];
      }
      ++i;
    } else {
      const size_t len = utf8_sequence_length(s, i);
      if (len == 0) {  // invalid byte: U+FFFD
        *p++ = '\xEF';
        *p++ = '\xBF';
        *p++ = '\xBD';
        ++i;
      } else {
        for (size_t k = 0; k < len; ++k) *p++ = b[i + k];
        i += len;
      }
    }
  }
  *p++ = '"';
  return static_cast<size_t>(p - out);
}

}  // namespace cs
