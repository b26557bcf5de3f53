#include "metrics/agent_stats.h"

#include <unistd.h>

#include <cstdio>
#include <string>

namespace cs {

namespace {

struct Builder {
  std::vector<MetricFamily>& out;

  MetricFamily& add(const char* name, const char* help, const char* unit, MetricKind kind,
                    std::vector<std::string> keys = {}) {
    MetricFamily f;
    // OpenTelemetry name: without the Prometheus "_total" suffix, '_' -> '.' (callscope_spans_total ->
    // callscope.spans); an OTLP-to-Prometheus converter adds the suffix back.
    f.otel_name = std::string(name);
    if (kind == MetricKind::Counter && f.otel_name.size() > 6 && f.otel_name.compare(f.otel_name.size() - 6, 6, "_total") == 0)
      f.otel_name.resize(f.otel_name.size() - 6);
    for (char& c : f.otel_name)
      if (c == '_') c = '.';
    f.prom_name = name;
    f.help = help;
    f.unit = unit;
    f.kind = kind;
    f.label_keys = std::move(keys);
    out.push_back(std::move(f));
    return out.back();
  }
  void one(const char* name, const char* help, const char* unit, MetricKind kind, double v) {
    MetricFamily& f = add(name, help, unit, kind);
    MetricSeries s;
    s.value = v;
    f.series.push_back(std::move(s));
  }
  void series(MetricFamily& f, std::vector<std::string> labels, double v) {
    MetricSeries s;
    s.label_values = std::move(labels);
    s.value = v;
    f.series.push_back(std::move(s));
  }
};

double d(uint64_t v) { return static_cast<double>(v); }

}  // namespace

uint64_t resident_memory_bytes() {
  std::FILE* f = std::fopen("/proc/self/statm", "r");
  if (f == nullptr) return 0;
  unsigned long size = 0, resident = 0;
  int n = std::fscanf(f, "%lu %lu", &size, &resident);
  std::fclose(f);
  return n == 2 ? static_cast<uint64_t>(resident) * static_cast<uint64_t>(sysconf(_SC_PAGESIZE)) : 0;
}

void AgentStats::publish(const PipelineStats& p, const KernelCounters& k, uint64_t series_overflow,
                         uint64_t route_overflow, uint64_t tcp_evicted) {
  std::lock_guard<std::mutex> g(mu_);
  pipeline_ = p;
  kernel_ = k;
  series_overflow_ = series_overflow;
  route_overflow_ = route_overflow;
  tcp_evicted_ = tcp_evicted;
  published_ = true;
}

std::vector<MetricFamily> AgentStats::families() const {
  std::vector<MetricFamily> out;
  Builder b{out};
  const auto C = MetricKind::Counter;
  const auto G = MetricKind::Gauge;
  PipelineStats p;
  KernelCounters k;
  uint64_t so, ro, te;
  bool published;
  {
    std::lock_guard<std::mutex> g(mu_);
    p = pipeline_;
    k = kernel_;
    so = series_overflow_;
    ro = route_overflow_;
    te = tcp_evicted_;
    published = published_;
  }
  b.one("callscope_kernel_events_total", "Records the kernel side wrote into the ring buffer.", "{event}", C, d(k.events));
  b.one("callscope_kernel_ringbuf_drops_total", "Records lost because the ring buffer was full.", "{event}", C,
        d(k.ringbuf_drops));
  b.one("callscope_kernel_truncated_payloads_total", "Data events whose payload was cut at --payload-bytes.",
        "{event}", C, d(k.truncated));
  b.one("callscope_kernel_truncated_bytes_total", "Payload bytes not copied because of the cut.", "By", C,
        d(k.truncated_bytes));
  b.one("callscope_kernel_read_errors_total", "Kernel-side reads of payload or socket state that failed.", "{error}",
        C, d(k.read_errors));
  b.one("callscope_kernel_no_payload_total", "Data events whose bytes were not in readable user memory.", "{event}",
        C, d(k.no_payload));
  b.one("callscope_kernel_ignored_calls_total", "Socket calls skipped on sockets of no known protocol.", "{call}", C,
        d(k.ignored_calls));
  b.one("callscope_records_total", "Records the pipeline read.", "{record}", C, d(p.records));
  b.one("callscope_bad_records_total", "Malformed records skipped.", "{record}", C, d(p.bad_records));
  b.one("callscope_unknown_records_total", "Well-formed records of a type this build does not know, skipped.",
        "{record}", C, d(p.unknown_records));
  b.one("callscope_runtime_records_total", "Records of a runtime's own probes (Go goroutines, hand-offs).",
        "{record}", C, d(p.runtime_records));
  {
    MetricFamily& f = b.add("callscope_spans_total", "Spans emitted, by kind.", "{span}", C, {"span.kind"});
    b.series(f, {"server"}, d(p.spans_server));
    b.series(f, {"client"}, d(p.spans_client));
  }
  {
    MetricFamily& f = b.add("callscope_spans_linked_total", "Spans given a parent, by rule.", "{span}", C, {"rule"});
    b.series(f, {"cross_process"}, d(p.linked_cross_process));
    b.series(f, {"in_process"}, d(p.linked_in_process));
    b.series(f, {"traceparent"}, d(p.linked_traceparent));
  }
  {
    MetricFamily& f = b.add("callscope_spans_unlinked_total", "Spans left roots, by reason.", "{span}", C, {"reason"});
    b.series(f, {"server_no_traced_client"}, d(p.unlinked_server));
    b.series(f, {"client_thread_serving_nothing"}, d(p.unlinked_client));
    // Ambiguous client spans (the agent abstained), by reason; what no reason covers is "other".
    const uint64_t by_reason = p.ambiguous_several_requests + p.ambiguous_batched_inputs +
                               p.ambiguous_no_causing_input + p.ambiguous_goroutine +
                               p.ambiguous_unknown_goroutine + p.ambiguous_handoff_lost +
                               p.ambiguous_process_starting + p.ambiguous_parent_gone;
    b.series(f, {"ambiguous_several_requests"}, d(p.ambiguous_several_requests));
    b.series(f, {"ambiguous_batched_inputs"}, d(p.ambiguous_batched_inputs));
    b.series(f, {"ambiguous_no_causing_input"}, d(p.ambiguous_no_causing_input));
    b.series(f, {"ambiguous_goroutine"}, d(p.ambiguous_goroutine));
    b.series(f, {"ambiguous_unknown_goroutine"}, d(p.ambiguous_unknown_goroutine));
    b.series(f, {"ambiguous_handoff_lost"}, d(p.ambiguous_handoff_lost));
    b.series(f, {"ambiguous_process_starting"}, d(p.ambiguous_process_starting));
    b.series(f, {"ambiguous_parent_gone"}, d(p.ambiguous_parent_gone));
    b.series(f, {"ambiguous_other"}, d(p.ambiguous_client > by_reason ? p.ambiguous_client - by_reason : 0));
    b.series(f, {"nat_ambiguous"}, d(p.nat_ambiguous));
  }
  b.one("callscope_spans_linked_nat_total", "Of the cross-process links, those made through address translation.",
        "{span}", C, d(p.linked_cross_process_nat));
  b.one("callscope_spans_dropped_total", "Spans dropped at --max-pending-spans.", "{span}", C, d(p.spans_dropped));
  {
    MetricFamily& f = b.add("callscope_traces_written_total",
                            "Traces written: as soon as known complete, or after --trace-linger-ms (or at stop).",
                            "{trace}", C, {"when"});
    b.series(f, {"complete"}, d(p.traces_complete));
    b.series(f, {"after_linger"}, d(p.traces_after_linger));
  }
  b.one("callscope_connections_tracked", "Connections tracked now.", "{connection}", G, d(p.connections_live));
  b.one("callscope_connections_evicted_total", "Connections dropped at --max-connections.", "{connection}", C,
        d(p.connections_evicted));
  b.one("callscope_connections_unknown_protocol_total", "Connections in no protocol the agent parses.", "{connection}",
        C, d(p.connections_unknown_protocol));
  b.one("callscope_late_events_total", "Data events of already closed sockets, dropped.", "{event}", C,
        d(p.late_events));
  b.one("callscope_stream_gaps_total", "Holes in byte streams (lost events).", "{gap}", C, d(p.stream_gaps));
  b.one("callscope_stream_gap_bytes_total", "Bytes missing in those holes.", "By", C, d(p.stream_gap_bytes));
  b.one("callscope_parse_errors_total", "Protocol parse errors.", "{error}", C, d(p.parse_errors));
  b.one("callscope_unmatched_responses_total", "Responses with no request.", "{message}", C, d(p.unmatched_responses));
  b.one("callscope_processes_tracked", "Processes in the process table now.", "{process}", G, d(p.processes_live));
  b.one("callscope_processes_evicted_total", "Processes forgotten at the table's bound.", "{process}", C,
        d(p.processes_evicted));
  b.one("callscope_metric_series_overflow_total", "Metric values put in an _OTHER series: a family was full.",
        "{observation}", C, d(so));
  b.one("callscope_http_route_overflow_total", "Requests whose route became _OTHER: its service had too many routes.",
        "{request}", C, d(ro));
  b.one("callscope_tcp_sockets_evicted_total", "Sockets the TCP health tracker forgot at its bound.", "{connection}",
        C, d(te));
  b.one("callscope_memory_resident_bytes", "Resident memory of the agent.", "By", G, d(resident_memory_bytes()));
  b.one("callscope_up", "1 while the agent runs; 0 before its first counters were published.", "1", G,
        published ? 1 : 0);
  if (scrapes_ != nullptr)
    b.one("callscope_metrics_scrapes_total", "Requests served on the /metrics endpoint.", "{request}", C,
          d(scrapes_->load()));
  if (otlp_ != nullptr) {
    const ExportCounters& e = *otlp_;
    b.one("callscope_export_spans_sent_total", "Spans the OTLP receiver accepted.", "{span}", C, d(e.spans_sent.load()));
    MetricFamily& f = b.add("callscope_export_spans_dropped_total", "Spans the OTLP exporter gave up, by reason.",
                            "{span}", C, {"reason"});
    b.series(f, {"queue_full"}, d(e.spans_dropped_queue_full.load()));
    b.series(f, {"rejected"}, d(e.spans_dropped_rejected.load()));
    b.series(f, {"shutdown"}, d(e.spans_dropped_shutdown.load()));
    b.one("callscope_export_metric_requests_sent_total", "Metric exports the OTLP receiver accepted.", "{request}", C,
          d(e.metric_exports_sent.load()));
    b.one("callscope_export_metric_requests_failed_total", "Metric exports given up.", "{request}", C,
          d(e.metric_exports_failed.load()));
    b.one("callscope_export_request_failures_total", "OTLP HTTP attempts that failed.", "{request}", C,
          d(e.requests_failed.load()));
    b.one("callscope_export_retries_total", "OTLP HTTP attempts retried after a failure.", "{request}", C,
          d(e.retries.load()));
    b.one("callscope_export_queue_spans", "Spans waiting in the OTLP exporter's queue.", "{span}", G,
          d(e.queue_spans.load()));
  }
  return out;
}

}  // namespace cs
