// What metrics add to the userspace pipeline: the same generated keep-alive HTTP traffic as
// pipeline_bench.cpp, spans to a null sink, with and without the metrics consumers the live agent adds
// when --metrics-listen / --otlp-endpoint / top is on (SpanMetrics on every span, TcpHealth on every
// record). The difference per HTTP request is the hot-path cost of metrics (docs/benchmarks.md).
#include <benchmark/benchmark.h>

#include "bench/http_traffic.h"
#include "metrics/span_metrics.h"
#include "metrics/tcp_health.h"
#include "pipeline/pipeline.h"
#include "pipeline/record_decoder.h"
#include "sinks/fanout_sink.h"

namespace cs::bench {
namespace {

const Traffic& traffic() {
  static const Traffic t = generate_http_traffic(TrafficConfig{});
  return t;
}

class CountSink : public SpanSink {
 public:
  void emit(const std::vector<Span>& spans) override { count += spans.size(); }
  uint64_t count = 0;
};

void run(benchmark::State& state, bool metrics) {
  const Traffic& t = traffic();
  uint64_t spans = 0;
  for (auto _ : state) {
    CountSink out;
    MetricRegistry registry;
    MetricsConfig mc;
    SpanMetrics span_metrics(registry, mc);
    TcpHealth tcp(registry, mc, nullptr);
    FanoutSink fan;
    fan.add(out);
    if (metrics) fan.add(span_metrics);
    PipelineConfig config;
    config.id_seed = 42;
    Pipeline pipeline(config, fan);
    for (size_t i = 0; i < t.records(); ++i) {
      pipeline.on_record(t.record(i), t.sizes[i]);
      if (metrics) {
        uint32_t type = decode_record_type(t.record(i), t.sizes[i]);
        if (type != 0) tcp.on_record(type, t.record(i));
      }
    }
    pipeline.flush();
    if (metrics) span_metrics.finish();
    spans = out.count;
    benchmark::DoNotOptimize(spans);
  }
  state.SetItemsProcessed(static_cast<int64_t>(t.http_requests * state.iterations()));
  state.counters["spans"] = static_cast<double>(spans);
  state.counters["http_requests"] = static_cast<double>(t.http_requests);
}

void BM_PipelineNoMetrics(benchmark::State& state) { run(state, false); }
void BM_PipelineWithMetrics(benchmark::State& state) { run(state, true); }

}  // namespace

BENCHMARK(BM_PipelineNoMetrics)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_PipelineWithMetrics)->Unit(benchmark::kMillisecond);

}  // namespace cs::bench
