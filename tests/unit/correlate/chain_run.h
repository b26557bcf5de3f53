// Runs synthetic records through the whole pipeline and collects the spans, for the correlator's rule tests.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "pipeline/pipeline.h"
#include "support/scenario.h"

namespace cs::test {

class CollectingSink : public SpanSink {
 public:
  void emit(const std::vector<Span>& batch) override {
    spans.insert(spans.end(), batch.begin(), batch.end());
    ++batches;
  }
  const Span* named(const std::string& name) const {
    for (const Span& s : spans)
      if (s.name == name) return &s;
    return nullptr;
  }
  std::vector<Span> spans;
  size_t batches = 0;  // emit() calls: one per trace written as a whole
};

struct ChainResult {
  std::vector<Span> spans;
  PipelineStats stats;

  const Span& one(uint32_t pid, SpanKind kind, const std::string& name) const {
    const Span* found = nullptr;
    int n = 0;
    for (const auto& s : spans)
      if (s.pid == pid && s.kind == kind && s.name == name) {
        found = &s;
        ++n;
      }
    EXPECT_EQ(n, 1) << "spans of pid " << pid << " named " << name;
    static Span none;
    return found ? *found : none;
  }
};

// A finished span with what the correlator reads of it (kind, name, times), for tests that drive the
// correlator directly.
inline Span finished_span(SpanKind kind, const char* name, uint64_t start, uint64_t end) {
  Span s;
  s.kind = kind;
  s.name = name;
  s.start_unix_ns = start;
  s.end_unix_ns = end;
  return s;
}

inline ChainResult run_chain(const std::vector<Record>& records, uint64_t seed = 7) {
  CollectingSink sink;
  PipelineConfig config;
  config.id_seed = seed;
  Pipeline p(config, sink);
  for (const auto& r : records) p.on_record(r.data(), r.size());
  p.flush();
  return ChainResult{sink.spans, p.stats()};
}

inline void expect_child(const Span& parent, const Span& child) {
  EXPECT_EQ(child.parent_span_id, parent.span_id) << child.name << " should be a child of " << parent.name;
  EXPECT_EQ(child.trace_id.hex(), parent.trace_id.hex()) << child.name;
}

inline void expect_root(const Span& s) { EXPECT_EQ(s.parent_span_id, 0u) << s.name << " should be a root"; }

// Sets the goroutine id of every event of thread `tid` (a Go thread).
inline void set_goid(std::vector<Record>& records, uint32_t tid, uint64_t goid) {
  for (auto& r : records) {
    auto* h = reinterpret_cast<cs_event_header*>(r.data());
    if (h->tid != tid) continue;
    if (h->type == CS_EV_DATA) reinterpret_cast<cs_data_event*>(r.data())->goid = goid;
    if (h->type == CS_EV_CONN_OPEN) reinterpret_cast<cs_conn_event*>(r.data())->goid = goid;
  }
}

}  // namespace cs::test
