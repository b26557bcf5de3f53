// The userspace pipeline: raw kernel records in, finished spans out to a sink.
//
//   record -> record_decoder -> conn_tracker -> protocol session -> span_builder -> correlator -> sink
//                            -> process_table (pid -> comm, read by the span builder)
//
// Single-threaded. Time inside the pipeline is the events' own CLOCK_MONOTONIC time, so a replay of a
// recorded capture produces the same spans (and, with the same seed, the same ids) as the live agent.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

#include "common/pipeline_config.h"
#include "common/pipeline_stats.h"
#include "connections/socket_verdicts.h"
#include "protocols/protocol.h"
#include "sinks/sink.h"

namespace cs {

class Pipeline {
 public:
  // `verdicts`: told when a socket is classified (protocol found: trace it; none: ignore it), so the
  // kernel side can stop copying the bytes of sockets nobody parses. nullptr (replay, tests): nobody.
  // `protocols`: detected in this order (the agent's registry; tests may pass their own, which must
  // outlive the pipeline).
  Pipeline(const PipelineConfig& config, SpanSink& sink, SocketVerdicts* verdicts = nullptr,
           const std::vector<const Protocol*>& protocols = protocol_registry());
  ~Pipeline();
  Pipeline(const Pipeline&) = delete;
  Pipeline& operator=(const Pipeline&) = delete;

  // One raw record as written by the BPF side (struct cs_event_header first). Malformed records are
  // counted and skipped, never trusted.
  void on_record(const void* data, size_t size);
  // The CLOCK_MONOTONIC -> Unix offset changed (common/clock_watch.h live, a capture's clock record in
  // a replay): from `at_mono_ns` on, Unix time = monotonic + `mono_to_unix_ns`. Starts at
  // PipelineConfig::mono_to_unix_ns. A trace's spans all use the offset in effect when its root began.
  void set_clock_offset(uint64_t at_mono_ns, int64_t mono_to_unix_ns);
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
