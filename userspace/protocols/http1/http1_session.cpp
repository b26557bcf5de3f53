#include "protocols/http1/http1_session.h"

namespace cs::http1 {
namespace {

bool is_interim(const Http1Head& response) { return response.status < 200 && response.status != 101; }

}  // namespace

Http1Session::Http1Session(Dir request_dir, ExchangeSink& sink)
    : request_dir_(request_dir), sink_(sink), requests_(true, *this, stats_), responses_(false, *this, stats_) {}

void Http1Session::on_segment(Dir dir, const Segment& seg) {
  if (dir == request_dir_) {
    requests_.feed(seg);
    return;
  }
  if (response_pos_known_ && seg.pos > next_response_pos_) response_gap_ = true;
  response_pos_known_ = true;
  next_response_pos_ = seg.pos + seg.len;
  responses_.feed(seg);
}

// After lost response bytes, the oldest pending request may have had its whole response in the hole.
// Without pipelining a client sends request k+1 only once response k has arrived. So a pending request
// followed by another request that was sent after the last response we saw began, and before this
// response began, was answered in the lost bytes: its exchange ends as Lost (its end time is unknown:
// the span ends with its request). A next request sent before the last seen response began is
// pipelining: then the agent cannot tell which response was lost and keeps the order.
void Http1Session::skip_lost_responses(const Http1Message& head) {
  response_gap_ = false;
  while (pending_.size() >= 2) {
    Pending& f = front();
    const Pending& next = pending_[1];
    if (!f.request_done || f.response_started || !next.request_done) return;
    if (next.request.last.exit_ns >= head.first.exit_ns) return;
    if (next.request.first.enter_ns <= last_response_start_ns_) return;
    report(f, false, Exchange::End::Lost, f.request.last.exit_ns);
  }
}

std::string_view Http1Session::on_head(bool request, const Http1Message& msg) {
  if (request) {
    push_back().method.assign(msg.method());
    sink_.request_head(msg, request_dir_);
    return {};
  }
  if (is_interim(msg)) return {};
  if (response_gap_) skip_lost_responses(msg);
  if (empty() || front().response_started) {
    response_unmatched_ = true;
    return {};
  }
  response_unmatched_ = false;
  last_response_start_ns_ = msg.first.exit_ns;
  Pending& f = front();
  f.response_started = true;
  f.response_at = msg.first;
  if (f.request_done) {
    sink_.response_started(f.request, request_dir_, msg.first);
    f.started_reported = true;
  }
  return f.method;
}

void Http1Session::on_message(bool request, Http1Message&& msg) {
  if (request) {
    if (empty()) return;  // not reachable: on_head always precedes
    Pending& p = pending_.back();
    p.request = std::move(msg);
    p.request_done = true;
    sink_.request_complete(p.request, request_dir_);
    if (&p == &front()) flush_front();  // else the older ones still wait for their responses
    return;
  }
  if (is_interim(msg)) return;
  if (response_unmatched_) {
    response_unmatched_ = false;
    ++stats_.unmatched_responses;
    return;
  }
  Pending& f = front();
  // The connection stops being HTTP after a protocol switch or an established CONNECT tunnel.
  if (msg.status == 101 || (f.method == "CONNECT" && msg.status < 300)) requests_.enter_tunnel();
  f.response = std::move(msg);
  f.response_done = true;
  flush_front();
}

void Http1Session::flush_front() {
  while (!empty()) {
    Pending& f = front();
    if (!f.request_done) return;
    if (f.response_started && !f.started_reported) {
      sink_.response_started(f.request, request_dir_, f.response_at);
      f.started_reported = true;
    }
    if (!f.response_done) return;
    report(f, true, Exchange::End::Complete, 0);
  }
}

void Http1Session::report(Pending& p, bool with_response, Exchange::End end, uint64_t end_ns) {
  // `p` is always the oldest pending request. The exchange handed to the sink is valid during the call
  // only: one per thread serves every session, so its strings keep their buffers from one report to the
  // next (a report made from inside a sink's callback, not done today, gets a fresh one).
  thread_local Http1Exchange shared;
  thread_local bool shared_in_use = false;
  Http1Exchange fresh;
  Http1Exchange& ex = shared_in_use ? fresh : shared;
  const bool took_shared = &ex == &shared;
  shared_in_use = true;
  ex.set_request(std::move(p.request));
  if (with_response)
    ex.set_response(std::move(p.response));
  else
    ex.has_response = false;  // ex.response keeps an older exchange's values: meaningless now
  ex.end = end;
  ex.end_ns = end_ns;
  pending_.pop_front();
  sink_.exchange_complete(ex, request_dir_);
  if (took_shared) shared_in_use = false;
}

void Http1Session::on_close(uint64_t ts_ns, bool reset) {
  const Exchange::End end = reset ? Exchange::End::ConnectionReset : Exchange::End::ConnectionClosed;
  Http1Message m;
  // A request cut short is still reported (truncated), so that its exchange can end.
  if (requests_.close(m) == Http1Parser::CloseResult::Cut) on_message(true, std::move(m));

  m = Http1Message{};
  const Http1Parser::CloseResult r = responses_.close(m);
  if (r == Http1Parser::CloseResult::Completed && !reset) {
    on_message(false, std::move(m));  // read-until-close body ended normally
  } else if (r != Http1Parser::CloseResult::Nothing) {
    if (response_unmatched_) {
      ++stats_.unmatched_responses;
    } else if (!empty() && front().response_started && !is_interim(m)) {
      Pending& f = front();
      f.response = std::move(m);
      f.response.truncated = true;
      if (f.request_done) report(f, true, end, ts_ns);
    }
  }
  response_unmatched_ = false;

  while (!empty()) {
    Pending& p = front();
    if (p.request_done)
      report(p, false, end, ts_ns);
    else
      pending_.pop_front();  // only its head was seen and it was dropped with the connection
  }
}

Http1Session::Pending& Http1Session::push_back() {
  if (pending_.size() >= kMaxPendingRequests) {
    // Too many requests without responses: report the oldest as evicted.
    Pending& f = front();
    if (f.response_started && !f.response_done) response_unmatched_ = true;
    const Pending& newest = pending_.back();
    const uint64_t now_ns = newest.request_done ? newest.request.last.exit_ns : 0;
    if (f.request_done)
      report(f, false, Exchange::End::Evicted, now_ns);
    else
      pending_.pop_front();
  }
  // A reused slot: its request and response hold an older exchange's values until they are assigned (on
  // request_done, response_done, or at close), and are not read before.
  Pending& p = pending_.push_back();
  p.method.clear();
  p.response_at = SyscallMeta{};
  p.request_done = p.response_started = p.started_reported = p.response_done = false;
  return p;
}

}  // namespace cs::http1
