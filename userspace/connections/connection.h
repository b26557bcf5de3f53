// One TCP socket's connection, from its first event to its close: the socket owns the byte streams, not a
// process. Several processes (fork) or threads may read and write it; each segment's SyscallMeta says which.
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
  uint64_t gen = 0;          // unique per connection instance (a sock_id names a new socket after a close)
  uint64_t sock_id = 0;      // kernel socket identity (the key of the connection table)
  uint32_t netns = 0;        // network namespace of the socket (inode number)
  Endpoint local;            // local.port 0: not known yet (a connect seen at SYN_SENT); filled from data
  Endpoint remote;
  cs_tuple wire{};           // the tuple as the kernel reported it (compared against later events)
  std::string local_ip;      // printed once per connection, used by every span on it
  std::string remote_ip;
  cs_role kernel_role = CS_ROLE_UNKNOWN;
  uint64_t opened_ns = 0;     // open event, or first event seen
  uint64_t last_activity_ns = 0;
  bool follows_close = false; // its sock_id was closed shortly before: late events of that socket are dropped

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
  // A thread started connect() on `conn` (at.pid / at.tid / at.goid: the connecting thread).
  virtual void connected(Connection& conn, const SyscallMeta& at) = 0;
  // A socket call of `conn` moved bytes in `dir` (at: the caller), before they are parsed. Every data event
  // of a known connection comes here, also before its protocol is known and when it has none.
  virtual void io(Connection&, Dir, const SyscallMeta&) {}
  // `conn` is gone (its session was already closed).
  virtual void closed(Connection& conn) = 0;
};

}  // namespace cs
