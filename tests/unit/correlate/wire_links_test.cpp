// Rule 1 (across processes, by the wire) with address translation and network namespaces: the client's
// and the server's socket see different tuples (DNAT: the server address; SNAT: the client address; both),
// possibly in different namespaces; TCP sequence numbers are the same on both ends. Links need both the
// request's and the response's first sequence numbers; loopback never crosses namespaces.
#include <gtest/gtest.h>

#include "unit/correlate/chain_run.h"

namespace cs {
namespace {

using test::expect_child;
using test::expect_root;
using test::get;
using test::ok;
using test::Proc;

const Proc cli{10, 10, "curl"};
const Proc srv{30, 31, "svc-b"};

// One TCP connection seen through NAT: each end has its own view of the tuple and its own namespace.
struct End {
  Proc proc;
  int fd = 3;
  cs_tuple view{};
  uint64_t sock = 0;
  uint32_t netns = test::kNetns;
};
struct NatConn {
  End c, s;
  uint32_t c2s = 0, s2c = 0;
};

class NatScenario {
 public:
  uint64_t now = 1'000'000'000;
  std::vector<test::Record> records;

  NatConn connect(const End& c, const End& s, uint32_t c2s, uint32_t s2c) {
    NatConn n{c, s, c2s, s2c};
    now += 10'000;
    records.push_back(test::conn_open(c.proc, now, c.fd, c.view, c.sock, 0, c.netns));
    return n;
  }
  void c2s(NatConn& n, const std::string& bytes, bool server_sees = true) {
    now += 5'000;
    records.push_back(test::data(n.c.proc, 0, now, n.c.fd, CS_ROLE_CLIENT, CS_DIR_EGRESS, n.c.view, n.c.sock, n.c2s,
                                 bytes, 0, CS_SYS_WRITE, 0, 0, n.c.netns));
    now += 5'000;
    if (server_sees)
      records.push_back(test::data(n.s.proc, 0, now, n.s.fd, CS_ROLE_SERVER, CS_DIR_INGRESS, n.s.view, n.s.sock,
                                   n.c2s, bytes, 0, CS_SYS_READ, 0, 0, n.s.netns));
    n.c2s += static_cast<uint32_t>(bytes.size());
  }
  void s2c(NatConn& n, const std::string& bytes, bool server_sees = true) {
    now += 5'000;
    if (server_sees)
      records.push_back(test::data(n.s.proc, 0, now, n.s.fd, CS_ROLE_SERVER, CS_DIR_EGRESS, n.s.view, n.s.sock, n.s2c,
                                   bytes, 0, CS_SYS_WRITE, 0, 0, n.s.netns));
    now += 5'000;
    records.push_back(test::data(n.c.proc, 0, now, n.c.fd, CS_ROLE_CLIENT, CS_DIR_INGRESS, n.c.view, n.c.sock, n.s2c,
                                 bytes, 0, CS_SYS_READ, 0, 0, n.c.netns));
    n.s2c += static_cast<uint32_t>(bytes.size());
  }
};

constexpr uint32_t kNsClient = 4026532001u, kNsServer = 4026532002u;

End client_end(cs_tuple view, uint64_t sock = 0xffff000000000001ULL, uint32_t netns = kNsClient) {
  return End{cli, 3, view, sock, netns};
}
End server_end(cs_tuple view, uint64_t sock = 0xffff000000000002ULL, uint32_t netns = kNsServer) {
  return End{srv, 5, view, sock, netns};
}

void expect_linked_through_nat(NatScenario& sc, const End& c, const End& s) {
  NatConn n = sc.connect(c, s, 77777, 999999);
  sc.c2s(n, get("/one"));
  sc.s2c(n, ok());
  sc.c2s(n, get("/two"));  // keep-alive: every request of the connection links
  sc.s2c(n, ok("two"));
  test::ChainResult r = test::run_chain(sc.records);
  expect_child(r.one(10, SpanKind::Client, "GET /one"), r.one(30, SpanKind::Server, "GET /one"));
  expect_child(r.one(10, SpanKind::Client, "GET /two"), r.one(30, SpanKind::Server, "GET /two"));
  EXPECT_EQ(r.stats.linked_cross_process, 2u);
  EXPECT_EQ(r.stats.linked_cross_process_nat, 2u);
}

TEST(WireLinks, DnatVirtualAddressToServer) {
  NatScenario sc;
  // The client connects to 10.96.0.10:80; the server sees its connection on 10.200.2.2:8080.
  expect_linked_through_nat(sc, client_end(test::tuple(test::v4("10.200.1.2", 40001), test::v4("10.96.0.10", 80))),
                            server_end(test::tuple(test::v4("10.200.2.2", 8080), test::v4("10.200.1.2", 40001))));
}

TEST(WireLinks, SnatMasquerade) {
  NatScenario sc;
  expect_linked_through_nat(sc, client_end(test::tuple(test::v4("10.200.1.2", 40001), test::v4("10.200.2.2", 8080))),
                            server_end(test::tuple(test::v4("10.200.2.2", 8080), test::v4("10.200.2.1", 61000))));
}

TEST(WireLinks, DnatAndSnatIpv6) {
  NatScenario sc;
  expect_linked_through_nat(sc, client_end(test::tuple(test::v6("fd00:1::2", 40001), test::v6("fd00:96::10", 80))),
                            server_end(test::tuple(test::v6("fd00:2::2", 8080), test::v6("fd00:2::1", 61000))));
}

// Routed between namespaces, no translation: both ends see the same tuple; the exact rule links them.
TEST(WireLinks, AcrossNamespacesWithoutNat) {
  NatScenario sc;
  NatConn n = sc.connect(client_end(test::tuple(test::v4("10.200.1.2", 40001), test::v4("10.200.2.2", 8080))),
                         server_end(test::tuple(test::v4("10.200.2.2", 8080), test::v4("10.200.1.2", 40001))), 5, 6);
  sc.c2s(n, get("/x"));
  sc.s2c(n, ok());
  test::ChainResult r = test::run_chain(sc.records);
  expect_child(r.one(10, SpanKind::Client, "GET /x"), r.one(30, SpanKind::Server, "GET /x"));
  EXPECT_EQ(r.stats.linked_cross_process_nat, 0u);
}

// Two containers, each with its own 127.0.0.1: identical tuples and (by construction here) identical
// sequence numbers in two namespaces are two connections, never one.
TEST(WireLinks, LoopbackNeverCrossesNamespaces) {
  NatScenario sc;
  const cs_tuple cview = test::tuple(test::v4("127.0.0.1", 40001), test::v4("127.0.0.1", 8080));
  const cs_tuple sview = test::tuple(test::v4("127.0.0.1", 8080), test::v4("127.0.0.1", 40001));
  // Namespace 1: a client whose server is not traced. Namespace 2: a server whose client is not traced.
  NatConn a = sc.connect(client_end(cview, 0xa1, kNsClient), server_end(sview, 0xa2, kNsClient), 4242, 5353);
  NatConn b = sc.connect(client_end(cview, 0xb1, kNsServer), server_end(sview, 0xb2, kNsServer), 4242, 5353);
  a.c.proc = Proc{10, 10, "curl"};
  b.s.proc = Proc{30, 31, "svc-b"};
  sc.records.pop_back();  // b's client is not traced: drop its connect
  sc.c2s(a, get("/in-ns1"), /*server_sees=*/false);
  sc.s2c(a, ok(), false);
  // b: only the server end is traced.
  sc.now += 5'000;
  sc.records.push_back(test::data(b.s.proc, 0, sc.now, 5, CS_ROLE_SERVER, CS_DIR_INGRESS, sview, 0xb2, 4242,
                                  get("/in-ns1"), 0, CS_SYS_READ, 0, 0, kNsServer));
  sc.records.push_back(test::data(b.s.proc, 0, sc.now + 1, 5, CS_ROLE_SERVER, CS_DIR_EGRESS, sview, 0xb2, 5353, ok(),
                                  0, CS_SYS_WRITE, 0, 0, kNsServer));
  test::ChainResult r = test::run_chain(sc.records);
  expect_root(r.one(30, SpanKind::Server, "GET /in-ns1"));
  EXPECT_EQ(r.stats.linked_cross_process, 0u);
}

// A shared request sequence number is not enough: the responses' sequence numbers differ.
TEST(WireLinks, SameRequestSequenceDifferentResponseIsNoLink) {
  NatScenario sc;
  NatConn n = sc.connect(client_end(test::tuple(test::v4("10.200.1.2", 40001), test::v4("10.96.0.10", 80))),
                         server_end(test::tuple(test::v4("10.200.2.2", 8080), test::v4("10.200.2.1", 61000))), 100, 200);
  sc.c2s(n, get("/x"));
  n.s2c += 1000;  // the server's answer is on another connection's sequence (not this client's)
  sc.s2c(n, ok(), true);
  // Fix up: the client read its response at a sequence the server never wrote.
  auto& last = sc.records.back();
  reinterpret_cast<cs_data_event*>(last.data())->seq = 200;
  test::ChainResult r = test::run_chain(sc.records);
  expect_root(r.one(30, SpanKind::Server, "GET /x"));
  EXPECT_EQ(r.stats.linked_cross_process, 0u);
}

// Two server spans with the same pair of sequence numbers within the window: neither is linked.
TEST(WireLinks, DuplicatePairLinksNothing) {
  NatScenario sc;
  End c = client_end(test::tuple(test::v4("10.200.1.2", 40001), test::v4("10.96.0.10", 80)));
  End sa = server_end(test::tuple(test::v4("10.200.2.2", 8080), test::v4("10.200.2.1", 61000)), 0x5a);
  End sb = server_end(test::tuple(test::v4("10.200.3.2", 8080), test::v4("10.200.3.1", 61001)), 0x5b);
  NatConn a = sc.connect(c, sa, 100, 200);
  sc.c2s(a, get("/x"));
  sc.s2c(a, ok());
  // Another server (untraced client) whose request and response happen to carry the same two numbers.
  sc.now += 5'000;
  sc.records.push_back(test::data(sb.proc, 0, sc.now, 5, CS_ROLE_SERVER, CS_DIR_INGRESS, sb.view, sb.sock, 100,
                                  get("/x"), 0, CS_SYS_READ, 0, 0, sb.netns));
  sc.records.push_back(test::data(sb.proc, 0, sc.now + 1, 5, CS_ROLE_SERVER, CS_DIR_EGRESS, sb.view, sb.sock, 200,
                                  ok(), 0, CS_SYS_WRITE, 0, 0, sb.netns));
  // Both servers have finished before the client reads its response: move that read to the end.
  test::Record client_read = sc.records[sc.records.size() - 3];
  sc.records.erase(sc.records.end() - 3);
  sc.records.push_back(client_read);
  test::ChainResult r = test::run_chain(sc.records);
  EXPECT_EQ(r.stats.linked_cross_process, 0u);
  EXPECT_GE(r.stats.nat_ambiguous, 1u);
}

}  // namespace
}  // namespace cs
