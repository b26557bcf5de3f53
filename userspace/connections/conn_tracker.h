// The connection table: (pid, fd, generation) -> Connection. Places each syscall's bytes in its
// direction's stream, detects the protocol, feeds the protocol session, and bounds memory (least recently
// active connections are evicted past max_connections, counted).
#pragma once

#include <cstdint>
#include <list>
#include <memory>
#include <unordered_map>

#include "callscope/events.h"
#include "connections/connection.h"
#include "pipeline/pipeline.h"

namespace cs {

class ConnTracker {
 public:
  ConnTracker(const PipelineConfig& config, PipelineStats& stats, ConnectionObserver& observer);
  ~ConnTracker();

  void on_open(const cs_conn_event& e);
  void on_data(const cs_data_event& e);
  void on_close(const cs_close_event& e);
  void on_process_exit(uint32_t pid, uint64_t ts_ns);
  void close_all(uint64_t ts_ns);  // end of input

  size_t size() const { return lru_.size(); }

 private:
  Connection* find(uint32_t pid, int32_t fd);
  Connection& create(const cs_event_header& h, int32_t fd, uint64_t sock_id, const cs_tuple& t, cs_role role);
  void end(Connection& c, uint64_t ts_ns, bool reset);  // closes the session, erases the connection
  void touch(Connection& c, uint64_t ts_ns);
  bool detect(Connection& c, Dir dir, std::string_view first_bytes);

  const PipelineConfig& config_;
  PipelineStats& stats_;
  ConnectionObserver& observer_;
  uint64_t next_gen_ = 1;
  std::unordered_map<uint32_t, std::unordered_map<int32_t, std::unique_ptr<Connection>>> by_pid_;
  std::list<Connection*> lru_;  // front: least recently active
};

}  // namespace cs
