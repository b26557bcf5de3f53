// The connection table on its own (ABI 2 records, a recording observer instead of the span builder): one
// connection per socket whoever uses it, the caller of every call in the segment metadata, connects, the
// tuple of a socket opened at SYN_SENT, closes from any context, late events, verdicts.
#include "connections/conn_tracker.h"

#include <gtest/gtest.h>

#include <string>
#include <utility>
#include <vector>

#include "support/event_builder.h"

namespace cs {
namespace {

using test::Proc;
using test::Record;

// Records what the tracker tells the span builder.
struct Observed {
  std::vector<Message> requests;  // request_complete, in order
  std::vector<std::pair<uint64_t, SyscallMeta>> connects;  // (sock_id, connecting call)
  std::vector<uint64_t> closed;  // sock_ids
  std::vector<uint64_t> sinks;   // sock_ids whose protocol was detected
  size_t exchanges = 0;
};

class RecordingSink : public ExchangeSink {
 public:
  explicit RecordingSink(Observed& o) : o_(o) {}
  void request_complete(const Message& m, Dir) override { o_.requests.push_back(m); }
  void response_started(const Message&, Dir, const SyscallMeta&) override {}
  void exchange_complete(const Exchange&, Dir) override { ++o_.exchanges; }

 private:
  Observed& o_;
};

class RecordingObserver : public ConnectionObserver {
 public:
  explicit RecordingObserver(Observed& o) : o_(o) {}
  std::unique_ptr<ExchangeSink> exchange_sink_for(Connection& c) override {
    o_.sinks.push_back(c.sock_id);
    return std::make_unique<RecordingSink>(o_);
  }
  void connected(Connection& c, const SyscallMeta& at) override { o_.connects.emplace_back(c.sock_id, at); }
  void closed(Connection& c) override { o_.closed.push_back(c.sock_id); }

