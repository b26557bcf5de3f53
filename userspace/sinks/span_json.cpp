#include "sinks/span_json.h"

#include <cstdint>
#include <cstring>
#include <string_view>
#include <variant>

#include "sinks/json_string.h"

namespace cs {

namespace {

constexpr char kHexDigits[] = "0123456789abcdef";

// "00" "01" ... "99": two decimal digits per lookup.
constexpr char kDigitPairs[] =
    "00010203040506070809101112131415161718192021222324252627282930313233343536373839"
    "40414243444546474849505152535455565758596061626364656667686970717273747576777879"
    "8081828384858687888990919293949596979899";

// Longest decimal number written: 20 digits (UINT64_MAX) plus a sign.
constexpr size_t kMaxNumber = 21;

inline char* put(char* p, std::string_view s) {
  std::memcpy(p, s.data(), s.size());
  return p + s.size();
}

inline unsigned decimal_digits(uint32_t v) {
  if (v < 100) return v < 10 ? 1 : 2;
  if (v < 10000) return v < 1000 ? 3 : 4;
  if (v < 1000000) return v < 100000 ? 5 : 6;
  if (v < 100000000) return v < 10000000 ? 7 : 8;
  return v < 1000000000 ? 9 : 10;
}

// Writes the `n` digits of v backwards from `end`, two at a time, 32-bit arithmetic.
inline void put_digits(char* end, uint32_t v, unsigned n) {
  while (n >= 2) {
    end -= 2;
    std::memcpy(end, kDigitPairs + 2 * (v % 100), 2);
    v /= 100;
    n -= 2;
  }
  if (n == 1) end[-1] = static_cast<char>('0' + v);
}

char* put_u64(char* p, uint64_t v) {
  if (v <= UINT32_MAX) {
    const unsigned n = decimal_digits(static_cast<uint32_t>(v));
    put_digits(p + n, static_cast<uint32_t>(v), n);
    return p + n;
  }
  // Split into a head and 8-digit groups (a Unix time in ns has 19 digits: 3 + 8 + 8).
  const auto low = static_cast<uint32_t>(v % 100000000);
  v /= 100000000;
  if (v <= UINT32_MAX && v < 100000000) {
    p = put_u64(p, v);
  } else {
    p = put_u64(p, v / 100000000);
    put_digits(p + 8, static_cast<uint32_t>(v % 100000000), 8);
    p += 8;
  }
  put_digits(p + 8, low, 8);
  return p + 8;
}

char* put_i64(char* p, int64_t v) {
  if (v >= 0) return put_u64(p, static_cast<uint64_t>(v));
  *p++ = '-';
  return put_u64(p, 0 - static_cast<uint64_t>(v));  // INT64_MIN included
}

char* put_hex_u64(char* p, uint64_t v) {
  for (int i = 15; i >= 0; --i) {
    p[i] = kHexDigits[v & 0xf];
    v >>= 4;
  }
  return p + 16;
}

char* put_hex_bytes(char* p, const uint8_t* bytes, size_t n) {
  for (size_t i = 0; i < n; ++i) {
    *p++ = kHexDigits[bytes[i] >> 4];
    *p++ = kHexDigits[bytes[i] & 0xf];
  }
  return p;
}

inline char* put_quoted(char* p, std::string_view s) { return p + json_quote(s, p); }

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
    p = put_quoted(p, a.key);
    *p++ = ':';
    if (const auto* i = std::get_if<int64_t>(&a.value))
      p = put_i64(p, *i);
    else
      p = put_quoted(p, std::get<std::string>(a.value));
  }
  return put(p, kClose);
}

}  // namespace cs
