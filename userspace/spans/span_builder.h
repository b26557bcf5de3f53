// Turns request/response exchanges of a connection into spans, and tells the correlator when requests
// start being served, which thread serves them, and when the answer begins.
//
// Timing (so a child always lies inside its parent):
//   client span = [enter of the syscall writing the first request byte, exit of the one reading the last
//                  response byte]
//   server span = [exit of the syscall reading the first request byte, enter of the one writing the last
//                  response byte]
#pragma once

#include <cstdint>
#include <memory>

#include "connections/connection.h"
#include "correlate/correlator.h"
#include "pipeline/pipeline.h"

namespace cs {

class SpanBuilder : public ConnectionObserver {
 public:
  SpanBuilder(Correlator& correlator, PipelineStats& stats);

  std::unique_ptr<ExchangeSink> exchange_sink_for(Connection& conn) override;
  void connected(Connection& conn, uint32_t tid) override;
  void closed(Connection& conn) override;

  // Builds the span of one exchange seen on `conn` (exposed for tests).
  static Span make_span(const Connection& conn, const Exchange& ex);

 private:
  Correlator& correlator_;
  PipelineStats& stats_;
};

}  // namespace cs
