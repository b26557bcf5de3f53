// Interfaces between the connection stage and the protocol parsers, and the rules every protocol follows.
//
// A protocol is a folder protocols/<name>/ holding a Protocol (detection from a connection's first bytes,
// session factory), a ProtocolSession (parses both directions of one connection, pairs requests with their
// answers) and an Exchange subclass whose describe() turns an exchange into its span's name, status and
// attributes (protocols/exchange.h); plus one line in protocol_registry.cpp. Nothing in connections/,
// spans/ or correlate/ changes for a new protocol.
//
// A session:
//  - gets each direction's Segments in stream order. Positions jump forward over lost bytes (gaps); a
//    segment may carry fewer captured bytes than it moved (len > captured.size()).
//  - reports to its ExchangeSink, in request order: request_head (optional), request_complete,
//    response_started (at most once), then exchange_complete exactly once per request_complete (also when
//    the connection closes, a bound is hit or the answer was lost). Several requests may be outstanding
//    (pipelining); answers pair with the oldest unanswered one.
//  - reports only what becomes a span. A server greeting (server speaks first), a startup or handshake
//    message before any request, authentication, and server pushes that answer no request (pub/sub) are
//    consumed by the session, which may keep what it learns from them (e.g. the database name) for the
//    attributes of later exchanges.
//  - never pairs an answer with the wrong request: after lost or garbled bytes it drops what it cannot
//    prove, counts it in its ProtocolStats and resynchronises at the next message it can prove.
//  - bounds its memory (pending requests, buffered heads) whatever the bytes say.
#pragma once

#include <cstdint>
#include <memory>
#include <string_view>
#include <vector>

#include "protocols/exchange.h"
#include "protocols/message.h"

namespace cs {

// Per-session counters, summed into the agent's self-metrics.
struct ProtocolStats {
  uint64_t messages = 0;
  uint64_t parse_errors = 0;      // bytes that did not parse; the stream resynchronised
  uint64_t resyncs = 0;
  uint64_t gaps = 0;              // lost-event gaps met inside the stream
  uint64_t unmatched_responses = 0;
  uint64_t truncated_messages = 0;
};

// Protocol state of one connection (both directions).
class ProtocolSession {
 public:
  virtual ~ProtocolSession() = default;
  // Bytes of one socket call, in stream order per direction. Positions jump forward over lost bytes.
  virtual void on_segment(Dir dir, const Segment& seg) = 0;
  // The connection ended: pending requests become exchanges ending with ConnectionClosed/Reset.
  virtual void on_close(uint64_t ts_ns, bool reset) = 0;
  virtual const ProtocolStats& stats() const = 0;
};

// What a protocol says about the first bytes seen on a connection (in either direction): not this
// protocol, or this protocol as sent by the client (a request, a startup message) or by the server (a
// response, a greeting). Conservative: a false detection costs wrong spans, a miss costs nothing more.
enum class Detect : uint8_t { No, SentByClient, SentByServer };

class Protocol {
 public:
  virtual ~Protocol() = default;
  virtual std::string_view name() const = 0;
  // `first_bytes`: the captured bytes of the first segment seen on a connection, in one direction.
  virtual Detect detect(std::string_view first_bytes) const = 0;
  // `request_dir`: the direction requests travel on this connection (Ingress for a server).
  virtual std::unique_ptr<ProtocolSession> create_session(Dir request_dir, ExchangeSink& sink) const = 0;
};

// All protocols known to the agent, in detection order (see protocol_registry.cpp).
const std::vector<const Protocol*>& protocol_registry();

}  // namespace cs
