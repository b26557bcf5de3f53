// Builds call chains: decides each span's parent and trace id, and hands finished traces to the sink.
//
// Rules, in order of strength (README "How chains are built"):
//  1. Across processes on this node, by the wire. A server span and a traced client span of the same
//     request: equal wire identity (client endpoint, server endpoint, TCP sequence number of the first
//     request byte; for loopback addresses also the same network namespace, since every namespace has its
//     own loopback). Through address translation on the node (DNAT, SNAT, both; NAT never changes TCP
//     sequence numbers): the same sequence number of the first request byte AND of the first response
//     byte, in the same address family, within the link window, and no other span of that side with the
//     same pair (a duplicate pair links nothing and is counted in nat_ambiguous). The server span is the
//     client span's child.
//  2. Inside a process: a client span is the child of the request its caller was working for, decided
//     by the in-process rules (in_process_rule.h; thread_rule.h) at the connect (new connection) or at the
//     request write (reused connection). A rule that cannot single out one request abstains: the span is a
//     root, counted by reason (PipelineStats ambiguous_*).
//  3. An incoming W3C traceparent header on a server span with no traced client: the span keeps the
//     header's trace id and parent span id.
// Otherwise the span is a root of its own trace and counted as unlinked.
// Nesting: the two spans of one exchange linked by rule 1 are clamped so that the server span lies inside
// the client span (client start <= server start, server end <= client end). Both clamps are causally exact
// bounds when the capture only knows when socket calls returned.
// Windows: a server span waits for its client (events from two CPUs arrive out of order; through NAT
// until both response sequence numbers are known) until link_window_ns after it was read and after its
// response began; a trace is emitted trace_linger_ns after its root ended, so late children come with it.
// Complete traces go sooner, at emit_completed() (the pipeline calls it after every record): a trace is
// complete when nothing more can join it, which the correlator knows from causality, not from time. Each
// node counts the open items of its subtree: a span not finished yet; a client span whose server may still
// link to it (it has a wire identity and no server linked); a connect hint naming the span (its
// connection's first request will be its child); a server span a rule may still name as a parent after
// its answer (InProcessRule::may_name_after_answer: none of the built-in rules, which name only requests
// still served; counted for good, so its trace waits the linger). So a root with no open item has its
// whole trace. The same spans, parents and times are written as after the linger, only sooner, so a
// trace's spans leave while still in cache.
// Memory: spans live in a slab addressed by SpanHandle (slot + generation), children in intrusive lists,
// lookups in flat open-addressing tables: nothing is allocated per span once the tables are warm, except
// what the span's own fields hold. At most max_pending_spans: the oldest is dropped (spans_dropped).
#pragma once

#include <array>
#include <cstring>
#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <vector>

#include "common/ids.h"
#include "common/net.h"
#include "common/pipeline_config.h"
#include "common/pipeline_stats.h"
#include "common/flat_map.h"
#include "correlate/in_process_rule.h"
#include "correlate/traceparent.h"
#include "sinks/sink.h"
#include "spans/span.h"

namespace cs {

class ClockTimeline;
class ThreadRule;

// A request's identity on the wire as one end of the connection saw it.
struct WireEnd {
  bool valid = false;   // the TCP sequence numbers are known
  FlowKey flow;         // client endpoint, server endpoint, sequence number of the first request byte
  uint32_t netns = 0;   // network namespace of this end's socket
};

class Correlator {
 public:
  Correlator(const PipelineConfig& config, SpanSink& sink, PipelineStats& stats);
  ~Correlator();
  Correlator(const Correlator&) = delete;
  Correlator& operator=(const Correlator&) = delete;

  // Registers a runtime-specific in-process rule; it is asked before the generic thread rule (and before
  // rules registered earlier).
  void add_rule(std::unique_ptr<InProcessRule> rule);
  // Unix times from this timeline (must outlive the correlator) instead of config.mono_to_unix_ns. Every
  // span of a trace gets the offset in effect when the trace's root was created, so a clock step never
  // reorders the spans of one trace (common/clock_timeline.h).
  void set_clock(const ClockTimeline* clock) { clock_ = clock; }

