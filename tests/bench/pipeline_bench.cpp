// Userspace throughput: generated keep-alive HTTP/1.1 traffic (see http_traffic.h) through the whole
// pipeline (decode, connection tracking, HTTP parse, request/response pairing, span building,
// cross-process and in-process correlation) and the JSON sink writing to /dev/null.
//
// items_per_second = HTTP requests (exchanges on the wire) per CPU second; events/s = raw records/s.
// These benchmarks report figures; they do not judge them (the target is in docs/benchmarks.md).
#include <benchmark/benchmark.h>

#include <cstdio>
#include <stdexcept>

#include "bench/http_traffic.h"
#include "pipeline/pipeline.h"
#include "sinks/json_sink.h"

namespace cs::bench {
namespace {

const Traffic& clean_traffic() {
  static const Traffic t = generate_http_traffic(TrafficConfig{});
  return t;
}

const Traffic& lossy_traffic() {
  static const Traffic t = [] {
    TrafficConfig c;
    c.drop_share = 0.05;
    return generate_http_traffic(c);
  }();
  return t;
}

class NullSink : public SpanSink {
 public:
  void emit(const std::vector<Span>& spans) override { count += spans.size(); }
  uint64_t count = 0;
};

std::FILE* dev_null() {
  static std::FILE* f = [] {
    std::FILE* f = std::fopen("/dev/null", "w");
    if (f == nullptr) throw std::runtime_error("cannot open /dev/null");
    return f;
  }();
  return f;
}

void run_pipeline(benchmark::State& state, const Traffic& traffic, bool json) {
  PipelineStats last{};
  uint64_t spans_written = 0;
  for (auto _ : state) {
    JsonSink json_sink(dev_null());
    NullSink null_sink;
    SpanSink& sink = json ? static_cast<SpanSink&>(json_sink) : null_sink;
    PipelineConfig config;
    config.id_seed = 42;
    Pipeline pipeline(config, sink);
    for (size_t i = 0; i < traffic.records(); ++i) pipeline.on_record(traffic.record(i), traffic.sizes[i]);
    pipeline.flush();
    sink.flush();
    last = pipeline.stats();
    spans_written = json ? json_sink.spans_written() : null_sink.count;
    benchmark::DoNotOptimize(spans_written);
  }
  const double iters = static_cast<double>(state.iterations());
  state.SetItemsProcessed(static_cast<int64_t>(traffic.http_requests * state.iterations()));
  state.SetBytesProcessed(static_cast<int64_t>(traffic.bytes.size() * state.iterations()));
  state.counters["events/s"] = benchmark::Counter(static_cast<double>(traffic.records()) * iters, benchmark::Counter::kIsRate);
  state.counters["spans/s"] = benchmark::Counter(static_cast<double>(spans_written) * iters, benchmark::Counter::kIsRate);
  // Per pass (sanity: the work is really done).
  state.counters["http_requests"] = static_cast<double>(traffic.http_requests);
  state.counters["records"] = static_cast<double>(traffic.records());
  state.counters["spans"] = static_cast<double>(last.spans);
  state.counters["linked_xproc"] = static_cast<double>(last.linked_cross_process);
  state.counters["linked_inproc"] = static_cast<double>(last.linked_in_process);
  state.counters["stream_gaps"] = static_cast<double>(last.stream_gaps);
}

void BM_PipelineHttpKeepAliveJson(benchmark::State& state) { run_pipeline(state, clean_traffic(), true); }
void BM_PipelineHttpKeepAliveNullSink(benchmark::State& state) { run_pipeline(state, clean_traffic(), false); }
void BM_PipelineHttpKeepAlive5pctLossJson(benchmark::State& state) { run_pipeline(state, lossy_traffic(), true); }

BENCHMARK(BM_PipelineHttpKeepAliveJson)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_PipelineHttpKeepAliveNullSink)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_PipelineHttpKeepAlive5pctLossJson)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace cs::bench
