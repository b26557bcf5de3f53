#include "correlate/traceparent.h"

namespace cs {

namespace {

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

bool parse_hex(std::string_view s, uint8_t* out) {
  for (size_t i = 0; i + 1 < s.size(); i += 2) {
    int hi = hex_value(s[i]), lo = hex_value(s[i + 1]);
    if (hi < 0 || lo < 0) return false;
    out[i / 2] = static_cast<uint8_t>(hi << 4 | lo);
  }
  return true;
}

}  // namespace

std::optional<TraceParent> parse_traceparent(std::string_view v) {
  while (!v.empty() && (v.front() == ' ' || v.front() == '\t')) v.remove_prefix(1);
  while (!v.empty() && (v.back() == ' ' || v.back() == '\t')) v.remove_suffix(1);
  // version "-" trace-id "-" parent-id "-" flags; future versions may append "-..." fields.
  if (v.size() < 55 || v[2] != '-' || v[35] != '-' || v[52] != '-') return std::nullopt;
  if (v.size() > 55 && v[55] != '-') return std::nullopt;
  uint8_t version;
  if (!parse_hex(v.substr(0, 2), &version) || version == 0xff) return std::nullopt;
  if (version == 0 && v.size() != 55) return std::nullopt;
  TraceParent tp;
  uint8_t parent[8], flags;
  if (!parse_hex(v.substr(3, 32), tp.trace_id.bytes) || !parse_hex(v.substr(36, 16), parent) ||
      !parse_hex(v.substr(53, 2), &flags))
    return std::nullopt;
  for (uint8_t b : parent) tp.parent_span_id = tp.parent_span_id << 8 | b;
  if (!tp.trace_id.valid() || tp.parent_span_id == 0) return std::nullopt;
  return tp;
}

}  // namespace cs
