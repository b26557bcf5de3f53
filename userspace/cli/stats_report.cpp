#include "cli/stats_report.h"

#include <spdlog/fmt/fmt.h>

namespace cs {

std::string format_pipeline_stats(const PipelineStats& s) {
  return fmt::format(
      "records={} bad_records={} unknown_records={} runtime_records={} (goroutines_created={}) spans={} (server={} client={}) linked: "
      "cross_process={} in_process={} traceparent={} nat={} unlinked: server={} client={} ambiguous_client={} "
      "(several_requests={} batched_inputs={} no_causing_input={} goroutine={} unknown_goroutine={} "
      "handoff_lost={} process_starting={} parent_gone={}) nat_ambiguous={} dropped: spans={} connections_evicted={} "
      "traces: complete={} after_linger={} | "
      "connections live={} unknown_protocol={} late_events={} stream_gaps={} gap_bytes={} out_of_order={} "
      "parse_errors={} resyncs={} unmatched_responses={} | processes live={} evicted={}",
      s.records, s.bad_records, s.unknown_records, s.runtime_records, s.goroutines_created, s.spans, s.spans_server, s.spans_client, s.linked_cross_process,
      s.linked_in_process, s.linked_traceparent, s.linked_cross_process_nat, s.unlinked_server, s.unlinked_client,
      s.ambiguous_client, s.ambiguous_several_requests, s.ambiguous_batched_inputs, s.ambiguous_no_causing_input,
      s.ambiguous_goroutine, s.ambiguous_unknown_goroutine, s.ambiguous_handoff_lost, s.ambiguous_process_starting, s.ambiguous_parent_gone, s.nat_ambiguous,
      s.spans_dropped,
      s.connections_evicted, s.traces_complete, s.traces_after_linger, s.connections_live, s.connections_unknown_protocol, s.late_events, s.stream_gaps,
      s.stream_gap_bytes, s.out_of_order, s.parse_errors, s.resyncs, s.unmatched_responses, s.processes_live,
      s.processes_evicted);
}

std::string format_kernel_stats(const KernelStats& k) {
  return fmt::format(
      "kernel: events={} ringbuf_drops={} truncated_payloads={} truncated_bytes={} read_errors={} no_payload={} "
      "ignored_calls={}",
      k.events, k.ringbuf_drops, k.truncated, k.truncated_bytes, k.read_errors, k.no_payload, k.ignored_calls);
}

}  // namespace cs
