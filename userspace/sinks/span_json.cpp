#include "sinks/span_json.h"

#include <array>
#include <cstdint>
#include <cstring>
#include <string_view>
#include <variant>

#include "sinks/json_string.h"

namespace cs {

namespace {

// Two lowercase hex digits per byte value.
struct HexPairs {
  char digits[512];
  constexpr HexPairs() : digits() {
    constexpr char hex[] = "0123456789abcdef";
    for (int b = 0; b < 256; ++b) {
      digits[2 * b] = hex[b >> 4];
      digits[2 * b + 1] = hex[b & 0xf];
    }
  }
};
constexpr HexPairs kHexPairs;

// Room for a decimal number: 20 digits (UINT64_MAX) plus a sign. The writers store 8-byte words: they
// may scribble up to 7 bytes past a shorter number's end, inside this room.
constexpr size_t kMaxNumber = 21;

inline char* put(char* p, std::string_view s) {
  std::memcpy(p, s.data(), s.size());
  return p + s.size();
}

// The 8 decimal digits of x < 10^8 as byte values 0..9, the most significant in the lowest byte (SWAR:
// split in two halves of 4 digits, then each lane by 100, then by 10; the multiply-shift divisions are
// exact for these ranges).
inline uint64_t eight_digits(uint32_t x) {
  uint64_t z = (x / 10000) | (uint64_t{x % 10000} << 32);
  const uint64_t hundreds = ((z * 10486) >> 20) & 0x0000007F0000007Full;
  z = hundreds | ((z - hundreds * 100) << 16);
  const uint64_t tens = ((z * 103) >> 10) & 0x000F000F000F000Full;
  return tens | ((z - tens * 10) << 8);
}

constexpr uint64_t kAsciiZeros = 0x3030303030303030ull;

// x < 10^8 without leading zeros (8 bytes stored, the number's length returned past).
inline char* put_short(char* p, uint32_t x) {
  if (x == 0) {
    *p = '0';
    return p + 1;
  }
  const uint64_t digits = eight_digits(x);
  const unsigned leading_zeros = static_cast<unsigned>(__builtin_ctzll(digits)) / 8;
  const uint64_t ascii = (digits + kAsciiZeros) >> (8 * leading_zeros);
  std::memcpy(p, &ascii, 8);
  return p + (8 - leading_zeros);
}

// x < 10^8 as exactly 8 digits.
inline char* put_eight(char* p, uint32_t x) {
  const uint64_t ascii = eight_digits(x) + kAsciiZeros;
  std::memcpy(p, &ascii, 8);
  return p + 8;
}

char* put_u64(char* p, uint64_t v) {
  constexpr uint64_t k8 = 100000000;
  if (v < k8) return put_short(p, static_cast<uint32_t>(v));
  if (v < k8 * k8) {
    p = put_short(p, static_cast<uint32_t>(v / k8));
    return put_eight(p, static_cast<uint32_t>(v % k8));
  }
  p = put_short(p, static_cast<uint32_t>(v / (k8 * k8)));  // at most 1844
  p = put_eight(p, static_cast<uint32_t>((v / k8) % k8));
  return put_eight(p, static_cast<uint32_t>(v % k8));
}

char* put_i64(char* p, int64_t v) {
  if (v >= 0) return put_u64(p, static_cast<uint64_t>(v));
  *p++ = '-';
  return put_u64(p, 0 - static_cast<uint64_t>(v));  // INT64_MIN included
}

char* put_hex_bytes(char* p, const uint8_t* bytes, size_t n) {
  for (size_t i = 0; i < n; ++i) std::memcpy(p + 2 * i, kHexPairs.digits + 2 * bytes[i], 2);
  return p + 2 * n;
}

char* put_hex_u64(char* p, uint64_t v) {  // most significant byte first
  for (int i = 7; i >= 0; --i) {
    std::memcpy(p + 2 * i, kHexPairs.digits + 2 * (v & 0xff), 2);
    v >>= 8;
  }
  return p + 16;
}

inline char* put_quoted(char* p, std::string_view s) { return p + json_quote(s, p); }

// Attribute keys as written ("\"key\":"), rendered once per thread. Keys are string literals, the same
// few for every span: an entry is found by the key's address and confirmed by its length and bytes, so a
// key that is not a literal still comes out right (it only misses).
struct KeyFragment {
  static constexpr size_t kMaxKey = 40;   // longer keys are quoted every time
  static constexpr size_t kMinKey = 5;    // shorter ones too: a line has less than 48 bytes of room for them
  static constexpr size_t kRoom = 48;     // bytes copied per fragment (the fragment is at most kMaxKey + 3)
  const char* key = nullptr;
  uint32_t len = 0;
  uint32_t frag_len = 0;
  char frag[kRoom] = {};
};

inline bool same_bytes(const char* a, const char* b, size_t n) {  // n in [kMinKey, kMaxKey]
  uint64_t x, y, u, v;
  if (n < 8) {
    uint32_t a0, b0, a1, b1;
    std::memcpy(&a0, a, 4);
    std::memcpy(&b0, b, 4);
    std::memcpy(&a1, a + n - 4, 4);
    std::memcpy(&b1, b + n - 4, 4);
    return ((a0 ^ b0) | (a1 ^ b1)) == 0;
  }
  for (size_t i = 0; i + 8 < n; i += 8) {
    std::memcpy(&x, a + i, 8);
    std::memcpy(&y, b + i, 8);
    if (x != y) return false;
  }
  std::memcpy(&u, a + n - 8, 8);
  std::memcpy(&v, b + n - 8, 8);
  return u == v;
}

char* put_key(char* p, std::string_view key) {
  if (key.size() >= KeyFragment::kMinKey && key.size() <= KeyFragment::kMaxKey) {
    thread_local std::array<KeyFragment, 64> cache;
    KeyFragment& e = cache[(reinterpret_cast<uintptr_t>(key.data()) >> 3) & 63];
    if (e.key == key.data() && e.len == key.size() && same_bytes(e.frag + 1, key.data(), key.size())) {
      std::memcpy(p, e.frag, KeyFragment::kRoom);
      return p + e.frag_len;
    }
    const size_t n = json_quote_plain(key, e.frag);  // writes at most key.size() + 2 bytes: fits
    if (n != 0) {
      e.frag[n] = ':';
      e.key = key.data();
      e.len = static_cast<uint32_t>(key.size());
      e.frag_len = static_cast<uint32_t>(n + 1);
      std::memcpy(p, e.frag, KeyFragment::kRoom);
      return p + e.frag_len;
    }
    e.key = nullptr;  // not plain: quoted every time below
  }
  p = put_quoted(p, key);
  *p++ = ':';
  return p;
}

// The fixed text of a line, without its variable parts.
constexpr std::string_view kTraceId = "{\"trace_id\":\"";
constexpr std::string_view kSpanId = "\",\"span_id\":\"";
constexpr std::string_view kParentId = "\",\"parent_span_id\":\"";
constexpr std::string_view kKindClient = "\",\"kind\":\"client\",\"name\":";
constexpr std::string_view kKindServer = "\",\"kind\":\"server\",\"name\":";
constexpr std::string_view kStart = ",\"start_time_unix_nano\":";
constexpr std::string_view kEnd = ",\"end_time_unix_nano\":";
constexpr std::string_view kService = ",\"service.name\":";
constexpr std::string_view kPid = ",\"process.pid\":";
constexpr std::string_view kTid = ",\"thread.id\":";
constexpr std::string_view kStatusOk = ",\"status\":\"ok\",\"attributes\":{";
constexpr std::string_view kStatusError = ",\"status\":\"error\",\"attributes\":{";
constexpr std::string_view kClose = "}}\n";

constexpr size_t kFixedBytes = kTraceId.size() + 32 + kSpanId.size() + 16 + kParentId.size() + 16 +
                               kKindClient.size() + kStart.size() + kMaxNumber + kEnd.size() + kMaxNumber +
                               kService.size() + kPid.size() + kMaxNumber + kTid.size() + kMaxNumber +
                               kStatusError.size() + kClose.size();

}  // namespace

size_t span_json_capacity(const Span& span) {
  size_t n = kFixedBytes + json_quote_capacity(span.name.size()) + json_quote_capacity(span.service.size());
  for (const Attribute& a : span.attributes) {
    n += 2 + json_quote_capacity(a.key.size());  // ',' and ':'
    if (const auto* s = std::get_if<std::string>(&a.value))
      n += json_quote_capacity(s->size());
    else
      n += kMaxNumber;
  }
  return n;
}

char* write_span_json(const Span& span, char* p) {
  p = put(p, kTraceId);
  p = put_hex_bytes(p, span.trace_id.bytes, sizeof span.trace_id.bytes);
  p = put(p, kSpanId);
  p = put_hex_u64(p, span.span_id);
  p = put(p, kParentId);
  if (span.parent_span_id != 0) p = put_hex_u64(p, span.parent_span_id);
  p = put(p, span.kind == SpanKind::Client ? kKindClient : kKindServer);
  p = put_quoted(p, span.name);
  p = put(p, kStart);
  p = put_u64(p, span.start_unix_ns);
  p = put(p, kEnd);
  p = put_u64(p, span.end_unix_ns);
  p = put(p, kService);
  p = put_quoted(p, span.service);
  p = put(p, kPid);
  p = put_u64(p, span.pid);
  p = put(p, kTid);
  p = put_u64(p, span.tid);
  p = put(p, span.error ? kStatusError : kStatusOk);
  bool first = true;
  for (const Attribute& a : span.attributes) {
    if (!first) *p++ = ',';
    first = false;
    p = put_key(p, a.key);
    if (const auto* i = std::get_if<int64_t>(&a.value))
      p = put_i64(p, *i);
    else
      p = put_quoted(p, std::get<std::string>(a.value));
  }
  return put(p, kClose);
}

}  // namespace cs