  // Evidence from the connection layer, in event order.
  void io(const ExecContext& exec, uint64_t conn, Side side, Io kind, uint64_t now_ns);
  void client_connected(const ExecContext& exec, uint64_t conn, uint64_t now_ns);
  void connection_closed(uint64_t conn);
  void process_exited(uint32_t pid);
  // A record of a runtime's own probes (InProcessRule::runtime_record), in event order.
  void runtime_record(const cs_event_header& record);

  // A server read the head of a request on `conn`. Returns the span's handle.
  SpanHandle server_request(const ExecContext& exec, uint64_t conn, const WireEnd& wire,
                            std::optional<TraceParent> traceparent, uint64_t now_ns);
  // A client wrote a request on `conn` (`first_on_conn`: the connection's first). Returns the handle.
  SpanHandle client_request(const ExecContext& exec, uint64_t conn, bool first_on_conn, const WireEnd& wire,
                            uint64_t now_ns);
  // The server began writing the response of span `h`: its caller no longer serves the request.
  void response_started(SpanHandle h);
  // The span is complete (times still CLOCK_MONOTONIC; converted on emission). `response_seq`: TCP sequence
  // number of the response's first byte, when there was a response and the sequence is known.
  void span_finished(SpanHandle h, Span&& span, bool response_seq_valid = false, uint32_t response_seq = 0);
  // A span opened for a request that never completed (its bytes were lost): forget it.
  void discard(SpanHandle h);

  void advance(uint64_t now_ns);  // settle links and emit due traces
  // Writes the traces that became complete since the last call (also part of advance()). Cheap when there
  // are none: the pipeline calls it after every record, so a trace is written while its spans are still
  // in the CPU's cache instead of ~10 ms of events later (measured: docs/benchmarks.md).
  void emit_completed() {
    if (!complete_.empty()) emit_complete();
  }
  void flush();                   // end of input: settle and emit everything

  size_t pending_spans() const { return live_; }

 private:
  enum class ParentState : uint8_t { Unknown, Root, Local, Remote };
  static constexpr uint32_t kNil = UINT32_MAX;
  struct Node {
    uint32_t gen = 0;
    bool used = false;
    SpanKind kind = SpanKind::Server;
    ParentState state = ParentState::Unknown;
    bool finished = false;
    bool trace_known = false;
    bool flow_link = false;      // server: its parent is the client span of its request (rule 1)
    bool has_traceparent = false;
    bool exact_waiting = false;  // server: in servers_waiting_ under its exact wire key
    bool exact_matched = false;  // client: a server took it by the exact wire identity
    bool nat_waiting = false;    // in the NAT table of its side
    bool serving = false;        // server: a rule may still consider its request served
    uint64_t span_id = 0;
    SpanHandle parent = 0;       // Local: the parent node (gone once the parent's trace was emitted)
    uint64_t parent_span_id = 0; // Local: the parent's span id
    uint64_t remote_parent = 0;  // Remote: from traceparent
    TraceParent traceparent;
    TraceId trace_id;
    uint64_t created_ns = 0;
    uint64_t settle_at_ns = 0;   // server: settles without a client after this
    uint64_t end_ns = 0;         // CLOCK_MONOTONIC end once finished
    uint32_t open = 0;           // open items in its subtree (complete traces, above)
    bool awaiting_server = false;  // client: counted in open until its server span links to it
    bool clock_known = false;    // clock_offset fixed for its trace (set with the trace id on emission)
    int64_t clock_offset = 0;    // mono -> Unix offset of the whole trace
    WireEnd wire;
    uint32_t response_seq = 0;
    uint32_t first_child = kNil, last_child = kNil, next_sibling = kNil;
    uint32_t older = kNil, newer = kNil;  // creation order (memory bound)
  };

