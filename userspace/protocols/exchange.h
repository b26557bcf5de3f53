// A request and its answer as a protocol reports them, and how the protocol turns one into its span.
//
// Rules:
//  - Exchange holds what every protocol has (the request and response bytes' positions and calls, how the
//    exchange ended); a protocol derives its own exchange type holding what its messages meant, and
//    describe() turns that into the span's name, protocol status/error and semantic-convention attributes.
//    spans/ and correlate/ never look inside a protocol's types.
//  - `response` covers everything that answered the request: from the first byte of its first response
//    message to the last byte of its last one (several messages per request, e.g. PostgreSQL's extended
//    query, are one response here).
//  - describe() fills SpanFields only. The span builder adds kind, times, process, ids and, when the
//    exchange did not end Complete, overrides error/status_message with why it ended.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

#include "protocols/message.h"
#include "spans/span.h"

namespace cs {

// What the span builder knows about the connection and side an exchange is described for.
struct ExchangeContext {
  SpanKind kind = SpanKind::Server;   // Client: the traced process sent the request
  std::string_view server_address;    // "127.0.0.1", "::1"
  uint16_t server_port = 0;
  std::string_view client_address;
  uint16_t client_port = 0;
  // Database protocols: db.query.text as sent (--raw-query-text) instead of with literals replaced by `?`.
  bool raw_query_text = false;
};

// Appends server.address, server.port, client.address, client.port (in this order).
void append_endpoint_attributes(const ExchangeContext& ctx, Attributes& out);

struct Exchange {
  // Why the exchange ended. Lost: the response was in bytes the capture lost (a later response answers a
  // later request). Evicted: the protocol's bound on unanswered requests was reached.
  enum class End : uint8_t { Complete, ConnectionClosed, ConnectionReset, Evicted, Lost };

  Message request;
  bool has_response = false;
  Message response;
  End end = End::Complete;
  uint64_t end_ns = 0;  // when the exchange ended if not Complete (close/reset/eviction time)

  Exchange() = default;
  Exchange(const Exchange&) = default;
  Exchange(Exchange&&) = default;
  Exchange& operator=(const Exchange&) = default;
  Exchange& operator=(Exchange&&) = default;
  virtual ~Exchange() = default;

  // Starts the exchange of `req` on an object reused from an earlier one (db/in_order_exchanges.h,
  // staged()): request copied (its string keeps its capacity), no response, Complete.
  void begin(const Message& req) {
    request = req;
    has_response = false;
    response.is_request = false;
    response.truncated = false;
    response.start_pos = response.end_pos = 0;
    response.first = response.last = SyscallMeta{};
    response.uncaptured_bytes = 0;
    response.traceparent.clear();
    end = End::Complete;
    end_ns = 0;
  }

  // The protocol's part of the span: name (e.g. "GET /users", "SELECT orders"), error and status_message
  // for a protocol-level failure (e.g. HTTP 5xx, an SQL error), attributes (OpenTelemetry semantic
  // conventions; use append_endpoint_attributes for the connection's endpoints).
  virtual void describe(const ExchangeContext& ctx, SpanFields& out) const = 0;
};

// Receives what a protocol session recognises. Implemented by the span builder. `dir` / `request_dir` is
// the direction requests travel on the connection (the session's request_dir).
class ExchangeSink {
 public:
  virtual ~ExchangeSink() = default;
  // A request's head has been parsed; the rest of it may still be on the way. Usually followed by
  // request_complete for the same start_pos, but a request cut by lost bytes may never be. Optional: a
  // protocol whose requests arrive whole may skip it.
  virtual void request_head(const Message& /*head*/, Dir /*dir*/) {}
  // A whole request has been seen (last byte moved).
  virtual void request_complete(const Message& request, Dir dir) = 0;
  // The first byte of the answer to the oldest unanswered request moved.
  virtual void response_started(const Message& request, Dir dir, const SyscallMeta& at) = 0;
  // The request got its answer (or never will). `exchange` is valid during the call only.
  virtual void exchange_complete(const Exchange& exchange, Dir request_dir) = 0;
};

}  // namespace cs
