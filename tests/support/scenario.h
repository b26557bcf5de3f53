// Synthetic event sequences for pipeline tests: processes, threads, connections, bytes going both ways,
// with consistent TCP sequence numbers and advancing time, recorded as raw kernel records.
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

  void advance(uint64_t ns) { now += ns; }

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
    c.c2s_seq = 1000 + 7919 * next_sock_;
    c.s2c_seq = 900000 + 104729 * next_sock_;
    c.client_traced = client_traced;
    c.server_traced = server_traced;
    if (client_traced) {
      advance(10'000);
      records.push_back(conn_open(client, now, client_fd, CS_ROLE_CLIENT, c.client_view, c.client_sock));
    }
    if (server_traced) {
      advance(10'000);
      records.push_back(conn_open(server, now, server_fd, CS_ROLE_SERVER, reversed(c.client_view), c.server_sock));
    }
    return c;
  }

  // Client writes `bytes` (one syscall), then server reads them (one syscall).
  void client_to_server(TcpConn& c, const std::string& bytes) {
    if (c.client_traced) {
      uint64_t enter = now;
      advance(5'000);
      records.push_back(data(c.client, enter, now, c.client_fd, CS_ROLE_CLIENT, CS_DIR_EGRESS, c.client_view,
                             c.client_sock, c.c2s_seq, bytes));
    }
    if (c.server_traced) {
      uint64_t enter = now;
      advance(5'000);
      records.push_back(data(c.server, enter, now, c.server_fd, CS_ROLE_SERVER, CS_DIR_INGRESS,
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
      records.push_back(data(c.server, enter, now, c.server_fd, CS_ROLE_SERVER, CS_DIR_EGRESS,
                             reversed(c.client_view), c.server_sock, c.s2c_seq, bytes));
    }
    if (c.client_traced) {
      uint64_t enter = now;
      advance(5'000);
      records.push_back(data(c.client, enter, now, c.client_fd, CS_ROLE_CLIENT, CS_DIR_INGRESS, c.client_view,
                             c.client_sock, c.s2c_seq, bytes, 0, CS_SYS_READ));
    }
    c.s2c_seq += static_cast<uint32_t>(bytes.size());
    advance(20'000);
  }

  void close_client(TcpConn& c) {
    advance(10'000);
    if (c.client_traced) records.push_back(conn_close(c.client, now, c.client_fd, c.client_view, c.client_sock));
  }
  void close_server(TcpConn& c) {
    advance(10'000);
    if (c.server_traced)
      records.push_back(conn_close(c.server, now, c.server_fd, reversed(c.client_view), c.server_sock));
  }

 private:
  uint64_t next_sock_ = 1;
};

inline std::string get(const std::string& path, const std::string& extra_headers = "") {
  return "GET " + path + " HTTP/1.1\r\nHost: svc\r\n" + extra_headers + "\r\n";
}
inline std::string ok(const std::string& body = "ok", int status = 200) {
  return "HTTP/1.1 " + std::to_string(status) + " X\r\nContent-Length: " + std::to_string(body.size()) + "\r\n\r\n" +
         body;
}

}  // namespace cs::test
