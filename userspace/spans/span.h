// A finished span as the sinks see it: ids resolved, times in Unix nanoseconds.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace cs {

enum class SpanKind : uint8_t { Server, Client };

struct Attribute {
  std::string_view key;                     // OpenTelemetry semantic-convention name: a string literal
                                            // (static storage; no allocation per span)
  std::variant<std::string, int64_t> value;
};

struct TraceId {
  uint8_t bytes[16] = {};
  bool valid() const;
  std::string hex() const;                  // 32 lowercase hex digits
};

struct Span {
  TraceId trace_id;
  uint64_t span_id = 0;
  uint64_t parent_span_id = 0;              // 0: root (no parent known)
  bool remote_parent = false;               // parent came from an incoming traceparent header
  SpanKind kind = SpanKind::Server;
  std::string name;                         // "GET /users"
  uint64_t start_unix_ns = 0;
  uint64_t end_unix_ns = 0;
  std::string service;                      // process name (comm)
  uint32_t pid = 0;
  uint32_t tid = 0;
  bool error = false;
  std::string status_message;               // why error (e.g. "connection reset before response")
  std::vector<Attribute> attributes;

  const Attribute* find(std::string_view key) const;
};

std::string span_id_hex(uint64_t id);       // 16 lowercase hex digits

}  // namespace cs
