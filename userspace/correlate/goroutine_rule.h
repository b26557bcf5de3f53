// The goroutine rule: which request a client call made in a Go process is for (README "How chains are
// built", rule 2, Go). Registered before the thread rule; it decides every call that carries a goroutine id
// (a process the Go runtime support registered: userspace/runtimes/go/). A Go OS thread runs many
// goroutines, so the thread says nothing; the goroutine and the evidence below do.
//
// Evidence (include/callscope/events.h), in event order:
//  - serving: the goroutine that read a request's head serves it until its answer begins. net/http's server
//    reads each request of a connection on the connection's goroutine and runs the handler there.
//  - lineage (CS_EV_GO_NEWPROC parent -> child): a goroutine created by a `go` statement is for what its
//    parent was for at that moment (the request the parent served, else the parent's own origin). Fixed at
//    creation: a parent that serves another request later does not change its children.
//  - net/http client hand-off: persistConn.roundTrip's caller (CS_EV_GO_HTTP_ROUNDTRIP: caller goroutine,
//    *Request) hands the request to the connection's writeLoop, which writes it (CS_EV_GO_HTTP_WRITE:
//    writeLoop goroutine, the same *Request: the next WRITE of that pointer in event order). The
//    writeLoop's next request write is for what the caller was for at ROUNDTRIP.
// Decision for a call of goroutine G:
//  - a process whose binary is still being analysed (goid CS_GOID_PENDING: it exec'd moments ago and may be
//    Go): ProcessStarting, whatever its threads serve.
//  - a connect decides nothing (the request write does): net/http dials in a goroutine of its own and gives
//    the new connection to whichever caller waits first.
//  - G ran a WRITE (a writeLoop): the hand-off of its latest WRITE, used by one request write. A request
//    written without a fresh WRITE (a record lost): HandOffLost.
//  - G serves one request: that request; several at once: SeveralRequests.
//  - else G's origin: a request still served -> that request; one whose answer began -> ParentGone;
//    unknown -> UnknownGoroutine.
// Origins are never "no request": they are unknown for goroutines whose NEWPROC was not seen (created
// before their process was registered, or the record was lost), for children of a goroutine of unknown
// origin, for goroutines the runtime created (parent 0: timers), and for children of a goroutine that
// connected or ran a WRITE: a connection's own goroutines (net/http's dialer starts the readLoop and the
// writeLoop) work for whoever uses the connection later, not for the request that caused the dial.
// Limits: work handed over through channels is not seen (a worker goroutine's calls get the worker's own
// origin: unknown for a pool started at init; a worker started by a handler is taken for that handler's
// request while it is served). HTTP/2 (one goroutine reads all streams) is not covered.
// Bounds: goroutines and pending hand-offs live in generational maps (nothing reports a goroutine's end):
// past max_goroutines / max_handoffs the least recently used are forgotten (their calls then abstain);
// a process's entries go at its exit.
#pragma once

#include <cstdint>

#include "common/flat_map.h"
#include "correlate/generational_map.h"
#include "correlate/in_process_rule.h"

namespace cs {

class GoroutineRule : public InProcessRule {
 public:
  explicit GoroutineRule(size_t max_goroutines = 65536, size_t max_handoffs = 16384);

  const char* name() const override { return "goroutine"; }
  void request_served(const ExecContext& exec, SpanHandle span, uint64_t conn) override;
  void request_answered(SpanHandle span) override;
  // No: a goroutine whose cause is a request answered already gets parent_gone (answer()), the goroutines
  // the handler started included, so an answered request gets no later child from this rule.
  bool may_name_after_answer(SpanHandle) const override { return false; }
  void client_request(const ExecContext& exec, SpanHandle span, SpanHandle parent, uint64_t conn) override;
  void io(const ExecContext&, uint64_t, Side, Io, uint64_t) override {}
  void connected(const ExecContext& exec, uint64_t conn) override;
  void connection_closed(uint64_t) override {}
  void process_exited(uint32_t pid) override;
  void runtime_record(const cs_event_header& record) override;
  RuleAnswer parent_of(const CallSite& call) override;
  void clear() override;

  size_t goroutines() const { return goroutines_.size(); }
  uint64_t goroutines_forgotten() const { return goroutines_.forgotten(); }

 private:
  // A goroutine or a request object of one process.
  struct Key {
    uint32_t pid = 0;
    uint64_t id = 0;  // goroutine id, or *http.Request address
    bool operator==(const Key& o) const { return id == o.id && pid == o.pid; }
  };
  struct KeyHash {
    size_t operator()(const Key& k) const { return static_cast<size_t>(mix64(k.id ^ static_cast<uint64_t>(k.pid) << 40)); }
  };
  // What a goroutine's calls are for, as far as the evidence goes.
  struct Cause {
    enum class Kind : uint8_t {
      Unknown,  // no evidence
      Request,  // `span`
      Several,  // it served several requests at once
      Lost,     // a WRITE whose ROUNDTRIP was not seen
    };
    Kind kind = Kind::Unknown;
    SpanHandle span = 0;
  };
  struct Goroutine {
    Cause origin;              // fixed at creation (NEWPROC)
    Cause handoff;             // a writeLoop's next request write (handoff_ready)
    SpanHandle serving = 0;    // the first request it read that is still served
    uint16_t served = 0;       // requests it read whose answer has not begun
    bool pool = false;         // it connected or ran a WRITE: its children work for a connection
    bool writer = false;       // it ran a WRITE (a net/http writeLoop): its writes are hand-offs only
    bool handoff_ready = false;
  };
  static bool keep(const Goroutine& g) { return g.served > 0 || g.handoff_ready; }

  Cause cause_of(const Goroutine* g) const;  // serving, else origin
  RuleAnswer answer(const Cause& c) const;
  void newproc(const cs_go_newproc_event& e);
  void handoff_from(const cs_go_http_event& e);  // ROUNDTRIP
  void handoff_to(const cs_go_http_event& e);    // WRITE
  void note_process(uint32_t pid);

  GenerationalMap<Key, Goroutine, KeyHash> goroutines_;
  GenerationalMap<Key, Cause, KeyHash> handoffs_;  // (pid, *Request) at ROUNDTRIP -> what its caller was for
  FlatMap<SpanHandle, Key> served_;                // request being served -> the goroutine that read it
  FlatMap<uint32_t, uint8_t> processes_;           // pids with state here (freed at their exit)
};

}  // namespace cs
