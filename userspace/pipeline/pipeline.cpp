#include "pipeline/pipeline.h"

#include <cstdlib>
#include <cstring>
#include <vector>

#include "common/clock_timeline.h"
#include "common/record_layout.h"
#include "connections/conn_tracker.h"
#include "correlate/correlator.h"
#include "pipeline/record_decoder.h"
#include "processes/process_table.h"
#include "spans/span_builder.h"

namespace cs {

namespace {
// Settle links and emit traces when event time moved this far since the last time (or on tick()).
constexpr uint64_t kAdvanceEveryNs = 10'000'000;
}  // namespace

struct Pipeline::Impl {
  Impl(const PipelineConfig& c, SpanSink& sink, SocketVerdicts* verdicts, const std::vector<const Protocol*>& protocols)
      : config(c),
        clock(config.mono_to_unix_ns),
        processes(config.max_processes, config.identities),
        correlator(config, sink, stats),
        builder(correlator, stats, processes, config.raw_query_text),
        tracker(config, stats, builder, verdicts, protocols) {
    correlator.set_clock(&clock);
  }

  PipelineConfig config;
  ClockTimeline clock;
  PipelineStats stats;
  ProcessTable processes;
  Correlator correlator;
  SpanBuilder builder;
  ConnTracker tracker;
  RecordDecoder decoder;
  uint64_t now_ns = 0;
  uint64_t last_advance_ns = 0;

  void advance_if_due() {
    if (now_ns >= last_advance_ns + kAdvanceEveryNs) {
      last_advance_ns = now_ns;
      correlator.advance(now_ns);
    }
  }
};

Pipeline::Pipeline(const PipelineConfig& config, SpanSink& sink, SocketVerdicts* verdicts,
                   const std::vector<const Protocol*>& protocols)
    : impl_(std::make_unique<Impl>(config, sink, verdicts, protocols)) {}
Pipeline::~Pipeline() = default;

void Pipeline::on_record(const void* data, size_t size) {
  Impl& m = *impl_;
  ++m.stats.records;
  const DecodedRecord r = m.decoder.decode(data, size);
  if (r.type == 0) {
    ++m.stats.bad_records;
    return;
  }
  if (r.type == kUnknownRecordType) {  // a newer producer's: skipped by its size
    ++m.stats.unknown_records;
    return;
  }
  const auto& h = r.as<cs_event_header>();
  if (h.ts_ns > m.now_ns) m.now_ns = h.ts_ns;
  switch (r.type) {
    case CS_EV_DATA:
      m.processes.seen(h);
      m.tracker.on_data(r.as<cs_data_event>(), r.payload);
      break;
    case CS_EV_CONN_OPEN:
      m.processes.seen(h);
      m.tracker.on_open(r.as<cs_conn_event>());
      break;
    case CS_EV_CONN_CLOSE:  // reported from any context: says nothing about the process in hdr
      m.tracker.on_close(r.as<cs_close_event>());
      break;
    case CS_EV_PROC_EXIT:
      ++m.stats.proc_exits;
      m.correlator.process_exited(h.pid);
      m.processes.exited(h.pid);
      break;
    default:
      if (!is_runtime_record(r.type)) break;
      if (r.type == CS_EV_GO_NEWPROC) ++m.stats.goroutines_created;
      ++m.stats.runtime_records;
      m.correlator.runtime_record(h);
      break;
  }
  m.correlator.emit_completed();
  m.advance_if_due();
}

void Pipeline::set_clock_offset(uint64_t at_mono_ns, int64_t mono_to_unix_ns) {
  impl_->clock.change(at_mono_ns, mono_to_unix_ns);
}

void Pipeline::tick(uint64_t now_mono_ns) {
  Impl& m = *impl_;
  if (now_mono_ns > m.now_ns) m.now_ns = now_mono_ns;
  m.last_advance_ns = m.now_ns;
  m.correlator.advance(m.now_ns);
}

void Pipeline::flush() {
  Impl& m = *impl_;
  m.tracker.close_all(m.now_ns);
  m.correlator.flush();
}

PipelineStats Pipeline::stats() const {
  PipelineStats s = impl_->stats;
  s.connections_live = impl_->tracker.size();
  s.processes_live = impl_->processes.size();
  s.processes_evicted = impl_->processes.evicted();
  return s;
}

}  // namespace cs
