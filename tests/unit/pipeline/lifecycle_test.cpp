// Socket and process lifecycle on synthetic events (ABI 2: the socket owns its byte streams): process exit,
// closes reported from any context, sock_id reuse (with and without a close seen), sockets shared by
// several processes, late events of a closed socket, and the memory bounds.
#include <gtest/gtest.h>

#include <algorithm>

#include "pipeline/pipeline.h"
#include "support/scenario.h"

namespace cs {
namespace {

using test::get;
using test::ok;
using test::Proc;
using test::Record;
using test::Scenario;

class CollectingSink : public SpanSink {
 public:
  void emit(const std::vector<Span>& batch) override { spans.insert(spans.end(), batch.begin(), batch.end()); }
  std::vector<Span> spans;
};

// A pipeline fed record by record, so tests can look at the stats in between.
struct Fed {
  explicit Fed(PipelineConfig config = {}) : pipeline((config.id_seed = 5, config), sink) {}
  void feed(const std::vector<Record>& records, size_t from = 0, size_t to = SIZE_MAX) {
    for (size_t i = from; i < std::min(to, records.size()); ++i) pipeline.on_record(records[i].data(), records[i].size());
  }
  void feed(const Record& r) { pipeline.on_record(r.data(), r.size()); }
  std::vector<const Span*> named(uint32_t pid, SpanKind kind, const std::string& name) const {
    std::vector<const Span*> out;
    for (const auto& s : sink.spans)
      if (s.pid == pid && s.kind == kind && s.name == name) out.push_back(&s);
    return out;
  }
  const Span* one(uint32_t pid, SpanKind kind, const std::string& name) const {
    auto v = named(pid, kind, name);
    EXPECT_EQ(v.size(), 1u) << "spans of pid " << pid << " named " << name;
    return v.size() == 1 ? v[0] : nullptr;
  }
  CollectingSink sink;
  Pipeline pipeline;
};

const Proc curl{10, 10, "curl"};
const Proc srv{20, 21, "srv"};
const Proc child{25, 25, "srv"};  // a fork of srv

// The server process exits while a request is being served. Its exit alone ends no connection (another
// process may share the socket); the kernel then reports its sockets reaching CLOSE (from softirq
// context): the request becomes an error span ending then, and nothing of it stays in memory.
TEST(Lifecycle, ProcessExitThenItsSocketsClose) {
  Scenario s;
  auto c1 = s.connect(curl, 3, srv, 5, 40000, 8081);
  auto c2 = s.connect(curl, 4, srv, 6, 40001, 8081);
  s.client_to_server(c1, get("/busy"));
  s.client_to_server(c2, get("/done"));
  s.server_to_client(c2, ok());
  Fed f;
  f.feed(s.records);
  EXPECT_EQ(f.pipeline.stats().connections_live, 4u);
  EXPECT_EQ(f.pipeline.stats().processes_live, 2u);
  s.advance(1'000'000);
  f.feed(test::proc_exit(srv, s.now));
  EXPECT_EQ(f.pipeline.stats().proc_exits, 1u);
  EXPECT_EQ(f.pipeline.stats().processes_live, 1u) << "the exited process is forgotten";
  EXPECT_EQ(f.pipeline.stats().connections_live, 4u) << "sockets end with their close, not with a process";
  // The kernel closes the dead server's sockets (RST to the client), then the client's sockets close too.
  size_t before = s.records.size();
  s.close_server(c1, &test::kSoftirq);
  s.close_server(c2, &test::kSoftirq);
  f.feed(s.records, before);
  EXPECT_EQ(f.pipeline.stats().connections_live, 2u) << "the exited server's two sockets are gone";
  before = s.records.size();
  s.close_client(c1);
  s.close_client(c2);
  f.feed(s.records, before);
  f.feed(test::proc_exit(curl, s.now + 1000));
  EXPECT_EQ(f.pipeline.stats().connections_live, 0u);
  EXPECT_EQ(f.pipeline.stats().processes_live, 0u);
  f.pipeline.flush();
  const Span* busy = f.one(20, SpanKind::Server, "GET /busy");
  ASSERT_NE(busy, nullptr);
  EXPECT_TRUE(busy->error) << "a request whose server died has no answer";
  EXPECT_EQ(busy->service, "srv") << "the service name outlives the process";
  EXPECT_LE(busy->end_unix_ns, s.now) << "it ends when its socket closed, not at flush";
  const Span* busy_client = f.one(10, SpanKind::Client, "GET /busy");
  ASSERT_NE(busy_client, nullptr);
  EXPECT_TRUE(busy_client->error);
  const Span* done = f.one(20, SpanKind::Server, "GET /done");
  ASSERT_NE(done, nullptr);
  EXPECT_FALSE(done->error);
  EXPECT_EQ(f.pipeline.stats().connections_live, 0u);
}

// The exit of one process does not touch another process's socket, even one on the same fd number.
TEST(Lifecycle, ProcessExitDoesNotEndAnotherProcessesSocket) {
  Scenario s;
  Proc other{30, 30, "other"};
  auto c1 = s.connect(curl, 3, srv, 5, 40000, 8081);
  auto c2 = s.connect(curl, 4, other, 5, 40001, 8082);  // same fd number 5, another process
  s.client_to_server(c1, get("/x"));
  s.client_to_server(c2, get("/y"));
  Fed f;
  f.feed(s.records);
  f.feed(test::proc_exit(srv, s.now));
  size_t before = s.records.size();
  s.server_to_client(c2, ok("y"));
  f.feed(s.records, before);
  f.pipeline.flush();
  const Span* y = f.one(30, SpanKind::Server, "GET /y");
  ASSERT_NE(y, nullptr);
  EXPECT_FALSE(y->error);
  const Span* yc = f.one(10, SpanKind::Client, "GET /y");
  ASSERT_NE(yc, nullptr);
  EXPECT_FALSE(yc->error);
  EXPECT_EQ(yc->span_id, y->parent_span_id);
}

// A socket's close ends its connection whoever reports it: softirq context, or an unrelated process that
// happened to be running. The pending request ends as an error at the close time.
TEST(Lifecycle, CloseReportedByAnotherPidEndsTheSocket) {
  Scenario s;
  const Proc bystander{77, 78, "cron"};
  auto c1 = s.connect(curl, 3, srv, 5, 40000, 8081);
  s.client_to_server(c1, get("/hang"));
  s.close_server(c1, &bystander);
  const uint64_t closed_at = s.now;
  s.close_client(c1, &test::kSoftirq);
  Fed f;
  f.feed(s.records);
  EXPECT_EQ(f.pipeline.stats().connections_live, 0u);
  EXPECT_EQ(f.pipeline.stats().conn_closes, 2u);
  f.pipeline.flush();
  const Span* hang = f.one(20, SpanKind::Server, "GET /hang");
  ASSERT_NE(hang, nullptr);
  EXPECT_TRUE(hang->error);
  EXPECT_EQ(hang->end_unix_ns, closed_at);
  EXPECT_EQ(hang->service, "srv") << "the close's process says nothing about the socket's owner";
  EXPECT_TRUE(f.named(77, SpanKind::Server, "GET /hang").empty());
}

// The old socket closes (close seen) and the kernel gives its address (sock_id) to the next accepted
// socket: the old connection's unfinished request never absorbs the new connection's bytes.
TEST(Lifecycle, SockIdReusedAfterCloseDoesNotMixBytes) {
  Scenario s;
  auto c1 = s.connect(curl, 3, srv, 5, 40000, 8081);
  s.client_to_server(c1, "GET /old HTTP/1.1\r\nHost: svc\r\nX-Pad: ");  // head never finished
  s.close_client(c1);
  s.close_server(c1);
  Proc curl2{11, 11, "curl"};
  s.reuse_socks(c1.client_sock, c1.server_sock);
  auto c2 = s.connect(curl2, 3, srv, 5, 40001, 8081);
  ASSERT_EQ(c2.server_sock, c1.server_sock);
  s.client_to_server(c2, get("/new"));
  s.server_to_client(c2, ok("new"));
  Fed f;
  f.feed(s.records);
  f.pipeline.flush();
  const Span* n = f.one(20, SpanKind::Server, "GET /new");
  ASSERT_NE(n, nullptr);
  EXPECT_FALSE(n->error);
  EXPECT_EQ(std::get<int64_t>(n->find("client.port")->value), 40001);
  for (const auto& sp : f.sink.spans) {
    EXPECT_EQ(sp.name.find("/old"), std::string::npos) << "the unfinished old request became a span: " << sp.name;
    EXPECT_EQ(sp.name.find("X-Pad"), std::string::npos);
  }
  EXPECT_EQ(f.pipeline.stats().late_events, 0u) << "the new socket's bytes are newer than the close";
  EXPECT_EQ(f.pipeline.stats().connections_live, 0u);
}

// The same sock_id names a new socket while the old one's close (and the new one's connect) were lost:
// the new socket is told apart by its tuple on the data events alone.
TEST(Lifecycle, SockIdReusedWithoutSeenCloseIsToldApartByTuple) {
  Scenario s;
  auto c1 = s.connect(curl, 3, srv, 5, 40000, 8081);
  s.client_to_server(c1, "GET /old HTTP/1.1\r\nHost: svc\r\n");  // head unfinished, then lost
  Proc curl2{11, 11, "curl"};
  size_t before = s.records.size();
  s.reuse_socks(c1.client_sock, c1.server_sock);
  auto c2 = s.connect(curl2, 3, srv, 5, 40001, 8081);
  s.records.resize(before);  // the connect event is lost (and no close was ever seen)
  s.client_to_server(c2, get("/new"));
  s.server_to_client(c2, ok("new"));
  Fed f;
  f.feed(s.records);
  f.pipeline.flush();
  const Span* n = f.one(20, SpanKind::Server, "GET /new");
  ASSERT_NE(n, nullptr);
  EXPECT_FALSE(n->error);
  EXPECT_EQ(f.named(20, SpanKind::Server, "GET /old").size(), 0u);
  const Span* nc = f.one(11, SpanKind::Client, "GET /new");
  ASSERT_NE(nc, nullptr);
  EXPECT_EQ(n->parent_span_id, nc->span_id);
  EXPECT_EQ(std::get<int64_t>(nc->find("client.port")->value), 40001);
}

// A pre-forking server: the parent accepts and forks, the child serves the request on the inherited fd.
// One socket, one connection: the span belongs to the process whose thread read the request.
TEST(Lifecycle, ForkedChildServesOnTheInheritedSocket) {
  Scenario s;
  auto c1 = s.connect(curl, 3, srv, 5, 40000, 8081);
  c1.server = child;  // from now on the child (pid 25) reads and writes the socket
  s.client_to_server(c1, get("/forked"));
  s.server_to_client(c1, ok("from child"));
  s.close_client(c1);
  s.close_server(c1);
  Fed f;
  f.feed(s.records);
  f.pipeline.flush();
  const Span* sv = f.one(25, SpanKind::Server, "GET /forked");
  ASSERT_NE(sv, nullptr);
  EXPECT_FALSE(sv->error);
  EXPECT_EQ(sv->tid, 25u);
  EXPECT_EQ(std::get<int64_t>(sv->find("server.port")->value), 8081);
  const Span* cl = f.one(10, SpanKind::Client, "GET /forked");
  ASSERT_NE(cl, nullptr);
  EXPECT_EQ(sv->parent_span_id, cl->span_id);
  EXPECT_EQ(f.named(20, SpanKind::Server, "GET /forked").size(), 0u) << "nothing is attributed to the parent";
  EXPECT_EQ(f.pipeline.stats().connections_live, 0u);
}

// Parent and child both serve on the shared socket, one request each, one after the other: one connection
// in the tracker, each request attributed to the process (and thread) that read it, no false gap.
TEST(Lifecycle, ParentAndChildBothServeOnTheSharedSocket) {
  Scenario s;
  auto c1 = s.connect(curl, 3, srv, 5, 40000, 8081);
  s.client_to_server(c1, get("/by-parent"));
  s.server_to_client(c1, ok());
  c1.server = child;
  s.client_to_server(c1, get("/by-child"));
  s.server_to_client(c1, ok());
  Fed f;
  f.feed(s.records);
  EXPECT_EQ(f.pipeline.stats().connections_live, 2u) << "curl's socket and the server's shared socket";
  f.pipeline.flush();
  const Span* p = f.one(20, SpanKind::Server, "GET /by-parent");
  const Span* c = f.one(25, SpanKind::Server, "GET /by-child");
  ASSERT_NE(p, nullptr);
  ASSERT_NE(c, nullptr);
  EXPECT_EQ(p->tid, 21u);
  EXPECT_EQ(c->tid, 25u);
  EXPECT_FALSE(p->error);
  EXPECT_FALSE(c->error) << "one stream, whoever reads it";
  EXPECT_EQ(f.pipeline.stats().stream_gaps, 0u);
  EXPECT_EQ(c->parent_span_id, f.one(10, SpanKind::Client, "GET /by-child")->span_id);
}

// A forked client: two processes write requests on one client socket. Each client span belongs to the
// process that wrote its request; the server sees one connection.
TEST(Lifecycle, SocketSharedByTwoClientProcesses) {
  Scenario s;
  const Proc worker_a{40, 41, "worker"};
  const Proc worker_b{42, 42, "worker-b"};  // forked, then renamed itself
  auto c1 = s.connect(worker_a, 7, srv, 5, 40000, 8081);
  s.client_to_server(c1, get("/from-a"));
  s.server_to_client(c1, ok());
  c1.client = worker_b;
  s.client_to_server(c1, get("/from-b"));
  s.server_to_client(c1, ok());
  Fed f;
  f.feed(s.records);
  EXPECT_EQ(f.pipeline.stats().connections_live, 2u);
  f.pipeline.flush();
  const Span* a = f.one(40, SpanKind::Client, "GET /from-a");
  const Span* b = f.one(42, SpanKind::Client, "GET /from-b");
  ASSERT_NE(a, nullptr);
  ASSERT_NE(b, nullptr);
  EXPECT_EQ(a->service, "worker");
  EXPECT_EQ(b->service, "worker-b");
  EXPECT_EQ(a->tid, 41u);
  EXPECT_EQ(f.one(20, SpanKind::Server, "GET /from-b")->parent_span_id, b->span_id);
}

// A data event of the OLD socket (another CPU's ring-buffer position) arriving after its close and after
// the NEW socket under the same sock_id began: it is older than the close, so it is late: dropped,
// counted, and the new connection is not disturbed.
TEST(Lifecycle, LateEventOfClosedSocketDoesNotDisturbTheNewOne) {
  Scenario s;
  auto c1 = s.connect(curl, 3, srv, 5, 40000, 8081);
  s.client_to_server(c1, get("/old"));
  s.server_to_client(c1, ok("old"));
  // Hold back the server's last write of the old socket and deliver it later.
  size_t late_at = s.records.size() - 2;  // server egress record of the response
  Record late = s.records[late_at];
  s.records.erase(s.records.begin() + static_cast<std::ptrdiff_t>(late_at));
  s.close_server(c1);
  Proc curl2{11, 11, "curl"};
  s.reuse_socks(0x7777, c1.server_sock);
  auto c2 = s.connect(curl2, 3, srv, 5, 40001, 8081);
  s.client_to_server(c2, get("/new"));
  s.records.push_back(late);  // the old socket's write shows up now
  s.server_to_client(c2, ok("new"));
  Fed f;
  f.feed(s.records);
  EXPECT_EQ(f.pipeline.stats().late_events, 1u);
  f.pipeline.flush();
  const Span* n = f.one(20, SpanKind::Server, "GET /new");
  ASSERT_NE(n, nullptr);
  EXPECT_FALSE(n->error) << "the new connection was disturbed by a stale event of the old socket";
  const Span* nc = f.one(11, SpanKind::Client, "GET /new");
  ASSERT_NE(nc, nullptr);
  EXPECT_FALSE(nc->error);
  EXPECT_EQ(n->parent_span_id, nc->span_id);
  EXPECT_EQ(f.pipeline.stats().parse_errors, 0u);
}

// Late events with no new socket: older than the close, or the closed socket's own tuple (read after it
// reached CLOSE): dropped and counted, no connection is resurrected.
TEST(Lifecycle, LateEventsAfterCloseAreDroppedAndCounted) {
  Scenario s;
  auto c1 = s.connect(curl, 3, srv, 5, 40000, 8081);
  s.client_to_server(c1, get("/a"));
  s.server_to_client(c1, ok("a"));
  Record older = s.records.back();  // the client's read of the response
  s.records.pop_back();
  s.close_client(c1);
  s.records.push_back(older);  // delivered after the close, with an older timestamp
  s.advance(50'000);
  // The same socket's read after its close (half-closed stream): newer, but the same tuple.
  s.records.push_back(test::data(curl, 0, s.now, 3, CS_ROLE_CLIENT, CS_DIR_INGRESS, c1.client_view, c1.client_sock,
                                 c1.s2c_seq, "tail", 0, CS_SYS_READ));
  Fed f;
  f.feed(s.records);
  EXPECT_EQ(f.pipeline.stats().late_events, 2u);
  EXPECT_EQ(f.pipeline.stats().connections_live, 1u) << "only the server's socket";
  f.pipeline.flush();
  const Span* a = f.one(10, SpanKind::Client, "GET /a");
  ASSERT_NE(a, nullptr);
  EXPECT_TRUE(a->error) << "its response read was late: the socket closed before the response was seen";
}

// A storm of short connections far beyond max_connections: the table never exceeds its bound, everything
// evicted is counted, and closed connections free their slots (nothing leaks after the storm).
TEST(Lifecycle, ConnectionStormStaysBounded) {
  PipelineConfig config;
  config.max_connections = 500;
  Fed f(config);
  Scenario s;
  size_t max_live = 0;
  for (int i = 0; i < 5000; ++i) {
    size_t before = s.records.size();
    Proc c{static_cast<uint32_t>(1000 + i), static_cast<uint32_t>(1000 + i), "storm"};
    auto conn = s.connect(c, 3, srv, 100 + (i % 3000), static_cast<uint16_t>(20000 + i % 40000), 8081);
    s.client_to_server(conn, get("/s"));
    s.server_to_client(conn, ok());
    if (i % 2 == 0) {  // half of them are closed properly, the others stay open (idle)
      s.close_client(conn);
      s.close_server(conn);
    }
    f.feed(s.records, before);
    max_live = std::max<size_t>(max_live, f.pipeline.stats().connections_live);
  }
  PipelineStats st = f.pipeline.stats();
  EXPECT_LE(max_live, 500u);
  EXPECT_GT(st.connections_evicted, 0u);
  f.pipeline.flush();
  st = f.pipeline.stats();
  EXPECT_EQ(st.connections_live, 0u);
  EXPECT_EQ(st.spans + st.spans_dropped, 10000u) << "every exchange gives one client and one server span";
  size_t errors = 0;
  for (const auto& sp : f.sink.spans) errors += sp.error;
  EXPECT_EQ(errors, 0u) << "evicting an idle connection whose exchanges completed makes no error span";
}

// max_pending_spans bounds the spans held while traces complete; past it spans are dropped and counted.
TEST(Lifecycle, PendingSpansAreBounded) {
  PipelineConfig config;
  config.max_pending_spans = 100;
  config.trace_linger_ns = 60'000'000'000ULL;  // nothing is emitted during the test: all stay pending
  config.link_window_ns = 60'000'000'000ULL;
  Fed f(config);
  Scenario s;
  for (int i = 0; i < 400; ++i) {
    Proc c{static_cast<uint32_t>(1000 + i), static_cast<uint32_t>(1000 + i), "c"};
    // Servers not traced: no client span's trace is ever known complete (its server span may still come),
    // so each waits the linger (a complete trace would leave at once).
    auto conn = s.connect(c, 3, srv, 100 + i, static_cast<uint16_t>(20000 + i), 8081, true, false);
    s.client_to_server(conn, get("/p"));
    s.server_to_client(conn, ok());
    s.close_client(conn);
    s.close_server(conn);
  }
  f.feed(s.records);
  f.pipeline.flush();
  PipelineStats st = f.pipeline.stats();
  EXPECT_GT(st.spans_dropped, 0u);
  EXPECT_LE(st.spans, 400u);
  EXPECT_EQ(st.spans + st.spans_dropped, 400u);
  EXPECT_EQ(st.connections_live, 0u);
}

// The process table is bounded too: processes whose exit was never seen are forgotten past the bound.
TEST(Lifecycle, ProcessTableStaysBounded) {
  PipelineConfig config;
  config.max_processes = 64;
  Fed f(config);
  Scenario s;
  for (int i = 0; i < 1000; ++i) {
    size_t before = s.records.size();
    Proc c{static_cast<uint32_t>(5000 + i), static_cast<uint32_t>(5000 + i), "short"};
    auto conn = s.connect(c, 3, srv, 9, static_cast<uint16_t>(20000 + i), 8081);
    s.client_to_server(conn, get("/s"));
    s.server_to_client(conn, ok());
    s.close_client(conn);
    s.close_server(conn);
    f.feed(s.records, before);
    EXPECT_LE(f.pipeline.stats().processes_live, 64u);
  }
  EXPECT_GT(f.pipeline.stats().processes_evicted, 0u);
  f.pipeline.flush();
  for (const auto& sp : f.sink.spans) EXPECT_FALSE(sp.service.empty()) << sp.name << " of pid " << sp.pid;
}

}  // namespace
}  // namespace cs
