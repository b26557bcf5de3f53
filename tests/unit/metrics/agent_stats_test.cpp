// The agent's self-metrics (metrics/agent_stats.h): every published counter reaches its family with the
// right value, unlinked and ambiguous spans by reason (what no reason covers is "other"), exporter counters,
// resident memory, callscope_up 0 until the first publish, and the whole set as valid Prometheus text.
#include "metrics/agent_stats.h"

#include <gtest/gtest.h>

#include "export/prometheus_text.h"

namespace cs {
namespace {

struct Families {
  std::vector<MetricFamily> all;
  const MetricFamily* family(const std::string& prom) const {
    for (const auto& f : all)
      if (f.prom_name == prom) return &f;
    return nullptr;
  }
  // The value of the series with these labels; NaN-free sentinel -1 when absent.
  double value(const std::string& prom, const std::vector<std::string>& labels = {}) const {
    const MetricFamily* f = family(prom);
    if (f == nullptr) return -1;
    for (const auto& s : f->series)
      if (s.label_values == labels) return s.value;
    return -1;
  }
};

TEST(AgentStats, UpIsZeroUntilTheFirstPublish) {
  AgentStats a;
  Families f{a.families()};
  EXPECT_EQ(f.value("callscope_up"), 0);
  EXPECT_EQ(f.family("callscope_export_spans_sent_total"), nullptr);  // no exporter configured
  EXPECT_EQ(f.family("callscope_metrics_scrapes_total"), nullptr);
  a.publish(PipelineStats{}, KernelCounters{}, 0, 0, 0);
  EXPECT_EQ(Families{a.families()}.value("callscope_up"), 1);
}

TEST(AgentStats, EveryCounterReachesItsFamily) {
  PipelineStats p;
  p.records = 1001;
  p.bad_records = 2;
  p.spans_server = 40;
  p.spans_client = 30;
  p.linked_cross_process = 25;
  p.linked_cross_process_nat = 4;
  p.linked_in_process = 20;
  p.linked_traceparent = 3;
  p.unlinked_server = 15;
  p.unlinked_client = 6;
  p.ambiguous_several_requests = 1;
  p.ambiguous_batched_inputs = 2;
  p.ambiguous_no_causing_input = 3;
  p.ambiguous_goroutine = 4;
  p.ambiguous_parent_gone = 5;
  p.ambiguous_unknown_goroutine = 22;
  p.ambiguous_handoff_lost = 23;
  p.ambiguous_process_starting = 24;
  p.ambiguous_client = 1 + 2 + 3 + 4 + 5 + 22 + 23 + 24 + 7;  // 7 without a reason
  p.unknown_records = 25;
  p.runtime_records = 26;
  p.nat_ambiguous = 8;
  p.spans_dropped = 9;
  p.connections_live = 11;
  p.connections_evicted = 12;
  p.connections_unknown_protocol = 13;
  p.late_events = 14;
  p.stream_gaps = 16;
  p.stream_gap_bytes = 1600;
  p.parse_errors = 17;
  p.unmatched_responses = 18;
  p.processes_live = 19;
  p.processes_evicted = 21;
  KernelCounters k;
  k.events = 5000;
  k.ringbuf_drops = 31;
  k.truncated = 32;
  k.truncated_bytes = 3300;
  k.read_errors = 34;
  k.no_payload = 35;
  k.ignored_calls = 36;
  ExportCounters e;
  e.spans_sent = 60;
  e.spans_dropped_queue_full = 61;
  e.spans_dropped_rejected = 62;
  e.spans_dropped_shutdown = 63;
  e.metric_exports_sent = 64;
  e.metric_exports_failed = 65;
  e.requests_failed = 66;
  e.retries = 67;
  e.queue_spans = 68;
  std::atomic<uint64_t> scrapes{69};

  AgentStats a;
  a.set_exporter(&e);
  a.set_scrapes(&scrapes);
  a.publish(p, k, 41, 42, 43);
  Families f{a.families()};

  EXPECT_EQ(f.value("callscope_kernel_events_total"), 5000);
  EXPECT_EQ(f.value("callscope_kernel_ringbuf_drops_total"), 31);
  EXPECT_EQ(f.value("callscope_kernel_truncated_payloads_total"), 32);
  EXPECT_EQ(f.value("callscope_kernel_truncated_bytes_total"), 3300);
  EXPECT_EQ(f.value("callscope_kernel_read_errors_total"), 34);
  EXPECT_EQ(f.value("callscope_kernel_no_payload_total"), 35);
  EXPECT_EQ(f.value("callscope_kernel_ignored_calls_total"), 36);
  EXPECT_EQ(f.value("callscope_records_total"), 1001);
  EXPECT_EQ(f.value("callscope_bad_records_total"), 2);
  EXPECT_EQ(f.value("callscope_spans_total", {"server"}), 40);
  EXPECT_EQ(f.value("callscope_spans_total", {"client"}), 30);
  EXPECT_EQ(f.value("callscope_spans_linked_total", {"cross_process"}), 25);
  EXPECT_EQ(f.value("callscope_spans_linked_total", {"in_process"}), 20);
  EXPECT_EQ(f.value("callscope_spans_linked_total", {"traceparent"}), 3);
  EXPECT_EQ(f.value("callscope_spans_linked_nat_total"), 4);
  EXPECT_EQ(f.value("callscope_spans_unlinked_total", {"server_no_traced_client"}), 15);
  EXPECT_EQ(f.value("callscope_spans_unlinked_total", {"client_thread_serving_nothing"}), 6);
  EXPECT_EQ(f.value("callscope_spans_unlinked_total", {"ambiguous_several_requests"}), 1);
  EXPECT_EQ(f.value("callscope_spans_unlinked_total", {"ambiguous_batched_inputs"}), 2);
  EXPECT_EQ(f.value("callscope_spans_unlinked_total", {"ambiguous_no_causing_input"}), 3);
  EXPECT_EQ(f.value("callscope_spans_unlinked_total", {"ambiguous_goroutine"}), 4);
  EXPECT_EQ(f.value("callscope_spans_unlinked_total", {"ambiguous_parent_gone"}), 5);
  EXPECT_EQ(f.value("callscope_spans_unlinked_total", {"ambiguous_unknown_goroutine"}), 22);
  EXPECT_EQ(f.value("callscope_spans_unlinked_total", {"ambiguous_handoff_lost"}), 23);
  EXPECT_EQ(f.value("callscope_spans_unlinked_total", {"ambiguous_process_starting"}), 24);
  EXPECT_EQ(f.value("callscope_unknown_records_total"), 25);
  EXPECT_EQ(f.value("callscope_runtime_records_total"), 26);
  EXPECT_EQ(f.value("callscope_spans_unlinked_total", {"ambiguous_other"}), 7);
  EXPECT_EQ(f.value("callscope_spans_unlinked_total", {"nat_ambiguous"}), 8);
  EXPECT_EQ(f.value("callscope_spans_dropped_total"), 9);
  EXPECT_EQ(f.value("callscope_connections_tracked"), 11);
  EXPECT_EQ(f.value("callscope_connections_evicted_total"), 12);
  EXPECT_EQ(f.value("callscope_connections_unknown_protocol_total"), 13);
  EXPECT_EQ(f.value("callscope_late_events_total"), 14);
  EXPECT_EQ(f.value("callscope_stream_gaps_total"), 16);
  EXPECT_EQ(f.value("callscope_stream_gap_bytes_total"), 1600);
  EXPECT_EQ(f.value("callscope_parse_errors_total"), 17);
  EXPECT_EQ(f.value("callscope_unmatched_responses_total"), 18);
  EXPECT_EQ(f.value("callscope_processes_tracked"), 19);
  EXPECT_EQ(f.value("callscope_processes_evicted_total"), 21);
  EXPECT_EQ(f.value("callscope_metric_series_overflow_total"), 41);
  EXPECT_EQ(f.value("callscope_http_route_overflow_total"), 42);
  EXPECT_EQ(f.value("callscope_tcp_sockets_evicted_total"), 43);
  EXPECT_EQ(f.value("callscope_metrics_scrapes_total"), 69);
  EXPECT_EQ(f.value("callscope_export_spans_sent_total"), 60);
  EXPECT_EQ(f.value("callscope_export_spans_dropped_total", {"queue_full"}), 61);
  EXPECT_EQ(f.value("callscope_export_spans_dropped_total", {"rejected"}), 62);
  EXPECT_EQ(f.value("callscope_export_spans_dropped_total", {"shutdown"}), 63);
  EXPECT_EQ(f.value("callscope_export_metric_requests_sent_total"), 64);
  EXPECT_EQ(f.value("callscope_export_metric_requests_failed_total"), 65);
  EXPECT_EQ(f.value("callscope_export_request_failures_total"), 66);
  EXPECT_EQ(f.value("callscope_export_retries_total"), 67);
  EXPECT_EQ(f.value("callscope_export_queue_spans"), 68);
  EXPECT_EQ(f.value("callscope_up"), 1);
  // This test process has some resident memory, and less than 1 GiB of it.
  EXPECT_GT(f.value("callscope_memory_resident_bytes"), 1 << 20);
  EXPECT_LT(f.value("callscope_memory_resident_bytes"), double(1u << 30));

  // Counters end in _total in Prometheus, not in OpenTelemetry; gauges keep their name.
  for (const auto& fam : f.all) {
    const bool total = fam.prom_name.size() > 6 && fam.prom_name.compare(fam.prom_name.size() - 6, 6, "_total") == 0;
    EXPECT_EQ(total, fam.kind == MetricKind::Counter) << fam.prom_name;
    EXPECT_EQ(fam.otel_name.find('_'), std::string::npos) << fam.otel_name;
    EXPECT_EQ(fam.otel_name.find(".total"), std::string::npos) << fam.otel_name;
  }
  EXPECT_NE(f.family("callscope_spans_total"), nullptr);
  EXPECT_EQ(f.family("callscope_spans_total")->otel_name, "callscope.spans");

  // Rendered: one TYPE line per family, the reason labels as written.
  std::string text;
  append_prometheus_text(f.all, text);
  EXPECT_NE(text.find("# TYPE callscope_spans_unlinked_total counter\n"), std::string::npos);
  EXPECT_NE(text.find("callscope_spans_unlinked_total{reason=\"ambiguous_other\"} 7\n"), std::string::npos) << text;
  EXPECT_NE(text.find("callscope_kernel_ringbuf_drops_total 31\n"), std::string::npos);
  EXPECT_NE(text.find("# TYPE callscope_connections_tracked gauge\n"), std::string::npos);
}

TEST(AgentStats, AmbiguousOtherNeverNegative) {
  PipelineStats p;
  p.ambiguous_goroutine = 5;
  p.ambiguous_client = 3;  // fewer than the reasons (counted at different times): no wrap-around
  AgentStats a;
  a.publish(p, KernelCounters{}, 0, 0, 0);
  EXPECT_EQ(Families{a.families()}.value("callscope_spans_unlinked_total", {"ambiguous_other"}), 0);
}

}  // namespace
}  // namespace cs
