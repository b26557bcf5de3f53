#include "metrics/tcp_health.h"

#include <cstring>

#include "common/net.h"

namespace cs {

namespace {

MetricFamily family(const char* otel, const char* prom, const char* help, const char* unit, MetricKind kind,
                    std::vector<std::string> keys, const std::vector<double>& bounds = {}) {
  MetricFamily f;
  f.otel_name = otel;
  f.prom_name = prom;
  f.help = help;
  f.unit = unit;
  f.kind = kind;
  f.label_keys = std::move(keys);
  f.bounds = bounds;
  return f;
}

const std::vector<std::string> kPeerKeys{"service.name", "tcp.role", "network.peer.address", "network.peer.port"};

}  // namespace

const char* role_label(uint8_t role) {
  switch (role) {
    case CS_ROLE_CLIENT:
      return "client";
    case CS_ROLE_SERVER:
      return "server";
    default:
      return "unknown";
  }
}

TcpHealth::TcpHealth(MetricRegistry& registry, const MetricsConfig& config, const IdentityResolver* identities)
    : config_(config),
      registry_(registry),
      identities_(identities),
      active_(registry.family(family("callscope.tcp.connections.active", "callscope_tcp_connections_active",
                                     "Traced TCP sockets open now, by owning service and role.", "{connection}",
                                     MetricKind::Gauge, {"service.name", "tcp.role"}),
                              "service.name")),
      connect_s_(registry.family(
          family("callscope.tcp.connect.duration", "callscope_tcp_connect_duration_seconds",
                 "Time from SYN sent to ESTABLISHED of client sockets (reported at close).", "s",
                 MetricKind::Histogram, kPeerKeys, config.tcp_buckets),
          "service.name")),
      connect_failed_(registry.family(
          family("callscope.tcp.connect.failures", "callscope_tcp_connect_failures_total",
                 "connect() calls that never reached ESTABLISHED (refused, timed out, reset).", "{connection}",
                 MetricKind::Counter, kPeerKeys),
          "service.name")),
      retransmits_(registry.family(family("callscope.tcp.retransmits", "callscope_tcp_retransmits_total",
                                          "TCP segments retransmitted (counted when the socket closes).",
                                          "{segment}", MetricKind::Counter, kPeerKeys),
                                   "service.name")),
      resets_(registry.family(
          family("callscope.tcp.resets", "callscope_tcp_resets_total",
                 "Connections reset, by who sent the RST (tcp.reset.direction: sent or received).", "{connection}",
                 MetricKind::Counter,
                 {"service.name", "tcp.role", "network.peer.address", "network.peer.port", "tcp.reset.direction"}),
          "service.name")),
      rtt_s_(registry.family(family("callscope.tcp.rtt", "callscope_tcp_rtt_seconds",
                                    "Smoothed round-trip time of a socket when it closed.", "s", MetricKind::Histogram,
                                    kPeerKeys, config.tcp_buckets),
                             "service.name")),
      closed_(registry.family(family("callscope.tcp.connections.closed", "callscope_tcp_connections_closed_total",
                                     "Traced TCP sockets closed.", "{connection}", MetricKind::Counter, kPeerKeys),
                              "service.name")) {}

std::string TcpHealth::service_of(const cs_event_header& h) const {
  if (identities_ != nullptr)
    if (auto id = identities_->lookup(h.pid)) return id->service_name;
  return std::string(h.comm, strnlen(h.comm, CS_COMM_LEN));
}

void TcpHealth::track(const cs_event_header& h, const cs_sock_ref& s, bool connect) {
  auto [it, fresh] = by_sock_.try_emplace(s.sock_id);
  if (!fresh) {
    if (!connect) return;
    // A connect on a socket id still tracked: the old socket's close was lost; this is a new socket.
    std::lock_guard<std::mutex> g(registry_.lock());
    active_.add(it->second.active_series, -1);
    it->second = Sock{};
  }
  if (by_sock_.size() > config_.max_sockets) {
    while (!order_.empty()) {
      uint64_t old = order_.front();
      order_.pop_front();
      auto o = by_sock_.find(old);
      if (o == by_sock_.end() || o == it) continue;
      std::lock_guard<std::mutex> g(registry_.lock());
      active_.add(o->second.active_series, -1);
      if (known_slot(old) == old) known_slot(old) = 0;
      by_sock_.erase(o);
      ++evicted_;
      break;
    }
  }
  Sock& k = it->second;
  k.service = service_of(h);
  k.role = s.role;
  k.peer_address = Endpoint::from(s.tuple.remote).ip();
  if (s.role == CS_ROLE_CLIENT) k.peer_port = std::to_string(s.tuple.remote.port);
  if (fresh) order_.push_back(s.sock_id);
  std::lock_guard<std::mutex> g(registry_.lock());
  k.active_series = active_.series({k.service, role_label(k.role)});
  active_.add(k.active_series, 1);
}

void TcpHealth::close(const cs_close_event& e) {
  Sock fallback;
  Sock* k = nullptr;
  auto it = by_sock_.find(e.sock.sock_id);
  if (it != by_sock_.end()) {
    k = &it->second;
  } else {
    fallback.service = "unknown";
    fallback.role = e.sock.role;
    fallback.peer_address = Endpoint::from(e.sock.tuple.remote).ip();
    if (e.sock.role == CS_ROLE_CLIENT) fallback.peer_port = std::to_string(e.sock.tuple.remote.port);
    k = &fallback;
  }
  // A client socket's port may have been unknown at connect; the close knows the tuple.
  if (k->role == CS_ROLE_CLIENT && k->peer_port == "0") k->peer_port = std::to_string(e.sock.tuple.remote.port);
  const char* role = role_label(k->role);
  {
    std::lock_guard<std::mutex> g(registry_.lock());
    if (k != &fallback) active_.add(k->active_series, -1);
    closed_.add(closed_.series({k->service, role, k->peer_address, k->peer_port}), 1);
    if (e.flags & CS_CLOSE_F_CONNECT_FAILED) {
      connect_failed_.add(connect_failed_.series({k->service, role, k->peer_address, k->peer_port}), 1);
    } else if (e.connect_ns > 0) {
      connect_s_.observe(connect_s_.series({k->service, role, k->peer_address, k->peer_port}),
                         static_cast<double>(e.connect_ns) / 1e9);
    }
    if (e.retransmits > 0)
      retransmits_.add(retransmits_.series({k->service, role, k->peer_address, k->peer_port}), e.retransmits);
    if (e.flags & CS_CLOSE_F_RESET_SENT)
      resets_.add(resets_.series({k->service, role, k->peer_address, k->peer_port, "sent"}), 1);
    if (e.flags & CS_CLOSE_F_RESET_RECEIVED)
      resets_.add(resets_.series({k->service, role, k->peer_address, k->peer_port, "received"}), 1);
    if (e.srtt_us > 0)
      rtt_s_.observe(rtt_s_.series({k->service, role, k->peer_address, k->peer_port}),
                     static_cast<double>(e.srtt_us) / 1e6);
  }
  if (it != by_sock_.end()) by_sock_.erase(it);
  if (known_slot(e.sock.sock_id) == e.sock.sock_id) known_slot(e.sock.sock_id) = 0;
}

void TcpHealth::on_record(uint32_t type, const void* record) {
  switch (type) {
    case CS_EV_CONN_OPEN: {
      const auto* e = static_cast<const cs_conn_event*>(record);
      track(e->hdr, e->sock, true);
      break;
    }
    case CS_EV_DATA: {
      const auto* e = static_cast<const cs_data_event*>(record);
      const uint64_t id = e->sock.sock_id;
      uint64_t& slot = known_slot(id);
      if (slot == id && id != 0) break;
      if (by_sock_.find(id) == by_sock_.end()) track(e->hdr, e->sock, false);
      if (by_sock_.count(id)) slot = id;
      break;
    }
    case CS_EV_CONN_CLOSE:
      close(*static_cast<const cs_close_event*>(record));
      break;
    default:
      break;
  }
}

}  // namespace cs
