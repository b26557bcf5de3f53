// The goroutine rule (correlate/goroutine_rule.h) on synthetic event sequences of a Go service: goroutines
// switching OS threads, net/http's writeLoop writing requests for its callers, `go func` fan-out, lineage
// fixed at creation, a connection's own goroutines, lost records and unknown origins. A wrong parent is
// worse than none: every case without evidence must abstain, counted by reason.
#include "correlate/goroutine_rule.h"

#include <gtest/gtest.h>

#include <string>

#include "support/go_event_builder.h"
#include "unit/correlate/chain_run.h"

namespace cs {
namespace {

using test::expect_child;
using test::expect_root;
using test::get;
using test::ok;
using test::Proc;
using test::Scenario;
using test::TcpConn;

constexpr uint32_t kGo = 20;  // the Go service's pid
const Proc leaf{30, 31, "leaf"};
const Proc cl1{11, 11, "curl"}, cl2{12, 12, "curl"}, cl3{13, 13, "curl"};

// Goroutine `goid` of the Go service, running on OS thread `tid` right now.
Proc g(uint64_t goid, uint32_t tid = 21) { return Proc{kGo, tid, "gosvc", 1, goid}; }

// `from` calls the leaf service on a new connection (its fd `fd`, the leaf's fd + 100, local port `port`):
// one request, one response.
void leaf_call(Scenario& s, const Proc& from, int fd, uint16_t port, const std::string& path) {
  TcpConn c = s.connect(from, fd, leaf, fd + 100, port, 9000);
  s.client_to_server(c, get(path));
  s.server_to_client(c, ok());
}

void newproc(Scenario& s, uint64_t parent, uint64_t child, uint32_t tid = 21) {
  s.records.push_back(test::go_newproc(g(parent, tid), s.now, parent, child));
  s.advance(1'000);
}
void roundtrip(Scenario& s, uint64_t caller, uint64_t request, uint32_t tid = 21) {
  s.records.push_back(test::go_http(g(caller, tid), s.now, CS_EV_GO_HTTP_ROUNDTRIP, caller, request, 0xc000));
  s.advance(1'000);
}
void write(Scenario& s, uint64_t writer, uint64_t request, uint32_t tid = 22) {
  s.records.push_back(test::go_http(g(writer, tid), s.now, CS_EV_GO_HTTP_WRITE, writer, request));
  s.advance(1'000);
}

// A pooled net/http connection to the leaf: dialer `dialer` connects and starts readLoop `dialer + 1` and
// writeLoop `dialer + 2` (transport.go dialConn). Its client side then writes as the writeLoop.
TcpConn dial(Scenario& s, uint64_t dialer, int fd, uint16_t port) {
  TcpConn c = s.connect(g(dialer), fd, leaf, fd + 100, port, 9000);
  newproc(s, dialer, dialer + 1);
  newproc(s, dialer, dialer + 2);
  c.client = g(dialer + 2, 22);
  return c;
}

// One request through net/http's client: the caller hands request object `request` to the connection's
// writeLoop, which writes it; the readLoop reads the answer.
void http_call(Scenario& s, TcpConn& c, uint64_t caller, uint64_t request, const std::string& path,
               uint32_t caller_tid = 21) {
  const uint64_t writer = c.client.goid;
  roundtrip(s, caller, request, caller_tid);
  write(s, writer, request, c.client.tid);
  s.client_to_server(c, get(path));
  c.client = g(writer - 1, 23);  // the readLoop
  s.server_to_client(c, ok());
  c.client = g(writer, 22);
}

// Goroutines 11 and 12 read /r1 and /r2 on OS thread 21; 12 calls on thread 21, 11 on thread 22 (a raw
// client: each connects and writes itself). The thread rule would abstain or pick the thread's request;
// the goroutines say which.
TEST(GoroutineRule, GoroutinesSwitchingOnOneThread) {
  Scenario s;
  auto c1 = s.connect(cl1, 3, g(11), 5, 40001, 8080);
  auto c2 = s.connect(cl2, 3, g(12), 6, 40002, 8080);
  s.client_to_server(c1, get("/r1"));
  s.client_to_server(c2, get("/r2"));
  leaf_call(s, g(12), 7, 41002, "/d-for-r2");
  leaf_call(s, g(11, 22), 8, 41001, "/d-for-r1");
  // Goroutine 13 (no NEWPROC seen: created before the process was registered) on thread 21.
  leaf_call(s, g(13), 9, 41003, "/d-unknown");
  s.server_to_client(c2, ok());
  s.server_to_client(c1, ok());
  test::ChainResult r = test::run_chain(s.records);
  expect_child(r.one(kGo, SpanKind::Server, "GET /r1"), r.one(kGo, SpanKind::Client, "GET /d-for-r1"));
  expect_child(r.one(kGo, SpanKind::Server, "GET /r2"), r.one(kGo, SpanKind::Client, "GET /d-for-r2"));
  expect_root(r.one(kGo, SpanKind::Client, "GET /d-unknown"));
  EXPECT_EQ(r.stats.linked_in_process, 2u);
  EXPECT_EQ(r.stats.ambiguous_unknown_goroutine, 1u);
  EXPECT_EQ(r.stats.ambiguous_client, 1u);
}

// net/http: one pooled connection, dialed for /r1's handler (goroutine 11 starts the dialer 30), first used
// by /r2's handler (12), then by /r1's: every request is written by the writeLoop 32. The connect decides
// nothing; each write is for the caller of its hand-off.
TEST(GoroutineRule, WriteLoopWritesForTheCallerOfItsHandOff) {
  Scenario s;
  auto c1 = s.connect(cl1, 3, g(11), 5, 40001, 8080);
  auto c2 = s.connect(cl2, 3, g(12), 6, 40002, 8080);
  s.client_to_server(c1, get("/r1"));
  s.client_to_server(c2, get("/r2"));
  newproc(s, 11, 30);  // queueForDial: go t.dialConnFor(w)
  TcpConn u = dial(s, 30, 7, 41001);
  http_call(s, u, 12, 0xa000, "/d-for-r2");
  http_call(s, u, 11, 0xb000, "/d-for-r1");
  s.server_to_client(c2, ok());
  s.server_to_client(c1, ok());
  test::ChainResult r = test::run_chain(s.records);
  const Span& d2 = r.one(kGo, SpanKind::Client, "GET /d-for-r2");
  expect_child(r.one(kGo, SpanKind::Server, "GET /r2"), d2);
  expect_child(r.one(kGo, SpanKind::Server, "GET /r1"), r.one(kGo, SpanKind::Client, "GET /d-for-r1"));
  expect_child(d2, r.one(30, SpanKind::Server, "GET /d-for-r2"));  // rule 1 as ever
  EXPECT_EQ(r.stats.linked_in_process, 2u);
  EXPECT_EQ(r.stats.ambiguous_client, 0u);
  EXPECT_EQ(r.stats.runtime_records, 3u + 4u);  // NEWPROC 11->30, 30->31, 30->32; 2 x (ROUNDTRIP, WRITE)
  EXPECT_EQ(r.stats.goroutines_created, 3u);
}

// A record lost: the writeLoop writes without a fresh WRITE, or a WRITE comes without its ROUNDTRIP. And
// with no WRITE ever seen, the writeLoop is a child of the dialer: a connection's own goroutine, whose
// origin (the dialing handler's request) says nothing about the requests it writes.
TEST(GoroutineRule, LostHandOffsAbstain) {
  Scenario s;
  auto c1 = s.connect(cl1, 3, g(11), 5, 40001, 8080);
  s.client_to_server(c1, get("/r1"));
  newproc(s, 11, 30);
  TcpConn u = dial(s, 30, 7, 41001);
  s.client_to_server(u, get("/no-write-ever"));  // first request, no WRITE: the writeLoop's origin is unknown
  s.server_to_client(u, ok());
  http_call(s, u, 11, 0xa000, "/d-for-r1");
  s.client_to_server(u, get("/no-fresh-write"));  // WRITE lost
  s.server_to_client(u, ok());
  write(s, 32, 0xb000);  // ROUNDTRIP lost
  s.client_to_server(u, get("/no-roundtrip"));
  s.server_to_client(u, ok());
  write(s, 32, 0xa000);  // the address of an earlier request, reused: its ROUNDTRIP was used up
  s.client_to_server(u, get("/reused-address"));
  s.server_to_client(u, ok());
  s.server_to_client(c1, ok());
  test::ChainResult r = test::run_chain(s.records);
  expect_child(r.one(kGo, SpanKind::Server, "GET /r1"), r.one(kGo, SpanKind::Client, "GET /d-for-r1"));
  for (const char* name : {"GET /no-write-ever", "GET /no-fresh-write", "GET /no-roundtrip", "GET /reused-address"})
    expect_root(r.one(kGo, SpanKind::Client, name));
  EXPECT_EQ(r.stats.ambiguous_unknown_goroutine, 1u);
  EXPECT_EQ(r.stats.ambiguous_handoff_lost, 3u);
  EXPECT_EQ(r.stats.linked_in_process, 1u);
}

// `go func` per downstream call: the children (and their children) are for the request their creator
// served; their calls go through two pooled connections' writeLoops.
TEST(GoroutineRule, FanOutThroughGoroutines) {
  Scenario s;
  auto c1 = s.connect(cl1, 3, g(11), 5, 40001, 8080);
  auto c2 = s.connect(cl2, 3, g(12), 6, 40002, 8080);
  s.client_to_server(c1, get("/r1"));
  s.client_to_server(c2, get("/r2"));
  newproc(s, 11, 40);
  newproc(s, 11, 41);
  newproc(s, 12, 50);
  newproc(s, 40, 42, 22);  // a grandchild
  newproc(s, 40, 60, 22);  // 40 dials (its child 60 is the dialer)
  TcpConn u = dial(s, 60, 7, 41001);
  newproc(s, 50, 70, 23);
  TcpConn v = dial(s, 70, 8, 41002);
  http_call(s, v, 50, 0x5000, "/d-for-r2", 23);
  http_call(s, u, 41, 0x4100, "/d1-for-r1", 24);
  http_call(s, v, 42, 0x4200, "/d2-for-r1", 21);
  http_call(s, u, 40, 0x4000, "/d0-for-r1", 22);
  s.server_to_client(c1, ok());
  s.server_to_client(c2, ok());
  test::ChainResult r = test::run_chain(s.records);
  const Span& r1 = r.one(kGo, SpanKind::Server, "GET /r1");
  for (const char* name : {"GET /d0-for-r1", "GET /d1-for-r1", "GET /d2-for-r1"})
    expect_child(r1, r.one(kGo, SpanKind::Client, name));
  expect_child(r.one(kGo, SpanKind::Server, "GET /r2"), r.one(kGo, SpanKind::Client, "GET /d-for-r2"));
  EXPECT_EQ(r.stats.linked_in_process, 4u);
  EXPECT_EQ(r.stats.ambiguous_client, 0u);
}

// A child's origin is fixed when it is created: the connection's goroutine 11 answers /r1 and reads /r2;
// the child it created for /r1 calls later: that is /r1's (answered: abstain), never /r2's.
TEST(GoroutineRule, LineageIsFixedAtCreation) {
  Scenario s;
  auto c1 = s.connect(cl1, 3, g(11), 5, 40001, 8080);
  s.client_to_server(c1, get("/r1"));
  newproc(s, 11, 40);
  s.server_to_client(c1, ok());
  s.client_to_server(c1, get("/r2"));
  newproc(s, 11, 41);
  leaf_call(s, g(40, 22), 7, 41001, "/late-for-r1");
  leaf_call(s, g(41, 23), 8, 41002, "/d-for-r2");
  // Created by the runtime (parent 0: a timer), and by a goroutine nobody saw created.
  newproc(s, 0, 80);
  newproc(s, 99, 81);
  for (uint64_t id : {80, 81})
    leaf_call(s, g(id, 24), static_cast<int>(id), static_cast<uint16_t>(41000 + id), "/from-" + std::to_string(id));
  s.server_to_client(c1, ok());
  test::ChainResult r = test::run_chain(s.records);
  expect_root(r.one(kGo, SpanKind::Client, "GET /late-for-r1"));
  expect_child(r.one(kGo, SpanKind::Server, "GET /r2"), r.one(kGo, SpanKind::Client, "GET /d-for-r2"));
  expect_root(r.one(kGo, SpanKind::Client, "GET /from-80"));
  expect_root(r.one(kGo, SpanKind::Client, "GET /from-81"));
  EXPECT_EQ(r.stats.ambiguous_parent_gone, 1u);
  EXPECT_EQ(r.stats.ambiguous_unknown_goroutine, 2u);
  EXPECT_EQ(r.stats.linked_in_process, 1u);
}

// A goroutine that read two requests (of two connections) and answered neither: which one a call is for
// is not known.
TEST(GoroutineRule, GoroutineServingSeveralRequestsAbstains) {
  Scenario s;
  auto c1 = s.connect(cl1, 3, g(11), 5, 40001, 8080);
  auto c2 = s.connect(cl2, 3, g(11), 6, 40002, 8080);
  s.client_to_server(c1, get("/r1"));
  s.client_to_server(c2, get("/r2"));
  newproc(s, 11, 40);
  leaf_call(s, g(11), 7, 41001, "/d");
  leaf_call(s, g(40), 8, 41002, "/d-child");
  s.server_to_client(c1, ok());
  // One left: which one is known no more (the rule keeps the first only): still abstains.
  leaf_call(s, g(11), 9, 41003, "/d-after");
  s.server_to_client(c2, ok());
  s.client_to_server(c2, get("/r3"));
  leaf_call(s, g(11), 10, 41004, "/d-for-r3");
  s.server_to_client(c2, ok());
  test::ChainResult r = test::run_chain(s.records);
  for (const char* name : {"GET /d", "GET /d-child", "GET /d-after"}) expect_root(r.one(kGo, SpanKind::Client, name));
  expect_child(r.one(kGo, SpanKind::Server, "GET /r3"), r.one(kGo, SpanKind::Client, "GET /d-for-r3"));
  EXPECT_EQ(r.stats.ambiguous_several_requests, 3u);
}

// A process that exec'd moments ago, whose binary the agent is still analysing: its events carry
// CS_GOID_PENDING. It may be Go, so its threads are not plain threads (the thread rule would link /d to /r1:
// thread 21 serves one connection): abstain until the goroutine ids come.
TEST(GoroutineRule, ProcessStillBeingAnalysedAbstains) {
  Scenario s;
  const Proc pending{kGo, 21, "gosvc", 1, CS_GOID_PENDING};
  auto c1 = s.connect(cl1, 3, pending, 5, 40001, 8080);
  s.client_to_server(c1, get("/r1"));
  auto u = s.connect(pending, 7, leaf, 107, 41001, 9000);  // kept: reused once the ids come
  s.client_to_server(u, get("/d"));
  s.server_to_client(u, ok());
  s.server_to_client(c1, ok());
  // Registered now: goroutine 11 reads /r2 and calls.
  c1.server = g(11);
  s.client_to_server(c1, get("/r2"));
  u.client = g(11);
  s.client_to_server(u, get("/d-for-r2"));
  s.server_to_client(u, ok());
  s.server_to_client(c1, ok());
  test::ChainResult r = test::run_chain(s.records);
  expect_root(r.one(kGo, SpanKind::Client, "GET /d"));
  expect_child(r.one(kGo, SpanKind::Server, "GET /r2"), r.one(kGo, SpanKind::Client, "GET /d-for-r2"));
  EXPECT_EQ(r.stats.ambiguous_process_starting, 1u);
  EXPECT_EQ(r.stats.linked_in_process, 1u);
}

// Records of a type this build does not know are skipped by their size and counted; the Go records are
// counted as runtime records.
TEST(GoroutineRule, UnknownRecordTypesAreSkipped) {
  Scenario s;
  auto c1 = s.connect(cl1, 3, g(11), 5, 40001, 8080);
  s.client_to_server(c1, get("/r1"));
  test::Record future = test::go_http(g(11), s.now, 71, 11, 0);
  future.resize(future.size() + 24, 0);
  reinterpret_cast<cs_event_header*>(future.data())->size = static_cast<uint32_t>(future.size());
  s.records.push_back(future);
  newproc(s, 11, 40);
  leaf_call(s, g(40), 7, 41001, "/d");
  s.server_to_client(c1, ok());
  test::ChainResult r = test::run_chain(s.records);
  expect_child(r.one(kGo, SpanKind::Server, "GET /r1"), r.one(kGo, SpanKind::Client, "GET /d"));
  EXPECT_EQ(r.stats.unknown_records, 1u);
  EXPECT_EQ(r.stats.bad_records, 0u);
  EXPECT_EQ(r.stats.runtime_records, 1u);
}

// Memory: nothing reports a goroutine's end, so the table is bounded (least recently used forgotten, those
// serving a request kept) and a process's goroutines go at its exit.
TEST(GoroutineRule, BoundedAndFreedAtProcessExit) {
  GoroutineRule rule(1024, 64);
  auto feed = [&rule](const test::Record& r) { rule.runtime_record(*reinterpret_cast<const cs_event_header*>(r.data())); };
  const ExecContext idle_server{kGo, 21, 5}, busy_server{kGo, 21, 6};
  rule.request_served(idle_server, 777, 1);  // serves, then nothing happens to it
  feed(test::go_newproc(g(5), 0, 5, 100));   // its child, never used again
  rule.request_served(busy_server, 778, 2);
  for (uint64_t i = 0; i < 100000; ++i) {
    feed(test::go_newproc(g(6), i, 6, 1000 + i));
    feed(test::go_http(g(6), i, CS_EV_GO_HTTP_ROUNDTRIP, 6, 0x10000 + 16 * i));
    ASSERT_LE(rule.goroutines(), 1024u);
  }
  EXPECT_GT(rule.goroutines_forgotten(), 90000u);
  auto ask = [&rule](uint32_t pid, uint64_t goid) { return rule.parent_of(CallSite{ExecContext{pid, 22, goid}, 9, false, 0}); };
  EXPECT_EQ(ask(kGo, 5).parent, 777u) << "a goroutine serving a request is kept";
  EXPECT_EQ(ask(kGo, 1000 + 99999).parent, 778u) << "recent goroutines are kept";
  for (uint64_t forgotten : {uint64_t{100}, uint64_t{1000}}) {  // forgotten: unknown, never a guess
    const RuleAnswer a = ask(kGo, forgotten);
    EXPECT_TRUE(a.claimed);
    EXPECT_EQ(a.parent, 0u);
    EXPECT_EQ(a.reason, Abstain::UnknownGoroutine);
  }
  // Another process's goroutines stay when this one exits.
  rule.request_served(ExecContext{kGo + 1, 50, 5}, 888, 3);
  rule.process_exited(kGo);
  EXPECT_EQ(rule.goroutines(), 1u);
  EXPECT_EQ(ask(kGo, 5).reason, Abstain::UnknownGoroutine);
  EXPECT_EQ(ask(kGo + 1, 5).parent, 888u);
  EXPECT_FALSE(ask(kGo + 1, 0).claimed) << "not Go: not this rule's";
  rule.request_answered(888);
  EXPECT_EQ(ask(kGo + 1, 5).reason, Abstain::UnknownGoroutine);
}

}  // namespace
}  // namespace cs
