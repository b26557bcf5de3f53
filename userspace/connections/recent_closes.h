// Sockets whose close (TCP state CLOSE) was seen a moment ago, to recognise the late data events of a
// socket that is already gone.
//
// Rules:
//  - A data event of a recently closed sock_id is late when its time is older than the close, or when it
//    carries the closed socket's own tuple and continues its byte stream (the same socket, read after it
//    reached CLOSE: the rest of a half-closed stream): its TCP sequence number is where that direction's
//    stream ended, or up to kBehindBytes before it. Anything else under that sock_id is a new socket that
//    reuses the address, with the same tuple too when its port was reused at once (short connections on
//    a small port range, loopback TIME_WAIT reuse): a new connection's first sequence number lies past
//    the old stream's end (a TIME_WAIT reuse starts 64 KiB past it; Linux's clock-driven initial numbers
//    for one tuple advance ~15.6 MB/s) or anywhere else. Where the stream's end is unknown (nothing seen
//    in that direction, or no sequence numbers), the tuple alone decides, as late. A late event moves the
//    end of its stream on, so the next one continues from it.
//  - Entries live kLateWindowNs of event time and at most min(`max_entries`, kMaxEntries) are kept (oldest
//    dropped first): memory stays bounded (~100 bytes an entry, < 2 MB) whatever the close rate. Late events
//    trail their close by the ring buffer's reordering (microseconds to milliseconds), far less than the
//    time even a close storm of 50k sockets/s takes to push an entry out.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <unordered_map>

#include "callscope/events.h"

namespace cs {

class RecentCloses {
 public:
  static constexpr uint64_t kLateWindowNs = 2'000'000'000;
  static constexpr size_t kMaxEntries = 16384;

  static constexpr int64_t kBehindBytes = 64 << 10;  // a late event may repeat bytes already seen

  // Where the closed socket's byte streams ended: the sequence number after the last byte seen, per
  // direction as that socket saw them ([0] egress, [1] ingress), when known.
  struct StreamEnds {
    bool known[2] = {false, false};
    uint32_t next_seq[2] = {0, 0};
  };

  explicit RecentCloses(size_t max_entries);

  void remember(const cs_close_event& e, const StreamEnds& ends);
  bool contains(uint64_t sock_id) const { return !by_sock_.empty() && by_sock_.count(sock_id) != 0; }

  enum class Check : uint8_t { NotClosed, Late, NewSocket };
  // Was this data event's sock_id closed a moment ago, and if so is the event a late one of that socket?
  // A late event that continues the closed stream moves that stream's end past its bytes.
  Check check(const cs_data_event& e);
  size_t size() const { return by_sock_.size(); }

 private:
  struct Closed {
    uint64_t close_ns;
    cs_tuple tuple;
    StreamEnds ends;
  };
  void expire(uint64_t now_ns);

  size_t max_entries_;
  std::unordered_map<uint64_t, Closed> by_sock_;
  std::deque<std::pair<uint64_t, uint64_t>> order_;  // (close_ns, sock_id), oldest first
};

// Same address and port (IPv4 compares its 4 address bytes only).
bool same_addr(const cs_addr& a, const cs_addr& b);

}  // namespace cs
