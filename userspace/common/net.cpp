#include "common/net.h"

#include <arpa/inet.h>
#include <sys/socket.h>

#include "common/ids.h"

namespace cs {

Endpoint Endpoint::from(const cs_addr& a) {
  Endpoint e;
  e.port = a.port;
  static const uint8_t mapped_prefix[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
  if (a.family == AF_INET6 && std::memcmp(a.addr, mapped_prefix, 12) == 0) {
    e.family = AF_INET;
    std::memcpy(e.addr, a.addr + 12, 4);
  } else if (a.family == AF_INET) {
    e.family = AF_INET;
    std::memcpy(e.addr, a.addr, 4);
  } else {
    e.family = a.family;
    std::memcpy(e.addr, a.addr, 16);
  }
  return e;
}

std::string Endpoint::ip() const {
  char buf[INET6_ADDRSTRLEN] = {};
  if (family == AF_INET) {
    inet_ntop(AF_INET, addr, buf, sizeof buf);
  } else if (family == AF_INET6) {
    inet_ntop(AF_INET6, addr, buf, sizeof buf);
  } else {
    return "";
  }
  return buf;
}

size_t FlowKeyHash::operator()(const FlowKey& k) const {
  uint64_t h = k.seq;
  auto mix = [&h](const Endpoint& e) {
    uint64_t a, b;
    std::memcpy(&a, e.addr, 8);
    std::memcpy(&b, e.addr + 8, 8);
    h = splitmix64(h ^ a);
    h = splitmix64(h ^ b ^ (static_cast<uint64_t>(e.port) << 16) ^ e.family);
  };
  mix(k.client);
  mix(k.server);
  return static_cast<size_t>(h);
}

}  // namespace cs
