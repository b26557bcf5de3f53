// Everything beside the span output that the live agent and replays run: service identity, metrics from
// spans and TCP health, the /metrics server and the OTLP exporter. Built from the options; each part
// exists only when asked for (no metrics cost without --metrics-listen, --otlp-endpoint or top).
//
// Threads: the pipeline thread calls sink().emit (through the pipeline), on_record(), tick() and finish();
// the /metrics server and the OTLP exporter run their own threads and read copies under the registry lock.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "callscope/events.h"
#include "cli/options.h"
#include "common/pipeline_stats.h"
#include "export/otlp/otlp_exporter.h"
#include "export/prometheus_server.h"
#include "identity/identity_resolver.h"
#include "metrics/agent_stats.h"
#include "metrics/span_metrics.h"
#include "metrics/tcp_health.h"
#include "sinks/fanout_sink.h"

namespace cs {

class Telemetry {
 public:
  // live: /proc describes the traced processes (false for a replay). `metrics`: aggregate metrics even
  // without an exporter (callscope top). nullptr with `error` set when an exporter cannot start.
  static std::unique_ptr<Telemetry> create(const Options& o, bool live, bool metrics, std::string& error);
  ~Telemetry();

  IdentityResolver* identities() { return identities_.get(); }
  // The pipeline's sink: `output` (tree/JSON) first, then metrics, then the OTLP exporter, then `extra`.
  SpanSink& sink(SpanSink& output, SpanSink* extra = nullptr);

  // A raw record the pipeline has just taken (TCP health).
  void on_record(const void* data, size_t size);
  // Idle tick / stats interval: publishes counters, expires service-graph waits.
  void tick(const PipelineStats& p, const KernelCounters& k, uint64_t now_unix_ns);
  // End of input: last counters, waiting client spans become edges, the OTLP queue is sent.
  void finish(const PipelineStats& p, const KernelCounters& k);

  std::string prometheus_text() const;
  const MetricRegistry* registry() const { return registry_.get(); }

 private:
  Telemetry() = default;
  std::vector<MetricFamily> all_families() const;

  MetricsConfig metrics_config_;
  std::unique_ptr<IdentityResolver> identities_;
  std::unique_ptr<MetricRegistry> registry_;
  std::unique_ptr<SpanMetrics> span_metrics_;
  std::unique_ptr<TcpHealth> tcp_;
  AgentStats agent_stats_;
  std::unique_ptr<PrometheusServer> server_;
  std::unique_ptr<OtlpExporter> otlp_;
  FanoutSink fanout_;
  alignas(8) unsigned char fixed_[sizeof(cs_close_event) > sizeof(cs_data_event) ? sizeof(cs_close_event)
                                                                                 : sizeof(cs_data_event)];
  bool finished_ = false;
};

}  // namespace cs
