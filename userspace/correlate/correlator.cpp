#include "correlate/correlator.h"

#include <algorithm>
#include <cstring>

#include "common/clock_timeline.h"
#include "correlate/goroutine_rule.h"
#include "correlate/thread_rule.h"

namespace cs {

namespace {

bool is_loopback(const Endpoint& e) {
  if (e.family == 2) return e.addr[0] == 127;
  static const uint8_t v6_loopback[16] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
  return e.family == 10 && std::memcmp(e.addr, v6_loopback, 16) == 0;
}

}  // namespace

Correlator::Correlator(const PipelineConfig& config, SpanSink& sink, PipelineStats& stats)
    : config_(config), sink_(sink), stats_(stats), ids_(config.id_seed) {
  rules_.push_back(std::make_unique<GoroutineRule>());
  rules_.push_back(std::make_unique<ThreadRule>());
}

Correlator::~Correlator() = default;

void Correlator::add_rule(std::unique_ptr<InProcessRule> rule) { rules_.insert(rules_.begin(), std::move(rule)); }

// ---- the slab

Correlator::Node* Correlator::node(SpanHandle h) {
  const uint32_t slot = static_cast<uint32_t>(h);
  if (h == 0 || slot >= nodes_.size()) return nullptr;
  Node& n = nodes_[slot];
  return n.used && n.gen == static_cast<uint32_t>(h >> 32) ? &n : nullptr;
}

Correlator::Node& Correlator::new_node(SpanKind kind, uint64_t now_ns) {
  drop_oldest_if_full();
  uint32_t slot;
  if (!free_.empty()) {
    slot = free_.back();
    free_.pop_back();
  } else {
    slot = static_cast<uint32_t>(nodes_.size());
    nodes_.emplace_back();
    spans_.emplace_back();
  }
  Node& n = nodes_[slot];
  const uint32_t gen = n.gen + 1 == 0 ? 1 : n.gen + 1;  // a stale handle never names the new span
  n = Node{};
  n.gen = gen;
  n.used = true;
  n.kind = kind;
  n.span_id = ids_.next_span_id();
  n.created_ns = now_ns;
  n.open = 1;  // not finished
  n.older = newest_;
  n.newer = kNil;
  (newest_ != kNil ? nodes_[newest_].newer : oldest_) = slot;
  newest_ = slot;
  ++live_;
  return n;
}

void Correlator::unlink_child(Node& child) {
  Node* parent = child.state == ParentState::Local ? node(child.parent) : nullptr;
  if (parent == nullptr) return;
  const uint32_t me = slot_of(child);
  uint32_t prev = kNil;
  for (uint32_t c = parent->first_child; c != kNil; prev = c, c = nodes_[c].next_sibling) {
    if (c != me) continue;
    (prev == kNil ? parent->first_child : nodes_[prev].next_sibling) = child.next_sibling;
    if (parent->last_child == me) parent->last_child = prev;
    break;
  }
}

void Correlator::forget_wire(Node& n) {
  const SpanHandle h = handle(n);
  if (n.exact_waiting) {
    if (SpanHandle* w = servers_waiting_.find(exact_key(n.wire)); w && *w == h) servers_waiting_.erase(exact_key(n.wire));
    n.exact_waiting = false;
  }
  if (n.kind == SpanKind::Client && n.wire.valid && !n.exact_matched) {
    if (SpanHandle* c = clients_by_wire_.find(exact_key(n.wire)); c && *c == h) clients_by_wire_.erase(exact_key(n.wire));
  }
  if (n.nat_waiting) {
    auto& table = n.kind == SpanKind::Client ? nat_clients_ : nat_servers_;
    if (SpanHandle* x = table.find(nat_key(n)); x && *x == h) table.erase(nat_key(n));
    n.nat_waiting = false;
  }
}

void Correlator::release(Node& n) {
  forget_wire(n);
  response_started(handle(n));  // no rule may consider its request served any more
  unlink_child(n);
  const uint32_t slot = slot_of(n);
  (n.older != kNil ? nodes_[n.older].newer : oldest_) = n.newer;
  (n.newer != kNil ? nodes_[n.newer].older : newest_) = n.older;
  n.used = false;
  n.first_child = n.last_child = n.next_sibling = kNil;
  free_.push_back(slot);
  --live_;
}

void Correlator::drop_oldest_if_full() {
  while (live_ >= config_.max_pending_spans && oldest_ != kNil) {
    release(nodes_[oldest_]);
    ++stats_.spans_dropped;
  }
}

// ---- rule 1: the wire

Correlator::ExactKey Correlator::exact_key(const WireEnd& w) {
  ExactKey k;
  k.flow = w.flow;
  if (is_loopback(w.flow.client) || is_loopback(w.flow.server)) k.loopback_netns = w.netns;
  return k;
}

Correlator::NatKey Correlator::nat_key(const Node& n) {
  return NatKey{n.wire.flow.seq, n.response_seq, n.wire.flow.client.family};
}

bool Correlator::nat_compatible(const Node& client, const Node& server) {
  const FlowKey& c = client.wire.flow;
  const FlowKey& s = server.wire.flow;
  if (c.client.family != s.client.family) return false;
  // Loopback traffic never leaves its namespace: both ends on loopback must be in one namespace.
  if ((is_loopback(c.server) || is_loopback(s.client)) && client.wire.netns != server.wire.netns) return false;
  return true;
}

void Correlator::link(Node& child, SpanHandle parent_h) {
  Node* parent = node(parent_h);
  if (parent == nullptr) {
    child.state = ParentState::Root;
    return;
  }
  child.state = ParentState::Local;
  child.parent = parent_h;
  child.parent_span_id = parent->span_id;
  const uint32_t me = slot_of(child);
  child.next_sibling = kNil;
  if (parent->last_child == kNil)
    parent->first_child = me;
  else
    nodes_[parent->last_child].next_sibling = me;
  parent->last_child = me;
  add_open(*parent, static_cast<int32_t>(child.open));
}

void Correlator::add_open(Node& n, int32_t delta) {
  Node* top = &n;
  for (;;) {
    top->open += static_cast<uint32_t>(delta);
    Node* up = top->state == ParentState::Local ? node(top->parent) : nullptr;
    if (up == nullptr) break;
    top = up;
  }
  if (delta < 0 && complete_top(*top)) complete_.push_back(handle(*top));
}

bool Correlator::complete_top(const Node& n) {
  return n.open == 0 && n.finished && n.state != ParentState::Unknown;
}

void Correlator::drop_hint(SpanHandle parent) {
  if (Node* p = node(parent)) add_open(*p, -1);
}

void Correlator::link_by_wire(Node& server, Node& client, bool nat) {
  if (server.exact_waiting) {
    servers_waiting_.erase(exact_key(server.wire));
    server.exact_waiting = false;
  }
  link(server, handle(client));
  if (client.awaiting_server) {  // after the link: the server's own open items count from now on
    client.awaiting_server = false;
    add_open(client, -1);
  }
  server.flow_link = server.state == ParentState::Local;
  if (server.flow_link) {
    ++stats_.linked_cross_process;
    if (nat) ++stats_.linked_cross_process_nat;
  }
}

// A span whose response sequence number just became known and that no exact match linked: look for its
// other end through NAT, else wait in its side's table.
void Correlator::nat_offer(Node& n, uint64_t now_ns) {
  const NatKey key = nat_key(n);
  auto& other = n.kind == SpanKind::Client ? nat_servers_ : nat_clients_;
  auto& mine = n.kind == SpanKind::Client ? nat_clients_ : nat_servers_;
  if (SpanHandle* h = other.find(key)) {
    Node* peer = node(*h);
    if (peer != nullptr) {
      Node& client = n.kind == SpanKind::Client ? n : *peer;
      Node& server = n.kind == SpanKind::Client ? *peer : n;
      if (server.state == ParentState::Unknown && nat_compatible(client, server)) {
        other.erase(key);
        peer->nat_waiting = false;
        link_by_wire(server, client, true);
        return;
      }
    }
  }
  auto [slot, inserted] = mine.insert(key, handle(n));
  if (!inserted) {
    // Two spans of one side with the same pair of sequence numbers: neither can be told apart.
    if (Node* first = node(*slot)) first->nat_waiting = false;
    mine.erase(key);
    ++stats_.nat_ambiguous;
    return;
  }
  n.nat_waiting = true;
  if (n.kind == SpanKind::Client) nat_client_expiry_.push_back(Expiry{now_ns + config_.link_window_ns, handle(n)});
}

void Correlator::settle_without_client(Node& n) {
  forget_wire(n);  // its request may still be served: the rules keep it
  if (n.has_traceparent) {
    n.state = ParentState::Remote;
    n.remote_parent = n.traceparent.parent_span_id;
    ++stats_.linked_traceparent;
  } else {
    n.state = ParentState::Root;
    ++stats_.unlinked_server;
  }
  if (complete_top(n)) complete_.push_back(handle(n));
}

// ---- rule 2: inside a process

RuleAnswer Correlator::decide(const CallSite& call) {
  for (auto& rule : rules_) {
    RuleAnswer a = rule->parent_of(call);
    if (a.claimed) return a;
  }
  return RuleAnswer::abstain(Abstain::NotServing);
}

void Correlator::count_abstain(Abstain reason) {
  switch (reason) {
    case Abstain::None:
    case Abstain::kCount:
      return;
    case Abstain::NotServing:
      ++stats_.unlinked_client;
      return;
    case Abstain::SeveralRequests:
      ++stats_.ambiguous_several_requests;
      break;
    case Abstain::BatchedInputs:
      ++stats_.ambiguous_batched_inputs;
      break;
    case Abstain::NoCausingInput:
      ++stats_.ambiguous_no_causing_input;
      break;
    case Abstain::Goroutine:
      ++stats_.ambiguous_goroutine;
      break;
    case Abstain::UnknownGoroutine:
      ++stats_.ambiguous_unknown_goroutine;
      break;
    case Abstain::HandOffLost:
      ++stats_.ambiguous_handoff_lost;
      break;
    case Abstain::ProcessStarting:
      ++stats_.ambiguous_process_starting;
      break;
    case Abstain::ParentGone:
      ++stats_.ambiguous_parent_gone;
      break;
  }
  ++stats_.ambiguous_client;
}

void Correlator::io(const ExecContext& exec, uint64_t conn, Side side, Io kind, uint64_t now_ns) {
  for (auto& rule : rules_) rule->io(exec, conn, side, kind, now_ns);
}

void Correlator::client_connected(const ExecContext& exec, uint64_t conn, uint64_t now_ns) {
  for (auto& rule : rules_) rule->connected(exec, conn);  // the connect is an output of the caller
  RuleAnswer a = decide(CallSite{exec, conn, true, now_ns});
  Hint h;
  h.parent = a.parent;
  h.reason = a.parent ? Abstain::None : a.reason;
  if (Node* p = node(h.parent)) add_open(*p, 1);
  Hint& slot = connect_hints_[conn];
  drop_hint(slot.parent);  // a connection connected again: its earlier hint is gone
  slot = h;
}

void Correlator::connection_closed(uint64_t conn) {
  if (const Hint* hint = connect_hints_.find(conn)) {
    drop_hint(hint->parent);
    connect_hints_.erase(conn);
  }
  for (auto& rule : rules_) rule->connection_closed(conn);
}

void Correlator::process_exited(uint32_t pid) {
  for (auto& rule : rules_) rule->process_exited(pid);
}

void Correlator::runtime_record(const cs_event_header& record) {
  for (auto& rule : rules_) rule->runtime_record(record);
}

SpanHandle Correlator::server_request(const ExecContext& exec, uint64_t conn, const WireEnd& wire,
                                      std::optional<TraceParent> traceparent, uint64_t now_ns) {
  Node& n = new_node(SpanKind::Server, now_ns);
  const SpanHandle h = handle(n);
  n.wire = wire;
  if (traceparent) {
    n.has_traceparent = true;
    n.traceparent = *traceparent;
  }
  n.serving = true;
  for (auto& rule : rules_) rule->request_served(exec, h, conn);

  if (wire.valid) {
    const ExactKey key = exact_key(wire);
    if (SpanHandle* c = clients_by_wire_.find(key)) {
      Node* client = node(*c);
      clients_by_wire_.erase(key);
      if (client != nullptr) {
        client->exact_matched = true;
        link_by_wire(n, *client, false);
        return h;
      }
    }
    auto [slot, inserted] = servers_waiting_.insert(key, h);
    n.exact_waiting = inserted;
    n.settle_at_ns = now_ns + config_.link_window_ns;
    server_wait_.push_back(Expiry{n.settle_at_ns, h});
    return h;
  }
  settle_without_client(n);  // no way to find a traced client for it
  return h;
}

SpanHandle Correlator::client_request(const ExecContext& exec, uint64_t conn, bool first_on_conn,
                                      const WireEnd& wire, uint64_t now_ns) {
  Node& n = new_node(SpanKind::Client, now_ns);
  const SpanHandle h = handle(n);
  n.wire = wire;
  if (wire.valid) {  // only a wire identity lets a server span link to it (exactly or through NAT)
    n.awaiting_server = true;
    ++n.open;
  }

  RuleAnswer answer;
  bool decided = false;
  Abstain at_connect = Abstain::None;
  SpanHandle hinted = 0;
  if (Hint* hint = connect_hints_.find(conn)) {
    if (first_on_conn) {
      if (hint->parent != 0) {
        answer = node(hint->parent) ? RuleAnswer::link(hint->parent) : RuleAnswer::abstain(Abstain::ParentGone);
        decided = true;
      }
      // An abstention at the connect: the request write may still have evidence of its own; if not, the
      // connect's reason is the one counted (it was the causal moment of a new connection).
      at_connect = hint->reason;
    }
    hinted = hint->parent;
    connect_hints_.erase(conn);
  }
  if (!decided) {
    answer = decide(CallSite{exec, conn, false, now_ns});
    if (answer.parent == 0 && at_connect != Abstain::None && at_connect != Abstain::NotServing) answer.reason = at_connect;
  }
  if (answer.parent != 0) link(n, answer.parent);
  drop_hint(hinted);  // after the link: from now on the child holds its parent's trace open itself
  if (n.state == ParentState::Local) {
    ++stats_.linked_in_process;
  } else {
    n.state = ParentState::Root;
    count_abstain(answer.parent != 0 ? Abstain::ParentGone : answer.reason);
  }
  const SpanHandle parent = n.state == ParentState::Local ? n.parent : 0;
  for (auto& rule : rules_) rule->client_request(exec, h, parent, conn);

  if (wire.valid) {
    const ExactKey key = exact_key(wire);
    if (SpanHandle* s = servers_waiting_.find(key)) {
      Node* server = node(*s);
      if (server != nullptr && server->state == ParentState::Unknown) {
        n.exact_matched = true;
        link_by_wire(*server, n, false);  // also takes it out of servers_waiting_
        return h;
      }
      servers_waiting_.erase(key);
    }
    clients_by_wire_[key] = h;
    client_wire_expiry_.push_back(Expiry{now_ns + config_.link_window_ns, h});
  }
  return h;
}

void Correlator::response_started(SpanHandle h) {
  Node* n = node(h);
  if (n == nullptr || !n->serving) return;
  bool late_children = false;
  for (auto& rule : rules_) {
    late_children = rule->may_name_after_answer(h) || late_children;  // asked just before it hears
    rule->request_answered(h);
  }
  if (late_children) add_open(*n, 1);  // for good: its trace waits the linger
  n->serving = false;
}

void Correlator::span_finished(SpanHandle h, Span&& span, bool response_seq_valid, uint32_t response_seq) {
  Node* n = node(h);
  if (n == nullptr) return;  // dropped at the memory bound (counted then)
  response_started(h);
  Span& s = spans_[slot_of(*n)];
  s = std::move(span);
  n->finished = true;
  n->end_ns = s.end_unix_ns;  // still monotonic here
  add_open(*n, -1);
  emit_candidates_.push_back(h);
  // Rule 1 through NAT: both sequence numbers are known now.
  if (!response_seq_valid || !n->wire.valid) return;
  n->response_seq = response_seq;
  if (n->kind == SpanKind::Server) {
    if (n->state != ParentState::Unknown) return;
    n->settle_at_ns = std::max(n->settle_at_ns, n->end_ns + config_.link_window_ns);
    nat_offer(*n, n->end_ns);
  } else if (!n->exact_matched) {
    nat_offer(*n, n->end_ns);
  }
}

void Correlator::discard(SpanHandle h) {
  Node* n = node(h);
  if (n == nullptr) return;
  response_started(h);  // first: what the rules add to its open items for that leaves with it below
  // Its open items leave its parent's trace with it (its children, if any, are tops of their own now).
  if (Node* parent = n->state == ParentState::Local ? node(n->parent) : nullptr)
    add_open(*parent, -static_cast<int32_t>(n->open));
  release(*n);
}

// ---- settling and emission

void Correlator::settle_unmatched(uint64_t now_ns, bool all) {
  while (!server_wait_.empty()) {
    const Expiry e = server_wait_.front();
    if (!all && e.at_ns > now_ns) break;
    server_wait_.pop_front();
    Node* n = node(e.h);
    if (n == nullptr || n->state != ParentState::Unknown) continue;
    if (!all && !n->finished && n->wire.valid) {  // through NAT its client is known once it finished
      server_wait_.push_back(Expiry{now_ns + config_.link_window_ns, e.h});
      continue;
    }
    if (!all && n->settle_at_ns > now_ns) {  // finished late: wait for its NAT peer
      server_wait_.push_back(Expiry{n->settle_at_ns, e.h});
      continue;
    }
    settle_without_client(*n);
  }
  while (!client_wire_expiry_.empty()) {
    const Expiry& e = client_wire_expiry_.front();
    if (!all && e.at_ns > now_ns) break;
    if (Node* n = node(e.h); n != nullptr && !n->exact_matched) {
      const ExactKey key = exact_key(n->wire);
      if (SpanHandle* c = clients_by_wire_.find(key); c && *c == e.h) clients_by_wire_.erase(key);
    }
    client_wire_expiry_.pop_front();
  }
  while (!nat_client_expiry_.empty()) {
    const Expiry& e = nat_client_expiry_.front();
    if (!all && e.at_ns > now_ns) break;
    if (Node* n = node(e.h); n != nullptr && n->nat_waiting) {
      if (SpanHandle* c = nat_clients_.find(nat_key(*n)); c && *c == e.h) nat_clients_.erase(nat_key(*n));
      n->nat_waiting = false;
    }
    nat_client_expiry_.pop_front();
  }
}

void Correlator::nest_in(Span& client, Span& server) {
  if (server.start_unix_ns < client.start_unix_ns) client.start_unix_ns = server.start_unix_ns;
  if (server.end_unix_ns > client.end_unix_ns) server.end_unix_ns = client.end_unix_ns;
  if (server.start_unix_ns > server.end_unix_ns) server.start_unix_ns = server.end_unix_ns;  // not causal; keeps it well-formed
}

void Correlator::emit_tree(Node& root) {
  if (!root.trace_known) {
    root.trace_id = root.state == ParentState::Remote ? root.traceparent.trace_id : ids_.trace_id_for(root.span_id);
    root.trace_known = true;
  }
  const TraceId trace = root.trace_id;
  if (!root.clock_known) {
    root.clock_offset = clock_ ? clock_->offset_at(root.created_ns) : config_.mono_to_unix_ns;
    root.clock_known = true;
  }
  const int64_t clock_offset = root.clock_offset;
  const uint32_t root_slot = slot_of(root);
  constexpr size_t kNotInBatch = SIZE_MAX;
  batch_.clear();
  stack_.clear();
  done_.clear();
  stack_.push_back(Item{root_slot, kNotInBatch});
  while (!stack_.empty()) {
    const Item item = stack_.back();
    stack_.pop_back();
    Node& n = nodes_[item.slot];
    if (item.slot != root_slot) {
      n.trace_id = trace;
      n.trace_known = true;
      n.clock_offset = clock_offset;
      n.clock_known = true;
    }
    const size_t at = n.finished ? batch_.size() : kNotInBatch;
    // Children in creation order: push them reversed.
    const size_t first = stack_.size();
    for (uint32_t c = n.first_child; c != kNil; c = nodes_[c].next_sibling) stack_.push_back(Item{c, at});
    std::reverse(stack_.begin() + static_cast<std::ptrdiff_t>(first), stack_.end());
    if (!n.finished) continue;  // emitted later on its own, with the trace id it now has
    Span& s = spans_[item.slot];
    s.trace_id = n.trace_id;
    s.span_id = n.span_id;
    s.parent_span_id = 0;
    s.remote_parent = false;
    if (n.state == ParentState::Local) {
      s.parent_span_id = n.parent_span_id;
    } else if (n.state == ParentState::Remote) {
      s.parent_span_id = n.remote_parent;
      s.remote_parent = true;
    }
    s.start_unix_ns = static_cast<uint64_t>(static_cast<int64_t>(s.start_unix_ns) + clock_offset);
    s.end_unix_ns = static_cast<uint64_t>(static_cast<int64_t>(s.end_unix_ns) + clock_offset);
    if (n.flow_link && n.state == ParentState::Local && item.parent_at != kNotInBatch)
      nest_in(batch_[item.parent_at], s);
    ++stats_.spans;
    if (s.kind == SpanKind::Server)
      ++stats_.spans_server;
    else
      ++stats_.spans_client;
    batch_.push_back(std::move(s));
    done_.push_back(item.slot);
  }
  // Unfinished nodes stay (emitted later on their own, with the trace id and parent span id they now
  // have); the handles of their released parents go stale.
  for (uint32_t slot : done_) {
    Node& n = nodes_[slot];
    // Parents come before their children in done_: a parent released here is gone (nothing to unlink
    // from); an unfinished one stays and must forget this child.
    const Node* parent = n.state == ParentState::Local ? node(n.parent) : nullptr;
    if (parent == nullptr) n.state = ParentState::Root;
    release(n);
  }
  if (!batch_.empty()) sink_.emit(batch_);
}

void Correlator::emit_due(uint64_t now_ns, bool all) {
  deferred_.clear();
  while (!emit_candidates_.empty()) {
    const SpanHandle h = emit_candidates_.front();
    Node* n = node(h);
    if (n == nullptr) {
      emit_candidates_.pop_front();
      continue;
    }
    if (!all && n->end_ns + config_.trace_linger_ns > now_ns) break;
    emit_candidates_.pop_front();
    switch (n->state) {
      case ParentState::Unknown:
        deferred_.push_back(h);  // still waiting for its client; settles after the link window
        break;
      case ParentState::Local:
        if (node(n->parent) != nullptr) break;  // goes out with its parent's tree
        if (!n->trace_known) {
          n->state = ParentState::Root;  // parent dropped at the memory bound
          ++stats_.unlinked_server;
        }
        ++stats_.traces_after_linger;
        emit_tree(*n);
        break;
      case ParentState::Root:
      case ParentState::Remote:
        ++stats_.traces_after_linger;
        emit_tree(*n);
        break;
    }
  }
  for (auto it = deferred_.rbegin(); it != deferred_.rend(); ++it) emit_candidates_.push_front(*it);
}

void Correlator::emit_complete() {
  // Checked again: a root is pushed once per time its count reaches zero, and may be gone since. A node
  // pushed is a top (no parent left to link to), and a top never gets a parent again.
  for (SpanHandle h : complete_) {
    Node* n = node(h);
    if (n != nullptr && complete_top(*n)) {
      ++stats_.traces_complete;
      emit_tree(*n);
    }
  }
  complete_.clear();
}

void Correlator::advance(uint64_t now_ns) {
  settle_unmatched(now_ns, false);
  emit_complete();
  emit_due(now_ns, false);
}

void Correlator::flush() {
  settle_unmatched(0, true);
  emit_complete();
  emit_due(0, true);
  // Whatever is left never finished (should not happen after connections were closed): drop, counted.
  stats_.spans_dropped += live_;
  nodes_.clear();
  spans_.clear();
  free_.clear();
  live_ = 0;
  oldest_ = newest_ = kNil;
  for (auto& rule : rules_) rule->clear();
  connect_hints_.clear();
  clients_by_wire_.clear();
  servers_waiting_.clear();
  nat_clients_.clear();
  nat_servers_.clear();
  client_wire_expiry_.clear();
  nat_client_expiry_.clear();
  server_wait_.clear();
  emit_candidates_.clear();
  complete_.clear();
  sink_.flush();
}

}  // namespace cs
