// HTTP/1.x protocol state of one connection: a parser per direction, and the pairing of responses with
// the requests they answer (in order: HTTP/1.x has no ids, pipelined responses come back in request order).
#pragma once

#include <string>

#include "common/slot_queue.h"
#include "protocols/http1/http1_exchange.h"
#include "protocols/http1/http1_parser.h"
#include "protocols/protocol.h"

namespace cs::http1 {

// Requests kept waiting for a response at most; beyond, the oldest is reported as Evicted (a response
// direction that never parses must not grow memory without bound).
inline constexpr size_t kMaxPendingRequests = 256;

class Http1Session final : public ProtocolSession, private Http1Parser::Events {
 public:
  Http1Session(Dir request_dir, ExchangeSink& sink);

  void on_segment(Dir dir, const Segment& seg) override;
  void on_close(uint64_t ts_ns, bool reset) override;
  const ProtocolStats& stats() const override { return stats_; }

 private:
  // A request seen (head at least) whose exchange is not reported yet. Slots are reused (SlotQueue): the
  // strings of the messages moved in and out keep their buffers.
  struct Pending {
    std::string method;            // known from the head, before the request is complete
    Http1Message request;
    Http1Message response;
    SyscallMeta response_at;       // syscall that carried the response's first byte
    bool request_done = false;
    bool response_started = false;
    bool started_reported = false;
    bool response_done = false;
  };

  std::string_view on_head(bool request, const Http1Message& msg) override;
  void on_message(bool request, Http1Message&& msg) override;
  // Reports what the oldest pending exchange is ready for, in order: request_complete has been called by
  // the caller; then response_started, then exchange_complete.
  void flush_front();
  bool empty() const { return pending_.empty(); }
  Pending& front() { return pending_.front(); }
  Pending& push_back();
  // Reports `p` (its request, and its response if `with_response`), ending as `end`.
  void report(Pending& p, bool with_response, Exchange::End end, uint64_t end_ns);

  const Dir request_dir_;
  ExchangeSink& sink_;
  ProtocolStats stats_;
  Http1Parser requests_;
  Http1Parser responses_;
  // Requests awaiting their exchange report, oldest first. No allocation per request once warm.
  SlotQueue<Pending> pending_;
  bool response_unmatched_ = false;
  // Lost bytes on the response side since the last response head: the next response may answer a later
  // request than the oldest pending one (see skip_lost_responses).
  bool response_gap_ = false;
  uint64_t last_response_start_ns_ = 0;  // exit time of the syscall carrying the last paired response's start
  bool response_pos_known_ = false;
  uint64_t next_response_pos_ = 0;
  void skip_lost_responses(const Http1Message& response_head);  // the response being parsed answers no known request
};

}  // namespace cs::http1
