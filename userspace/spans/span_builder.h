// Turns the exchanges of a connection into spans, and tells the correlator when requests start being
// served, which thread serves them, and when the answer begins.
//
// Rules:
//  - The protocol names and describes the span (Exchange::describe). The builder adds what is the same for
//    every protocol: kind, process and thread, service name, times, and the error of an exchange that did
//    not end Complete (connection closed or reset, response lost, state evicted).
//  - Process and thread come from the socket call that carried the message (several processes may use one
//    socket): a server span is the thread that read the request (its last byte), a client span the thread
//    that wrote it (its first byte). The service name is the process table's, taken while the process is
//    known (when the request completes, else when its head was read).
//  - Timing (SyscallMeta.enter_ns is the return time when the capture does not know the entry):
//      client span = [entry of the call writing the first request byte, return of the call reading the
//                     last response byte]
//      server span = [return of the call reading the first request byte, entry of the call writing the
//                     last response byte]
//    With socket-level capture (entry unknown) a client span starts when the send of its first request
//    byte returned and a server span ends when the send of its last response byte returned; the
//    correlator clamps the two ends of one connection so that they still nest (correlator.h).
//  - Evidence for the in-process rules (correlate/in_process_rule.h): every socket call of a traced socket
//    (io: input or output, before its bytes are parsed), connects, requests read (server) and written
//    (client) with the caller's thread, goroutine and runtime, and the start of each response.
#pragma once

#include <cstdint>
#include <memory>
#include <string_view>

#include "common/pipeline_stats.h"
#include "connections/connection.h"
#include "correlate/correlator.h"
#include "processes/process_table.h"

namespace cs {

class SpanBuilder : public ConnectionObserver {
 public:
  // `raw_query_text`: database spans keep their query text verbatim (PipelineConfig::raw_query_text).
  SpanBuilder(Correlator& correlator, PipelineStats& stats, const ProcessTable& processes,
              bool raw_query_text = false);

  std::unique_ptr<ExchangeSink> exchange_sink_for(Connection& conn) override;
  void connected(Connection& conn, const SyscallMeta& at) override;
  void io(Connection& conn, Dir dir, const SyscallMeta& at) override;
  void closed(Connection& conn) override;

  // Who made a call, and the runtime its process runs in (from the process table's name for it).
  ExecContext exec_of(const SyscallMeta& at) const;
  // The read being processed now (its data event), if it is one on connection `conn`.
  const SyscallMeta* current_read_on(uint64_t conn) const {
    return current_conn_ == conn && current_is_read_ ? &current_call_ : nullptr;
  }

  // Database spans keep their query text verbatim (PipelineConfig::raw_query_text).
  bool raw_query_text() const { return raw_query_text_; }

  // Builds the span of one exchange seen on `conn` (exposed for tests).
  static Span make_span(const Connection& conn, const Exchange& ex, std::string_view service,
                        bool raw_query_text = false);

 private:
  // A read of a connection whose protocol is being detected, not reported yet (see io()).
  struct PendingOpaque {
    bool held = false;
    uint64_t conn = 0;
    ExecContext exec;
    Side side = Side::Server;
    uint64_t at_ns = 0;
  };
  void flush_opaque();

  Correlator& correlator_;
  PipelineStats& stats_;
  const ProcessTable& processes_;
  const bool raw_query_text_;
  PendingOpaque opaque_;
  SyscallMeta current_call_;   // the data event being processed (set by io, forgotten at a connect or close)
  uint64_t current_conn_ = 0;
  bool current_is_read_ = false;
};

}  // namespace cs
