// Counters the pipeline stages share: what was seen, linked, dropped and lost. Owned by the Pipeline; every
// stage adds to its own fields, nothing reads them on the hot path. Header-only, no dependencies.
#pragma once

#include <cstdint>

namespace cs {

struct PipelineStats {
  uint64_t records = 0;
  uint64_t bad_records = 0;             // malformed records (size/type/fields), skipped
  uint64_t unknown_records = 0;         // well-formed records of a type this build does not know, skipped
  uint64_t runtime_records = 0;         // records of a runtime's own probes (Go: goroutines, net/http hand-offs)
  uint64_t goroutines_created = 0;      // of runtime_records: Go goroutine creations (CS_EV_GO_NEWPROC)
  uint64_t data_events = 0;
  uint64_t conn_opens = 0;
  uint64_t conn_closes = 0;
  uint64_t proc_exits = 0;
  uint64_t late_events = 0;             // data events of a socket whose close was already seen, dropped
  uint64_t connections_live = 0;        // tracked now (filled in by Pipeline::stats())
  uint64_t connections_evicted = 0;     // dropped at max_connections (oldest idle first)
  uint64_t connections_unknown_protocol = 0;
  uint64_t stream_gaps = 0;             // holes in a byte stream (lost events)
  uint64_t stream_gap_bytes = 0;
  uint64_t out_of_order = 0;            // segments behind the stream head, ignored
  uint64_t parse_errors = 0;
  uint64_t resyncs = 0;
  uint64_t unmatched_responses = 0;
  uint64_t processes_live = 0;          // processes in the process table (filled in by Pipeline::stats())
  uint64_t processes_evicted = 0;       // forgotten at the process table's bound (their exit was not seen)
  uint64_t spans = 0;                   // spans emitted
  uint64_t spans_server = 0;
  uint64_t spans_client = 0;
  uint64_t linked_cross_process = 0;    // server spans whose parent is a traced client span on this node
  uint64_t linked_in_process = 0;       // client spans whose parent is a server span of the same thread
  uint64_t linked_traceparent = 0;      // spans whose parent came from a traceparent header
  uint64_t unlinked_server = 0;         // server spans left roots: no traced client found
  uint64_t linked_cross_process_nat = 0;  // of linked_cross_process: through address translation (both seqs)
  uint64_t nat_ambiguous = 0;           // spans not linked through NAT: their two sequence numbers were not unique
  uint64_t unlinked_client = 0;         // client spans left roots: thread was serving nothing
  uint64_t ambiguous_client = 0;        // client spans left roots: could not tell which request they serve
  // ambiguous_client by reason (correlate/in_process_rule.h, Abstain):
  uint64_t ambiguous_several_requests = 0;  // a loop serving several requests whose runtime may interleave them
  uint64_t ambiguous_batched_inputs = 0;    // ordered loop: inputs of several requests since its last output
  uint64_t ambiguous_no_causing_input = 0;  // ordered loop: no input since its last output, or not a request's
  uint64_t ambiguous_goroutine = 0;         // a Go thread: no goroutine rule decided
  uint64_t ambiguous_unknown_goroutine = 0; // Go: the calling goroutine's request is unknown (origin not seen)
  uint64_t ambiguous_handoff_lost = 0;      // Go: a net/http writeLoop wrote a request whose hand-off was not seen
  uint64_t ambiguous_process_starting = 0;  // a process exec'd moments ago: its binary was still being analysed
  uint64_t ambiguous_parent_gone = 0;       // the request the connect was for was gone at the request
  uint64_t spans_dropped = 0;           // dropped at max_pending_spans
  uint64_t traces_complete = 0;         // traces written as soon as complete (correlate/correlator.h)
  uint64_t traces_after_linger = 0;     // traces written after the linger (or at stop): not known complete
};

}  // namespace cs
