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

constexpr uint64_t kOnes = 0x0101010101010101ull;
constexpr uint64_t kHigh = 0x8080808080808080ull;

// Nonzero if any of the 8 bytes in `v` is zero (classic SWAR test).
constexpr uint64_t has_zero_byte(uint64_t v) { return (v - kOnes) & ~v & kHigh; }

// Nonzero if any of the 8 bytes needs more than a copy: < 0x20, '"', '\\' or >= 0x80.
constexpr uint64_t needs_work(uint64_t v) {
  return (v & kHigh) | ((v - 0x20 * kOnes) & ~v & kHigh) | has_zero_byte(v ^ ('"' * kOnes)) |
         has_zero_byte(v ^ ('\\' * kOnes));
}

}  // namespace

size_t json_quote(std::string_view s, char* out) {
  char* p = out;
  *p++ = '"';
  const size_t n = s.size();
  size_t i = 0;
  while (i < n) {
    // Copy 8 plain bytes at a time.
    while (i + 8 <= n) {
      uint64_t v;
      std::memcpy(&v, s.data() + i, 8);
      if (needs_work(v)) break;
      std::memcpy(p, &v, 8);
      p += 8;
      i += 8;
    }
    if (i >= n) break;
    const auto c = static_cast<uint8_t>(s[i]);
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
        for (size_t k = 0; k < len; ++k) *p++ = s[i + k];
        i += len;
      }
    }
  }
  *p++ = '"';
  return static_cast<size_t>(p - out);
}

}  // namespace cs
