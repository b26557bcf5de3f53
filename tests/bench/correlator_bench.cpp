// The correlator alone (correlate/): what deciding parents and trace ids costs per HTTP exchange, without
// parsing or output. Each iteration is one request through load -> A -> B on one node: two exchanges
// (four spans), linked by the wire (rule 1, exact tuples) and inside A (rule 2, a thread serving one
// request), with the socket-call evidence the span builder sends (io per call, response starts), and
// 256 requests in flight at any time. items_per_second = HTTP exchanges per CPU second.
#include <benchmark/benchmark.h>

#include <arpa/inet.h>

#include <deque>

#include "correlate/correlator.h"

namespace cs::bench {
namespace {

class CountingSink : public SpanSink {
 public:
  void emit(const std::vector<Span>& spans) override { count += spans.size(); }
  uint64_t count = 0;
};

Endpoint ep(uint32_t ip, uint16_t port) {
  Endpoint e;
  e.family = 2;
  e.port = port;
  uint32_t be = htonl(ip);
  std::memcpy(e.addr, &be, 4);
  return e;
}

WireEnd wire(uint32_t client_ip, uint16_t client_port, uint32_t server_ip, uint16_t server_port, uint32_t seq) {
  WireEnd w;
  w.valid = true;
  w.flow.client = ep(client_ip, client_port);
  w.flow.server = ep(server_ip, server_port);
  w.flow.seq = seq;
  w.netns = 4026531840u;
  return w;
}

Span span_named(SpanKind kind, uint64_t start, uint64_t end) {
  Span s;
  s.kind = kind;
  s.name = "GET /r";
  s.start_unix_ns = start;
  s.end_unix_ns = end;
  return s;
}

void BM_CorrelatorThreeTier(benchmark::State& state) {
  PipelineConfig config;
  config.id_seed = 42;
  config.link_window_ns = 2'000'000;   // event time advances 1 us per request here
  config.trace_linger_ns = 2'000'000;
  PipelineStats stats;
  CountingSink sink;
  Correlator c(config, sink, stats);
  uint64_t now = 1'000'000'000, n = 0;
  constexpr uint32_t kInFlight = 256;
  struct Open {
    SpanHandle load, a_server, a_client, b_server;
    uint64_t start;
    uint64_t conn_in, conn_out;
  };
  std::deque<Open> open;
  for (auto _ : state) {
    const uint32_t i = static_cast<uint32_t>(n++);
    const uint32_t lane = i % kInFlight;  // connection lane: keep-alive connections reused
    const uint64_t conn_load = 1'000'000 + lane, conn_a_in = 2'000'000 + lane, conn_a_out = 3'000'000 + lane,
                   conn_b_in = 4'000'000 + lane;
    const ExecContext load{100, 100 + lane}, a{200, 200 + lane}, b{300, 300 + lane};
    const uint16_t lport = static_cast<uint16_t>(30000 + lane), aport = static_cast<uint16_t>(40000 + lane);
    now += 1000;
    c.io(load, conn_load, Side::Client, Io::Output, now);
    SpanHandle h1 = c.client_request(load, conn_load, i < kInFlight, wire(0x7f000001, lport, 0x7f000001, 8080, i * 977), now);
    c.io(a, conn_a_in, Side::Server, Io::CompletingInput, now);
    SpanHandle h2 = c.server_request(a, conn_a_in, wire(0x7f000001, lport, 0x7f000001, 8080, i * 977), std::nullopt, now);
    c.io(a, conn_a_out, Side::Client, Io::Output, now);
    SpanHandle h3 = c.client_request(a, conn_a_out, i < kInFlight, wire(0x7f000001, aport, 0x7f000001, 9090, i * 1931), now);
    c.io(b, conn_b_in, Side::Server, Io::CompletingInput, now);
    SpanHandle h4 = c.server_request(b, conn_b_in, wire(0x7f000001, aport, 0x7f000001, 9090, i * 1931), std::nullopt, now);
    open.push_back(Open{h1, h2, h3, h4, now, conn_a_in, conn_a_out});
    if (open.size() >= kInFlight) {  // the oldest request completes
      const Open o = open.front();
      open.pop_front();
      c.io(b, conn_b_in, Side::Server, Io::Output, now);
      c.response_started(o.b_server);
      c.span_finished(o.b_server, span_named(SpanKind::Server, o.start, now), true, i * 31);
      c.io(a, o.conn_out, Side::Client, Io::CompletingInput, now);
      c.span_finished(o.a_client, span_named(SpanKind::Client, o.start, now + 1), true, i * 31);
      c.io(a, o.conn_in, Side::Server, Io::Output, now);
      c.response_started(o.a_server);
      c.span_finished(o.a_server, span_named(SpanKind::Server, o.start, now + 2), true, i * 37);
      c.io(load, conn_load, Side::Client, Io::CompletingInput, now);
      c.span_finished(o.load, span_named(SpanKind::Client, o.start, now + 3), true, i * 37);
    }
    if ((i & 63) == 0) c.advance(now);
  }
  c.flush();
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()) * 2);  // two exchanges per request
  state.counters["spans_out"] = static_cast<double>(sink.count);
  state.counters["linked_xproc"] = static_cast<double>(stats.linked_cross_process);
  state.counters["linked_inproc"] = static_cast<double>(stats.linked_in_process);
}
BENCHMARK(BM_CorrelatorThreeTier);

}  // namespace
}  // namespace cs::bench
