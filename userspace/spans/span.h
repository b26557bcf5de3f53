// A finished span as the sinks see it: ids resolved, times in Unix nanoseconds.
//
// SpanFields is the part a protocol decides (protocols/exchange.h, Exchange::describe); the rest is the
// same for every protocol and set by the span builder and the correlator.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "spans/recycling_allocator.h"

namespace cs {

enum class SpanKind : uint8_t { Server, Client };

struct Attribute {
  Attribute() = default;
  // For Attributes::emplace_back with every compiler of the toolchain: clang before 16 has no
  // parenthesized aggregate initialisation (the sanitizer stage builds with clang 14).
  template <typename V>
  Attribute(std::string_view k, V&& v) : key(k), value(std::forward<V>(v)) {}

  std::string_view key;                     // OpenTelemetry semantic-convention name: a string literal
                                            // (static storage; no allocation per span)
  std::variant<std::string, int64_t> value;
};

// A span's attributes, in order. Their array is recycled from span to span (spans/recycling_allocator.h).
using Attributes = std::vector<Attribute, RecyclingAllocator<Attribute>>;

struct TraceId {
  uint8_t bytes[16] = {};
  bool valid() const;
  std::string hex() const;                  // 32 lowercase hex digits
};

// What the protocol of an exchange says about its span.
struct SpanFields {
  std::string name;                         // "GET /users"
  bool error = false;
  std::string status_message;               // why error (e.g. "HTTP 503", "connection reset before the response")
  Attributes attributes;
  // Body bytes of the request and the response as they crossed the wire (after the head; for a chunked
  // HTTP body including its chunk framing), -1 if unknown (no response, message cut). Not part of the
  // JSON/OTLP span (its attributes stay as documented); metrics read them (http.*.body.size).
  int64_t request_body_bytes = -1;
  int64_t response_body_bytes = -1;
};

struct Span : SpanFields {
  TraceId trace_id;
  uint64_t span_id = 0;
  uint64_t parent_span_id = 0;              // 0: root (no parent known)
  bool remote_parent = false;               // parent came from an incoming traceparent header
  SpanKind kind = SpanKind::Server;
  uint64_t start_unix_ns = 0;
  uint64_t end_unix_ns = 0;
  std::string service;                      // service name of the process (today: its comm)
  uint32_t pid = 0;
  uint32_t tid = 0;

  const Attribute* find(std::string_view key) const;
};

std::string span_id_hex(uint64_t id);       // 16 lowercase hex digits

}  // namespace cs
