// The agent's own counters as metric families (callscope_*): what the kernel side and the pipeline saw,
// linked, dropped and lost, what the exporters sent and dropped, and memory.
//
// Rules:
//  - The pipeline thread publishes its counters (publish()) on its idle tick (every ~100 ms) and at exit;
//    readers (the /metrics server, the OTLP exporter) take the last published copy. The exporters add
//    their own counters through ExportCounters (atomics, any thread).
//  - Families are built at read time (families()); nothing here runs per event.
#pragma once

#include <atomic>
#include <cstdint>
#include <mutex>
#include <vector>

#include "common/pipeline_stats.h"
#include "metrics/metric_family.h"

namespace cs {

// Kernel counters as the capture reports them (mirrors capture/bpf_capture.h KernelStats, which metrics/
// must not depend on: the live command copies them over).
struct KernelCounters {
  uint64_t events = 0, ringbuf_drops = 0, truncated = 0, truncated_bytes = 0, read_errors = 0, no_payload = 0,
           ignored_calls = 0;
};

// Counters of one exporter, written from its own thread.
struct ExportCounters {
  std::atomic<uint64_t> spans_sent{0};
  std::atomic<uint64_t> spans_dropped_queue_full{0};
  std::atomic<uint64_t> spans_dropped_rejected{0};     // the receiver refused them for good (4xx)
  std::atomic<uint64_t> spans_dropped_shutdown{0};     // still queued when the agent stopped
  std::atomic<uint64_t> metric_exports_sent{0};
  std::atomic<uint64_t> metric_exports_failed{0};      // a metrics request given up (the next one supersedes it)
  std::atomic<uint64_t> requests_failed{0};            // HTTP attempts that failed (retried or not)
  std::atomic<uint64_t> retries{0};
  std::atomic<uint64_t> queue_spans{0};                // spans queued now
};

class AgentStats {
 public:
  void publish(const PipelineStats& p, const KernelCounters& k, uint64_t metric_series_overflow,
               uint64_t route_overflow, uint64_t tcp_sockets_evicted);
  void set_exporter(const ExportCounters* otlp) { otlp_ = otlp; }
  void set_scrapes(const std::atomic<uint64_t>* scrapes) { scrapes_ = scrapes; }
  std::vector<MetricFamily> families() const;

 private:
  mutable std::mutex mu_;
  PipelineStats pipeline_;
  KernelCounters kernel_;
  uint64_t series_overflow_ = 0, route_overflow_ = 0, tcp_evicted_ = 0;
  bool published_ = false;
  const ExportCounters* otlp_ = nullptr;
  const std::atomic<uint64_t>* scrapes_ = nullptr;
};

// Resident memory of this process in bytes (/proc/self/statm), 0 if unknown.
uint64_t resident_memory_bytes();

}  // namespace cs
