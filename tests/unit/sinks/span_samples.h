// Hand-made spans shared by the sink tests.
#pragma once

#include "spans/span.h"

namespace cs::test {

inline TraceId trace_id_of(uint8_t first, uint8_t last) {
  TraceId t;
  for (int i = 0; i < 16; ++i) t.bytes[i] = static_cast<uint8_t>(i * 0x11);
  t.bytes[0] = first;
  t.bytes[15] = last;
  return t;
}

inline Span make_span(uint64_t id, uint64_t parent, SpanKind kind, std::string name, uint64_t start,
                      uint64_t end, std::string service, uint32_t pid) {
  Span s;
  s.trace_id = trace_id_of(0x4b, 0x36);
  s.span_id = id;
  s.parent_span_id = parent;
  s.kind = kind;
  s.name = std::move(name);
  s.start_unix_ns = start;
  s.end_unix_ns = end;
  s.service = std::move(service);
  s.pid = pid;
  s.tid = pid + 1;
  return s;
}

}  // namespace cs::test
