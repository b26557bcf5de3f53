#include "correlate/thread_rule.h"

#include <algorithm>

namespace cs {

ThreadRule::ThreadRule(size_t max_threads) : max_threads_(max_threads) {}

ThreadRule::Thread* ThreadRule::find(const ExecContext& e) {
  const uint32_t* i = by_key_.find(key_of(e));
  return i ? &threads_[*i] : nullptr;
}

ThreadRule::Thread& ThreadRule::get(const ExecContext& e) {
  const uint64_t key = key_of(e);
  if (const uint32_t* i = by_key_.find(key)) return threads_[*i];
  if (by_key_.size() >= max_threads_) evict_idle();
  uint32_t index;
  if (!free_.empty()) {
    index = free_.back();
    free_.pop_back();
  } else {
    index = static_cast<uint32_t>(threads_.size());
    threads_.emplace_back();
  }
  Thread& t = threads_[index];
  t.key = key;
  t.serving.clear();  // keeps its capacity: no allocation for a reused slot
  t.inputs = 0;
  t.cause = CauseKind::None;
  by_key_.insert(key, index);
  return t;
}

void ThreadRule::evict_idle() {
  // Threads serving nothing carry only loop evidence; forgetting it makes their next call abstain.
  by_key_.erase_if([this](uint64_t, uint32_t index) {
    if (!threads_[index].serving.empty()) return false;
    free_.push_back(index);
    return true;
  });
}

void ThreadRule::request_served(const ExecContext& exec, SpanHandle span, uint64_t conn) {
  Thread& t = get(exec);
  t.serving.push_back(Served{span, conn});
  served_by_.insert(span, static_cast<uint32_t>(&t - threads_.data()));
}

void ThreadRule::request_answered(SpanHandle span) {
  const uint32_t* index = served_by_.find(span);
  if (index == nullptr) return;
  std::vector<Served>& v = threads_[*index].serving;
  for (size_t i = 0; i < v.size(); ++i)
    if (v[i].span == span) {
      v.erase(v.begin() + static_cast<std::ptrdiff_t>(i));
      break;
    }
  served_by_.erase(span);
}

void ThreadRule::client_request(const ExecContext& exec, SpanHandle, SpanHandle parent, uint64_t conn) {
  if (exec.runtime != Runtime::OrderedLoop) return;  // only ordered loops read downstream answers as causes
  conn_parent_[conn] = parent;
}

void ThreadRule::output(Thread& t) {
  if (t.inputs == 1) {
    t.cause = CauseKind::Conn;
    t.cause_conn = t.input_conn;
    t.cause_side = t.input_side;
  } else {
    t.cause = t.inputs == 0 ? CauseKind::None : CauseKind::Batched;
  }
  t.inputs = 0;
}

void ThreadRule::io(const ExecContext& exec, uint64_t conn, Side side, Io kind, uint64_t) {
  if (exec.runtime != Runtime::OrderedLoop) return;  // the other rules do not use inputs and outputs
  Thread& t = get(exec);
  if (kind == Io::Output) {
    output(t);
    return;
  }
  if (t.inputs == 0) {
    t.inputs = 1;
    t.input_conn = conn;
    t.input_side = side;
  } else if (t.input_conn != conn || t.input_side != side) {
    t.inputs = 2;
  }
}

void ThreadRule::connected(const ExecContext& exec, uint64_t) {
  if (exec.runtime != Runtime::OrderedLoop) return;
  output(get(exec));
}

void ThreadRule::connection_closed(uint64_t conn) { conn_parent_.erase(conn); }

void ThreadRule::process_exited(uint32_t pid) {
  by_key_.erase_if([this, pid](uint64_t key, uint32_t index) {
    if (static_cast<uint32_t>(key >> 32) != pid) return false;
    for (const Served& s : threads_[index].serving) served_by_.erase(s.span);
    threads_[index].serving.clear();
    free_.push_back(index);
    return true;
  });
}

SpanHandle ThreadRule::oldest_on(const Thread& t, uint64_t conn) const {
  for (const Served& s : t.serving)
    if (s.conn == conn) return s.span;
  return 0;
}

bool ThreadRule::serves(const Thread& t, SpanHandle span) const {
  return std::any_of(t.serving.begin(), t.serving.end(), [span](const Served& s) { return s.span == span; });
}

RuleAnswer ThreadRule::parent_of(const CallSite& call) {
  if (call.exec.goid != 0) return RuleAnswer::abstain(Abstain::Goroutine);
  Thread* t = find(call.exec);
  if (t == nullptr || t->serving.empty()) return RuleAnswer::abstain(Abstain::NotServing);
  const uint64_t conn = t->serving.front().conn;
  bool one_conn = std::all_of(t->serving.begin(), t->serving.end(), [conn](const Served& s) { return s.conn == conn; });
  if (one_conn) return RuleAnswer::link(t->serving.front().span);
  if (call.exec.runtime != Runtime::OrderedLoop) return RuleAnswer::abstain(Abstain::SeveralRequests);
  switch (t->cause) {
    case CauseKind::None:
      return RuleAnswer::abstain(Abstain::NoCausingInput);
    case CauseKind::Batched:
      return RuleAnswer::abstain(Abstain::BatchedInputs);
    case CauseKind::Conn:
      break;
  }
  SpanHandle parent = 0;
  if (t->cause_side == Side::Server) {
    parent = oldest_on(*t, t->cause_conn);
  } else if (const SpanHandle* p = conn_parent_.find(t->cause_conn); p != nullptr && *p != 0 && serves(*t, *p)) {
    parent = *p;
  }
  return parent ? RuleAnswer::link(parent) : RuleAnswer::abstain(Abstain::NoCausingInput);
}

void ThreadRule::clear() {
  by_key_.clear();
  threads_.clear();
  free_.clear();
  served_by_.clear();
  conn_parent_.clear();
}

}  // namespace cs
