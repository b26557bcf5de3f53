// Builds raw kernel records (exactly as the BPF side writes them) for unit tests, replay fixtures and
// benchmarks. Header-only.
#pragma once

#include <arpa/inet.h>
#include <sys/socket.h>

#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include "callscope/events.h"

namespace cs::test {

using Record = std::vector<uint8_t>;

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

// One traced thread of one process.
struct Proc {
  uint32_t pid = 100;
  uint32_t tid = 100;
  std::string comm = "proc";
  uint64_t cgroup = 1;
};

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

inline Record conn_open(const Proc& p, uint64_t ts, int fd, cs_role role, const cs_tuple& t, uint64_t sock_id,
                        int64_t ret = 0) {
  Record r(sizeof(cs_conn_event));
  auto* e = reinterpret_cast<cs_conn_event*>(r.data());
  fill_header(e->hdr, CS_EV_CONN_OPEN, r.size(), ts, p);
  e->sock_id = sock_id;
  e->fd = fd;
  e->role = role;
  e->syscall = role == CS_ROLE_CLIENT ? CS_SYS_CONNECT : CS_SYS_ACCEPT4;
  e->ret = ret;
  e->tuple = t;
  return r;
}

inline Record conn_close(const Proc& p, uint64_t ts, int fd, const cs_tuple& t, uint64_t sock_id) {
  Record r(sizeof(cs_close_event));
  auto* e = reinterpret_cast<cs_close_event*>(r.data());
  fill_header(e->hdr, CS_EV_CONN_CLOSE, r.size(), ts, p);
  e->sock_id = sock_id;
  e->fd = fd;
  e->tuple = t;
  return r;
}

inline Record proc_exit(const Proc& p, uint64_t ts) {
  Record r(sizeof(cs_proc_exit_event));
  auto* e = reinterpret_cast<cs_proc_exit_event*>(r.data());
  fill_header(e->hdr, CS_EV_PROC_EXIT, r.size(), ts, p);
  return r;
}

// A data event: `len` bytes moved at TCP sequence `seq`; the first `payload.size()` are captured
// (pass len > payload.size() to model truncation).
inline Record data(const Proc& p, uint64_t enter_ns, uint64_t exit_ns, int fd, cs_role role, cs_direction dir,
                   const cs_tuple& t, uint64_t sock_id, uint32_t seq, std::string_view payload,
                   uint32_t len = 0, cs_syscall sys = CS_SYS_WRITE) {
  if (len == 0) len = static_cast<uint32_t>(payload.size());
  Record r(sizeof(cs_data_event) + payload.size());
  auto* e = reinterpret_cast<cs_data_event*>(r.data());
  fill_header(e->hdr, CS_EV_DATA, r.size(), exit_ns, p);
  e->enter_ns = enter_ns;
  e->sock_id = sock_id;
  e->fd = fd;
  e->role = role;
  e->direction = dir;
  e->syscall = sys;
  e->flags = len > payload.size() ? CS_DATA_F_TRUNCATED : 0;
  e->seq = seq;
  e->len = len;
  e->captured = static_cast<uint32_t>(payload.size());
  e->tuple = t;
  std::memcpy(r.data() + sizeof(cs_data_event), payload.data(), payload.size());
  return r;
}

}  // namespace cs::test
