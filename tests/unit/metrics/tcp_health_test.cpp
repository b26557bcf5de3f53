// TCP health per service and peer from connect, data and close records (metrics/tcp_health.h).
#include "metrics/tcp_health.h"

#include <gtest/gtest.h>

#include "pipeline/record_decoder.h"
#include "support/event_builder.h"

namespace cs {
namespace {

using test::Record;

cs_close_event* close_of(Record& r) { return reinterpret_cast<cs_close_event*>(r.data()); }

struct Fixture {
  MetricRegistry reg;
  MetricsConfig cfg;
  TcpHealth tcp{reg, cfg, nullptr};
  void feed(const Record& r) {
    uint32_t type = decode_record_type(r.data(), r.size());
    ASSERT_NE(type, 0u);
    tcp.on_record(type, r.data());
  }
  const MetricSeries* find(const std::string& prom, const std::vector<std::string>& labels) {
    snapshot = reg.snapshot();
    for (const auto& f : snapshot)
      if (f.prom_name == prom)
        for (const auto& s : f.series)
          if (s.label_values == labels) return &s;
    return nullptr;
  }
  std::vector<MetricFamily> snapshot;
};

TEST(TcpHealth, ClientConnectRttRetransmitsAndActiveGauge) {
  Fixture f;
  test::Proc curl{300, 300, "curl", 1};
  const auto t = test::tuple(test::v4("127.0.0.1", 40000), test::v4("10.0.0.9", 8080));
  f.feed(test::conn_open(curl, 100, 5, test::unbound(t), 0xabc));
  f.feed(test::data(curl, 0, 200, 5, CS_ROLE_CLIENT, CS_DIR_EGRESS, t, 0xabc, 1, "GET / HTTP/1.1\r\n\r\n"));
  const MetricSeries* active = f.find("callscope_tcp_connections_active", {"curl", "client"});
  ASSERT_NE(active, nullptr);
  EXPECT_EQ(active->value, 1);
  Record c = test::conn_close(test::kSoftirq, 300, t, 0xabc, CS_ROLE_CLIENT);
  close_of(c)->connect_ns = 250'000;   // 250 us
  close_of(c)->srtt_us = 1500;         // 1.5 ms
  close_of(c)->retransmits = 3;
  close_of(c)->flags = CS_CLOSE_F_RESET_RECEIVED;
  f.feed(c);
  const std::vector<std::string> peer{"curl", "client", "10.0.0.9", "8080"};
  EXPECT_EQ(f.find("callscope_tcp_connections_active", {"curl", "client"})->value, 0);
  const MetricSeries* connect = f.find("callscope_tcp_connect_duration_seconds", peer);
  ASSERT_NE(connect, nullptr);
  EXPECT_EQ(connect->count, 1u);
  EXPECT_DOUBLE_EQ(connect->sum, 0.00025);
  EXPECT_DOUBLE_EQ(f.find("callscope_tcp_rtt_seconds", peer)->sum, 0.0015);
  EXPECT_EQ(f.find("callscope_tcp_retransmits_total", peer)->value, 3);
  EXPECT_EQ(f.find("callscope_tcp_resets_total", {"curl", "client", "10.0.0.9", "8080", "received"})->value, 1);
  EXPECT_EQ(f.find("callscope_tcp_resets_total", {"curl", "client", "10.0.0.9", "8080", "sent"}), nullptr);
  EXPECT_EQ(f.find("callscope_tcp_connections_closed_total", peer)->value, 1);
  EXPECT_EQ(f.tcp.sockets(), 0u);
}

TEST(TcpHealth, FailedConnectAndServerSide) {
  Fixture f;
  test::Proc app{400, 401, "python3", 1};
  const auto refused = test::tuple(test::v4("127.0.0.1", 40001), test::v4("127.0.0.1", 9));
  f.feed(test::conn_open(app, 100, 6, refused, 0x1));
  Record c = test::conn_close(test::kSoftirq, 110, refused, 0x1, CS_ROLE_CLIENT);
  close_of(c)->flags = CS_CLOSE_F_CONNECT_FAILED | CS_CLOSE_F_RESET_RECEIVED;
  f.feed(c);
  EXPECT_EQ(f.find("callscope_tcp_connect_failures_total", {"python3", "client", "127.0.0.1", "9"})->value, 1);
  EXPECT_EQ(f.find("callscope_tcp_connect_duration_seconds", {"python3", "client", "127.0.0.1", "9"}), nullptr);

  // an accepted socket: first seen in its data; the peer's ephemeral port is not a label
  const auto accepted = test::tuple(test::v4("127.0.0.1", 8080), test::v4("127.0.0.1", 51234));
  f.feed(test::data(app, 0, 200, 7, CS_ROLE_SERVER, CS_DIR_INGRESS, accepted, 0x2, 1, "GET / HTTP/1.1\r\n\r\n"));
  f.feed(test::data(app, 0, 210, 7, CS_ROLE_SERVER, CS_DIR_EGRESS, accepted, 0x2, 1, "HTTP/1.1 200 OK\r\n\r\n"));
  EXPECT_EQ(f.find("callscope_tcp_connections_active", {"python3", "server"})->value, 1);
  Record sc = test::conn_close(test::kSoftirq, 300, accepted, 0x2, CS_ROLE_SERVER);
  close_of(sc)->flags = CS_CLOSE_F_RESET_SENT;
  f.feed(sc);
  EXPECT_EQ(f.find("callscope_tcp_resets_total", {"python3", "server", "127.0.0.1", "", "sent"})->value, 1);
  EXPECT_EQ(f.find("callscope_tcp_connections_active", {"python3", "server"})->value, 0);

  // a close of a socket never seen: counted for "unknown"
  f.feed(test::conn_close(test::kSoftirq, 400, accepted, 0x3, CS_ROLE_SERVER));
  EXPECT_EQ(f.find("callscope_tcp_connections_closed_total", {"unknown", "server", "127.0.0.1", ""})->value, 1);
}

TEST(TcpHealth, SocketsBounded) {
  Fixture f;
  f.cfg.max_sockets = 2;
  test::Proc p{1, 1, "x", 1};
  for (uint64_t s = 1; s <= 4; ++s)
    f.feed(test::conn_open(p, s, 3, test::tuple(test::v4("127.0.0.1", 1000 + s), test::v4("127.0.0.1", 80)), s));
  EXPECT_EQ(f.tcp.sockets(), 2u);
  EXPECT_EQ(f.tcp.evicted(), 2u);
  EXPECT_EQ(f.find("callscope_tcp_connections_active", {"x", "client"})->value, 2);
}

}  // namespace
}  // namespace cs

namespace cs {
namespace {

TEST(TcpHealth, ConnectOnAFollowedSocketIdIsANewSocket) {
  Fixture f;
  test::Proc a{1, 1, "a", 1}, b{2, 2, "b", 1};
  const auto t1 = test::tuple(test::v4("127.0.0.1", 1000), test::v4("127.0.0.1", 80));
  const auto t2 = test::tuple(test::v4("127.0.0.1", 1001), test::v4("127.0.0.1", 81));
  f.feed(test::conn_open(a, 1, 3, t1, 0x9));
  f.feed(test::conn_open(b, 2, 3, t2, 0x9));  // the close of the first was lost
  EXPECT_EQ(f.find("callscope_tcp_connections_active", {"a", "client"})->value, 0);
  EXPECT_EQ(f.find("callscope_tcp_connections_active", {"b", "client"})->value, 1);
  f.feed(test::conn_close(test::kSoftirq, 3, t2, 0x9, CS_ROLE_CLIENT));
  EXPECT_EQ(f.find("callscope_tcp_connections_closed_total", {"b", "client", "127.0.0.1", "81"})->value, 1);
  EXPECT_EQ(f.find("callscope_tcp_connections_active", {"b", "client"})->value, 0);
}

}  // namespace
}  // namespace cs