  struct ExactKey {
    FlowKey flow;
    uint32_t loopback_netns = 0;  // the namespace when the addresses are loopback, else 0
    bool operator==(const ExactKey& o) const { return loopback_netns == o.loopback_netns && flow == o.flow; }
  };
  struct ExactKeyHash {
    size_t operator()(const ExactKey& k) const {
      // One multiply-mix over the words that differ between requests (sequence, ports, low address bytes).
      uint64_t a, b, c, d;
      std::memcpy(&a, k.flow.client.addr, 8);
      std::memcpy(&b, k.flow.client.addr + 8, 8);
      std::memcpy(&c, k.flow.server.addr, 8);
      std::memcpy(&d, k.flow.server.addr + 8, 8);
      uint64_t h = static_cast<uint64_t>(k.flow.seq) << 32 | k.flow.client.port << 16 | k.flow.server.port;
      h ^= (a + 3 * b) * 0x9e3779b97f4a7c15ULL ^ (c + 5 * d + k.loopback_netns) * 0xc2b2ae3d27d4eb4fULL;
      return static_cast<size_t>(mix64(h));
    }
  };
  struct NatKey {
    uint32_t request_seq = 0;
    uint32_t response_seq = 0;
    uint16_t family = 0;
    bool operator==(const NatKey& o) const {
      return request_seq == o.request_seq && response_seq == o.response_seq && family == o.family;
    }
  };
  struct NatKeyHash {
    size_t operator()(const NatKey& k) const {
      return mix64((static_cast<uint64_t>(k.request_seq) << 32 | k.response_seq) ^ k.family);
    }
  };
  struct Expiry {
    uint64_t at_ns;
    SpanHandle h;
  };

  static SpanHandle handle_of(uint32_t slot, uint32_t gen) { return static_cast<uint64_t>(gen) << 32 | slot; }
  Node* node(SpanHandle h);
  SpanHandle handle(const Node& n) const { return handle_of(slot_of(n), n.gen); }
  uint32_t slot_of(const Node& n) const { return static_cast<uint32_t>(&n - nodes_.data()); }
  Node& new_node(SpanKind kind, uint64_t now_ns);
  void release(Node& n);  // the only way a node leaves the slab
  void unlink_child(Node& child);
  void forget_wire(Node& n);  // out of every wire table
  void drop_oldest_if_full();

  static ExactKey exact_key(const WireEnd& w);
  static NatKey nat_key(const Node& n);
  static bool nat_compatible(const Node& client, const Node& server);
  RuleAnswer decide(const CallSite& call);
  void count_abstain(Abstain reason);
  void settle_without_client(Node& n);
  void link(Node& child, SpanHandle parent);
  void add_open(Node& n, int32_t delta);  // to n and its ancestors; a top left with none is complete
  void drop_hint(SpanHandle parent);  // a connect hint naming `parent` is used or gone
  static bool complete_top(const Node& n);
  void emit_complete();
  void link_by_wire(Node& server, Node& client, bool nat);
  void nat_offer(Node& n, uint64_t now_ns);
  static void nest_in(Span& client, Span& server);
  void settle_unmatched(uint64_t now_ns, bool all);
  void emit_due(uint64_t now_ns, bool all);
  void emit_tree(Node& root);

  const PipelineConfig& config_;
  const ClockTimeline* clock_ = nullptr;
  SpanSink& sink_;
  PipelineStats& stats_;
  IdGenerator ids_;

  std::vector<Node> nodes_;      // the slab
  std::vector<Span> spans_;      // the finished span of each slot (kept apart: nodes stay small)
  std::vector<uint32_t> free_;   // free slots
  size_t live_ = 0;
  uint32_t oldest_ = kNil, newest_ = kNil;

  std::vector<std::unique_ptr<InProcessRule>> rules_;  // asked in order; the thread rule is last
  struct Hint {
    SpanHandle parent = 0;
    Abstain reason = Abstain::None;
  };
  FlatMap<uint64_t, Hint> connect_hints_;  // connection -> decision at its connect

  FlatMap<ExactKey, SpanHandle, ExactKeyHash> clients_by_wire_;   // client spans by exact wire identity
  FlatMap<ExactKey, SpanHandle, ExactKeyHash> servers_waiting_;   // server spans not linked yet
  std::deque<Expiry> client_wire_expiry_;
  FlatMap<NatKey, SpanHandle, NatKeyHash> nat_clients_;
  FlatMap<NatKey, SpanHandle, NatKeyHash> nat_servers_;
  std::deque<Expiry> nat_client_expiry_;
  std::deque<Expiry> server_wait_;        // servers waiting for a client, by (roughly) settle time
  std::deque<SpanHandle> emit_candidates_;  // finished nodes that may be roots, in finish order
  std::vector<SpanHandle> complete_;        // roots of complete traces, written at the next emit_completed()
  std::vector<SpanHandle> deferred_;
  struct Item {
    uint32_t slot;
    size_t parent_at;
  };
  std::vector<Item> stack_;
  std::vector<uint32_t> done_;
  std::vector<Span> batch_;
};

}  // namespace cs
