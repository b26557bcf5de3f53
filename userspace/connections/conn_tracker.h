// The connection table: sock_id -> Connection. Places each socket call's bytes in its direction's stream,
// detects the protocol (and tells SocketVerdicts), feeds the protocol session, and bounds memory.
//
// Rules (include/callscope/events.h, ABI 2):
//  - The socket owns the connection: every event of a sock_id goes to its connection, whatever pid or thread
//    reports it; each segment carries its own caller (SyscallMeta: pid, tid, goid, times).
//  - A connection starts at the first event of its socket: a CONN_OPEN (client: the connecting thread is
//    told to the observer for rule 2's connect hint) or a data event (its role as the kernel knew it).
//    A CONN_OPEN whose local port is 0 gets its tuple from the socket's data events.
//  - CS_EV_CONN_CLOSE ends the connection of that sock_id whoever reports it. Afterwards data events of the
//    closed socket are late (RecentCloses): dropped and counted. A close older than the connection's first
//    event belongs to an earlier socket under that sock_id: the live connection goes on (counted as late;
//    the earlier socket's late data is still recognised).
//  - An event whose tuple differs from its connection's is a new socket under a reused sock_id whose close
//    was lost: the old connection ends, a new one starts.
//  - At most max_connections are kept: the least recently active one is ended (connections_evicted).
#pragma once

#include <cstdint>
#include <list>
#include <memory>
#include <vector>

#include "callscope/events.h"
#include "common/flat_map.h"
#include "common/pipeline_config.h"
#include "common/pipeline_stats.h"
#include "connections/connection.h"
#include "connections/recent_closes.h"
#include "connections/socket_verdicts.h"

namespace cs {

class ConnTracker {
 public:
  // `verdicts` may be nullptr (nobody to tell). `protocols`: tried in order on a connection's first bytes
  // (the agent's registry; tests may pass their own, which must outlive the tracker).
  ConnTracker(const PipelineConfig& config, PipelineStats& stats, ConnectionObserver& observer,
              SocketVerdicts* verdicts, const std::vector<const Protocol*>& protocols = protocol_registry());
  ~ConnTracker();
  ConnTracker(const ConnTracker&) = delete;
  ConnTracker& operator=(const ConnTracker&) = delete;

  void on_open(const cs_conn_event& e);
  // `payload`: the event's `captured` payload bytes (they follow `e` in the record unless the record's
  // struct was copied out to align it).
  void on_data(const cs_data_event& e, const uint8_t* payload);
  void on_data(const cs_data_event& e) { on_data(e, e.payload); }
  void on_close(const cs_close_event& e);
  void close_all(uint64_t ts_ns);  // end of input

  size_t size() const { return lru_.size(); }
  const Connection* find(uint64_t sock_id) const;

 private:
  Connection* lookup(uint64_t sock_id);
  Connection& create(const cs_sock_ref& s, uint64_t ts_ns);
  void end(Connection& c, uint64_t ts_ns, bool reset);  // closes the session, erases the connection
  void touch(Connection& c, uint64_t ts_ns);
  void learn_tuple(Connection& c, const cs_tuple& t);
  bool detect(Connection& c, Dir dir, std::string_view first_bytes);

  const PipelineConfig& config_;
  PipelineStats& stats_;
  ConnectionObserver& observer_;
  SocketVerdicts* verdicts_;
  const std::vector<const Protocol*>& protocols_;
  uint64_t next_gen_ = 1;
  // Owns the connections (deleted in end() and by the destructor): an open-addressing table keeps the
  // lookup done for every event to one probe of a flat array, not a bucket and a node.
  FlatMap<uint64_t, Connection*> by_sock_;
  std::list<Connection*> lru_;  // front: least recently active
  RecentCloses recent_closes_;
};

}  // namespace cs
