// The generic in-process rule: threads (README "How chains are built", rule 2).
//
// Evidence: the requests each thread is serving (it read the request's head and has not begun the answer),
// and, for event loops whose runtime is known to run an input's handler to completion before taking the
// next input (Runtime::OrderedLoop, e.g. nginx), which input the thread consumed before each output.
//
// Decision for a client call (connect, or request write on a reused connection) made by thread T:
//  1. T serves nothing: no parent (Abstain::NotServing).
//  2. T serves requests of one connection only (thread per request, prefork, a loop at low concurrency):
//     the oldest of them (HTTP/1 answers in order; pipelining).
//  3. T serves requests of several connections:
//     - OrderedLoop runtime: the request its cause belongs to. The cause is fixed at each output of T
//       (a write or a connect): the input T consumed since its previous output, when all inputs since
//       then were on one connection (inputs: reads that completed a request or a response, and any read
//       of a connection in no known protocol). A read that completes no message is no cause: nginx acts
//       on a whole request (or streams a body whose request it already serves) and holds a response
//       head back until its body comes (postpone_output); where it does act on a head alone (a request
//       body streamed upstream, X-Accel-Redirect), the call has no counted input before it and abstains. (a read on a server connection is for the oldest request T serves
//       on it; a read of a downstream response is for the request that downstream call was made for).
//       Inputs on several connections since the previous output (batched reads): BatchedInputs. No input
//       since the previous output (a timer, a connect completing, an error, an input the agent cannot
//       see), or an input for no request T still serves: NoCausingInput.
//     - any other runtime (asyncio, uvloop, unknown): SeveralRequests. Such loops read several requests
//       in one poll and run their handlers later, in any order, from timers or from inputs the agent
//       cannot see; nothing visible says which request a call is for.
//  Calls from a Go thread (goid != 0) are claimed with Abstain::Goroutine: a thread runs many goroutines,
//  so the thread's requests say nothing (a goroutine rule registered before this one decides them).
// Bounds: threads are forgotten at their process's exit and, past max_threads, the idle ones first.
#pragma once

#include <cstdint>
#include <vector>

#include "common/flat_map.h"
#include "correlate/in_process_rule.h"

namespace cs {

class ThreadRule : public InProcessRule {
 public:
  explicit ThreadRule(size_t max_threads = 65536);

  const char* name() const override { return "thread"; }
  void request_served(const ExecContext& exec, SpanHandle span, uint64_t conn) override;
  void request_answered(SpanHandle span) override;
  // No: parent_of() names only spans a thread still serves.
  bool may_name_after_answer(SpanHandle) const override { return false; }
  void client_request(const ExecContext& exec, SpanHandle span, SpanHandle parent, uint64_t conn) override;
  void io(const ExecContext& exec, uint64_t conn, Side side, Io kind, uint64_t now_ns) override;
  void connected(const ExecContext& exec, uint64_t conn) override;
  void connection_closed(uint64_t conn) override;
  void process_exited(uint32_t pid) override;
  RuleAnswer parent_of(const CallSite& call) override;
  void clear() override;

  size_t threads() const { return by_key_.size(); }

 private:
  struct Served {
    SpanHandle span;
    uint64_t conn;
  };
  // What the thread's current output was caused by (ordered loops).
  enum class CauseKind : uint8_t { None, Conn, Batched };
  struct Thread {
    uint64_t key = 0;
    std::vector<Served> serving;  // read order
    uint64_t input_conn = 0;      // the connection of the inputs since the last output
    Side input_side = Side::Server;
    uint8_t inputs = 0;           // connections with input since the last output: 0, 1, 2 (= several)
    CauseKind cause = CauseKind::None;
    uint64_t cause_conn = 0;
    Side cause_side = Side::Server;
  };

  static uint64_t key_of(const ExecContext& e) { return static_cast<uint64_t>(e.pid) << 32 | e.tid; }
  Thread* find(const ExecContext& e);
  Thread& get(const ExecContext& e);
  void output(Thread& t);
  SpanHandle oldest_on(const Thread& t, uint64_t conn) const;
  bool serves(const Thread& t, SpanHandle span) const;
  void evict_idle();

  size_t max_threads_;
  FlatMap<uint64_t, uint32_t> by_key_;       // thread key -> index in threads_
  std::vector<Thread> threads_;
  std::vector<uint32_t> free_;
  FlatMap<SpanHandle, uint32_t> served_by_;  // request being served -> thread index
  FlatMap<uint64_t, SpanHandle> conn_parent_;  // client connection -> parent of its latest request
};

}  // namespace cs
