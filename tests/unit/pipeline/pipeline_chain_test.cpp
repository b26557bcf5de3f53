// Chain building on synthetic event sequences, through the whole userspace pipeline.
#include <gtest/gtest.h>

#include <algorithm>
#include <map>

#include "pipeline/pipeline.h"
#include "support/scenario.h"

namespace cs {
namespace {

using test::get;
using test::ok;
using test::Proc;
using test::Scenario;

class CollectingSink : public SpanSink {
 public:
  void emit(const std::vector<Span>& spans) override {
    ++batches;
    for (const auto& s : spans) this->spans.push_back(s);
  }
  std::vector<Span> spans;
  int batches = 0;
};

struct Result {
  std::vector<Span> spans;
  PipelineStats stats;
  int batches = 0;

  const Span& one(uint32_t pid, SpanKind kind, const std::string& name) const {
    const Span* found = nullptr;
    int n = 0;
    for (const auto& s : spans)
      if (s.pid == pid && s.kind == kind && s.name == name) {
        found = &s;
        ++n;
      }
    EXPECT_EQ(n, 1) << "spans of pid " << pid << " named " << name;
    static Span none;
    return found ? *found : none;
  }
  std::vector<const Span*> all(uint32_t pid, SpanKind kind) const {
    std::vector<const Span*> out;
    for (const auto& s : spans)
      if (s.pid == pid && s.kind == kind) out.push_back(&s);
    std::sort(out.begin(), out.end(), [](auto a, auto b) { return a->start_unix_ns < b->start_unix_ns; });
    return out;
  }
};

Result run(const std::vector<test::Record>& records, uint64_t seed = 7) {
  CollectingSink sink;
  PipelineConfig config;
  config.id_seed = seed;
  Pipeline p(config, sink);
  for (const auto& r : records) p.on_record(r.data(), r.size());
  p.flush();
  return Result{sink.spans, p.stats(), sink.batches};
}

void expect_child(const Span& parent, const Span& child) {
  EXPECT_EQ(child.parent_span_id, parent.span_id) << child.name << " should be a child of " << parent.name;
  EXPECT_EQ(child.trace_id.hex(), parent.trace_id.hex());
  EXPECT_GE(child.start_unix_ns, parent.start_unix_ns) << child.name;
  EXPECT_LE(child.end_unix_ns, parent.end_unix_ns) << child.name;
}

const Proc curl{10, 10, "curl"};
const Proc a21{20, 21, "svc-a"};
const Proc a22{20, 22, "svc-a"};
const Proc b31{30, 31, "svc-b"};
const Proc b32{30, 32, "svc-b"};

TEST(PipelineChain, ThreadPerRequestAcrossThreeProcesses) {
  Scenario s;
  auto c1 = s.connect(curl, 3, a21, 5, 40000, 8081);
  s.client_to_server(c1, get("/a"));
  auto c2 = s.connect(a21, 6, b31, 7, 40001, 8082);
  s.client_to_server(c2, get("/b"));
  s.server_to_client(c2, ok("b"));
  s.close_client(c2);
  s.close_server(c2);
  s.server_to_client(c1, ok("a"));
  s.close_client(c1);
  s.close_server(c1);

  Result r = run(s.records);
  ASSERT_EQ(r.spans.size(), 4u);
  const Span& root = r.one(10, SpanKind::Client, "GET /a");
  const Span& a_server = r.one(20, SpanKind::Server, "GET /a");
  const Span& a_client = r.one(20, SpanKind::Client, "GET /b");
  const Span& b_server = r.one(30, SpanKind::Server, "GET /b");
  EXPECT_EQ(root.parent_span_id, 0u);
  expect_child(root, a_server);
  expect_child(a_server, a_client);
  expect_child(a_client, b_server);
  EXPECT_EQ(r.batches, 1) << "one trace, emitted whole";
  EXPECT_EQ(r.stats.linked_cross_process, 2u);
  EXPECT_EQ(r.stats.linked_in_process, 1u);
  EXPECT_EQ(r.stats.unlinked_server, 0u);
  EXPECT_EQ(r.stats.unlinked_client, 1u);  // curl's own request: nothing above it
  EXPECT_EQ(a_server.tid, 21u);
  EXPECT_EQ(a_server.service, "svc-a");
  ASSERT_NE(b_server.find("http.response.status_code"), nullptr);
  EXPECT_EQ(std::get<int64_t>(b_server.find("http.response.status_code")->value), 200);
  EXPECT_EQ(std::get<int64_t>(b_server.find("server.port")->value), 8082);
  EXPECT_EQ(std::get<int64_t>(a_client.find("server.port")->value), 8082);
  EXPECT_EQ(std::get<std::string>(a_client.find("client.address")->value), "127.0.0.1");
}

// A trace is written by the record that completes it, not ~10 ms of events later (the next advance): its
// spans are still in the CPU's cache then.
TEST(PipelineChain, CompleteTraceIsWrittenByTheRecordThatCompletesIt) {
  Scenario s;
  auto c1 = s.connect(curl, 3, a21, 5, 40000, 8081);
  s.client_to_server(c1, get("/a"));
  s.server_to_client(c1, ok("a"));
  CollectingSink sink;
  PipelineConfig config;
  Pipeline p(config, sink);
  ASSERT_GE(s.records.size(), 2u);
  for (size_t i = 0; i + 1 < s.records.size(); ++i) p.on_record(s.records[i].data(), s.records[i].size());
  EXPECT_TRUE(sink.spans.empty()) << "the client has not read the answer yet";
  p.on_record(s.records.back().data(), s.records.back().size());
  ASSERT_EQ(sink.spans.size(), 2u) << "written without tick() or flush()";
  EXPECT_EQ(sink.batches, 1);
  EXPECT_EQ(p.stats().traces_complete, 1u);
  p.flush();
  EXPECT_EQ(sink.spans.size(), 2u);
}

// Connects reported at SYN_SENT, before the local port is bound: the client endpoint of the wire identity
// (rule 1) comes from the data events, and the connect still gives rule 2 its hint.
TEST(PipelineChain, ConnectsWithUnboundLocalPortStillLink) {
  Scenario s;
  s.connect_unbound = true;
  auto c1 = s.connect(curl, 3, a21, 5, 40000, 8081);
  s.client_to_server(c1, get("/a"));
  auto c2 = s.connect(a21, 6, b31, 7, 40001, 8082);
  s.client_to_server(c2, get("/b"));
  s.server_to_client(c2, ok("b"));
  s.server_to_client(c1, ok("a"));
  Result r = run(s.records);
  ASSERT_EQ(r.spans.size(), 4u);
  expect_child(r.one(10, SpanKind::Client, "GET /a"), r.one(20, SpanKind::Server, "GET /a"));
  expect_child(r.one(20, SpanKind::Server, "GET /a"), r.one(20, SpanKind::Client, "GET /b"));
  expect_child(r.one(20, SpanKind::Client, "GET /b"), r.one(30, SpanKind::Server, "GET /b"));
  EXPECT_EQ(r.stats.linked_cross_process, 2u);
  EXPECT_EQ(std::get<int64_t>(r.one(20, SpanKind::Client, "GET /b").find("client.port")->value), 40001);
}

TEST(PipelineChain, TwoThreadsServingInterleavedRequests) {
  Scenario s;
  auto c1 = s.connect(curl, 3, a21, 5, 40000, 8081);
  Proc curl2{11, 11, "curl"};
  auto c2 = s.connect(curl2, 3, a22, 6, 40002, 8081);
  s.client_to_server(c1, get("/one"));
  s.client_to_server(c2, get("/two"));
  // Thread 22 calls B first, then thread 21.
  auto u2 = s.connect(a22, 8, b31, 9, 40003, 8082);
  auto u1 = s.connect(a21, 7, b32, 10, 40004, 8082);
  s.client_to_server(u2, get("/b2"));
  s.client_to_server(u1, get("/b1"));
  s.server_to_client(u1, ok());
  s.server_to_client(u2, ok());
  s.server_to_client(c2, ok());
  s.server_to_client(c1, ok());

  Result r = run(s.records);
  ASSERT_EQ(r.spans.size(), 8u);
  expect_child(r.one(10, SpanKind::Client, "GET /one"), r.one(20, SpanKind::Server, "GET /one"));
  expect_child(r.one(11, SpanKind::Client, "GET /two"), r.one(20, SpanKind::Server, "GET /two"));
  expect_child(r.one(20, SpanKind::Server, "GET /one"), r.one(20, SpanKind::Client, "GET /b1"));
  expect_child(r.one(20, SpanKind::Server, "GET /two"), r.one(20, SpanKind::Client, "GET /b2"));
  expect_child(r.one(20, SpanKind::Client, "GET /b1"), r.one(30, SpanKind::Server, "GET /b1"));
  expect_child(r.one(20, SpanKind::Client, "GET /b2"), r.one(30, SpanKind::Server, "GET /b2"));
  EXPECT_NE(r.one(10, SpanKind::Client, "GET /one").trace_id.hex(), r.one(11, SpanKind::Client, "GET /two").trace_id.hex());
}

// nginx-like: one thread, requests read on two connections, upstream connects happen right after each
// read, the upstream writes come later (non-blocking connect), answers in the other order.
TEST(PipelineChain, EventLoopAttributesByConnectTime) {
  Scenario s;
  Proc ngx{50, 50, "nginx"};
  Proc curl2{11, 11, "curl"};
  auto c1 = s.connect(curl, 3, ngx, 5, 40000, 80);
  auto c2 = s.connect(curl2, 3, ngx, 6, 40001, 80);
  s.client_to_server(c1, get("/x"));
  auto u1 = s.connect(ngx, 7, b31, 9, 40010, 8082);
  s.client_to_server(c2, get("/y"));
  auto u2 = s.connect(ngx, 8, b32, 10, 40011, 8082);
  s.client_to_server(u1, get("/x"));
  s.client_to_server(u2, get("/y"));
  s.server_to_client(u2, ok());
  s.server_to_client(c2, ok());
  s.server_to_client(u1, ok());
  s.server_to_client(c1, ok());

  Result r = run(s.records);
  ASSERT_EQ(r.spans.size(), 8u);
  auto up = r.all(50, SpanKind::Client);
  ASSERT_EQ(up.size(), 2u);
  expect_child(r.one(50, SpanKind::Server, "GET /x"), *up[0]);
  EXPECT_EQ(up[0]->name, "GET /x");
  expect_child(r.one(50, SpanKind::Server, "GET /y"), *up[1]);
  expect_child(r.one(10, SpanKind::Client, "GET /x"), r.one(50, SpanKind::Server, "GET /x"));
  expect_child(r.one(11, SpanKind::Client, "GET /y"), r.one(50, SpanKind::Server, "GET /y"));
}

// nginx with upstream keep-alive: the upstream connection is reused, the request goes out in the same
// handler that read the incoming request.
TEST(PipelineChain, EventLoopReusedUpstreamConnection) {
  Scenario s;
  Proc ngx{50, 50, "nginx"};
  auto up = s.connect(ngx, 7, b31, 9, 40010, 8082);
  auto c1 = s.connect(curl, 3, ngx, 5, 40000, 80);
  s.client_to_server(c1, get("/first"));
  s.client_to_server(up, get("/first"));
  s.server_to_client(up, ok());
  s.server_to_client(c1, ok());
  Proc curl2{11, 11, "curl"};
  auto c2 = s.connect(curl2, 3, ngx, 6, 40001, 80);
  s.client_to_server(c2, get("/second"));
  s.client_to_server(up, get("/second"));
  s.server_to_client(up, ok());
  s.server_to_client(c2, ok());

  Result r = run(s.records);
  ASSERT_EQ(r.spans.size(), 8u);
  expect_child(r.one(50, SpanKind::Server, "GET /first"), r.one(50, SpanKind::Client, "GET /first"));
  expect_child(r.one(50, SpanKind::Server, "GET /second"), r.one(50, SpanKind::Client, "GET /second"));
  expect_child(r.one(50, SpanKind::Client, "GET /second"), r.one(30, SpanKind::Server, "GET /second"));
}

// An ordered event loop (nginx: an input's handler runs to completion) with two requests in flight:
// reading one request's downstream answer, then calling again on a reused connection, continues that
// request (sequential fan-out), not the one read last. (Any other runtime abstains: correlate tests.)
TEST(PipelineChain, EventLoopSequentialFanOutFollowsLastInput) {
  Scenario s;
  Proc ngx{50, 50, "nginx"};
  Proc curl2{11, 11, "curl"};
  auto up1 = s.connect(ngx, 7, b31, 9, 40010, 8082);
  auto up2 = s.connect(ngx, 8, b32, 10, 40011, 8082);
  auto c1 = s.connect(curl, 3, ngx, 5, 40000, 80);
  auto c2 = s.connect(curl2, 3, ngx, 6, 40001, 80);
  s.client_to_server(c1, get("/r1"));
  s.client_to_server(up1, get("/r1-step1"));
  s.client_to_server(c2, get("/r2"));
  s.client_to_server(up2, get("/r2-step1"));
  s.server_to_client(up1, ok());            // r1's first answer comes back...
  s.client_to_server(up1, get("/r1-step2"));  // ...and r1 goes on
  s.server_to_client(up1, ok());
  s.server_to_client(c1, ok());
  s.server_to_client(up2, ok());
  s.server_to_client(c2, ok());

  Result r = run(s.records);
  ASSERT_EQ(r.spans.size(), 10u);
  const Span& r1 = r.one(50, SpanKind::Server, "GET /r1");
  const Span& r2 = r.one(50, SpanKind::Server, "GET /r2");
  expect_child(r1, r.one(50, SpanKind::Client, "GET /r1-step1"));
  expect_child(r1, r.one(50, SpanKind::Client, "GET /r1-step2"));
  expect_child(r2, r.one(50, SpanKind::Client, "GET /r2-step1"));
  EXPECT_EQ(r.stats.ambiguous_client, 0u);
}

// When the thread's last input belongs to no request it still serves, and it serves several, the agent
// cannot know which one a new call is for: root, counted as ambiguous.
TEST(PipelineChain, EventLoopAmbiguousCallIsRootAndCounted) {
  Scenario s;
  Proc ngx{50, 50, "gw"};
  Proc curl2{11, 11, "curl"}, curl3{12, 12, "curl"};
  auto up = s.connect(ngx, 7, b31, 9, 40010, 8082);
  auto c1 = s.connect(curl, 3, ngx, 5, 40000, 80);
  auto c2 = s.connect(curl2, 3, ngx, 6, 40001, 80);
  auto c3 = s.connect(curl3, 3, ngx, 4, 40002, 80);
  s.client_to_server(c1, get("/r1"));
  s.client_to_server(c2, get("/r2"));
  s.client_to_server(c3, get("/r3"));
  s.server_to_client(c3, ok());             // r3 answered at once; r1 and r2 still in flight
  s.client_to_server(up, get("/who"));      // for r1 or r2? cannot tell
  s.server_to_client(up, ok());
  s.server_to_client(c1, ok());
  s.server_to_client(c2, ok());

  Result r = run(s.records);
  const Span& who = r.one(50, SpanKind::Client, "GET /who");
  EXPECT_EQ(who.parent_span_id, 0u);
  EXPECT_EQ(r.stats.ambiguous_client, 1u);
  expect_child(who, r.one(30, SpanKind::Server, "GET /who"));
}

// The handler calls downstream after reading the head, before the body has arrived (streamed upload).
TEST(PipelineChain, DownstreamCallBeforeTheBodyIsRead) {
  Scenario s;
  auto c1 = s.connect(curl, 3, a21, 5, 40000, 8081);
  s.client_to_server(c1, "POST /upload HTTP/1.1\r\nHost: a\r\nContent-Length: 10\r\n\r\n");
  auto u = s.connect(a21, 6, b31, 7, 40001, 8082);
  s.client_to_server(u, get("/check"));
  s.server_to_client(u, ok());
  s.client_to_server(c1, "0123456789");
  s.server_to_client(c1, ok());
  Result r = run(s.records);
  ASSERT_EQ(r.spans.size(), 4u);
  const Span& up = r.one(20, SpanKind::Server, "POST /upload");
  expect_child(r.one(10, SpanKind::Client, "POST /upload"), up);
  expect_child(up, r.one(20, SpanKind::Client, "GET /check"));
  EXPECT_EQ(r.stats.spans_dropped, 0u);
}

// A request whose body was cut by lost bytes (chunk framing lost) still ends, truncated, and gets its
// response; the span opened at its head is the one that finishes, nothing stays pending.
TEST(PipelineChain, RequestCutInTheBodyKeepsItsEarlySpan) {
  Scenario s;
  auto c1 = s.connect(curl, 3, a21, 5, 40000, 8081, /*client_traced=*/false);
  s.client_to_server(c1, "POST /cut HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nab");
  c1.c2s_seq += 5000;  // bytes lost: the chunk framing cannot be followed
  s.client_to_server(c1, "cdefgh");
  s.server_to_client(c1, ok());
  s.client_to_server(c1, get("/next"));
  s.server_to_client(c1, ok());
  Result r = run(s.records);
  ASSERT_EQ(r.spans.size(), 2u);
  EXPECT_FALSE(r.one(20, SpanKind::Server, "POST /cut").error);
  EXPECT_FALSE(r.one(20, SpanKind::Server, "GET /next").error);
  EXPECT_EQ(r.stats.spans_dropped, 0u);
  EXPECT_EQ(r.stats.unlinked_server, 2u);
}

TEST(PipelineChain, PipelinedRequestsEachGetTheirChildren) {
  Scenario s;
  auto c1 = s.connect(curl, 3, a21, 5, 40000, 8081);
  s.client_to_server(c1, get("/p1") + get("/p2"));  // two requests, one write, one read
  auto u = s.connect(a21, 6, b31, 7, 40001, 8082);
  s.client_to_server(u, get("/for-p1"));
  s.server_to_client(u, ok());
  s.server_to_client(c1, ok("1"));
  s.client_to_server(u, get("/for-p2"));
  s.server_to_client(u, ok());
  s.server_to_client(c1, ok("2"));

  Result r = run(s.records);
  ASSERT_EQ(r.spans.size(), 8u);
  expect_child(r.one(20, SpanKind::Server, "GET /p1"), r.one(20, SpanKind::Client, "GET /for-p1"));
  expect_child(r.one(20, SpanKind::Server, "GET /p2"), r.one(20, SpanKind::Client, "GET /for-p2"));
  expect_child(r.one(10, SpanKind::Client, "GET /p2"), r.one(20, SpanKind::Server, "GET /p2"));
}

TEST(PipelineChain, TraceparentFromUntracedClientIsHonoured) {
  Scenario s;
  auto c1 = s.connect(curl, 3, a21, 5, 40000, 8081, /*client_traced=*/false);
  s.client_to_server(c1, get("/a", "traceparent: 00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01\r\n"));
  auto u = s.connect(a21, 6, b31, 7, 40001, 8082);
  s.client_to_server(u, get("/b"));
  s.server_to_client(u, ok());
  s.server_to_client(c1, ok());

  Result r = run(s.records);
  ASSERT_EQ(r.spans.size(), 3u);
  const Span& a = r.one(20, SpanKind::Server, "GET /a");
  EXPECT_EQ(a.trace_id.hex(), "4bf92f3577b34da6a3ce929d0e0e4736");
  EXPECT_EQ(span_id_hex(a.parent_span_id), "00f067aa0ba902b7");
  EXPECT_TRUE(a.remote_parent);
  expect_child(a, r.one(20, SpanKind::Client, "GET /b"));
  expect_child(r.one(20, SpanKind::Client, "GET /b"), r.one(30, SpanKind::Server, "GET /b"));
  EXPECT_EQ(r.stats.linked_traceparent, 1u);
}

TEST(PipelineChain, LocalClientWinsOverTraceparent) {
  Scenario s;
  auto c1 = s.connect(curl, 3, a21, 5, 40000, 8081);
  s.client_to_server(c1, get("/a", "traceparent: 00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01\r\n"));
  s.server_to_client(c1, ok());
  Result r = run(s.records);
  ASSERT_EQ(r.spans.size(), 2u);
  expect_child(r.one(10, SpanKind::Client, "GET /a"), r.one(20, SpanKind::Server, "GET /a"));
}

TEST(PipelineChain, MalformedTraceparentIsIgnored) {
  Scenario s;
  auto c1 = s.connect(curl, 3, a21, 5, 40000, 8081, false);
  s.client_to_server(c1, get("/a", "traceparent: 00-00000000000000000000000000000000-00f067aa0ba902b7-01\r\n"));
  s.server_to_client(c1, ok());
  Result r = run(s.records);
  ASSERT_EQ(r.spans.size(), 1u);
  EXPECT_EQ(r.spans[0].parent_span_id, 0u);
  EXPECT_TRUE(r.spans[0].trace_id.valid());
  EXPECT_EQ(r.stats.unlinked_server, 1u);
}

TEST(PipelineChain, ConnectionClosedMidResponseIsAnError) {
  Scenario s;
  auto c1 = s.connect(curl, 3, a21, 5, 40000, 8081);
  s.client_to_server(c1, get("/a"));
  // Server writes half a response, then both sides close.
  s.server_to_client(c1, "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\npartial");
  s.close_server(c1);
  s.close_client(c1);
  Result r = run(s.records);
  ASSERT_EQ(r.spans.size(), 2u);
  const Span& client = r.one(10, SpanKind::Client, "GET /a");
  const Span& server = r.one(20, SpanKind::Server, "GET /a");
  EXPECT_TRUE(client.error);
  EXPECT_TRUE(server.error);
  expect_child(client, server);
  EXPECT_NE(client.status_message.find("connection"), std::string::npos);
}

TEST(PipelineChain, StatusErrorsFollowSpanKind) {
  Scenario s;
  auto c1 = s.connect(curl, 3, a21, 5, 40000, 8081);
  s.client_to_server(c1, get("/missing"));
  s.server_to_client(c1, ok("nope", 404));
  s.client_to_server(c1, get("/broken"));
  s.server_to_client(c1, ok("err", 503));
  Result r = run(s.records);
  ASSERT_EQ(r.spans.size(), 4u);
  EXPECT_TRUE(r.one(10, SpanKind::Client, "GET /missing").error);
  EXPECT_FALSE(r.one(20, SpanKind::Server, "GET /missing").error);
  EXPECT_TRUE(r.one(10, SpanKind::Client, "GET /broken").error);
  EXPECT_TRUE(r.one(20, SpanKind::Server, "GET /broken").error);
}

TEST(PipelineChain, UntracedClientLeavesServerRoot) {
  Scenario s;
  auto c1 = s.connect(curl, 3, a21, 5, 40000, 8081, false);
  s.client_to_server(c1, get("/a"));
  s.server_to_client(c1, ok());
  Result r = run(s.records);
  ASSERT_EQ(r.spans.size(), 1u);
  EXPECT_EQ(r.spans[0].parent_span_id, 0u);
  EXPECT_EQ(r.stats.unlinked_server, 1u);
}

TEST(PipelineChain, ClientOutsideAnyRequestIsRoot) {
  Scenario s;
  auto u = s.connect(a21, 6, b31, 7, 40001, 8082);
  s.client_to_server(u, get("/cron"));
  s.server_to_client(u, ok());
  Result r = run(s.records);
  ASSERT_EQ(r.spans.size(), 2u);
  EXPECT_EQ(r.one(20, SpanKind::Client, "GET /cron").parent_span_id, 0u);
  expect_child(r.one(20, SpanKind::Client, "GET /cron"), r.one(30, SpanKind::Server, "GET /cron"));
}

// The server's read can reach user space before the client's write (two CPUs): still linked.
TEST(PipelineChain, ServerEventBeforeClientEventStillLinks) {
  Scenario s;
  auto c1 = s.connect(curl, 3, a21, 5, 40000, 8081);
  s.client_to_server(c1, get("/a"));
  ASSERT_EQ(s.records.size(), 3u);  // connect, client write, server read
  std::swap(s.records[1], s.records[2]);  // server read record first
  s.server_to_client(c1, ok());
  Result r = run(s.records);
  ASSERT_EQ(r.spans.size(), 2u);
  EXPECT_EQ(r.one(20, SpanKind::Server, "GET /a").parent_span_id, r.one(10, SpanKind::Client, "GET /a").span_id);
}

TEST(PipelineChain, SameSeedSameIds) {
  Scenario s;
  auto c1 = s.connect(curl, 3, a21, 5, 40000, 8081);
  s.client_to_server(c1, get("/a"));
  s.server_to_client(c1, ok());
  Result r1 = run(s.records, 99), r2 = run(s.records, 99), r3 = run(s.records, 100);
  ASSERT_EQ(r1.spans.size(), 2u);
  for (size_t i = 0; i < r1.spans.size(); ++i) {
    EXPECT_EQ(r1.spans[i].span_id, r2.spans[i].span_id);
    EXPECT_EQ(r1.spans[i].trace_id.hex(), r2.spans[i].trace_id.hex());
  }
  EXPECT_NE(r1.spans[0].span_id, r3.spans[0].span_id);
}

// The old sockets' closes are lost and a new pair of sockets gets the same fd numbers: connections are
// sockets (sock_id), so the new connection's bytes are never parsed as the continuation of the old one, and
// the old request ends (as an error) when the pipeline is flushed.
TEST(PipelineChain, FdReuseWithNewSocketStartsANewConnection) {
  Scenario s;
  auto c1 = s.connect(curl, 3, a21, 5, 40000, 8081);
  s.client_to_server(c1, get("/old"));
  // Old connection vanishes mid-response (close events lost); new sockets on the same fds.
  auto c2 = s.connect(curl, 3, a21, 5, 40005, 8081);
  s.client_to_server(c2, get("/new"));
  s.server_to_client(c2, ok());
  Result r = run(s.records);
  const Span& n = r.one(20, SpanKind::Server, "GET /new");
  EXPECT_FALSE(n.error);
  expect_child(r.one(10, SpanKind::Client, "GET /new"), n);
  EXPECT_TRUE(r.one(20, SpanKind::Server, "GET /old").error);
}

// Events lost in the middle of a stream: the message they were part of is dropped, later ones are right.
TEST(PipelineChain, LostEventsResyncAtNextMessage) {
  Scenario s;
  auto c1 = s.connect(curl, 3, a21, 5, 40000, 8081);
  s.client_to_server(c1, get("/one"));
  s.server_to_client(c1, ok());
  size_t before = s.records.size();
  s.client_to_server(c1, "GET /lost HTTP/1.1\r\nHo");
  s.records.resize(before + 1);  // the server's read of it is lost
  s.client_to_server(c1, "st: x\r\n\r\n");
  s.records.erase(s.records.begin() + before + 1);  // and the client's write of the rest
  s.server_to_client(c1, ok());
  s.client_to_server(c1, get("/three"));
  s.server_to_client(c1, ok());
  Result r = run(s.records);
  expect_child(r.one(10, SpanKind::Client, "GET /one"), r.one(20, SpanKind::Server, "GET /one"));
  expect_child(r.one(10, SpanKind::Client, "GET /three"), r.one(20, SpanKind::Server, "GET /three"));
  EXPECT_GE(r.stats.stream_gaps, 1u);
}

TEST(PipelineChain, MalformedRecordsAreCountedNotTrusted) {
  CollectingSink sink;
  PipelineConfig config;
  Pipeline p(config, sink);
  std::vector<uint8_t> junk(7, 0xff);
  p.on_record(junk.data(), junk.size());
  Scenario s;
  auto c1 = s.connect(curl, 3, a21, 5, 40000, 8081);
  s.client_to_server(c1, get("/a"));
  auto bad = s.records.back();
  reinterpret_cast<cs_data_event*>(bad.data())->captured += 100;  // claims bytes it does not have
  p.on_record(bad.data(), bad.size());
  p.flush();
  EXPECT_EQ(p.stats().bad_records, 2u);
}

TEST(PipelineChain, ConnectionCapEvictsOldest) {
  CollectingSink sink;
  PipelineConfig config;
  config.max_connections = 4;
  Pipeline p(config, sink);
  Scenario s;
  for (int i = 0; i < 10; ++i) {
    Proc c{static_cast<uint32_t>(100 + i), static_cast<uint32_t>(100 + i), "c"};
    auto conn = s.connect(c, 3, a21, 10 + i, static_cast<uint16_t>(41000 + i), 8081);
    s.client_to_server(conn, get("/x"));
  }
  for (const auto& r : s.records) p.on_record(r.data(), r.size());
  EXPECT_LE(p.stats().connections_live, 4u);
  EXPECT_GE(p.stats().connections_evicted, 16u);
  p.flush();
}

}  // namespace
}  // namespace cs
