// TCP health per service and peer, from the kernel's records (include/callscope/events.h): connect
// time, failed connects, active connections, retransmits, resets, round-trip time.
//
// Rules:
//  - A socket's owner is the process of its first record in process context: the CONN_OPEN (a client's
//    connect) or its first data event (an accepted socket, or one older than the agent). Its role is the
//    kernel's (client: connected, server: accepted; unknown: older than the agent).
//  - The peer is the remote address and, for a client socket, the remote port (a server's peers come from
//    ephemeral ports: the port would only add cardinality).
//  - CS_EV_CONN_CLOSE (from any context) ends the socket: its connect_ns (client sockets that reached
//    ESTABLISHED), srtt_us (if measured), retransmits and CS_CLOSE_F_* flags are counted for its owner and
//    peer. A close of a socket never seen before is counted with the close's own tuple, service "unknown".
//  - A CONN_OPEN of a socket id still followed means the old socket's close was lost: it is forgotten
//    (no close counted) and the new socket followed.
//  - At most max_sockets are followed; past that the oldest-inserted is forgotten (counted in evicted()).
//  - Fed in the pipeline thread with the records the pipeline accepted (after Pipeline::on_record, so the
//    process table has resolved the owner's identity); writes under the registry's lock, once per close
//    and once per new socket, never per data event of a known socket.
#pragma once

#include <array>
#include <cstdint>
#include <deque>
#include <string>
#include <unordered_map>

#include "callscope/events.h"
#include "identity/identity_resolver.h"
#include "metrics/metric_registry.h"
#include "metrics/metrics_config.h"

namespace cs {

class TcpHealth {
 public:
  // `identities` may be nullptr (service = comm of the owner's record).
  TcpHealth(MetricRegistry& registry, const MetricsConfig& config, const IdentityResolver* identities);

  // A record that passed decode_record_type (type given).
  void on_record(uint32_t type, const void* record);

  size_t sockets() const { return by_sock_.size(); }
  uint64_t evicted() const { return evicted_; }

 private:
  struct Sock {
    std::string service;
    std::string peer_address;
    std::string peer_port;  // "" for server / unknown roles
    uint8_t role = CS_ROLE_UNKNOWN;
    size_t active_series = 0;
  };
  void track(const cs_event_header& h, const cs_sock_ref& s, bool connect);
  void close(const cs_close_event& e);
  std::string service_of(const cs_event_header& h) const;

  const MetricsConfig& config_;
  MetricRegistry& registry_;
  const IdentityResolver* identities_;
  FamilyWriter& active_;
  FamilyWriter& connect_s_;
  FamilyWriter& connect_failed_;
  FamilyWriter& retransmits_;
  FamilyWriter& resets_;
  FamilyWriter& rtt_s_;
  FamilyWriter& closed_;
  std::unordered_map<uint64_t, Sock> by_sock_;
  std::deque<uint64_t> order_;  // sock ids by insertion (for the bound); closed ones are skipped
  // Sockets known to be tracked, direct-mapped by sock id: a data event of a known socket costs one
  // compare instead of a hash lookup. An entry is cleared when its socket is closed or evicted.
  static constexpr size_t kKnownSlots = 1024;  // power of two
  std::array<uint64_t, kKnownSlots> known_{};
  uint64_t& known_slot(uint64_t sock_id) { return known_[(sock_id >> 6) & (kKnownSlots - 1)]; }
  uint64_t evicted_ = 0;
};

const char* role_label(uint8_t role);  // "client", "server", "unknown"

}  // namespace cs
