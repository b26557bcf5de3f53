#include "correlate/correlator.h"

#include <algorithm>

namespace cs {

namespace {

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

bool parse_hex(std::string_view s, uint8_t* out) {
  for (size_t i = 0; i + 1 < s.size(); i += 2) {
    int hi = hex_value(s[i]), lo = hex_value(s[i + 1]);
    if (hi < 0 || lo < 0) return false;
    out[i / 2] = static_cast<uint8_t>(hi << 4 | lo);
  }
  return true;
}

}  // namespace

std::optional<TraceParent> parse_traceparent(std::string_view v) {
  while (!v.empty() && (v.front() == ' ' || v.front() == '\t')) v.remove_prefix(1);
  while (!v.empty() && (v.back() == ' ' || v.back() == '\t')) v.remove_suffix(1);
  // version "-" trace-id "-" parent-id "-" flags; future versions may append "-..." fields.
  if (v.size() < 55 || v[2] != '-' || v[35] != '-' || v[52] != '-') return std::nullopt;
  if (v.size() > 55 && v[55] != '-') return std::nullopt;
  uint8_t version;
  if (!parse_hex(v.substr(0, 2), &version) || version == 0xff) return std::nullopt;
  if (version == 0 && v.size() != 55) return std::nullopt;
  TraceParent tp;
  uint8_t parent[8], flags;
  if (!parse_hex(v.substr(3, 32), tp.trace_id.bytes) || !parse_hex(v.substr(36, 16), parent) ||
      !parse_hex(v.substr(53, 2), &flags))
    return std::nullopt;
  for (uint8_t b : parent) tp.parent_span_id = tp.parent_span_id << 8 | b;
  if (!tp.trace_id.valid() || tp.parent_span_id == 0) return std::nullopt;
  return tp;
}

void Correlator::nest_in(Span& client, Span& server) {
  if (server.start_unix_ns < client.start_unix_ns) client.start_unix_ns = server.start_unix_ns;
  if (server.end_unix_ns > client.end_unix_ns) server.end_unix_ns = client.end_unix_ns;
  if (server.start_unix_ns > server.end_unix_ns) server.start_unix_ns = server.end_unix_ns;  // not causal; keeps it well-formed
}

Correlator::Correlator(const PipelineConfig& config, SpanSink& sink, PipelineStats& stats)
    : config_(config), sink_(sink), stats_(stats), ids_(config.id_seed) {}

Correlator::Node* Correlator::node(uint64_t id) {
  auto it = nodes_.find(id);
  return it == nodes_.end() ? nullptr : &it->second;
}

Correlator::ServingLookup Correlator::serving_parent(ThreadKey thread) const {
  ServingLookup out;
  auto it = serving_.find(thread);
  if (it == serving_.end() || it->second.empty()) return out;
  const std::vector<Serving>& v = it->second;
  // Which connection is the thread handling? With one, that one; with several, the one whose request
  // the thread's last input belonged to.
  uint64_t conn = v.front().conn_gen;
  bool one_conn = std::all_of(v.begin(), v.end(), [conn](const Serving& s) { return s.conn_gen == conn; });
  if (!one_conn) {
    auto last = last_input_.find(thread);
    auto match = last == last_input_.end()
                     ? v.end()
                     : std::find_if(v.begin(), v.end(), [&](const Serving& s) { return s.span_id == last->second; });
    if (match == v.end()) {
      out.ambiguous = true;
      return out;
    }
    conn = match->conn_gen;
  }
  // On that connection the oldest unanswered request is the one being worked on (HTTP/1 answers in order).
  for (const Serving& s : v)
    if (s.conn_gen == conn) {
      out.parent = s.span_id;
      break;
    }
  return out;
}

void Correlator::link(Node& child, uint64_t parent_id) {
  Node* parent = node(parent_id);
  if (parent == nullptr) {
    child.state = ParentState::Root;
    return;
  }
  child.state = ParentState::Local;
  child.parent = parent_id;
  parent->children.push_back(child.id);
}

void Correlator::drop_oldest_if_full() {
  while (nodes_.size() >= config_.max_pending_spans && oldest_ != nullptr) {
    Node& n = *oldest_;
    if (n.waiting_flow) server_waiting_.erase(*n.waiting_flow);
    forget_serving(n.id);
    erase_node(n.id);
    ++stats_.spans_dropped;
  }
}

void Correlator::erase_node(uint64_t id) {
  auto it = nodes_.find(id);
  if (it == nodes_.end()) return;
  Node& n = it->second;
  (n.older ? n.older->newer : oldest_) = n.newer;
  (n.newer ? n.newer->older : newest_) = n.older;
  nodes_.erase(it);
}

Correlator::Node& Correlator::new_node(SpanKind kind, ThreadKey thread, uint64_t now_ns) {
  drop_oldest_if_full();
  uint64_t id = ids_.next_span_id();
  Node& n = nodes_[id];
  n.id = id;
  n.kind = kind;
  n.thread = thread;
  n.created_ns = now_ns;
  n.older = newest_;  // unordered_map nodes never move: the creation-order list can point at them
  (newest_ ? newest_->newer : oldest_) = &n;
  newest_ = &n;
  return n;
}

void Correlator::settle_without_client(Node& n) {
  if (n.traceparent) {
    n.state = ParentState::Remote;
    n.parent = n.traceparent->parent_span_id;
    ++stats_.linked_traceparent;
  } else {
    n.state = ParentState::Root;
    ++stats_.unlinked_server;
  }
}

uint64_t Correlator::server_request(ThreadKey thread, uint64_t conn_gen, const FlowKey& flow, bool flow_valid,
                                    std::optional<TraceParent> traceparent, uint64_t now_ns) {
  Node& n = new_node(SpanKind::Server, thread, now_ns);
  const uint64_t id = n.id;
  n.traceparent = traceparent;
  serving_[thread].push_back(Serving{id, conn_gen});
  last_input_[thread] = id;

  if (flow_valid) {
    auto it = client_by_flow_.find(flow);
    if (it != client_by_flow_.end()) {
      uint64_t client = it->second;
      client_by_flow_.erase(it);
      link(n, client);
      if (n.state == ParentState::Local) {
        n.flow_link = true;
        ++stats_.linked_cross_process;
        return id;
      }
    }
    if (n.state == ParentState::Unknown) {
      auto [slot, inserted] = server_waiting_.emplace(flow, id);
      if (inserted) {
        n.waiting_flow = flow;
        server_wait_order_.emplace_back(now_ns, id);
        return id;
      }
    }
  }
  // No way to find a traced client for it: settle now.
  if (n.state == ParentState::Unknown || n.state == ParentState::Root) settle_without_client(n);
  return id;
}

void Correlator::forget_serving(uint64_t span_id) {
  Node* n = node(span_id);
  if (n == nullptr || n->kind != SpanKind::Server) return;
  auto it = serving_.find(n->thread);
  if (it == serving_.end()) return;
  auto& v = it->second;
  v.erase(std::remove_if(v.begin(), v.end(), [span_id](const Serving& s) { return s.span_id == span_id; }),
          v.end());
  if (v.empty()) {
    serving_.erase(it);
    last_input_.erase(n->thread);  // only consulted while the thread serves something
  }
}

void Correlator::server_responding(uint64_t id) { forget_serving(id); }

void Correlator::client_connected(ThreadKey thread, uint64_t conn_gen) {
  if (auto found = serving_parent(thread); found.parent) connect_hint_[conn_gen] = *found.parent;
}

uint64_t Correlator::client_request(ThreadKey thread, uint64_t conn_gen, bool first_on_conn, const FlowKey& flow,
                                    bool flow_valid, uint64_t now_ns) {
  Node& n = new_node(SpanKind::Client, thread, now_ns);
  const uint64_t id = n.id;

  std::optional<uint64_t> parent;
  auto hint = connect_hint_.find(conn_gen);
  if (hint != connect_hint_.end()) {
    if (first_on_conn && nodes_.count(hint->second)) parent = hint->second;
    connect_hint_.erase(hint);
  }
  bool ambiguous = false;
  if (!parent) {
    ServingLookup found = serving_parent(thread);
    parent = found.parent;
    ambiguous = found.ambiguous;
  }
  if (parent) {
    link(n, *parent);
    if (n.state == ParentState::Local) ++stats_.linked_in_process;
  }
  if (n.state != ParentState::Local) {
    n.state = ParentState::Root;
    ++(ambiguous ? stats_.ambiguous_client : stats_.unlinked_client);
  }

  if (flow_valid) {
    auto it = server_waiting_.find(flow);
    if (it != server_waiting_.end()) {
      Node* server = node(it->second);
      server_waiting_.erase(it);
      if (server != nullptr && server->state == ParentState::Unknown) {
        server->waiting_flow.reset();
        link(*server, id);
        server->flow_link = server->state == ParentState::Local;
        ++stats_.linked_cross_process;
      }
    } else {
      client_by_flow_[flow] = id;
      client_flow_expiry_.push_back(FlowExpiry{now_ns, flow, id});
    }
  }
  return id;
}

void Correlator::span_finished(uint64_t id, Span&& span) {
  Node* n = node(id);
  if (n == nullptr) return;  // dropped at the memory bound (counted then)
  forget_serving(id);
  // A client's response read by a thread serving its parent: that thread's last input was for the parent.
  if (n->kind == SpanKind::Client && n->state == ParentState::Local && serving_.count(n->thread))
    last_input_[n->thread] = n->parent;
  n->span = std::move(span);
  n->finished = true;
  n->end_ns = n->span.end_unix_ns;  // still monotonic here
  emit_candidates_.push_back(id);
}


void Correlator::connection_closed(uint64_t conn_gen) { connect_hint_.erase(conn_gen); }

void Correlator::discard(uint64_t id) {
  Node* n = node(id);
  if (n == nullptr) return;
  if (n->waiting_flow) server_waiting_.erase(*n->waiting_flow);
  forget_serving(id);
  erase_node(id);
}

void Correlator::process_exited(uint32_t pid) {
  std::erase_if(serving_, [pid](const auto& entry) { return entry.first.pid == pid; });
  std::erase_if(last_input_, [pid](const auto& entry) { return entry.first.pid == pid; });
}

void Correlator::settle_unmatched_servers(uint64_t now_ns, bool all) {
  while (!server_wait_order_.empty()) {
    auto [created, id] = server_wait_order_.front();
    if (!all && created + config_.link_window_ns > now_ns) break;
    server_wait_order_.pop_front();
    Node* n = node(id);
    if (n == nullptr || n->state != ParentState::Unknown) continue;
    if (n->waiting_flow) {
      server_waiting_.erase(*n->waiting_flow);
      n->waiting_flow.reset();
    }
    settle_without_client(*n);
  }
  while (!client_flow_expiry_.empty()) {
    const FlowExpiry& e = client_flow_expiry_.front();
    if (!all && e.created_ns + config_.link_window_ns > now_ns) break;
    auto it = client_by_flow_.find(e.key);
    if (it != client_by_flow_.end() && it->second == e.id) client_by_flow_.erase(it);
    client_flow_expiry_.pop_front();
  }
}

void Correlator::emit_tree(uint64_t root_id) {
  Node* root = node(root_id);
  if (root == nullptr) return;
  if (!root->trace_known) {
    if (root->state == ParentState::Remote && root->traceparent)
      root->trace_id = root->traceparent->trace_id;
    else
      root->trace_id = ids_.trace_id_for(root->id);
    root->trace_known = true;
  }
  batch_.clear();
  constexpr size_t kNotInBatch = SIZE_MAX;
  struct Item {
    uint64_t id;
    size_t parent_at;  // index of the parent's span in batch_, or kNotInBatch
  };
  std::vector<Item> stack{{root_id, kNotInBatch}};
  std::vector<uint64_t> done;
  while (!stack.empty()) {
    const Item item = stack.back();
    const uint64_t id = item.id;
    stack.pop_back();
    Node* n = node(id);
    if (n == nullptr) continue;
    if (id != root_id) {
      n->trace_id = root->trace_id;
      n->trace_known = true;
    }
    const size_t at = n->finished ? batch_.size() : kNotInBatch;
    for (auto it = n->children.rbegin(); it != n->children.rend(); ++it) stack.push_back({*it, at});
    if (!n->finished) continue;  // emitted later on its own, with the trace id it now has
    Span& s = n->span;
    s.trace_id = n->trace_id;
    s.span_id = n->id;
    s.parent_span_id = 0;
    s.remote_parent = false;
    if (n->state == ParentState::Local) {
      s.parent_span_id = n->parent;
    } else if (n->state == ParentState::Remote) {
      s.parent_span_id = n->parent;
      s.remote_parent = true;
    }
    s.start_unix_ns = static_cast<uint64_t>(static_cast<int64_t>(s.start_unix_ns) + config_.mono_to_unix_ns);
    s.end_unix_ns = static_cast<uint64_t>(static_cast<int64_t>(s.end_unix_ns) + config_.mono_to_unix_ns);
    if (n->flow_link && n->state == ParentState::Local && item.parent_at != kNotInBatch)
      nest_in(batch_[item.parent_at], s);
    ++stats_.spans;
    if (s.kind == SpanKind::Server)
      ++stats_.spans_server;
    else
      ++stats_.spans_client;
    batch_.push_back(std::move(s));
    done.push_back(id);
  }
  for (uint64_t id : done) erase_node(id);
  if (!batch_.empty()) sink_.emit(batch_);
}

void Correlator::emit_due(uint64_t now_ns, bool all) {
  std::vector<uint64_t> deferred;
  while (!emit_candidates_.empty()) {
    uint64_t id = emit_candidates_.front();
    Node* n = node(id);
    if (n == nullptr) {
      emit_candidates_.pop_front();
      continue;
    }
    if (!all && n->end_ns + config_.trace_linger_ns > now_ns) break;
    emit_candidates_.pop_front();
    switch (n->state) {
      case ParentState::Unknown:
        deferred.push_back(id);  // still waiting for its client; settles after link_window_ns
        break;
      case ParentState::Local:
        if (nodes_.count(n->parent)) break;  // goes out with its parent's tree
        if (!n->trace_known) {
          n->state = ParentState::Root;  // parent dropped at the memory bound
          ++stats_.unlinked_server;
        }
        emit_tree(id);
        break;
      case ParentState::Root:
      case ParentState::Remote:
        emit_tree(id);
        break;
    }
  }
  for (auto it = deferred.rbegin(); it != deferred.rend(); ++it) emit_candidates_.push_front(*it);
}

void Correlator::advance(uint64_t now_ns) {
  settle_unmatched_servers(now_ns, false);
  emit_due(now_ns, false);
}

void Correlator::flush() {
  settle_unmatched_servers(0, true);
  emit_due(0, true);
  // Whatever is left never finished (should not happen after connections were closed): drop, counted.
  stats_.spans_dropped += nodes_.size();
  nodes_.clear();
  oldest_ = newest_ = nullptr;
  serving_.clear();
  last_input_.clear();
  connect_hint_.clear();
  client_by_flow_.clear();
  server_waiting_.clear();
  sink_.flush();
}

}  // namespace cs