 private:
  Observed& o_;
};

class RecordingVerdicts : public SocketVerdicts {
 public:
  void verdict(uint64_t sock_id, uint8_t v) override { got.emplace_back(sock_id, v); }
  std::vector<std::pair<uint64_t, uint8_t>> got;
};

struct Tracker {
  explicit Tracker(bool with_verdicts = true) : observer(seen), tracker(config, stats, observer, with_verdicts ? &verdicts : nullptr) {}
  void feed(const Record& r) {
    const auto* h = reinterpret_cast<const cs_event_header*>(r.data());
    switch (h->type) {
      case CS_EV_DATA: tracker.on_data(*reinterpret_cast<const cs_data_event*>(r.data())); break;
      case CS_EV_CONN_OPEN: tracker.on_open(*reinterpret_cast<const cs_conn_event*>(r.data())); break;
      case CS_EV_CONN_CLOSE: tracker.on_close(*reinterpret_cast<const cs_close_event*>(r.data())); break;
    }
  }
  PipelineConfig config;
  PipelineStats stats;
  Observed seen;
  RecordingObserver observer;
  RecordingVerdicts verdicts;
  ConnTracker tracker;
};

const cs_tuple kServerView = test::tuple(test::v4("10.0.0.2", 8080), test::v4("10.0.0.1", 40000));
const cs_tuple kClientView = test::reversed(kServerView);
constexpr uint64_t kSock = 0xffff888812345600ull;
const Proc parent{20, 21, "srv"};
const Proc forked{25, 26, "srv"};

Record server_reads(const Proc& p, uint64_t ts, uint32_t seq, const std::string& bytes, uint64_t enter = 0,
                    uint64_t goid = 0) {
  return test::data(p, enter, ts, 5, CS_ROLE_SERVER, CS_DIR_INGRESS, kServerView, kSock, seq, bytes, 0, CS_SYS_READ, 0,
                    goid);
}

const std::string kReq1 = "GET /one HTTP/1.1\r\nHost: a\r\n\r\n";
const std::string kReq2 = "GET /two HTTP/1.1\r\nHost: a\r\n\r\n";

// The socket owns the byte stream: a forked child continuing to read the socket the parent read is the
// same connection and the same stream (no gap), and each request says which process and thread read it.
TEST(ConnTracker, OneConnectionPerSocketWhoeverUsesIt) {
  Tracker t;
  t.feed(server_reads(parent, 1000, 5000, kReq1));
  t.feed(server_reads(forked, 2000, 5000 + static_cast<uint32_t>(kReq1.size()), kReq2));
  EXPECT_EQ(t.tracker.size(), 1u);
  ASSERT_EQ(t.seen.requests.size(), 2u);
  EXPECT_EQ(t.seen.requests[0].last.pid, 20u);
  EXPECT_EQ(t.seen.requests[0].last.tid, 21u);
  EXPECT_EQ(t.seen.requests[1].last.pid, 25u);
  EXPECT_EQ(t.seen.requests[1].last.tid, 26u);
  EXPECT_EQ(t.stats.stream_gaps, 0u);
  const Connection* c = t.tracker.find(kSock);
  ASSERT_NE(c, nullptr);
  EXPECT_FALSE(c->is_client());
  EXPECT_EQ(c->netns, test::kNetns);
  EXPECT_EQ(c->local.port, 8080);
  EXPECT_EQ(c->local_ip, "10.0.0.2");
}

// Socket-level capture does not know when a call began: the segment's entry is its return time. The
// syscall fallback path knows it and it is kept. The goroutine id travels with the call.
TEST(ConnTracker, CallTimesAndGoroutineInTheSegmentMeta) {
  Tracker t;
  t.feed(server_reads(parent, 1000, 5000, kReq1, /*enter=*/0, /*goid=*/4242));
  t.feed(server_reads(parent, 3000, 5000 + static_cast<uint32_t>(kReq1.size()), kReq2, /*enter=*/2500));
  ASSERT_EQ(t.seen.requests.size(), 2u);
  EXPECT_EQ(t.seen.requests[0].first.enter_ns, 1000u);
  EXPECT_EQ(t.seen.requests[0].first.exit_ns, 1000u);
  EXPECT_EQ(t.seen.requests[0].first.goid, 4242u);
  EXPECT_EQ(t.seen.requests[1].first.enter_ns, 2500u);
  EXPECT_EQ(t.seen.requests[1].first.exit_ns, 3000u);
  EXPECT_EQ(t.seen.requests[1].first.goid, 0u);
}

// A connect reported at SYN_SENT (local port not bound yet) tells the observer the connecting thread;
// the tuple comes from the socket's first data event.
TEST(ConnTracker, ConnectAtSynSentLearnsItsTupleFromData) {
  Tracker t;
  const Proc app{30, 31, "app"};
  t.feed(test::conn_open(app, 100, 9, test::unbound(kClientView), kSock, /*goid=*/7));
  ASSERT_EQ(t.seen.connects.size(), 1u);
  EXPECT_EQ(t.seen.connects[0].first, kSock);
  EXPECT_EQ(t.seen.connects[0].second.pid, 30u);
  EXPECT_EQ(t.seen.connects[0].second.tid, 31u);
  EXPECT_EQ(t.seen.connects[0].second.goid, 7u);
  const Connection* c = t.tracker.find(kSock);
  ASSERT_NE(c, nullptr);
  EXPECT_EQ(c->local.port, 0);
  EXPECT_TRUE(c->is_client());
  t.feed(test::data(app, 0, 200, 9, CS_ROLE_CLIENT, CS_DIR_EGRESS, kClientView, kSock, 77, kReq1));
  c = t.tracker.find(kSock);
  ASSERT_NE(c, nullptr);
  EXPECT_EQ(c->local.port, 40000);
  EXPECT_EQ(c->local_ip, "10.0.0.1");
  EXPECT_EQ(c->remote.port, 8080);
  EXPECT_EQ(t.tracker.size(), 1u) << "the bound port is the same socket, not a new one";
  ASSERT_EQ(t.seen.requests.size(), 1u);
  EXPECT_EQ(t.seen.requests[0].first.pid, 30u);
}

// A socket's close ends its connection whoever reports it; a close older than the connection's first
// event belongs to an earlier socket under the same sock_id (delivered late) and is ignored.
TEST(ConnTracker, CloseEndsTheSocketWhoeverReportsIt) {
  Tracker t;
  t.feed(server_reads(parent, 1000, 5000, kReq1));
  t.feed(test::conn_close(test::kSoftirq, 900, kServerView, kSock));
  EXPECT_EQ(t.tracker.size(), 1u) << "a close from before the socket's first event is not its close";
  EXPECT_EQ(t.stats.late_events, 1u);
  t.feed(test::conn_close(Proc{99, 99, "bystander"}, 1500, kServerView, kSock));
  EXPECT_EQ(t.tracker.size(), 0u);
  EXPECT_EQ(t.seen.closed, std::vector<uint64_t>{kSock});
  EXPECT_EQ(t.seen.exchanges, 1u) << "the pending request ended with the connection";
}

// After the close, events older than it, or carrying the closed socket's tuple, are late; a newer event
// with another tuple is a new socket reusing the address.
TEST(ConnTracker, LateEventsAfterCloseAndAddressReuse) {
  Tracker t;
  t.feed(server_reads(parent, 1000, 5000, kReq1));
  t.feed(test::conn_close(test::kSoftirq, 2000, kServerView, kSock));
  t.feed(server_reads(parent, 1500, 5000 + static_cast<uint32_t>(kReq1.size()), kReq2));  // older than the close
  t.feed(server_reads(parent, 2500, 5000 + static_cast<uint32_t>(kReq1.size()), kReq2));  // same socket, after
  EXPECT_EQ(t.stats.late_events, 2u);
  EXPECT_EQ(t.tracker.size(), 0u);
  const cs_tuple other = test::tuple(test::v4("10.0.0.2", 8080), test::v4("10.0.0.9", 41000));
  t.feed(test::data(parent, 0, 3000, 6, CS_ROLE_SERVER, CS_DIR_INGRESS, other, kSock, 1, kReq2, 0, CS_SYS_READ));
  EXPECT_EQ(t.tracker.size(), 1u) << "a new socket at the closed one's address";
  EXPECT_EQ(t.stats.late_events, 2u);
  // Its own events keep flowing; a late one of the old socket is still recognised.
  t.feed(server_reads(parent, 1800, 5000 + static_cast<uint32_t>(kReq1.size()), kReq2));
  EXPECT_EQ(t.stats.late_events, 3u);
  ASSERT_EQ(t.seen.requests.size(), 2u);
  EXPECT_EQ(t.tracker.find(kSock)->remote.port, 41000);
}

// The close of an earlier socket under a sock_id arrives after the next socket under that sock_id began:
// the live connection goes on, and the earlier socket's own late data, still to come, is recognised.
TEST(ConnTracker, StaleCloseOfAnEarlierSocketGuardsTheNewOne) {
  Tracker t;
  const cs_tuple next = test::tuple(test::v4("10.0.0.2", 8080), test::v4("10.0.0.7", 45000));
  t.feed(test::data(parent, 0, 2000, 6, CS_ROLE_SERVER, CS_DIR_INGRESS, next, kSock, 1, kReq1, 0, CS_SYS_READ));
  t.feed(test::conn_close(test::kSoftirq, 1500, kServerView, kSock));  // the earlier socket's close, late
  EXPECT_EQ(t.tracker.size(), 1u);
  EXPECT_EQ(t.stats.late_events, 1u);
  t.feed(server_reads(parent, 1200, 5000, kReq1));  // the earlier socket's data, later still
  EXPECT_EQ(t.stats.late_events, 2u);
  t.feed(test::data(parent, 0, 2500, 6, CS_ROLE_SERVER, CS_DIR_INGRESS, next, kSock,
                    1 + static_cast<uint32_t>(kReq1.size()), kReq2, 0, CS_SYS_READ));
  EXPECT_EQ(t.stats.late_events, 2u);
  ASSERT_EQ(t.seen.requests.size(), 2u) << "both requests of the live socket, nothing of the earlier one";
  EXPECT_EQ(t.tracker.find(kSock)->remote.port, 45000);
}

// A new socket at the closed one's address with the closed one's tuple too (its port reused at once:
// short connections on a small port range, loopback TIME_WAIT reuse): its sequence numbers do not continue
// the closed stream, so it is a new socket, not a late event, even when they start just past its end (the
// initial sequence numbers of one tuple follow a clock). Events that continue the closed socket's stream
// are still late; where that stream's end is unknown (the closed socket never wrote), the tuple alone
// decides, as before.
TEST(ConnTracker, SameTupleInAnotherSequenceSpaceIsANewSocket) {
  Tracker t;
  const auto len1 = static_cast<uint32_t>(kReq1.size());
  const auto len2 = static_cast<uint32_t>(kReq2.size());
  t.feed(server_reads(parent, 1000, 5000, kReq1));
  t.feed(test::conn_close(test::kSoftirq, 2000, kServerView, kSock));
  t.feed(server_reads(parent, 2500, 5000 + len1, kReq2));  // the closed socket's stream, read after CLOSE
  EXPECT_EQ(t.stats.late_events, 1u);
  EXPECT_EQ(t.tracker.size(), 0u);
  const uint32_t isn = 5000 + len1 + 7000;  // the new connection's first byte: just past the old stream
  t.feed(server_reads(parent, 3000, isn, kReq2));
  EXPECT_EQ(t.stats.late_events, 1u) << "another sequence space under the same tuple is a new socket";
  ASSERT_EQ(t.tracker.size(), 1u);
  t.feed(server_reads(parent, 3100, 5000 + len1 + len2, kReq1));  // the closed socket's again: late
  EXPECT_EQ(t.stats.late_events, 2u);
  t.feed(server_reads(parent, 3200, isn + len2, kReq1));  // the new socket goes on
  EXPECT_EQ(t.stats.late_events, 2u);
  ASSERT_EQ(t.seen.requests.size(), 3u) << "kReq1 of the closed socket, kReq2 and kReq1 of the new one";
  EXPECT_EQ(t.stats.stream_gaps, 0u);
  // The closed socket never wrote: an egress event with its tuple cannot be placed, and stays late.
  t.feed(test::data(parent, 0, 3300, 5, CS_ROLE_SERVER, CS_DIR_EGRESS, kServerView, kSock, 0x12345678u,
                    "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n", 0, CS_SYS_WRITE));
  EXPECT_EQ(t.stats.late_events, 3u);
}

// A closed socket's calls after its close carry no local port (the kernel unbinds it at close): they are
// late, whether or not they continue the stream and whether or not the close was seen. They make no
// connection, which the next socket under that sock_id would otherwise continue (its sequence numbers
// showing as a gap of gigabytes, or as out of order).
TEST(ConnTracker, CallsOfAClosedSocketHaveNoLocalPort) {
  cs_tuple unbound = kServerView;
  unbound.local.port = 0;
  {
    Tracker t;
    t.feed(server_reads(parent, 1000, 5000, kReq1));
    t.feed(test::conn_close(test::kSoftirq, 2000, kServerView, kSock));
    t.feed(test::data(parent, 0, 2500, 5, CS_ROLE_SERVER, CS_DIR_INGRESS, unbound, kSock, 5000 + 9999, kReq2, 0,
                      CS_SYS_READ));  // read after CLOSE, bytes in between lost
    EXPECT_EQ(t.stats.late_events, 1u);
    EXPECT_EQ(t.tracker.size(), 0u);
  }
  Tracker t;  // the close is not known (never reported: the socket had no event before it; or forgotten)
  t.feed(test::data(parent, 0, 1000, 5, CS_ROLE_SERVER, CS_DIR_INGRESS, unbound, kSock, 7000, kReq1, 0, CS_SYS_READ));
  t.feed(test::data(parent, 0, 1100, 5, CS_ROLE_SERVER, CS_DIR_INGRESS, unbound, kSock, 0x30000000u, kReq1, 0,
                    CS_SYS_READ));  // another closed socket at the same address
  EXPECT_EQ(t.stats.late_events, 2u);
  EXPECT_EQ(t.tracker.size(), 0u);
  t.feed(test::data(parent, 0, 3000, 6, CS_ROLE_SERVER, CS_DIR_INGRESS, kServerView, kSock, 0x70000000u, kReq2, 0,
                    CS_SYS_READ));  // a new socket at the address
  EXPECT_EQ(t.stats.stream_gaps, 0u);
  EXPECT_EQ(t.stats.out_of_order, 0u);
  ASSERT_NE(t.tracker.find(kSock), nullptr);
  EXPECT_EQ(t.tracker.find(kSock)->wire.local.port, 8080);
  ASSERT_EQ(t.seen.requests.size(), 1u);
  EXPECT_EQ(t.seen.requests[0].first.exit_ns, 3000u) << "the new socket's request";
}

// A new socket under a sock_id whose close was lost: its tuple differs, the old connection ends.
TEST(ConnTracker, OtherTupleUnderTheSameSockIdIsANewSocket) {
  Tracker t;
  t.feed(server_reads(parent, 1000, 5000, kReq1));
  const uint64_t gen = t.tracker.find(kSock)->gen;
  const cs_tuple other = test::tuple(test::v4("10.0.0.2", 8080), test::v4("10.0.0.1", 40001));
  t.feed(test::data(parent, 0, 2000, 5, CS_ROLE_SERVER, CS_DIR_INGRESS, other, kSock, 9000, kReq2, 0, CS_SYS_READ));
  ASSERT_NE(t.tracker.find(kSock), nullptr);
  EXPECT_NE(t.tracker.find(kSock)->gen, gen);
  EXPECT_EQ(t.seen.closed, std::vector<uint64_t>{kSock});
  EXPECT_EQ(t.stats.late_events, 0u);
}

// Verdicts: a socket whose protocol is found is traced, told once; a socket in no protocol the agent
// knows is given up after 16 segments and ignored, told once; without a verdict sink nothing breaks.
TEST(ConnTracker, VerdictsOncePerSocket) {
  Tracker t;
  t.feed(server_reads(parent, 1000, 5000, kReq1));
  t.feed(server_reads(parent, 2000, 5000 + static_cast<uint32_t>(kReq1.size()), kReq2));
  ASSERT_EQ(t.verdicts.got.size(), 1u);
  EXPECT_EQ(t.verdicts.got[0], std::make_pair(kSock, uint8_t{CS_VERDICT_TRACE}));

  const uint64_t tls = kSock + 0x100;
  const cs_tuple t443 = test::tuple(test::v4("10.0.0.1", 40100), test::v4("10.0.0.3", 443));
  uint32_t seq = 1;
  for (int i = 0; i < 40; ++i) {
    t.feed(test::data(parent, 0, 5000 + i, 7, CS_ROLE_CLIENT, CS_DIR_EGRESS, t443, tls, seq, "\x16\x03\x01 binary"));
    seq += 10;
  }
  ASSERT_EQ(t.verdicts.got.size(), 2u);
  EXPECT_EQ(t.verdicts.got[1], std::make_pair(tls, uint8_t{CS_VERDICT_IGNORE}));
  EXPECT_EQ(t.stats.connections_unknown_protocol, 1u);
  EXPECT_EQ(t.seen.sinks, std::vector<uint64_t>{kSock});

  Tracker quiet(/*with_verdicts=*/false);
  quiet.feed(server_reads(parent, 1000, 5000, kReq1));
  EXPECT_EQ(quiet.seen.requests.size(), 1u);
}

// The table is bounded: past max_connections the least recently active socket is ended (counted).
TEST(ConnTracker, BoundedByMaxConnections) {
  Tracker t;
  t.config.max_connections = 8;
  for (uint32_t i = 0; i < 100; ++i) {
    const cs_tuple tu = test::tuple(test::v4("10.0.0.2", 8080), test::v4("10.0.0.1", static_cast<uint16_t>(30000 + i)));
    t.feed(test::data(parent, 0, 1000 + i, 5, CS_ROLE_SERVER, CS_DIR_INGRESS, tu, kSock + i * 64, 1, kReq1, 0,
                      CS_SYS_READ));
    EXPECT_LE(t.tracker.size(), 8u);
  }
  EXPECT_EQ(t.stats.connections_evicted, 92u);
  t.tracker.close_all(5000);
  EXPECT_EQ(t.tracker.size(), 0u);
}

}  // namespace
}  // namespace cs
