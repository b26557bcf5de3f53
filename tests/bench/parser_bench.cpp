// HTTP/1.1 parsing and request/response pairing alone: the data records of the generated traffic are
// turned into Segments up front and fed straight to one Http1Session per socket (no record decoding,
// connection tracking, span building, correlation or output).
#include <benchmark/benchmark.h>

#include <cstring>
#include <memory>
#include <unordered_map>
#include <vector>

#include "bench/http_traffic.h"
#include "callscope/events.h"
#include "protocols/http1/http1_protocol.h"

namespace cs::bench {
namespace {

struct SegmentInput {
  uint64_t sock = 0;
  Dir dir = Dir::Ingress;
  Dir request_dir = Dir::Ingress;
  Segment seg;
};

class CountingExchangeSink : public ExchangeSink {
 public:
  void request_complete(const Message&, Dir) override { ++requests; }
  void response_started(const Message&, Dir, const SyscallMeta&) override {}
  void exchange_complete(const Exchange& e, Dir) override { exchanges += e.has_response ? 1 : 0; }
  uint64_t requests = 0;
  uint64_t exchanges = 0;
};

struct Inputs {
  const Traffic* traffic = nullptr;
  std::vector<SegmentInput> segments;
};

const Inputs& inputs() {
  static const Inputs in = [] {
    static const Traffic traffic = generate_http_traffic(TrafficConfig{});
    Inputs in;
    in.traffic = &traffic;
    std::unordered_map<uint64_t, uint64_t> pos[3];  // per direction: socket -> next stream position
    for (size_t i = 0; i < traffic.records(); ++i) {
      cs_event_header h;
      std::memcpy(&h, traffic.record(i), sizeof h);
      if (h.type != CS_EV_DATA) continue;
      const auto* e = reinterpret_cast<const cs_data_event*>(traffic.record(i));
      SegmentInput s;
      s.sock = e->sock.sock_id;
      s.dir = e->direction == CS_DIR_EGRESS ? Dir::Egress : Dir::Ingress;
      s.request_dir = e->sock.role == CS_ROLE_CLIENT ? Dir::Egress : Dir::Ingress;
      uint64_t& p = pos[e->direction][e->sock.sock_id];
      s.seg.pos = p;
      s.seg.len = e->len;
      s.seg.captured = std::string_view(reinterpret_cast<const char*>(e->payload), e->captured);
      s.seg.meta = SyscallMeta{e->enter_ns != 0 ? e->enter_ns : e->hdr.ts_ns, e->hdr.ts_ns, e->hdr.tid, e->hdr.pid,
                               e->goid};
      p += e->len;
      in.segments.push_back(s);
    }
    return in;
  }();
  return in;
}

void BM_Http1SessionParseAndPair(benchmark::State& state) {
  const Inputs& in = inputs();
  uint64_t exchanges = 0;
  for (auto _ : state) {
    CountingExchangeSink sink;
    std::unordered_map<uint64_t, std::unique_ptr<ProtocolSession>> sessions;
    sessions.reserve(2048);
    for (const auto& s : in.segments) {
      auto& session = sessions[s.sock];
      if (!session) session = http1::http1_protocol().create_session(s.request_dir, sink);
      session->on_segment(s.dir, s.seg);
    }
    exchanges = sink.exchanges;
    benchmark::DoNotOptimize(exchanges);
  }
  // Every exchange is parsed twice (client and server side of the connection are both traced).
  state.SetItemsProcessed(static_cast<int64_t>(in.traffic->http_requests * state.iterations()));
  state.counters["segments/s"] = benchmark::Counter(static_cast<double>(in.segments.size()) * state.iterations(),
                                                    benchmark::Counter::kIsRate);
  state.counters["exchanges_paired"] = static_cast<double>(exchanges);
}

BENCHMARK(BM_Http1SessionParseAndPair)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace cs::bench
