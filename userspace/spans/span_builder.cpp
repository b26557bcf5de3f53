#include "spans/span_builder.h"

#include <string>
#include <vector>

#include "correlate/runtime.h"

namespace cs {

namespace {

WireEnd wire_of(Connection& c, const Message& request) {
  WireEnd w;
  w.valid = c.cursor(c.request_dir).seq_valid();
  w.flow.client = c.is_client() ? c.local : c.remote;
  w.flow.server = c.is_client() ? c.remote : c.local;
  w.flow.seq = static_cast<uint32_t>(request.start_pos);  // positions are congruent to TCP seq mod 2^32
  w.netns = c.netns;
  return w;
}

// The call whose process and thread a span of this side belongs to.
const SyscallMeta& caller_of(const Connection& c, const Message& request) {
  return c.is_client() ? request.first : request.last;
}

// The ExchangeSink of one connection: keeps the span ids of its unanswered requests in order.
class ConnExchangeSink : public ExchangeSink {
 public:
  ConnExchangeSink(Connection& conn, Correlator& correlator, PipelineStats& stats, const ProcessTable& processes,
                   const SpanBuilder& builder)
      : conn_(conn), correlator_(correlator), stats_(stats), processes_(processes), builder_(builder) {}

  ~ConnExchangeSink() override {
    for (const Early& e : early_) correlator_.discard(e.id);  // heads whose request never completed
  }

  // The span starts to exist with the request's head, so the thread serving it is known while the body
  // is still coming (a handler may call downstream before reading the body) and both sides of a slow
  // upload meet within the link window.
  void request_head(const Message& head, Dir) override {
    early_.push_back(Early{head.start_pos, open_span(head), std::string(service_of(head))});
  }

  void request_complete(const Message& req, Dir) override {
    if (!conn_.is_client()) completed();
    uint64_t id = 0;
    std::string service(service_of(req));
    size_t i = 0;
    for (; i < early_.size() && early_[i].start_pos < req.start_pos; ++i)
      correlator_.discard(early_[i].id);  // its request was dropped by the parser (lost bytes)
    if (i < early_.size() && early_[i].start_pos == req.start_pos) {
      id = early_[i].id;
      if (service.empty()) service = std::move(early_[i].service);  // the process is gone by now
      ++i;
    }
    early_.erase(early_.begin(), early_.begin() + static_cast<std::ptrdiff_t>(i));
    if (id == 0) id = open_span(req);
    if (head_ == pending_.size()) {  // empty: reuse the storage from the start
      pending_.clear();
      head_ = 0;
    } else if (head_ > 64 && 2 * head_ > pending_.size()) {  // always busy (pipelining): compact
      pending_.erase(pending_.begin(), pending_.begin() + static_cast<std::ptrdiff_t>(head_));
      head_ = 0;
    }
    pending_.push_back(Pending{id, std::move(service)});
  }

  // Server: its thread no longer serves the request.
  void response_started(const Message&, Dir, const SyscallMeta&) override {
    if (!conn_.is_client() && head_ < pending_.size()) correlator_.response_started(pending_[head_].id);
  }

  void exchange_complete(const Exchange& ex, Dir) override {
    if (head_ == pending_.size()) {
      ++stats_.unmatched_responses;
      return;
    }
    if (conn_.is_client() && ex.has_response && ex.end == Exchange::End::Complete) completed();
    Pending& p = pending_[head_++];
    // The response's first sequence number: rule 1 through NAT.
    const bool seq_valid = ex.has_response && conn_.cursor(conn_.request_dir == Dir::Egress ? Dir::Ingress : Dir::Egress).seq_valid();
    correlator_.span_finished(p.id, SpanBuilder::make_span(conn_, ex, p.service, builder_.raw_query_text()), seq_valid,
                              static_cast<uint32_t>(ex.response.start_pos));
  }

 private:
  std::string_view service_of(const Message& req) const { return processes_.service_name(caller_of(conn_, req).pid); }

  // The read being processed now, on this connection, completed a request (server) or a response
  // (client): what a handler acts on (in_process_rule.h, Io). Not for an exchange ended later by a close, a loss or the end of input: that
  // says nothing about what the thread was doing then.
  void completed() {
    const SyscallMeta* at = builder_.current_read_on(conn_.gen);
    if (at == nullptr) return;
    correlator_.io(builder_.exec_of(*at), conn_.gen, conn_.is_client() ? Side::Client : Side::Server,
                   Io::CompletingInput, at->exit_ns);
  }

  // Tells the correlator about a new request (the connection's request direction decides the side).
  uint64_t open_span(const Message& req) {
    uint64_t id;
    const SyscallMeta& caller = caller_of(conn_, req);
    const ExecContext exec = builder_.exec_of(caller);
    if (!conn_.is_client()) {
      std::optional<TraceParent> tp;
      if (!req.traceparent.empty()) tp = parse_traceparent(req.traceparent);
      id = correlator_.server_request(exec, conn_.gen, wire_of(conn_, req), tp, req.last.exit_ns);
    } else {
      id = correlator_.client_request(exec, conn_.gen, conn_.requests_seen == 0, wire_of(conn_, req),
                                      req.last.exit_ns);
    }
    ++conn_.requests_seen;
    return id;
  }

