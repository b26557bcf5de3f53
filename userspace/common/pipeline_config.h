// Settings every pipeline stage reads (bounds and correlation windows). Owned by the Pipeline; the stages
// hold a const reference. Header-only, no dependencies: it sits below every stage.
#pragma once

#include <cstddef>
#include <cstdint>

namespace cs {

class IdentityResolver;

struct PipelineConfig {
  uint64_t id_seed = 0;                 // seeds trace/span ids; 0 = random
  int64_t mono_to_unix_ns = 0;          // add to CLOCK_MONOTONIC ns to get Unix ns
  // Bounds (memory): what is dropped past them is counted in PipelineStats.
  size_t max_connections = 65536;
  size_t max_pending_spans = 200000;
  size_t max_processes = 65536;         // entries of the process table (pid -> comm)
  IdentityResolver* identities = nullptr;  // service identity of processes (identity/); nullptr: the comm
  size_t max_header_bytes = 64 * 1024;  // per message head buffered by a parser
  // Database spans: db.query.text verbatim instead of with literals replaced by `?` (--raw-query-text).
  bool raw_query_text = false;
  // Correlation windows.
  uint64_t link_window_ns = 500'000'000;   // wait this long for the client side of a server span
  uint64_t trace_linger_ns = 200'000'000;  // emit a trace this long after its root ended (--trace-linger-ms)
};

}  // namespace cs
