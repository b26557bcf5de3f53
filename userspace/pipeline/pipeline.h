// The userspace pipeline: raw kernel records in, finished spans out to a sink.
//
//   record -> event_decoder -> conn_tracker -> protocol session -> span_builder -> correlator -> sink
//
// Single-threaded. Time inside the pipeline is the events' own CLOCK_MONOTONIC time, so a replay of a
// recorded capture produces the same spans (and, with the same seed, the same ids) as the live agent.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "sinks/sink.h"

namespace cs {

struct PipelineConfig {
  uint64_t id_seed = 0;                 // seeds trace/span ids; 0 = random
  int64_t mono_to_unix_ns = 0;          // add to CLOCK_MONOTONIC ns to get Unix ns
  // Bounds (memory): what is dropped past them is counted in PipelineStats.
  size_t max_connections = 65536;
  size_t max_pending_spans = 200000;
  size_t max_header_bytes = 64 * 1024;  // per message head buffered by a parser
  // Correlation windows.
  uint64_t link_window_ns = 500'000'000;   // wait this long for the client side of a server span
  uint64_t trace_linger_ns = 500'000'000;  // emit a trace this long after its root ended
};

struct PipelineStats {
  uint64_t records = 0;
  uint64_t bad_records = 0;             // malformed records (size/type), skipped
  uint64_t data_events = 0;
  uint64_t conn_opens = 0;
  uint64_t conn_closes = 0;
  uint64_t proc_exits = 0;
  uint64_t connections_live = 0;         // tracked now (filled in by Pipeline::stats())
  uint64_t connections_evicted = 0;     // dropped at max_connections (oldest idle first)
  uint64_t connections_unknown_protocol = 0;
  uint64_t stream_gaps = 0;             // holes in a byte stream (lost events)
  uint64_t stream_gap_bytes = 0;
  uint64_t out_of_order = 0;            // segments behind the stream head, ignored
  uint64_t parse_errors = 0;
  uint64_t resyncs = 0;
  uint64_t unmatched_responses = 0;
  uint64_t spans = 0;                   // spans emitted
  uint64_t spans_server = 0;
  uint64_t spans_client = 0;
  uint64_t linked_cross_process = 0;    // server spans whose parent is a traced client span on this node
  uint64_t linked_in_process = 0;       // client spans whose parent is a server span of the same thread
  uint64_t linked_traceparent = 0;      // spans whose parent came from a traceparent header
  uint64_t unlinked_server = 0;         // server spans left roots: no traced client found
  uint64_t unlinked_client = 0;         // client spans left roots: thread was serving nothing
  uint64_t ambiguous_client = 0;        // client spans left roots: could not tell which request they serve
  uint64_t spans_dropped = 0;           // dropped at max_pending_spans
};

class Pipeline {
 public:
  Pipeline(const PipelineConfig& config, SpanSink& sink);
  ~Pipeline();
  Pipeline(const Pipeline&) = delete;
  Pipeline& operator=(const Pipeline&) = delete;

  // One raw record as written by the BPF side (struct cs_event_header first). Malformed records are
  // counted and skipped, never trusted.
  void on_record(const void* data, size_t size);
  // Advance time without an event (live agent when idle): settles links and emits due traces.
  void tick(uint64_t now_mono_ns);
  // End of input: every pending exchange and span is finished and emitted.
  void flush();

  PipelineStats stats() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace cs
