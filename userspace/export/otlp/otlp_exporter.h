// Sends spans and metrics to an OTLP/HTTP receiver (OpenTelemetry Collector, Jaeger, Tempo, ...) from its
// own thread, never blocking the pipeline.
//
// Rules:
//  - emit() (pipeline thread) copies each span, with its process identity, into a bounded queue
//    (queue_spans); a span that does not fit is dropped and counted (spans_dropped_queue_full).
//  - The exporter thread sends batches of at most batch_spans every batch_interval_s (sooner when a batch
//    is full) to <endpoint>/v1/traces, and every metrics_interval_s a snapshot of the metrics to
//    <endpoint>/v1/metrics (0: metrics off).
//  - A batch that fails retryably (otlp_http.h) is retried with exponential backoff (0.25 s doubling up to
//    max_backoff_s, or the server's Retry-After) until it is accepted: while the receiver is away spans
//    wait in the queue, and only what exceeds the queue bound is lost (counted). A permanent failure drops
//    the batch (spans_dropped_rejected). A metrics request is tried at most 3 times: the next one carries
//    the same cumulative values.
//  - stop() sends what is queued for at most shutdown_s, then counts the rest (spans_dropped_shutdown).
//  - Span attribute lists are allocated on the pipeline thread (spans/recycling_allocator.h) and freed on
//    the exporter thread: after each batch the exporter thread hands its recycled arrays back to malloc.
#pragma once

#include <atomic>
#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "export/otlp/otlp_encode.h"
#include "export/otlp/otlp_http.h"
#include "identity/identity_resolver.h"
#include "metrics/agent_stats.h"
#include "sinks/sink.h"

namespace cs {

struct OtlpConfig {
  std::string endpoint;                 // base URL, e.g. http://127.0.0.1:4318
  OtlpEncoding encoding = OtlpEncoding::Protobuf;
  OtlpHttpConfig http;
  size_t queue_spans = 20000;
  size_t batch_spans = 512;
  double batch_interval_s = 1;
  double metrics_interval_s = 10;
  double max_backoff_s = 5;
  double shutdown_s = 5;
};

class OtlpExporter final : public SpanSink {
 public:
  using MetricsSource = std::function<std::vector<MetricFamily>()>;
  // `identities` may be null; `metrics` may be empty (no metrics export).
  OtlpExporter(OtlpConfig config, AgentResource agent, const IdentityResolver* identities, MetricsSource metrics,
               uint64_t start_unix_ns);
  ~OtlpExporter() override;

  void emit(const std::vector<Span>& spans) override;
  void stop();

  const ExportCounters& counters() const { return counters_; }
  // Attribute arrays the exporter thread gave back to malloc (spans/recycling_allocator.h), for tests.
  uint64_t recycled_arrays_released() const { return arrays_released_.load(); }

 private:
  void run();
  bool send_spans(std::vector<ExportSpan>& batch, bool stopping);
  void send_metrics();
  bool stopping_now();
  bool log_due();  // exporter thread only
  void sleep_for(double s, bool interruptible);

  OtlpConfig config_;
  AgentResource agent_;
  const IdentityResolver* identities_;
  MetricsSource metrics_;
  uint64_t start_unix_ns_;
  OtlpHttp http_;
  ExportCounters counters_;
  std::atomic<uint64_t> arrays_released_{0};
  std::string traces_url_, metrics_url_;
  double next_log_mono_ = 0;

  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<ExportSpan> queue_;
  bool stopping_ = false;
  double deadline_mono_ = 0;  // shutdown deadline (seconds, steady clock) once stopping
  std::thread thread_;
};

}  // namespace cs
