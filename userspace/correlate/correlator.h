// Builds call chains: decides each span's parent and trace id, and hands finished traces to the sink.
//
// Rules, in order of strength (see README "How chains are built"):
//  1. Across processes on this node: a server span whose request has the same wire identity (client
//     endpoint, server endpoint, TCP sequence number of the first request byte) as a traced client span
//     is that client span's child.
//  2. Inside a process: a client span is the child of the request its thread is serving when the client
//     connects (new connection) or writes the request (reused connection). "Serving" means the thread read
//     the request's head (its body may still be coming) and has not started the response. A thread serving requests of one connection
//     serves the oldest unanswered one (pipelining). A thread serving requests of several connections (an
//     event loop) is handling the request whose input it consumed last: the request it read last, or the
//     request whose downstream response it read last (sequential fan-out). If that input belongs to no
//     request still being served, the span is left a root and counted as ambiguous. A thread serving
//     nothing: root.
//  3. An incoming W3C traceparent header on a server span with no traced client: the span keeps the
//     header's trace id and parent span id.
// Otherwise the span is a root of its own trace and counted as unlinked.
// Nesting: the two spans of one exchange linked by rule 1 are clamped so that the server span lies inside
// the client span (client start <= server start, server end <= client end). Both clamps are causally exact
// bounds when the capture only knows when socket calls returned: the client's write began before the
// server's read that got its bytes returned, and the server's response write began before the client's
// read of it returned. Server spans wait up to
// link_window_ns for their client (events from two CPUs can arrive out of order); a trace is emitted
// trace_linger_ns after its root ended, so children that end late still come with it.
#pragma once

#include <cstdint>
#include <deque>
#include <optional>
#include <unordered_map>
#include <vector>

#include "common/ids.h"
#include "common/net.h"
#include "common/pipeline_config.h"
#include "common/pipeline_stats.h"
#include "sinks/sink.h"
#include "spans/span.h"

namespace cs {

// Parsed W3C traceparent: version 00 "00-<32 hex trace id>-<16 hex parent id>-<2 hex flags>".
struct TraceParent {
  TraceId trace_id;
  uint64_t parent_span_id = 0;
};
std::optional<TraceParent> parse_traceparent(std::string_view value);

struct ThreadKey {
  uint32_t pid = 0;
  uint32_t tid = 0;
  bool operator==(const ThreadKey& o) const { return pid == o.pid && tid == o.tid; }
};
struct ThreadKeyHash {
  size_t operator()(const ThreadKey& k) const { return (static_cast<size_t>(k.pid) << 32) ^ k.tid; }
};

class Correlator {
 public:
  Correlator(const PipelineConfig& config, SpanSink& sink, PipelineStats& stats);

  // A server read a whole request on connection `conn_gen` with thread `thread`. Returns the span id.
  uint64_t server_request(ThreadKey thread, uint64_t conn_gen, const FlowKey& flow, bool flow_valid,
                          std::optional<TraceParent> traceparent, uint64_t now_ns);
  // The server began writing the response to span `id`: its thread no longer serves it.
  void server_responding(uint64_t id);
  // A client connected on `conn_gen` from `thread`: remembers which request the thread was serving.
  void client_connected(ThreadKey thread, uint64_t conn_gen);
  // A client wrote a whole request on connection `conn_gen`. Returns the span id.
  uint64_t client_request(ThreadKey thread, uint64_t conn_gen, bool first_on_conn, const FlowKey& flow,
                          bool flow_valid, uint64_t now_ns);
  // The span is complete (times still CLOCK_MONOTONIC; converted on emission).
  void span_finished(uint64_t id, Span&& span);
  // A span opened for a request that never completed (its bytes were lost): forget it.
  void discard(uint64_t id);
  // Connection ended: its unanswered requests are no longer served by anyone.
  void connection_closed(uint64_t conn_gen);
  void process_exited(uint32_t pid);

  void advance(uint64_t now_ns);  // settle links and emit due traces
  void flush();                   // end of input: settle and emit everything


 private:
  enum class ParentState : uint8_t { Unknown, Root, Local, Remote };
  struct Node {
    uint64_t id = 0;
    SpanKind kind = SpanKind::Server;
    ThreadKey thread;
    ParentState state = ParentState::Unknown;
    uint64_t parent = 0;             // Local: parent node id; Remote: parent span id from traceparent
    std::optional<TraceParent> traceparent;
    bool trace_known = false;
    TraceId trace_id;
    bool finished = false;
    uint64_t created_ns = 0;
    uint64_t end_ns = 0;             // CLOCK_MONOTONIC end once finished
    std::optional<FlowKey> waiting_flow;  // server: still in server_waiting_ under this key
    bool flow_link = false;          // server: its parent is the client span of its request (rule 1)
    Span span;
    std::vector<uint64_t> children;
    Node* older = nullptr;  // creation order
    Node* newer = nullptr;
  };
  struct Serving {                   // a request a thread is serving
    uint64_t span_id;
    uint64_t conn_gen;
  };

  struct ServingLookup {
    std::optional<uint64_t> parent;
    bool ambiguous = false;
  };
  ServingLookup serving_parent(ThreadKey thread) const;
  Node& new_node(SpanKind kind, ThreadKey thread, uint64_t now_ns);
  // A server span with no traced client: remote parent from its traceparent, else a root.
  void settle_without_client(Node& n);
  void link(Node& child, uint64_t parent_id);
  // The rule-1 pair of one exchange: clamps the server span inside the client span (the nesting rule
  // above). Applied when the trace is emitted, to spans emitted together.
  static void nest_in(Span& client, Span& server);
  void settle_unmatched_servers(uint64_t now_ns, bool all);
  void emit_due(uint64_t now_ns, bool all);
  void emit_tree(uint64_t root_id);
  void drop_oldest_if_full();
  void erase_node(uint64_t id);  // the only way a node leaves nodes_ (keeps the creation list)
  void forget_serving(uint64_t span_id);
  Node* node(uint64_t id);

  const PipelineConfig& config_;
  SpanSink& sink_;
  PipelineStats& stats_;
  IdGenerator ids_;
  std::unordered_map<uint64_t, Node> nodes_;
  Node* oldest_ = nullptr;  // creation-order list through the nodes, for the memory bound
  Node* newest_ = nullptr;
  std::unordered_map<FlowKey, uint64_t, FlowKeyHash> client_by_flow_;  // client spans by wire identity
  std::unordered_map<FlowKey, uint64_t, FlowKeyHash> server_waiting_;  // server spans still unlinked
  struct FlowExpiry {
    uint64_t created_ns;
    FlowKey key;
    uint64_t id;
  };
  std::deque<FlowExpiry> client_flow_expiry_;
  std::unordered_map<ThreadKey, std::vector<Serving>, ThreadKeyHash> serving_;  // by thread, read order
  std::unordered_map<uint64_t, uint64_t> connect_hint_;   // conn_gen -> server span the connect was for
  std::unordered_map<ThreadKey, uint64_t, ThreadKeyHash> last_input_;  // thread -> request its last input was for
  std::deque<std::pair<uint64_t, uint64_t>> server_wait_order_;  // (created_ns, id) of waiting servers
  std::deque<uint64_t> emit_candidates_;                  // finished nodes that may be roots
  std::vector<Span> batch_;
};

}  // namespace cs
