// Socket addresses as the pipeline keys and prints them.
#pragma once

#include <cstdint>
#include <cstring>
#include <functional>
#include <string>

#include "callscope/events.h"

namespace cs {

// An address normalised for comparison: IPv4-mapped IPv6 (::ffff:a.b.c.d) becomes IPv4.
struct Endpoint {
  uint16_t family = 0;  // AF_INET / AF_INET6
  uint16_t port = 0;
  uint8_t addr[16] = {};

  static Endpoint from(const cs_addr& a);
  std::string ip() const;  // "127.0.0.1", "::1"
  bool operator==(const Endpoint& o) const {
    return family == o.family && port == o.port && std::memcmp(addr, o.addr, 16) == 0;
  }
};

// A request's identity on the wire, the same for the client and the server that see it:
// client endpoint, server endpoint and the TCP sequence number of the request's first byte.
struct FlowKey {
  Endpoint client;
  Endpoint server;
  uint32_t seq = 0;
  bool operator==(const FlowKey& o) const { return seq == o.seq && client == o.client && server == o.server; }
};

struct FlowKeyHash {
  size_t operator()(const FlowKey& k) const;
};

}  // namespace cs
