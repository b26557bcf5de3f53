// Interfaces between the connection stage and the protocol parsers.
//
// A connection hands its protocol session the bytes of each direction as Segments, in stream order.
// The session parses messages, pairs requests with responses and reports them to an ExchangeSink
// (the span builder). A new protocol is a folder under protocols/ implementing Protocol and one line
// in protocol_registry.cpp.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace cs {

// Which side of a connection bytes travel on, seen from the traced process.
enum class Dir : uint8_t { Egress = 1, Ingress = 2 };

// The syscall that carried a segment: who and when.
struct SyscallMeta {
  uint64_t enter_ns = 0;  // CLOCK_MONOTONIC at syscall enter
  uint64_t exit_ns = 0;   // CLOCK_MONOTONIC at syscall exit
  uint32_t tid = 0;
};

// Bytes one syscall moved on one direction of a connection.
struct Segment {
  uint64_t pos = 0;             // stream position of the first byte (unwrapped TCP sequence number)
  uint32_t len = 0;             // bytes the syscall moved
  std::string_view captured;    // the first captured.size() <= len bytes; the rest were not copied
  SyscallMeta meta;
};

// One parsed protocol message (a request or a response) with where and when it travelled.
struct Message {
  bool is_request = true;
  uint64_t start_pos = 0;       // stream position of the first byte
  uint64_t end_pos = 0;         // stream position one past the last byte
  SyscallMeta first;            // syscall that carried the first byte
  SyscallMeta last;             // syscall that carried the last byte
  uint64_t uncaptured_bytes = 0;  // bytes of the message that were not captured (body beyond --payload-bytes, gaps)
  bool truncated = false;       // framing was lost inside the message; end_pos is a best guess (end of a segment)

  // Protocol fields, filled by the parser. Generic enough for request/response protocols.
  std::string method;           // request: "GET"; response: empty
  std::string target;           // request: "/users?id=1" (request-target as sent)
  std::string path;             // request: "/users"
  std::string host;             // request: Host header
  std::string version;          // "1.1"
  int status = 0;               // response: 200
  std::string traceparent;      // request: W3C traceparent header value, verbatim (empty if absent)
  bool keep_alive = true;
};

// A request and its response (or why there is none).
struct Exchange {
  Message request;
  bool has_response = false;
  Message response;
  // Lost: the response was in bytes the capture lost (a later response answers a later request).
  enum class End : uint8_t { Complete, ConnectionClosed, ConnectionReset, Evicted, Lost } end = End::Complete;
  uint64_t end_ns = 0;          // when the exchange ended if not Complete (close/reset time)
};

// Receives what a protocol session recognises. Implemented by the span builder.
class ExchangeSink {
 public:
  virtual ~ExchangeSink() = default;
  // A request's head (start line and headers) has been parsed; its body may still be on the way. Usually
  // followed by request_complete for the same start_pos, but a request cut by lost bytes may never be.
  virtual void request_head(const Message& /*head*/, Dir /*dir*/) {}
  // A whole request has been seen (last byte moved). `dir` is the direction it travelled.
  virtual void request_complete(const Message& request, Dir dir) = 0;
  // The first byte of the response to the oldest unanswered request moved.
  virtual void response_started(const Message& request, Dir dir, const SyscallMeta& at) = 0;
  // The request got its response (or never will). Called in request order.
  virtual void exchange_complete(Exchange&& exchange, Dir request_dir) = 0;
};

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
  // Bytes of one syscall, in stream order per direction. Positions jump forward over lost bytes.
  virtual void on_segment(Dir dir, const Segment& seg) = 0;
  // The connection ended: pending requests become exchanges ending with ConnectionClosed/Reset.
  virtual void on_close(uint64_t ts_ns, bool reset) = 0;
  virtual const ProtocolStats& stats() const = 0;
};

// What a protocol says about the first bytes seen on a connection.
enum class Detect : uint8_t { No, Request, Response };

class Protocol {
 public:
  virtual ~Protocol() = default;
  virtual std::string_view name() const = 0;
  // Do these first captured bytes look like the start of a request or a response of this protocol?
  virtual Detect detect(std::string_view first_bytes) const = 0;
  // `request_dir`: the direction requests travel on this connection (Ingress for a server).
  virtual std::unique_ptr<ProtocolSession> create_session(Dir request_dir, ExchangeSink& sink) const = 0;
};

// All protocols known to the agent, in detection order (see protocol_registry.cpp).
const std::vector<const Protocol*>& protocol_registry();

}  // namespace cs
