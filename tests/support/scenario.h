// Synthetic event sequences for pipeline tests: processes, threads, connections, bytes going both ways,
// with consistent TCP sequence numbers and advancing time, recorded as raw kernel records (ABI 2).
//
// Like the socket-level capture: a connect gives a CONN_OPEN from the connecting thread, an accepted socket
// is first seen in its data events (role server), data events carry enter_ns 0 unless syscall_entry is set
// (the syscall fallback path), and a socket's close is one CONN_CLOSE by sock_id.
#pragma once

#include <string>
#include <vector>

#include "support/event_builder.h"

namespace cs::test {

struct TcpConn {
  Proc client;     // thread that uses the client side
  int client_fd = 0;
  Proc server;     // thread that uses the server side
  int server_fd = 0;
  cs_tuple client_view{};  // local = client endpoint
  uint64_t client_sock = 0;
  uint64_t server_sock = 0;
  uint32_t c2s_seq = 1000;
  uint32_t s2c_seq = 500000;
  bool client_traced = true;
  bool server_traced = true;
};

class Scenario {
 public:
  uint64_t now = 1'000'000'000;  // CLOCK_MONOTONIC ns
  std::vector<Record> records;
  bool syscall_entry = false;     // data events carry the call's entry time (syscall fallback capture)
  bool connect_unbound = false;   // CONN_OPEN reports local port 0 (SYN_SENT before the port is bound)

  void advance(uint64_t ns) { now += ns; }

  // The next connect() uses these socket ids (the kernel reusing the address of a closed socket).
  void reuse_socks(uint64_t client_sock, uint64_t server_sock) {
    forced_client_sock_ = client_sock;
    forced_server_sock_ = server_sock;
  }

  TcpConn connect(const Proc& client, int client_fd, const Proc& server, int server_fd, uint16_t client_port,
                  uint16_t server_port, bool client_traced = true, bool server_traced = true) {
    TcpConn c;
    c.client = client;
    c.client_fd = client_fd;
    c.server = server;
    c.server_fd = server_fd;
    c.client_view = tuple(v4("127.0.0.1", client_port), v4("127.0.0.1", server_port));
    c.client_sock = 0xffff000000000000ULL + (next_sock_++);
    c.server_sock = 0xffff000000000000ULL + (next_sock_++);
    if (forced_client_sock_ != 0) c.client_sock = forced_client_sock_;
    if (forced_server_sock_ != 0) c.server_sock = forced_server_sock_;
    forced_client_sock_ = forced_server_sock_ = 0;
    c.c2s_seq = static_cast<uint32_t>(1000 + 7919 * next_sock_);
    c.s2c_seq = static_cast<uint32_t>(900000 + 104729 * next_sock_);
    c.client_traced = client_traced;
    c.server_traced = server_traced;
    advance(10'000);
    if (client_traced)
      records.push_back(conn_open(client, now, client_fd, connect_unbound ? unbound(c.client_view) : c.client_view,
                                  c.client_sock));
    advance(10'000);  // the server's accept: no event (its socket shows up with its first bytes)
    return c;
  }

  // Client writes `bytes` (one call), then server reads them (one call).
  void client_to_server(TcpConn& c, const std::string& bytes) {
    if (c.client_traced) {
      uint64_t enter = now;
      advance(5'000);
      records.push_back(data(c.client, entry(enter), now, c.client_fd, CS_ROLE_CLIENT, CS_DIR_EGRESS, c.client_view,
                             c.client_sock, c.c2s_seq, bytes));
    }
    if (c.server_traced) {
      uint64_t enter = now;
      advance(5'000);
      records.push_back(data(c.server, entry(enter), now, c.server_fd, CS_ROLE_SERVER, CS_DIR_INGRESS,
                             reversed(c.client_view), c.server_sock, c.c2s_seq, bytes, 0, CS_SYS_READ));
    }
    c.c2s_seq += static_cast<uint32_t>(bytes.size());
    advance(20'000);
  }

  // Server writes `bytes`, then the client reads them.
  void server_to_client(TcpConn& c, const std::string& bytes) {
    if (c.server_traced) {
      uint64_t enter = now;
      advance(5'000);
      records.push_back(data(c.server, entry(enter), now, c.server_fd, CS_ROLE_SERVER, CS_DIR_EGRESS,
                             reversed(c.client_view), c.server_sock, c.s2c_seq, bytes));
    }
    if (c.client_traced) {
      uint64_t enter = now;
      advance(5'000);
      records.push_back(data(c.client, entry(enter), now, c.client_fd, CS_ROLE_CLIENT, CS_DIR_INGRESS, c.client_view,
                             c.client_sock, c.s2c_seq, bytes, 0, CS_SYS_READ));
    }
    c.s2c_seq += static_cast<uint32_t>(bytes.size());
    advance(20'000);
  }

  // The socket of one side reached TCP CLOSE, reported from the context `by` (default: its own process).
  void close_client(TcpConn& c, const Proc* by = nullptr) {
    advance(10'000);
    if (c.client_traced)
      records.push_back(conn_close(by ? *by : c.client, now, c.client_view, c.client_sock, CS_ROLE_CLIENT));
  }
  void close_server(TcpConn& c, const Proc* by = nullptr) {
    advance(10'000);
    if (c.server_traced)
      records.push_back(conn_close(by ? *by : c.server, now, reversed(c.client_view), c.server_sock, CS_ROLE_SERVER));
  }

 private:
  uint64_t entry(uint64_t enter) const { return syscall_entry ? enter : 0; }

  uint64_t next_sock_ = 1;
  uint64_t forced_client_sock_ = 0;
  uint64_t forced_server_sock_ = 0;
};

inline std::string get(const std::string& path, const std::string& extra_headers = "") {
  return "GET " + path + " HTTP/1.1\r\nHost: svc\r\n" + extra_headers + "\r\n";
}
inline std::string ok(const std::string& body = "ok", int status = 200) {
  return "HTTP/1.1 " + std::to_string(status) + " X\r\nContent-Length: " + std::to_string(body.size()) + "\r\n\r\n" +
         body;
}

}  // namespace cs::test
