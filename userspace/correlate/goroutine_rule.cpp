#include "correlate/goroutine_rule.h"

namespace cs {

namespace {
constexpr size_t kMaxProcesses = 65536;
}  // namespace

GoroutineRule::GoroutineRule(size_t max_goroutines, size_t max_handoffs)
    : goroutines_(max_goroutines, &GoroutineRule::keep), handoffs_(max_handoffs) {}

void GoroutineRule::note_process(uint32_t pid) {
  // Past the bound the list is only what process_exited() scans: entries of processes it forgets still
  // go with their generation.
  if (processes_.size() >= kMaxProcesses && processes_.find(pid) == nullptr) processes_.clear();
  processes_.insert(pid, 1);
}

GoroutineRule::Cause GoroutineRule::cause_of(const Goroutine* g) const {
  if (g == nullptr) return Cause{};
  if (g->served == 1 && g->serving != 0 && served_.find(g->serving) != nullptr)
    return Cause{Cause::Kind::Request, g->serving};
  if (g->served > 0) return Cause{Cause::Kind::Several, 0};  // several, or the one left is not known
  return g->origin;
}

RuleAnswer GoroutineRule::answer(const Cause& c) const {
  switch (c.kind) {
    case Cause::Kind::Unknown:
      return RuleAnswer::abstain(Abstain::UnknownGoroutine);
    case Cause::Kind::Lost:
      return RuleAnswer::abstain(Abstain::HandOffLost);
    case Cause::Kind::Several:
      return RuleAnswer::abstain(Abstain::SeveralRequests);
    case Cause::Kind::Request:
      break;
  }
  return served_.find(c.span) != nullptr ? RuleAnswer::link(c.span) : RuleAnswer::abstain(Abstain::ParentGone);
}

void GoroutineRule::request_served(const ExecContext& exec, SpanHandle span, uint64_t) {
  if (exec.goid == 0 || exec.goid == CS_GOID_PENDING) return;
  note_process(exec.pid);
  const Key key{exec.pid, exec.goid};
  Goroutine& g = goroutines_.get(key);
  if (g.served == 0) g.serving = span;
  if (g.served < UINT16_MAX) ++g.served;
  served_.insert(span, key);
}

void GoroutineRule::request_answered(SpanHandle span) {
  const Key* k = served_.find(span);
  if (k == nullptr) return;
  const Key key = *k;
  served_.erase(span);
  if (Goroutine* g = goroutines_.find(key)) {
    if (g->served > 0) --g->served;
    if (g->serving == span) g->serving = 0;
  }
}

void GoroutineRule::client_request(const ExecContext& exec, SpanHandle, SpanHandle, uint64_t) {
  if (exec.goid == 0 || exec.goid == CS_GOID_PENDING) return;
  // A writeLoop's hand-off is for one request write.
  if (Goroutine* g = goroutines_.find(Key{exec.pid, exec.goid}); g != nullptr && g->writer) g->handoff_ready = false;
}

void GoroutineRule::connected(const ExecContext& exec, uint64_t) {
  if (exec.goid == 0 || exec.goid == CS_GOID_PENDING) return;
  note_process(exec.pid);
  goroutines_.get(Key{exec.pid, exec.goid}).pool = true;
}

void GoroutineRule::newproc(const cs_go_newproc_event& e) {
  if (e.child_goid == 0) return;  // not read
  const uint32_t pid = e.hdr.pid;
  note_process(pid);
  Cause origin;
  if (e.parent_goid != 0) {
    const Goroutine* parent = goroutines_.find(Key{pid, e.parent_goid});
    if (parent != nullptr && !parent->pool) origin = cause_of(parent);
  }
  Goroutine& child = goroutines_.get(Key{pid, e.child_goid});  // (may move the parent: copied above)
  child.origin = origin;
}

void GoroutineRule::handoff_from(const cs_go_http_event& e) {
  if (e.goid == 0 || e.request == 0) return;
  note_process(e.hdr.pid);
  const Cause c = cause_of(goroutines_.find(Key{e.hdr.pid, e.goid}));
  handoffs_.put(Key{e.hdr.pid, e.request}, c);
}

void GoroutineRule::handoff_to(const cs_go_http_event& e) {
  if (e.goid == 0) return;
  note_process(e.hdr.pid);
  Cause c{Cause::Kind::Lost, 0};
  const Key request{e.hdr.pid, e.request};
  if (const Cause* from = e.request != 0 ? handoffs_.find(request) : nullptr) {
    c = *from;
    handoffs_.erase(request);  // a later WRITE of this address is another request's
  }
  Goroutine& g = goroutines_.get(Key{e.hdr.pid, e.goid});
  g.writer = true;
  g.pool = true;
  g.handoff = c;
  g.handoff_ready = true;
}

void GoroutineRule::runtime_record(const cs_event_header& record) {
  switch (record.type) {
    case CS_EV_GO_NEWPROC:
      newproc(reinterpret_cast<const cs_go_newproc_event&>(record));
      break;
    case CS_EV_GO_HTTP_ROUNDTRIP:
      handoff_from(reinterpret_cast<const cs_go_http_event&>(record));
      break;
    case CS_EV_GO_HTTP_WRITE:
      handoff_to(reinterpret_cast<const cs_go_http_event&>(record));
      break;
    default:  // the other net/http records say nothing about whom a request is for
      break;
  }
}

RuleAnswer GoroutineRule::parent_of(const CallSite& call) {
  if (call.exec.goid == 0) return RuleAnswer::pass();
  if (call.exec.goid == CS_GOID_PENDING) return RuleAnswer::abstain(Abstain::ProcessStarting);
  // A connect decides nothing and gives no reason (the request write decides, and its reason is the one
  // counted); claimed all the same, so that no later rule decides for the connection.
  if (call.connect) return RuleAnswer::abstain(Abstain::None);
  const Goroutine* g = goroutines_.find(Key{call.exec.pid, call.exec.goid});
  if (g != nullptr && g->writer) return g->handoff_ready ? answer(g->handoff) : RuleAnswer::abstain(Abstain::HandOffLost);
  return answer(cause_of(g));
}

void GoroutineRule::process_exited(uint32_t pid) {
  if (processes_.find(pid) == nullptr) return;
  processes_.erase(pid);
  goroutines_.erase_if([pid](const Key& k, const Goroutine&) { return k.pid == pid; });
  handoffs_.erase_if([pid](const Key& k, const Cause&) { return k.pid == pid; });
  served_.erase_if([pid](SpanHandle, const Key& k) { return k.pid == pid; });
}

void GoroutineRule::clear() {
  goroutines_.clear();
  handoffs_.clear();
  served_.clear();
  processes_.clear();
}

}  // namespace cs
