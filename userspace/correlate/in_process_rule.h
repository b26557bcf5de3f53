// In-process evidence and the rules that use it: which request a client call made inside a process was
// made for (README "How chains are built", rule 2).
//
// Rules:
//  - A rule links only on positive, causal evidence. Where its evidence does not single out one request
//    it claims the call and abstains with a reason (the span stays a root, counted by reason): a wrong
//    parent is worse than none. Payload content is never evidence.
//  - Rules are asked in order (runtime-specific first, the generic thread rule last); the first that
//    claims a call decides it. A rule that knows nothing about a call does not claim it.
//  - Every rule sees the same evidence hooks, in event order, and keeps its own state (bounded; freed at
//    process exit). A runtime-specific rule (e.g. goroutines for Go) is one more file implementing
//    InProcessRule, registered in Correlator's constructor; the others do not change.
//  - Span handles are the correlator's (SpanHandle): 0 is none; a handle of a span that is gone is simply
//    not linked to (the correlator checks).
#pragma once

#include <cstdint>

#include "callscope/events.h"

namespace cs {

using SpanHandle = uint64_t;  // generation << 32 | slot in the correlator's span slab; 0 = none

// What the agent knows of how a process runs its handlers (from its binary's name).
enum class Runtime : uint8_t {
  Generic,      // nothing known: a thread serving several requests may run any of them at any time
  OrderedLoop,  // an event loop that runs an input's handler to completion before it takes the next input
};

// Who made a socket call: a thread, and its goroutine in a Go process (goid 0: not Go or unknown).
struct ExecContext {
  uint32_t pid = 0;
  uint32_t tid = 0;
  uint64_t goid = 0;
  Runtime runtime = Runtime::Generic;
};

// Why a client span was left a root. Counted per reason (PipelineStats::abstained).
enum class Abstain : uint8_t {
  None = 0,
  NotServing,        // the thread served no request (unlinked, not ambiguous: nothing to link to)
  SeveralRequests,   // the thread serves requests of several connections and its runtime may interleave them
  BatchedInputs,     // ordered loop: inputs of several requests since its previous output (batched reads)
  NoCausingInput,    // ordered loop: no input since its previous output (timer, wake-up, error event, an
                     // input the agent cannot see) or the input belongs to no request still served
  Goroutine,         // a Go thread multiplexes goroutines: no goroutine rule decided the call
  UnknownGoroutine,  // Go: the calling goroutine serves nothing and its origin is unknown (created before its
                     // process was registered, by a goroutine of unknown origin, or by a connection's own
                     // goroutines) (goroutine_rule.h)
  HandOffLost,       // Go: a net/http writeLoop wrote a request without the hand-off that names its caller
  ProcessStarting,   // the process had just started (exec) and the agent was still analysing its binary: a
                     // Go process's thread may not be taken for a plain thread (events.h CS_GOID_PENDING)
  ParentGone,        // the request it was made for was dropped or its span ended before the call
  kCount
};
const char* abstain_name(Abstain a);

// One client call to decide: a connect (new connection) or the first byte of a request on a reused one.
struct CallSite {
  ExecContext exec;
  uint64_t conn = 0;     // connection instance (Connection::gen) the call is on
  bool connect = false;  // true: a connect; false: a request write
  uint64_t now_ns = 0;
};

struct RuleAnswer {
  bool claimed = false;
  SpanHandle parent = 0;           // claimed and non-zero: the parent
  Abstain reason = Abstain::None;  // claimed and no parent: why
  static RuleAnswer pass() { return {}; }
  static RuleAnswer link(SpanHandle p) { return {true, p, Abstain::None}; }
  static RuleAnswer abstain(Abstain why) { return {true, 0, why}; }
};

enum class Side : uint8_t { Client, Server };  // this end of the connection

// One socket call of a caller, as evidence of what drives it.
enum class Io : uint8_t {
  Output,           // it wrote (any connection)
  OpaqueInput,      // it read bytes of a connection in no protocol the agent parses (yet): what they
                    // complete is unknown, so they may have started anything
  CompletingInput,  // it read bytes that completed a request (server) or a response (client): what a
                    // handler acts on. Reads that complete no message (part of one, a head whose body is
                    // still coming) are not reported: they are no cause (thread_rule.h says why).
};

class InProcessRule {
 public:
  virtual ~InProcessRule() = default;
  virtual const char* name() const = 0;

  // Evidence, in event order.
  // `exec` read the head of request `span` on server connection `conn`: it is serving it.
  virtual void request_served(const ExecContext& exec, SpanHandle span, uint64_t conn) = 0;
  // The answer to `span` began (or the request ended otherwise): nobody serves it any more.
  virtual void request_answered(SpanHandle span) = 0;
  // May this rule still name `span` as a parent after request_answered(span) (asked just before it)? A
  // rule that follows work handed on past the answer would (the built-in rules do not: the thread and
  // goroutine rules name only requests still served). A trace holding such a span is written only after
  // the whole trace linger, so that such late children still join it. Unless a rule knows better: yes.
  virtual bool may_name_after_answer(SpanHandle span) const {
    (void)span;
    return true;
  }
  // `exec` made a client request `span` on `conn` with parent `parent` (0: none).
  virtual void client_request(const ExecContext& exec, SpanHandle span, SpanHandle parent, uint64_t conn) = 0;
  // A socket call of `exec` on `conn` (this end: `side`), in event order (outputs before their bytes are
  // parsed, completing inputs when the parser saw what they completed).
  virtual void io(const ExecContext& exec, uint64_t conn, Side side, Io kind, uint64_t now_ns) = 0;
  // `exec` called connect() on `conn`.
  virtual void connected(const ExecContext& exec, uint64_t conn) = 0;
  virtual void connection_closed(uint64_t conn) = 0;
  virtual void process_exited(uint32_t pid) = 0;
  // A record of a runtime's own probes (events.h, types >= 64, e.g. Go's goroutine lineage and net/http
  // hand-offs), its size checked for its type by the record decoder. Rules that do not read it ignore it.
  virtual void runtime_record(const cs_event_header&) {}

  // Decision for one call: pass() when the rule knows nothing about it.
  virtual RuleAnswer parent_of(const CallSite& call) = 0;
  virtual void clear() = 0;
};

}  // namespace cs
