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
//  - No allocation per request once warm: the queue is a ring of exchanges reused in place (staged()).
#pragma once

#include <algorithm>
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

  bool empty() const { return count_ == 0; }
  size_t size() const { return count_; }
  size_t slots() const { return ring_.size(); }  // memory: at most kMaxPending + 1 exchanges
  // The oldest request waiting for an answer (never one that gets none: those are reported as soon as
  // they are the oldest).
  Ex& front() { return ring_[head_].ex; }
  bool alternating() const { return alternating_; }

  // The exchange the next request is written into, in place: a slot of the queue reused from an earlier
  // request, so its strings keep their capacity (no allocation per request once warm). It still holds
  // what that request left: the caller sets every field (Exchange::begin for the common ones), then
  // hands it over with push_staged / push_unanswered_staged / push_lost_staged. Valid until one of those
  // or the next staged().
  Ex& staged() {
    if (count_ == ring_.size()) grow();
    return ring_[tail()].ex;
  }

  // The staged request is whole: reported, and queued for its answer. Returns false if the oldest pending
  // request had to be evicted to make room (the caller treats that as a loss).
  bool push_staged() {
    Ex& ex = staged();
    bool evicted = false;
    if (size() >= kMaxPending) {
      end_front(Exchange::End::Evicted, ex.request.last.exit_ns);
      evicted = true;
    }
    if (!empty()) alternating_ = false;
    commit(false);
    sink_.request_complete(ex.request, request_dir_);
    return !evicted;
  }
  bool push(Ex&& ex) {
    staged() = std::move(ex);
    return push_staged();
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
  // The staged request gets no answer (memcached noreply): reported, and complete as it is once every
  // older request has ended (exchanges are reported in request order).
  // Returns false if the oldest pending request had to be evicted to make room (a loss, as for push).
  bool push_unanswered_staged() {
    Ex& ex = staged();
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
    commit(true);
    return !evicted;
  }
  bool push_unanswered(Ex&& ex) {
    staged() = std::move(ex);
    return push_unanswered_staged();
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
  // The staged request was seen while the pairing cannot be proven: reported, and ended as Lost (at once
  // when no older request is pending; the queue is empty then, see the sessions' loss handling).
  void push_lost_staged() {
    Ex& ex = staged();
    ex.end = Exchange::End::Lost;
    ex.end_ns = ex.request.last.exit_ns;
    (void)push_unanswered_staged();
  }
  void push_lost(Ex&& ex) {
    staged() = std::move(ex);
    push_lost_staged();
  }

 private:
  struct Entry {
    Ex ex;
    bool unanswered = false;  // gets no answer: complete once it is the oldest
  };

  size_t tail() const { return (head_ + count_) % ring_.size(); }  // the staged slot

  // The staged slot joins the queue.
  void commit(bool unanswered) {
    ring_[tail()].unanswered = unanswered;
    ++count_;
  }

  void pop() {
    head_ = (head_ + 1) % ring_.size();
    --count_;
    while (count_ > 0 && ring_[head_].unanswered) {
      sink_.exchange_complete(ring_[head_].ex, request_dir_);
      head_ = (head_ + 1) % ring_.size();
      --count_;
    }
  }

  // Twice the slots (at least 4), the queue moved to the front in order. The queue holds at most
  // kMaxPending requests and the staged one: the ring never grows beyond kMaxPending + 1 slots.
  void grow() {
    std::vector<Entry> bigger(std::min(ring_.empty() ? size_t{4} : 2 * ring_.size(), kMaxPending + 1));
    for (size_t i = 0; i < count_; ++i) bigger[i] = std::move(ring_[(head_ + i) % ring_.size()]);
    ring_ = std::move(bigger);
    head_ = 0;
  }

  const Dir request_dir_;
  ExchangeSink& sink_;
  std::vector<Entry> ring_;  // a circular queue: count_ requests from head_, then the staged slot
  size_t head_ = 0;
  size_t count_ = 0;
  bool alternating_ = true;
};

}  // namespace cs::db