  struct Early {
    uint64_t start_pos;
    uint64_t id;
    std::string service;
  };
  struct Pending {
    uint64_t id;
    std::string service;  // of the span's process, taken while it was known
  };

  Connection& conn_;
  Correlator& correlator_;
  PipelineStats& stats_;
  const ProcessTable& processes_;
  const SpanBuilder& builder_;
  std::vector<Early> early_;  // spans opened at a request head whose request is not complete yet
  // Unanswered requests, oldest at head_ (a std::deque would cost ~600 bytes per idle connection).
  std::vector<Pending> pending_;
  size_t head_ = 0;
};

const char* end_message(Exchange::End end, bool has_response) {
  switch (end) {
    case Exchange::End::Complete:
      return nullptr;
    case Exchange::End::ConnectionClosed:
      return has_response ? "connection closed during the response" : "connection closed before the response";
    case Exchange::End::ConnectionReset:
      return has_response ? "connection reset during the response" : "connection reset before the response";
    case Exchange::End::Lost:
      return "response lost (events dropped)";
    case Exchange::End::Evicted:
      return "connection state evicted before the response";
  }
  return nullptr;
}

}  // namespace

SpanBuilder::SpanBuilder(Correlator& correlator, PipelineStats& stats, const ProcessTable& processes,
                         bool raw_query_text)
    : correlator_(correlator), stats_(stats), processes_(processes), raw_query_text_(raw_query_text) {}

std::unique_ptr<ExchangeSink> SpanBuilder::exchange_sink_for(Connection& conn) {
  if (opaque_.held && opaque_.conn == conn.gen) opaque_.held = false;  // its bytes were a protocol's after all
  flush_opaque();
  return std::make_unique<ConnExchangeSink>(conn, correlator_, stats_, processes_, *this);
}

ExecContext SpanBuilder::exec_of(const SyscallMeta& at) const {
  return ExecContext{at.pid, at.tid, at.goid, runtime_of_comm(processes_.service_name(at.pid))};
}

void SpanBuilder::connected(Connection& conn, const SyscallMeta& at) {
  flush_opaque();
  current_conn_ = 0;
  correlator_.client_connected(exec_of(at), conn.gen, at.exit_ns);
}

void SpanBuilder::io(Connection& conn, Dir dir, const SyscallMeta& at) {
  flush_opaque();
  current_call_ = at;
  current_conn_ = conn.gen;
  current_is_read_ = dir == Dir::Ingress;
  const bool parsed = conn.proto == Connection::Proto::Active;
  // Reads of a parsed connection are reported by its exchange sink, with what they completed.
  if (dir == Dir::Ingress && parsed) return;
  // Before the protocol is known the kernel's role says which end this is.
  const bool client = parsed ? conn.is_client() : conn.kernel_role == CS_ROLE_CLIENT;
  const Side side = client ? Side::Client : Side::Server;
  if (dir == Dir::Egress) {
    correlator_.io(exec_of(at), conn.gen, side, Io::Output, at.exit_ns);
  } else if (conn.proto == Connection::Proto::Detecting) {
    // These bytes may be the first of a protocol the tracker is about to detect (then the exchange sink
    // reports what they complete): held until the next event says whether they were.
    opaque_ = PendingOpaque{true, conn.gen, exec_of(at), side, at.exit_ns};
  } else {
    correlator_.io(exec_of(at), conn.gen, side, Io::OpaqueInput, at.exit_ns);
  }
}

void SpanBuilder::flush_opaque() {
  if (!opaque_.held) return;
  opaque_.held = false;
  correlator_.io(opaque_.exec, opaque_.conn, opaque_.side, Io::OpaqueInput, opaque_.at_ns);
}

void SpanBuilder::closed(Connection& conn) {
  flush_opaque();
  current_conn_ = 0;
  correlator_.connection_closed(conn.gen);
}

Span SpanBuilder::make_span(const Connection& c, const Exchange& ex, std::string_view service,
                             bool raw_query_text) {
  Span s;
  const Message& req = ex.request;
  const bool client = c.is_client();
  s.kind = client ? SpanKind::Client : SpanKind::Server;

  ExchangeContext ctx;
  ctx.kind = s.kind;
  ctx.server_address = client ? c.remote_ip : c.local_ip;
  ctx.server_port = client ? c.remote.port : c.local.port;
  ctx.client_address = client ? c.local_ip : c.remote_ip;
  ctx.client_port = client ? c.local.port : c.remote.port;
  ctx.raw_query_text = raw_query_text;
  ex.describe(ctx, s);

  s.service.assign(service);
  const SyscallMeta& caller = caller_of(c, req);
  s.pid = caller.pid;
  s.tid = caller.tid;

  uint64_t start = client ? req.first.enter_ns : req.first.exit_ns;
  uint64_t end;
  if (ex.has_response && ex.end == Exchange::End::Complete)
    end = client ? ex.response.last.exit_ns : ex.response.last.enter_ns;
  else
    end = ex.end_ns;
  if (end < start) end = start;
  s.start_unix_ns = start;  // monotonic until the correlator converts it
  s.end_unix_ns = end;

  if (const char* why = end_message(ex.end, ex.has_response)) {
    s.error = true;
    s.status_message = why;
  }
  return s;
}

}  // namespace cs
