// The requests of one connection waiting for their answers, for protocols that answer in request order and
// carry no request ids (Redis, memcached, PostgreSQL, MySQL), and what the session may still prove after a
// loss.
//
// Rules:
//  - Reports to the ExchangeSink in the order protocol.h requires: request_complete when a request is
//    pushed, response_started when its answer begins, exchange_complete exactly once per request.
//  - Answers pair with the oldest pending request only.
//  - A connection is "alternating" while every request was sent with no other request pending (the
//    client waits for each answer). Only on such a connection can the session re-align after lost bytes:
//    the next request's answer is the first answer that starts after it. On a pipelining connection the
//    number of answers in lost bytes is unknowable, so after a loss its requests end as Lost until it closes.
//  - Memory: at most kMaxPending requests; past it the oldest ends as Evicted (and the session must treat
//    it as a loss: its answer would shift the pairing).
//  - No allocation per request once warm: a vector reused as a queue.
#pragma once

#include <cstddef>
#include <cstdint>
#include <utility>
#include <vector>

#include "protocols/exchange.h"

namespace cs::db {

inline constexpr size_t kMaxPending = 256;

template <class Ex>
class InOrderExchanges {
 public:
  InOrderExchanges(Dir request_dir, ExchangeSink& sink) : request_dir_(request_dir), sink_(sink) {}

  bool empty() const { return head_ == q_.size(); }
  size_t size() const { return q_.size() - head_; }
  // The oldest request waiting for an answer (never one that gets none: those are reported as soon as
  // they are the oldest).
  Ex& front() { return q_[head_].ex; }
  bool alternating() const { return alternating_; }

  // A whole request: reported, and queued for its answer. Returns false if the oldest pending request had
  // to be evicted to make room (the caller treats that as a loss).
  bool push(Ex&& ex) {
    bool evicted = false;
    if (size() >= kMaxPending) {
      end_front(Exchange::End::Evicted, ex.request.last.exit_ns);
      evicted = true;
    }
    if (!empty()) alternating_ = false;
    if (empty()) {
      q_.clear();
      head_ = 0;
    } else if (head_ > 64 && 2 * head_ > q_.size()) {
      q_.erase(q_.begin(), q_.begin() + static_cast<std::ptrdiff_t>(head_));
      head_ = 0;
    }
    q_.push_back(Entry{std::move(ex), false});
    Ex& e = q_.back().ex;
    sink_.request_complete(e.request, request_dir_);
    return !evicted;
  }

  // The oldest pending request's answer began with a message starting at `pos`, carried by `at`.
  void start_front(uint64_t pos, const SyscallMeta& at) {
    Ex& f = front();
    if (f.has_response) return;
    f.has_response = true;
    f.response.is_request = false;
    f.response.start_pos = pos;
    f.response.first = at;
    f.response.end_pos = pos;
    f.response.last = at;
    sink_.response_started(f.request, request_dir_, at);
  }
  // The oldest pending request's answer ended at `end_pos` (exclusive), carried by `at`.
  void finish_front(uint64_t end_pos, const SyscallMeta& at) {
    Ex& f = front();
    f.response.end_pos = end_pos;
    f.response.last = at;
    sink_.exchange_complete(f, request_dir_);
    pop();
  }
  // A request that gets no answer (memcached noreply): reported, and complete as it is once every older
  // request has ended (exchanges are reported in request order).
  // Returns false if the oldest pending request had to be evicted to make room (a loss, as for push).
  bool push_unanswered(Ex&& ex) {
    sink_.request_complete(ex.request, request_dir_);
    if (empty()) {
      sink_.exchange_complete(ex, request_dir_);
      return true;
    }
    bool evicted = false;
    if (size() >= kMaxPending) {
      end_front(Exchange::End::Evicted, ex.request.last.exit_ns);
      evicted = true;
      if (empty()) {
        sink_.exchange_complete(ex, request_dir_);
        return false;
      }
    }
    q_.push_back(Entry{std::move(ex), true});
    return !evicted;
  }
  // Ends the oldest pending request without (the rest of) its answer.
  void end_front(Exchange::End end, uint64_t ts_ns) {
    Ex& f = front();
    f.end = end;
    f.end_ns = ts_ns;
    sink_.exchange_complete(f, request_dir_);
    pop();
  }
  void end_all(Exchange::End end, uint64_t ts_ns) {
    while (!empty()) end_front(end, ts_ns != 0 ? ts_ns : front().request.last.exit_ns);
  }
  // A request seen while the pairing cannot be proven: reported, and ended as Lost (at once when no older
  // request is pending; the queue is empty then, see the sessions' loss handling).
  void push_lost(Ex&& ex) {
    ex.end = Exchange::End::Lost;
    ex.end_ns = ex.request.last.exit_ns;
    (void)push_unanswered(std::move(ex));
  }

 private:
  struct Entry {
    Ex ex;
    bool unanswered;  // gets no answer: complete once it is the oldest
  };

  void pop() {
    ++head_;
    while (head_ < q_.size() && q_[head_].unanswered) sink_.exchange_complete(q_[head_++].ex, request_dir_);
    if (head_ == q_.size()) {
      q_.clear();
      head_ = 0;
    }
  }

  const Dir request_dir_;
  ExchangeSink& sink_;
  std::vector<Entry> q_;
  size_t head_ = 0;
  bool alternating_ = true;
};

}  // namespace cs::db
