#include "protocols/http1/http1_session.h"

namespace cs::http1 {
namespace {

bool is_interim(const Message& response) { return response.status < 200 && response.status != 101; }

}  // namespace

Http1Session::Http1Session(Dir request_dir, ExchangeSink& sink)
    : request_dir_(request_dir), sink_(sink), requests_(true, *this, stats_), responses_(false, *this, stats_) {}

void Http1Session::on_segment(Dir dir, const Segment& seg) {
  if (dir == request_dir_) requests_.feed(seg);
  else responses_.feed(seg);
}

std::string_view Http1Session::on_head(bool request, const Message& msg) {
  if (request) {
    pending_.emplace_back().method = msg.method;
    return {};
  }
  if (is_interim(msg)) return {};
  if (pending_.empty() || pending_.front().response_started) {
    response_unmatched_ = true;
    return {};
  }
  response_unmatched_ = false;
  Pending& front = pending_.front();
  front.response_started = true;
  front.response_at = msg.first;
  if (front.request_done) {
    sink_.response_started(front.request, request_dir_, msg.first);
    front.started_reported = true;
  }
  return front.method;
}

void Http1Session::on_message(bool request, Message&& msg) {
  if (request) {
    if (pending_.empty()) return;  // not reachable: on_head always precedes
    Pending& p = pending_.back();
    p.request = std::move(msg);
    p.request_done = true;
    sink_.request_complete(p.request, request_dir_);
    if (&p == &pending_.front()) flush_front();
    return;
  }
  if (is_interim(msg)) return;
  if (response_unmatched_) {
    response_unmatched_ = false;
    ++stats_.unmatched_responses;
    return;
  }
  Pending& front = pending_.front();
  // The connection stops being HTTP after a protocol switch or an established CONNECT tunnel.
  if (msg.status == 101 || (front.method == "CONNECT" && msg.status < 300)) requests_.enter_tunnel();
  front.response = std::move(msg);
  front.response_done = true;
  flush_front();
}

void Http1Session::flush_front() {
  while (!pending_.empty()) {
    Pending& f = pending_.front();
    if (!f.request_done) return;
    if (f.response_started && !f.started_reported) {
      sink_.response_started(f.request, request_dir_, f.response_at);
      f.started_reported = true;
    }
    if (!f.response_done) return;
    Exchange ex;
    ex.request = std::move(f.request);
    ex.has_response = true;
    ex.response = std::move(f.response);
    pending_.pop_front();
    sink_.exchange_complete(std::move(ex), request_dir_);
  }
}

void Http1Session::on_close(uint64_t ts_ns, bool reset) {
  const Exchange::End end = reset ? Exchange::End::ConnectionReset : Exchange::End::ConnectionClosed;
  Message m;
  // A request cut short is still reported (truncated), so that its exchange can end.
  if (requests_.close(m) == Http1Parser::CloseResult::Cut) on_message(true, std::move(m));

  m = Message{};
  const Http1Parser::CloseResult r = responses_.close(m);
  if (r == Http1Parser::CloseResult::Completed && !reset) {
    on_message(false, std::move(m));  // read-until-close body ended normally
  } else if (r != Http1Parser::CloseResult::Nothing) {
    if (response_unmatched_) {
      ++stats_.unmatched_responses;
    } else if (!pending_.empty() && pending_.front().response_started && !is_interim(m)) {
      Pending& f = pending_.front();
      f.response = std::move(m);
      f.response.truncated = true;
      if (f.request_done) {
        Exchange ex;
        ex.request = std::move(f.request);
        ex.has_response = true;
        ex.response = std::move(f.response);
        ex.end = end;
        ex.end_ns = ts_ns;
        pending_.pop_front();
        sink_.exchange_complete(std::move(ex), request_dir_);
      }
    }
  }
  response_unmatched_ = false;

  for (Pending& p : pending_) {
    if (!p.request_done) continue;  // only its head was seen and it was dropped with the connection
    Exchange ex;
    ex.request = std::move(p.request);
    ex.end = end;
    ex.end_ns = ts_ns;
    sink_.exchange_complete(std::move(ex), request_dir_);
  }
  pending_.clear();
}

}  // namespace cs::http1
