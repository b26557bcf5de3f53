#include "sinks/utf8_sanitize.h"

#include <cstdint>

namespace cs {

namespace {

constexpr std::string_view kReplacement = "\xEF\xBF\xBD";  // U+FFFD

bool is_cont(uint8_t b) { return (b & 0xC0) == 0x80; }

bool is_control(uint8_t b) { return b < 0x20 || b == 0x7F; }

}  // namespace

size_t utf8_sequence_length(std::string_view s, size_t i) {
  const size_t n = s.size() - i;
  const auto* p = reinterpret_cast<const uint8_t*>(s.data()) + i;
  const uint8_t b0 = p[0];
  if (b0 < 0x80) return 1;
  if (b0 >= 0xC2 && b0 <= 0xDF) return n >= 2 && is_cont(p[1]) ? 2 : 0;
  if (b0 >= 0xE0 && b0 <= 0xEF) {
    if (n < 3 || !is_cont(p[1]) || !is_cont(p[2])) return 0;
    if (b0 == 0xE0 && p[1] < 0xA0) return 0;   // overlong
    if (b0 == 0xED && p[1] >= 0xA0) return 0;  // UTF-16 surrogate
    return 3;
  }
  if (b0 >= 0xF0 && b0 <= 0xF4) {
    if (n < 4 || !is_cont(p[1]) || !is_cont(p[2]) || !is_cont(p[3])) return 0;
    if (b0 == 0xF0 && p[1] < 0x90) return 0;   // overlong
    if (b0 == 0xF4 && p[1] >= 0x90) return 0;  // past U+10FFFF
    return 4;
  }
  return 0;  // continuation byte without a lead, 0xC0/0xC1, 0xF5..0xFF
}

bool utf8_valid(std::string_view s) {
  size_t i = 0;
  while (i < s.size()) {
    if (static_cast<uint8_t>(s[i]) < 0x80) {
      ++i;
      continue;
    }
    const size_t len = utf8_sequence_length(s, i);
    if (len == 0) return false;
    i += len;
  }
  return true;
}

namespace {

template <bool kTerminal>
std::string_view sanitize(std::string_view s, std::string& scratch) {
  // Fast path: nothing to replace.
  size_t i = 0;
  while (i < s.size()) {
    const auto b = static_cast<uint8_t>(s[i]);
    if (b < 0x80) {
      if (kTerminal && is_control(b)) break;
      ++i;
      continue;
    }
    const size_t len = utf8_sequence_length(s, i);
    if (len == 0) break;
    i += len;
  }
  if (i == s.size()) return s;

  scratch.assign(s.data(), i);
  while (i < s.size()) {
    const auto b = static_cast<uint8_t>(s[i]);
    if (b < 0x80) {
      scratch.push_back(kTerminal && is_control(b) ? '?' : static_cast<char>(b));
      ++i;
      continue;
    }
    const size_t len = utf8_sequence_length(s, i);
    if (len == 0) {
      scratch.append(kReplacement);
      ++i;
    } else {
      scratch.append(s.data() + i, len);
      i += len;
    }
  }
  return scratch;
}

}  // namespace

std::string_view utf8_sanitize(std::string_view s, std::string& scratch) { return sanitize<false>(s, scratch); }

std::string_view terminal_sanitize(std::string_view s, std::string& scratch) {
  return sanitize<true>(s, scratch);
}

}  // namespace cs
