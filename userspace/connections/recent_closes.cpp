#include "connections/recent_closes.h"

#include <sys/socket.h>

#include <algorithm>
#include <cstring>

namespace cs {

bool same_addr(const cs_addr& a, const cs_addr& b) {
  if (a.family != b.family || a.port != b.port) return false;
  return std::memcmp(a.addr, b.addr, a.family == AF_INET ? 4 : 16) == 0;
}

RecentCloses::RecentCloses(size_t max_entries)
    : max_entries_(std::clamp<size_t>(max_entries, 1, kMaxEntries)) {}

void RecentCloses::expire(uint64_t now_ns) {
  while (!order_.empty() && (order_.size() > max_entries_ || order_.front().first + kLateWindowNs < now_ns)) {
    auto [close_ns, sock] = order_.front();
    order_.pop_front();
    auto it = by_sock_.find(sock);
    if (it != by_sock_.end() && it->second.close_ns == close_ns) by_sock_.erase(it);
  }
}

void RecentCloses::remember(const cs_close_event& e, const StreamEnds& ends) {
  const uint64_t ts = e.hdr.ts_ns;
  by_sock_[e.sock.sock_id] = Closed{ts, e.sock.tuple, ends};
  order_.emplace_back(ts, e.sock.sock_id);
  expire(ts);
}

RecentCloses::Check RecentCloses::check(const cs_data_event& e) {
  if (by_sock_.empty()) return Check::NotClosed;
  auto it = by_sock_.find(e.sock.sock_id);
  if (it == by_sock_.end()) return Check::NotClosed;
  Closed& c = it->second;
  if (e.hdr.ts_ns < c.close_ns) return Check::Late;
  const cs_tuple& t = e.sock.tuple;
  const bool same_tuple = same_addr(t.local, c.tuple.local) && same_addr(t.remote, c.tuple.remote);
  if (!same_tuple) return Check::NewSocket;
  const int d = e.direction == CS_DIR_EGRESS ? 0 : 1;
  if (c.ends.known[d] && !(e.flags & CS_DATA_F_NO_SEQ)) {
    const int64_t ahead = static_cast<int32_t>(e.seq - c.ends.next_seq[d]);
    if (ahead > 0 || ahead < -kBehindBytes) return Check::NewSocket;  // not where the closed stream ended
    if (ahead + static_cast<int64_t>(e.len) > 0) c.ends.next_seq[d] = e.seq + e.len;
  }
  return Check::Late;
}

}  // namespace cs
