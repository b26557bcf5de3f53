#include "spans/span_builder.h"

#include <vector>

namespace cs {

namespace {

FlowKey flow_of(const Connection& c, const Message& request) {
  FlowKey k;
  k.client = c.is_client() ? c.local : c.remote;
  k.server = c.is_client() ? c.remote : c.local;
  k.seq = static_cast<uint32_t>(request.start_pos);  // positions are congruent to TCP seq mod 2^32
  return k;
}

// The ExchangeSink of one connection: keeps the span ids of its unanswered requests in order.
class ConnExchangeSink : public ExchangeSink {
 public:
  ConnExchangeSink(Connection& conn, Correlator& correlator, PipelineStats& stats)
      : conn_(conn), correlator_(correlator), stats_(stats) {}

  ~ConnExchangeSink() override {
    for (const Early& e : early_) correlator_.discard(e.id);  // heads whose request never completed
  }

  // The span starts to exist with the request's head, so the thread serving it is known while the body
  // is still coming (a handler may call downstream before reading the body) and both sides of a slow
  // upload meet within the link window.
  void request_head(const Message& head, Dir) override { early_.push_back(Early{head.start_pos, open_span(head)}); }

  void request_complete(const Message& req, Dir) override {
    uint64_t id = 0;
    size_t i = 0;
    for (; i < early_.size() && early_[i].start_pos < req.start_pos; ++i)
      correlator_.discard(early_[i].id);  // its request was dropped by the parser (lost bytes)
    if (i < early_.size() && early_[i].start_pos == req.start_pos) id = early_[i++].id;
    early_.erase(early_.begin(), early_.begin() + static_cast<std::ptrdiff_t>(i));
    if (id == 0) id = open_span(req);
    if (head_ == pending_.size()) {  // empty: reuse the storage from the start
      pending_.clear();
      head_ = 0;
    } else if (head_ > 64 && 2 * head_ > pending_.size()) {  // always busy (pipelining): compact
      pending_.erase(pending_.begin(), pending_.begin() + static_cast<std::ptrdiff_t>(head_));
      head_ = 0;
    }
    pending_.push_back(id);
  }

  void response_started(const Message&, Dir, const SyscallMeta&) override {
    if (!conn_.is_client() && head_ < pending_.size()) correlator_.server_responding(pending_[head_]);
  }

  void exchange_complete(Exchange&& ex, Dir) override {
    if (head_ == pending_.size()) {
      ++stats_.unmatched_responses;
      return;
    }
    uint64_t id = pending_[head_++];
    correlator_.span_finished(id, SpanBuilder::make_span(conn_, ex));
  }

 private:
  // Tells the correlator about a new request (the connection's request direction decides the side).
  uint64_t open_span(const Message& req) {
    bool flow_valid = conn_.cursor(conn_.request_dir).seq_valid();
    uint64_t id;
    if (!conn_.is_client()) {
      std::optional<TraceParent> tp;
      if (!req.traceparent.empty()) tp = parse_traceparent(req.traceparent);
      id = correlator_.server_request(ThreadKey{conn_.pid, req.last.tid}, conn_.gen, flow_of(conn_, req),
                                      flow_valid, tp, req.last.exit_ns);
    } else {
      id = correlator_.client_request(ThreadKey{conn_.pid, req.first.tid}, conn_.gen, conn_.requests_seen == 0,
                                      flow_of(conn_, req), flow_valid, req.last.exit_ns);
    }
    ++conn_.requests_seen;
    return id;
  }

  struct Early {
    uint64_t start_pos;
    uint64_t id;
  };

  Connection& conn_;
  Correlator& correlator_;
  PipelineStats& stats_;
  std::vector<Early> early_;  // spans opened at a request head whose request is not complete yet
  // Span ids of unanswered requests, oldest at head_ (a std::deque would cost ~600 bytes per idle
  // connection).
  std::vector<uint64_t> pending_;
  size_t head_ = 0;
};

}  // namespace

SpanBuilder::SpanBuilder(Correlator& correlator, PipelineStats& stats) : correlator_(correlator), stats_(stats) {}

std::unique_ptr<ExchangeSink> SpanBuilder::exchange_sink_for(Connection& conn) {
  return std::make_unique<ConnExchangeSink>(conn, correlator_, stats_);
}

void SpanBuilder::connected(Connection& conn, uint32_t tid) {
  correlator_.client_connected(ThreadKey{conn.pid, tid}, conn.gen);
}

void SpanBuilder::closed(Connection& conn) { correlator_.connection_closed(conn.gen); }

Span SpanBuilder::make_span(const Connection& c, const Exchange& ex) {
  Span s;
  const Message& req = ex.request;
  bool client = c.is_client();
  s.kind = client ? SpanKind::Client : SpanKind::Server;
  s.name = req.method + " " + (req.path.empty() ? std::string("/") : req.path);
  s.service = c.comm;
  s.pid = c.pid;
  s.tid = client ? req.first.tid : req.last.tid;

  uint64_t start = client ? req.first.enter_ns : req.first.exit_ns;
  uint64_t end;
  if (ex.has_response && ex.end == Exchange::End::Complete)
    end = client ? ex.response.last.exit_ns : ex.response.last.enter_ns;
  else
    end = ex.end_ns;
  if (end < start) end = start;
  s.start_unix_ns = start;  // monotonic until the correlator converts it
  s.end_unix_ns = end;

  int status = ex.has_response ? ex.response.status : 0;
  switch (ex.end) {
    case Exchange::End::Complete:
      if (status >= 500 || (client && status >= 400)) {
        s.error = true;
        s.status_message = "HTTP " + std::to_string(status);
      }
      break;
    case Exchange::End::ConnectionClosed:
      s.error = true;
      s.status_message = ex.has_response ? "connection closed during the response" : "connection closed before the response";
      break;
    case Exchange::End::ConnectionReset:
      s.error = true;
      s.status_message = ex.has_response ? "connection reset during the response" : "connection reset before the response";
      break;
    case Exchange::End::Lost:
      s.error = true;
      s.status_message = "response lost (events dropped)";
      break;
    case Exchange::End::Evicted:
      s.error = true;
      s.status_message = "connection state evicted before the response";
      break;
  }

  const Endpoint& server = client ? c.remote : c.local;
  const Endpoint& peer = client ? c.local : c.remote;
  s.attributes.reserve(9);
  s.attributes.push_back({"http.request.method", req.method});
  s.attributes.push_back({"url.path", req.path.empty() ? std::string("/") : req.path});
  if (ex.has_response && status > 0) s.attributes.push_back({"http.response.status_code", int64_t{status}});
  s.attributes.push_back({"server.address", client ? c.remote_ip : c.local_ip});
  s.attributes.push_back({"server.port", int64_t{server.port}});
  s.attributes.push_back({"client.address", client ? c.local_ip : c.remote_ip});
  s.attributes.push_back({"client.port", int64_t{peer.port}});
  s.attributes.push_back({"network.protocol.name", std::string("http")});
  if (!req.version.empty()) s.attributes.push_back({"network.protocol.version", req.version});
  return s;
}

}  // namespace cs
