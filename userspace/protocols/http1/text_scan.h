// Byte-level helpers for HTTP/1 heads, written for speed on short text: finding line ends and bytes,
// and comparing tokens with lowercase literals regardless of case. Inline; they never read outside the
// text they are given.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string_view>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace cs::http1 {

inline constexpr size_t kNotFound = std::string_view::npos;

// Offset of the first `c` in s[from, s.size()), or kNotFound. 16 bytes at a time: header lines are short,
// and a library call per line costs more than the scan.
inline size_t find_byte(std::string_view s, size_t from, char c) {
  const char* b = s.data();
  const size_t n = s.size();
  size_t i = from;
#if defined(__SSE2__)
  const __m128i want = _mm_set1_epi8(c);
  for (; i + 16 <= n; i += 16) {
    const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(b + i));
    const auto hits = static_cast<unsigned>(_mm_movemask_epi8(_mm_cmpeq_epi8(v, want)));
    if (hits != 0) return i + static_cast<size_t>(__builtin_ctz(hits));
  }
#endif
  for (; i < n; ++i)
    if (b[i] == c) return i;
  return kNotFound;
}

// The offsets of the '\n' bytes of a text, in order: each 16-byte block is compared once and its hits
// handed out one by one (cheaper than a search per line).
class NewlineScanner {
 public:
  explicit NewlineScanner(std::string_view s) : b_(s.data()), n_(s.size()) {}

  // The next '\n' offset, or kNotFound.
  size_t next() {
    while (hits_ == 0) {
      if (block_ >= n_) return kNotFound;
      load_block();
    }
    const size_t at = base_ + static_cast<size_t>(__builtin_ctz(hits_));
    hits_ &= hits_ - 1;
    return at;
  }

 private:
  void load_block() {
    base_ = block_;
#if defined(__SSE2__)
    if (block_ + 16 <= n_) {
      const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(b_ + block_));
      hits_ = static_cast<unsigned>(_mm_movemask_epi8(_mm_cmpeq_epi8(v, _mm_set1_epi8('\n'))));
      block_ += 16;
      return;
    }
#endif
    const size_t end = block_ + 16 < n_ ? block_ + 16 : n_;
    hits_ = 0;
    for (size_t i = block_; i < end; ++i)
      if (b_[i] == '\n') hits_ |= 1u << (i - block_);
    block_ = end;
  }

  const char* b_;
  size_t n_;
  size_t block_ = 0;  // start of the next block to load
  size_t base_ = 0;   // start of the block hits_ belongs to
  unsigned hits_ = 0; // '\n' positions in that block not handed out yet
};

// Case-insensitive equality with a lowercase literal (letters, digits and punctuation): a letter of the
// literal matches that letter in either case, any other byte only itself. 8 bytes at a time.
inline bool iequals(std::string_view s, std::string_view lower_lit) {
  const size_t n = s.size();
  if (n != lower_lit.size()) return false;
  size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    uint64_t a, b;
    std::memcpy(&a, s.data() + i, 8);
    std::memcpy(&b, lower_lit.data() + i, 8);
    // 0x20 in each byte where the literal has a letter 'a'..'z' (literal bytes are < 0x80: no carries).
    constexpr uint64_t ones = 0x0101010101010101ull, high = 0x8080808080808080ull;
    const uint64_t letters = (b + (0x80 - 'a') * ones) & ~(b + (0x80 - 'z' - 1) * ones) & high;
    if ((a | (letters >> 2)) != b) return false;
  }
  for (; i < n; ++i) {
    const char l = lower_lit[i];
    const char c = (l >= 'a' && l <= 'z') ? static_cast<char>(s[i] | 0x20) : s[i];
    if (c != l) return false;
  }
  return true;
}

inline bool istarts_with(std::string_view s, std::string_view lower_lit) {
  return s.size() >= lower_lit.size() && iequals(s.substr(0, lower_lit.size()), lower_lit);
}

}  // namespace cs::http1
