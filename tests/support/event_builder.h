// Builds raw kernel records (exactly as the BPF side writes them, include/callscope/events.h ABI 2) for
// unit tests, replay fixtures and benchmarks. Header-only.
//
// Defaults follow the socket-level capture: data events carry enter_ns 0 (the call's entry is unknown; pass
// an entry time to model the syscall fallback path), closes come with fd -1 (any context), every socket
// lives in kNetns.
#pragma once

#include <arpa/inet.h>
#include <sys/socket.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include "callscope/events.h"

namespace cs::test {

using Record = std::vector<uint8_t>;

inline constexpr uint32_t kNetns = 4026531840u;  // the initial network namespace's inode number

inline cs_addr v4(const char* ip, uint16_t port) {
  cs_addr a{};
  a.family = AF_INET;
  a.port = port;
  inet_pton(AF_INET, ip, a.addr);
  return a;
}

inline cs_addr v6(const char* ip, uint16_t port) {
  cs_addr a{};
  a.family = AF_INET6;
  a.port = port;
  inet_pton(AF_INET6, ip, a.addr);
  return a;
}

inline cs_tuple tuple(cs_addr local, cs_addr remote) { return cs_tuple{local, remote}; }
inline cs_tuple reversed(const cs_tuple& t) { return cs_tuple{t.remote, t.local}; }
// The tuple a connect reports at SYN_SENT: the local port is not bound yet.
inline cs_tuple unbound(cs_tuple t) {
  t.local.port = 0;
  return t;
}

// One traced thread of one process (in a Go process: the goroutine it runs now, 0 for none).
struct Proc {
  uint32_t pid = 100;
  uint32_t tid = 100;
  std::string comm = "proc";
  uint64_t cgroup = 1;
  uint64_t goid = 0;
};

// Whatever task a softirq interrupted: what a close reported from softirq context says in its header.
inline const Proc kSoftirq{0, 0, "swapper/0", 1};

inline void fill_header(cs_event_header& h, uint32_t type, uint32_t size, uint64_t ts, const Proc& p) {
  h.type = type;
  h.size = size;
  h.ts_ns = ts;
  h.pid = p.pid;
  h.tid = p.tid;
  h.cgroup_id = p.cgroup;
  std::memset(h.comm, 0, sizeof h.comm);
  std::memcpy(h.comm, p.comm.data(), std::min<size_t>(p.comm.size(), CS_COMM_LEN - 1));
}

inline cs_sock_ref sock_ref(uint64_t sock_id, int fd, cs_role role, const cs_tuple& t, uint32_t netns = kNetns) {
  cs_sock_ref s{};
  s.sock_id = sock_id;
  s.netns = netns;
  s.fd = fd;
  s.role = role;
  s.tuple = t;
  return s;
}

// A thread of `p` started connect() on socket `sock_id` (fd `fd`). Pass unbound(t) to model the local port
// not being bound yet at SYN_SENT.
inline Record conn_open(const Proc& p, uint64_t ts, int fd, const cs_tuple& t, uint64_t sock_id, uint64_t goid = 0,
                        uint32_t netns = kNetns) {
  Record r(sizeof(cs_conn_event));
  auto* e = reinterpret_cast<cs_conn_event*>(r.data());
  fill_header(e->hdr, CS_EV_CONN_OPEN, static_cast<uint32_t>(r.size()), ts, p);
  e->sock = sock_ref(sock_id, fd, CS_ROLE_CLIENT, t, netns);
  e->goid = goid != 0 ? goid : p.goid;
  return r;
}

// Socket `sock_id` reached TCP state CLOSE; `p` is whatever context reported it.
inline Record conn_close(const Proc& p, uint64_t ts, const cs_tuple& t, uint64_t sock_id,
                         cs_role role = CS_ROLE_UNKNOWN, uint32_t netns = kNetns) {
  Record r(sizeof(cs_close_event));
  auto* e = reinterpret_cast<cs_close_event*>(r.data());
  fill_header(e->hdr, CS_EV_CONN_CLOSE, static_cast<uint32_t>(r.size()), ts, p);
  e->sock = sock_ref(sock_id, -1, role, t, netns);
  return r;
}

inline Record proc_exit(const Proc& p, uint64_t ts) {
  Record r(sizeof(cs_proc_exit_event));
  auto* e = reinterpret_cast<cs_proc_exit_event*>(r.data());
  fill_header(e->hdr, CS_EV_PROC_EXIT, static_cast<uint32_t>(r.size()), ts, p);
  return r;
}

// A data event: `len` bytes moved at TCP sequence `seq`, the call returned at `exit_ns` (hdr.ts_ns); the
// first `payload.size()` are captured (pass len > payload.size() to model truncation). `enter_ns` 0: entry
// unknown (socket-level capture). `slot_padding` bytes of garbage follow the payload inside hdr.size, as in
// a fixed-size ring-buffer slot.
inline Record data(const Proc& p, uint64_t enter_ns, uint64_t exit_ns, int fd, cs_role role, cs_direction dir,
                   const cs_tuple& t, uint64_t sock_id, uint32_t seq, std::string_view payload,
                   uint32_t len = 0, cs_syscall sys = CS_SYS_WRITE, size_t slot_padding = 0, uint64_t goid = 0,
                   uint32_t netns = kNetns) {
  if (len == 0) len = static_cast<uint32_t>(payload.size());
  Record r(sizeof(cs_data_event) + payload.size() + slot_padding, 0xa5);
  cs_data_event e{};
  fill_header(e.hdr, CS_EV_DATA, static_cast<uint32_t>(r.size()), exit_ns, p);
  e.sock = sock_ref(sock_id, fd, role, t, netns);
  e.enter_ns = enter_ns;
  e.goid = goid != 0 ? goid : p.goid;
  e.direction = dir;
  e.syscall = sys;
  e.flags = len > payload.size() ? CS_DATA_F_TRUNCATED : 0;
  e.seq = seq;
  e.len = len;
  e.captured = static_cast<uint32_t>(payload.size());
  std::memcpy(r.data(), &e, sizeof e);
  std::memcpy(r.data() + sizeof(cs_data_event), payload.data(), payload.size());
  return r;
}

}  // namespace cs::test
