// One TCP connection of one process, from open (or first sight) to close.
#pragma once

#include <cstdint>
#include <list>
#include <memory>
#include <string>

#include "callscope/events.h"
#include "common/net.h"
#include "connections/stream_cursor.h"
#include "protocols/protocol.h"

namespace cs {

struct Connection {
  uint64_t gen = 0;          // unique per connection instance: (pid, fd) reuse gets a new one
  uint32_t pid = 0;
  int32_t fd = -1;
  uint64_t sock_id = 0;      // kernel socket identity; a change under the same fd means a new connection
  Endpoint local;
  Endpoint remote;
  std::string local_ip;      // printed once per connection, used by every span on it
  std::string remote_ip;
  cs_role kernel_role = CS_ROLE_UNKNOWN;
  std::string comm;
  uint64_t opened_ns = 0;     // open event, or first event seen
  uint64_t last_activity_ns = 0;

  StreamCursor egress;
  StreamCursor ingress;

  enum class Proto : uint8_t { Detecting, Active, Unknown } proto = Proto::Detecting;
  uint32_t detect_attempts = 0;
  Dir request_dir = Dir::Egress;  // Egress: this side is the client
  uint64_t requests_seen = 0;

  std::unique_ptr<ExchangeSink> sink;       // declared before session: the session holds a reference
  std::unique_ptr<ProtocolSession> session;
  std::list<Connection*>::iterator lru_pos;

  bool is_client() const { return request_dir == Dir::Egress; }
  StreamCursor& cursor(Dir d) { return d == Dir::Egress ? egress : ingress; }
};

// Told about connection life by the tracker; the span builder implements it.
class ConnectionObserver {
 public:
  virtual ~ConnectionObserver() = default;
  // The sink a new protocol session of `conn` reports to (called once the protocol is detected).
  virtual std::unique_ptr<ExchangeSink> exchange_sink_for(Connection& conn) = 0;
  // `conn` was opened by connect() from thread `tid`.
  virtual void connected(Connection& conn, uint32_t tid) = 0;
  // `conn` is gone (its session was already closed).
  virtual void closed(Connection& conn) = 0;
};

}  // namespace cs
