// The processes the agent has seen, by pid, and the service name spans report for each.
//
// Rules:
//  - An entry is created or refreshed by every record a thread of the process produced in its own context
//    (data events, connection opens). Close events come from any context and say nothing about a process.
//  - The comm is the one last seen (exec and prctl change it); a record with an empty comm leaves it as it
//    is (data events carry it only on a socket's first event and when another process uses the socket).
//  - An entry is forgotten when its process exits (PROC_EXIT); a pid seen again later is a new process.
//  - Memory is bounded: when max_processes is reached, the least recently seen half is forgotten (their
//    exit was not seen), counted in evicted().
//  - service_name() is what a span reports as service.name: with an IdentityResolver (identity/), the
//    process's identity resolved when the entry is created or its comm changes (OTEL_SERVICE_NAME, naming
//    rules, cgroup, the program an interpreter runs, else the comm); without one, the comm. Callers only
//    ever ask service_name() / identity().
// seen() runs for every record: a small direct-mapped cache of entries (by pid) keeps it off the hash map.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>

#include "callscope/events.h"
#include "identity/identity_resolver.h"

namespace cs {

struct ProcessInfo {
  char comm[CS_COMM_LEN] = {};  // as last seen, NUL-padded
  std::string service_name;     // what spans report (identity's service.name, or the comm)
  std::shared_ptr<const ProcessIdentity> identity;  // nullptr without a resolver
  uint64_t last_seen_ns = 0;    // event time of the last record of the process
};

class ProcessTable {
 public:
  // `resolver` (may be nullptr: service name = comm) must outlive the table.
  explicit ProcessTable(size_t max_processes, IdentityResolver* resolver = nullptr);

  // A record produced by a thread of process h.pid (in its context): remember its comm.
  void seen(const cs_event_header& h);
  // The process exited: forget it.
  void exited(uint32_t pid);

  const ProcessInfo* find(uint32_t pid) const;
  // The service name of `pid`; "" if the process is unknown. Valid until the next seen()/exited().
  std::string_view service_name(uint32_t pid) const;

  size_t size() const { return by_pid_.size(); }
  uint64_t evicted() const { return evicted_; }

 private:
  ProcessInfo& insert(uint32_t pid);
  void evict_oldest_half();

  struct Slot {
    uint32_t pid = 0;
    ProcessInfo* info = nullptr;  // unordered_map nodes do not move; cleared when the entry is erased
  };
  static constexpr size_t kCacheSlots = 64;  // power of two
  Slot& slot(uint32_t pid) { return cache_[pid & (kCacheSlots - 1)]; }
  const Slot& slot(uint32_t pid) const { return cache_[pid & (kCacheSlots - 1)]; }

  size_t max_processes_;
  IdentityResolver* resolver_;
  std::unordered_map<uint32_t, ProcessInfo> by_pid_;
  std::array<Slot, kCacheSlots> cache_{};
  uint64_t evicted_ = 0;
};

}  // namespace cs
