// Rule 2 (inside a process) on synthetic event sequences that reproduce each way a thread can serve several
// requests: a loop that reads several requests before their handlers run (asyncio), an ordered loop
// (nginx) whose call has no causing input (a timer, a retry), a thread-pool hand-off, a Go thread. The
// agent must never pick a wrong parent: it links on evidence or abstains, counted by reason.
#include <gtest/gtest.h>

#include <map>
#include <memory>

#include "correlate/correlator.h"
#include "unit/correlate/chain_run.h"

namespace cs {
namespace {

using test::expect_child;
using test::expect_root;
using test::finished_span;
using test::get;
using test::ok;
using test::Proc;
using test::Scenario;

const Proc b31{30, 31, "svc-b"};
const Proc b32{30, 32, "svc-b"};
const Proc b33{30, 33, "svc-b"};
const Proc cl1{11, 11, "curl"}, cl2{12, 12, "curl"}, cl3{13, 13, "curl"};

// One poll reads three requests, then the three handlers call downstream (asyncio, uvloop): whatever the
// loop read last says nothing about which handler runs. Every downstream span is a root, counted.
std::vector<test::Record> batched_loop(const Proc& loop) {
  Scenario s;
  auto u1 = s.connect(loop, 20, b31, 30, 41001, 9000);  // pool connections opened at start, serving nothing
  auto u2 = s.connect(loop, 21, b32, 31, 41002, 9000);
  auto u3 = s.connect(loop, 22, b33, 32, 41003, 9000);
  auto c1 = s.connect(cl1, 3, loop, 5, 40001, 8080);
  auto c2 = s.connect(cl2, 3, loop, 6, 40002, 8080);
  auto c3 = s.connect(cl3, 3, loop, 7, 40003, 8080);
  s.client_to_server(c1, get("/r1"));
  s.client_to_server(c2, get("/r2"));
  s.client_to_server(c3, get("/r3"));
  // The handlers run in another order than the reads: the truth is d3 for r1, d1 for r2, d2 for r3.
  s.client_to_server(u3, get("/d-for-r1"));
  s.client_to_server(u1, get("/d-for-r2"));
  s.client_to_server(u2, get("/d-for-r3"));
  s.server_to_client(u3, ok());
  s.server_to_client(u1, ok());
  s.server_to_client(u2, ok());
  s.server_to_client(c1, ok());
  s.server_to_client(c2, ok());
  s.server_to_client(c3, ok());
  // Later, one request alone: its handler's call is linked (the loop serves one request).
  s.client_to_server(c1, get("/r4"));
  s.client_to_server(u1, get("/d-for-r4"));
  s.server_to_client(u1, ok());
  s.server_to_client(c1, ok());
  return s.records;
}

TEST(InProcessRules, AsyncioLoopReadingSeveralRequestsAbstains) {
  const Proc loop{60, 60, "python3"};
  test::ChainResult r = test::run_chain(batched_loop(loop));
  for (const char* name : {"GET /d-for-r1", "GET /d-for-r2", "GET /d-for-r3"}) {
    const Span& d = r.one(60, SpanKind::Client, name);
    expect_root(d);
    expect_child(d, r.one(30, SpanKind::Server, name));  // rule 1 still links the other end
  }
  expect_child(r.one(60, SpanKind::Server, "GET /r4"), r.one(60, SpanKind::Client, "GET /d-for-r4"));
  EXPECT_EQ(r.stats.ambiguous_several_requests, 3u);
  EXPECT_EQ(r.stats.ambiguous_client, 3u);
  EXPECT_EQ(r.stats.linked_in_process, 1u);
}

// The same sequence in nginx (an ordered loop): the batched reads leave no single causing input.
TEST(InProcessRules, OrderedLoopWithBatchedInputsAbstains) {
  const Proc loop{60, 60, "nginx"};
  test::ChainResult r = test::run_chain(batched_loop(loop));
  for (const char* name : {"GET /d-for-r1", "GET /d-for-r2", "GET /d-for-r3"}) expect_root(r.one(60, SpanKind::Client, name));
  expect_child(r.one(60, SpanKind::Server, "GET /r4"), r.one(60, SpanKind::Client, "GET /d-for-r4"));
  EXPECT_EQ(r.stats.ambiguous_batched_inputs, 1u);
  EXPECT_EQ(r.stats.ambiguous_no_causing_input, 2u);
  EXPECT_EQ(r.stats.ambiguous_client, 3u);
}

// nginx: each request's upstream call right after its read is linked by that input; a call with no input
// since the loop's previous output (a retry from a timer, an error event) is not, whatever it read last.
TEST(InProcessRules, OrderedLoopCallWithoutCausingInputAbstains) {
  Scenario s;
  const Proc ngx{50, 50, "nginx"};
  auto u1 = s.connect(ngx, 20, b31, 30, 41001, 9000);
  auto u2 = s.connect(ngx, 21, b32, 31, 41002, 9000);
  auto u3 = s.connect(ngx, 22, b33, 32, 41003, 9000);
  auto c1 = s.connect(cl1, 3, ngx, 5, 40001, 80);
  auto c2 = s.connect(cl2, 3, ngx, 6, 40002, 80);
  auto c3 = s.connect(cl3, 3, ngx, 7, 40003, 80);
  s.client_to_server(c1, get("/r1"));
  s.client_to_server(u1, get("/up-r1"));
  s.client_to_server(c2, get("/r2"));
  s.client_to_server(u2, get("/up-r2"));
  s.client_to_server(c3, get("/r3"));
  s.client_to_server(u3, get("/up-r3"));
  s.server_to_client(u1, ok());   // r1's upstream answers...
  s.server_to_client(c1, ok());   // ...and nginx answers r1
  s.client_to_server(u1, get("/retry"));  // no input since that output: a timer, a retry, ...
  s.server_to_client(u1, ok());
  s.server_to_client(u2, ok());
  s.server_to_client(c2, ok());
  s.server_to_client(u3, ok());
  s.server_to_client(c3, ok());
  test::ChainResult r = test::run_chain(s.records);
  expect_child(r.one(50, SpanKind::Server, "GET /r1"), r.one(50, SpanKind::Client, "GET /up-r1"));
  expect_child(r.one(50, SpanKind::Server, "GET /r2"), r.one(50, SpanKind::Client, "GET /up-r2"));
  expect_child(r.one(50, SpanKind::Server, "GET /r3"), r.one(50, SpanKind::Client, "GET /up-r3"));
  expect_root(r.one(50, SpanKind::Client, "GET /retry"));
  EXPECT_EQ(r.stats.ambiguous_no_causing_input, 1u);
  EXPECT_EQ(r.stats.ambiguous_client, 1u);
}

// nginx: an input that belongs to no request the loop still serves (a late downstream answer of a
// request already answered) causes nothing.
TEST(InProcessRules, OrderedLoopInputOfAnsweredRequestCausesNothing) {
  Scenario s;
  const Proc ngx{50, 50, "nginx"};
  auto u1 = s.connect(ngx, 20, b31, 30, 41001, 9000);
  auto u2 = s.connect(ngx, 21, b32, 31, 41002, 9000);
  auto u3 = s.connect(ngx, 22, b33, 32, 41003, 9000);
  auto u4 = s.connect(ngx, 23, b33, 33, 41004, 9000);
  auto c1 = s.connect(cl1, 3, ngx, 5, 40001, 80);
  auto c2 = s.connect(cl2, 3, ngx, 6, 40002, 80);
  auto c3 = s.connect(cl3, 3, ngx, 7, 40003, 80);
  s.client_to_server(c1, get("/r1"));
  s.client_to_server(u1, get("/up-r1"));
  s.server_to_client(c1, ok());          // r1 answered before its upstream call came back
  s.client_to_server(c2, get("/r2"));
  s.client_to_server(u2, get("/up-r2"));
  s.client_to_server(c3, get("/r3"));
  s.client_to_server(u3, get("/up-r3"));
  s.server_to_client(u1, ok());          // input for r1, which nobody serves any more
  s.client_to_server(u4, get("/who"));   // for r2 or r3? the input says neither
  s.server_to_client(u4, ok());
  s.server_to_client(u2, ok());
  s.server_to_client(c2, ok());
  s.server_to_client(u3, ok());
  s.server_to_client(c3, ok());
  test::ChainResult r = test::run_chain(s.records);
  expect_child(r.one(50, SpanKind::Server, "GET /r2"), r.one(50, SpanKind::Client, "GET /up-r2"));
  expect_child(r.one(50, SpanKind::Server, "GET /r3"), r.one(50, SpanKind::Client, "GET /up-r3"));
  expect_root(r.one(50, SpanKind::Client, "GET /who"));
  EXPECT_EQ(r.stats.ambiguous_no_causing_input, 1u);
  EXPECT_EQ(r.stats.ambiguous_client, 1u);
}

// nginx: a read that completes nothing (part of a request head) runs no handler: it is no cause. The next
// request read whole is the cause of the call that follows; a call with only such a read before it (a
// timer firing right after it) has no cause and abstains, whatever request the partial read belongs to.
TEST(InProcessRules, OrderedLoopPartialReadIsNoCause) {
  Scenario s;
  const Proc ngx{50, 50, "nginx"};
  auto u1 = s.connect(ngx, 20, b31, 30, 41001, 9000);
  auto u2 = s.connect(ngx, 21, b32, 31, 41002, 9000);
  auto u3 = s.connect(ngx, 22, b33, 32, 41003, 9000);
  auto c1 = s.connect(cl1, 3, ngx, 5, 40001, 80);
  auto c2 = s.connect(cl2, 3, ngx, 6, 40002, 80);
  auto c3 = s.connect(cl3, 3, ngx, 7, 40003, 80);
  s.client_to_server(c1, get("/r1"));
  s.client_to_server(u1, get("/up-r1"));
  s.client_to_server(c2, "GET /r2 HTTP/1.1\r\nHo");  // part of r2's head
  s.client_to_server(c3, get("/r3"));                // r3 whole: its handler calls upstream
  s.client_to_server(u3, get("/up-r3"));
  s.client_to_server(c2, "st: svc\r\n\r\n");       // the rest of r2: its handler calls upstream
  s.client_to_server(u2, get("/up-r2"));
  s.server_to_client(u3, ok());                      // r3's upstream answers, nginx answers r3
  s.server_to_client(c3, ok());
  s.client_to_server(c1, "GET /r4 HT");              // part of the next request on c1
  s.client_to_server(u3, get("/timer"));             // then a call nothing visible caused
  s.server_to_client(u3, ok());
  s.server_to_client(u1, ok());
  s.server_to_client(c1, ok());
  s.server_to_client(u2, ok());
  s.server_to_client(c2, ok());
  test::ChainResult r = test::run_chain(s.records);
  expect_child(r.one(50, SpanKind::Server, "GET /r1"), r.one(50, SpanKind::Client, "GET /up-r1"));
  expect_child(r.one(50, SpanKind::Server, "GET /r2"), r.one(50, SpanKind::Client, "GET /up-r2"));
  expect_child(r.one(50, SpanKind::Server, "GET /r3"), r.one(50, SpanKind::Client, "GET /up-r3"));
  expect_root(r.one(50, SpanKind::Client, "GET /timer"));
  EXPECT_EQ(r.stats.ambiguous_no_causing_input, 1u);
  EXPECT_EQ(r.stats.ambiguous_client, 1u);
}

// Node: libuv runs a read's callback at once, but a timer's callback runs right after the poll's last read
// with nothing visible in between: here r1's handler waited on a timer and calls after r2 was read. A rule
// on the loop's input order would give r2 (what the issue measured as right for Promise.all); Node is not
// an ordered loop for the agent, so the call is a root.
TEST(InProcessRules, NodeTimerCallAfterAnotherReadAbstains) {
  Scenario s;
  const Proc node{70, 70, "node"};
  auto u1 = s.connect(node, 20, b31, 30, 41001, 9000);
  auto c1 = s.connect(cl1, 3, node, 5, 40001, 8080);
  auto c2 = s.connect(cl2, 3, node, 6, 40002, 8080);
  s.client_to_server(c1, get("/r1"));            // r1's handler: await sleep(5)
  s.client_to_server(c2, get("/r2"));            // r2's handler: await sleep(5)
  s.client_to_server(u1, get("/for-r1"));        // r1's timer fires first
  s.server_to_client(u1, ok());
  s.server_to_client(c1, ok());
  s.server_to_client(c2, ok());
  test::ChainResult r = test::run_chain(s.records);
  expect_root(r.one(70, SpanKind::Client, "GET /for-r1"));
  EXPECT_EQ(r.stats.ambiguous_several_requests, 1u);
}

// nginx holds an upstream response head back until its body comes (postpone_output): reading two heads
// is no input of their requests. The request read after them causes the next upstream call.
TEST(InProcessRules, OrderedLoopResponseHeadsHeldBackAreNoCause) {
  Scenario s;
  const Proc ngx{50, 50, "nginx"};
  auto u1 = s.connect(ngx, 20, b31, 30, 41001, 9000);
  auto u2 = s.connect(ngx, 21, b32, 31, 41002, 9000);
  auto u3 = s.connect(ngx, 22, b33, 32, 41003, 9000);
  auto c1 = s.connect(cl1, 3, ngx, 5, 40001, 80);
  auto c2 = s.connect(cl2, 3, ngx, 6, 40002, 80);
  auto c3 = s.connect(cl3, 3, ngx, 7, 40003, 80);
  s.client_to_server(c1, get("/r1"));
  s.client_to_server(u1, get("/up-r1"));
  s.client_to_server(c2, get("/r2"));
  s.client_to_server(u2, get("/up-r2"));
  s.server_to_client(u1, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n");  // heads only
  s.server_to_client(u2, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n");
  s.client_to_server(c3, get("/r3"));
  s.client_to_server(u3, get("/up-r3"));
  s.server_to_client(u1, "ok");
  s.server_to_client(c1, ok());
  s.server_to_client(u2, "ok");
  s.server_to_client(c2, ok());
  s.server_to_client(u3, ok());
  s.server_to_client(c3, ok());
  test::ChainResult r = test::run_chain(s.records);
  expect_child(r.one(50, SpanKind::Server, "GET /r1"), r.one(50, SpanKind::Client, "GET /up-r1"));
  expect_child(r.one(50, SpanKind::Server, "GET /r2"), r.one(50, SpanKind::Client, "GET /up-r2"));
  expect_child(r.one(50, SpanKind::Server, "GET /r3"), r.one(50, SpanKind::Client, "GET /up-r3"));
  EXPECT_EQ(r.stats.ambiguous_client, 0u);
}

// Python ThreadPoolExecutor / Java executor: the thread that read the request hands it to a worker; the
// worker serves nothing, so its call is a root (unlinked, not guessed).
TEST(InProcessRules, ThreadPoolHandOffIsRoot) {
  Scenario s;
  const Proc reader{20, 21, "python3"};
  const Proc worker{20, 22, "python3"};
  auto c1 = s.connect(cl1, 3, reader, 5, 40001, 8080);
  s.client_to_server(c1, get("/a"));
  auto u = s.connect(worker, 6, b31, 7, 41001, 9000);
  s.client_to_server(u, get("/b"));
  s.server_to_client(u, ok());
  s.server_to_client(c1, ok());
  test::ChainResult r = test::run_chain(s.records);
  const Span& b = r.one(20, SpanKind::Client, "GET /b");
  expect_root(b);
  expect_child(b, r.one(30, SpanKind::Server, "GET /b"));
  EXPECT_EQ(r.stats.unlinked_client, 2u);  // curl's and the worker's
  EXPECT_EQ(r.stats.ambiguous_client, 0u);
}

// A Go thread runs many goroutines: the thread's request says nothing about the goroutine that calls.
// Goroutine 9 reads /a on thread 21; goroutine 10, whose origin nobody saw, calls /b on the same thread:
// the thread rule would link /b to /a; the goroutine rule (goroutine_rule_test.cpp) abstains.
TEST(InProcessRules, GoThreadWithoutGoroutineEvidenceAbstains) {
  Scenario s;
  const Proc go9{20, 21, "gosvc", 1, 9}, go10{20, 21, "gosvc", 1, 10};
  auto c1 = s.connect(cl1, 3, go9, 5, 40001, 8080);
  s.client_to_server(c1, get("/a"));
  auto u = s.connect(go10, 6, b31, 7, 41001, 9000);
  s.client_to_server(u, get("/b"));
  s.server_to_client(u, ok());
  s.server_to_client(c1, ok());
  test::ChainResult r = test::run_chain(s.records);
  expect_root(r.one(20, SpanKind::Client, "GET /b"));
  EXPECT_EQ(r.stats.ambiguous_unknown_goroutine, 1u);
  EXPECT_EQ(r.stats.ambiguous_client, 1u);
}

// A loop at low concurrency: each request is alone when its handler calls, so each call is linked.
TEST(InProcessRules, LoopServingOneRequestAtATimeLinks) {
  Scenario s;
  const Proc loop{60, 60, "python3"};
  auto u = s.connect(loop, 20, b31, 30, 41001, 9000);
  auto c1 = s.connect(cl1, 3, loop, 5, 40001, 8080);
  auto c2 = s.connect(cl2, 3, loop, 6, 40002, 8080);
  for (int i = 0; i < 3; ++i) {
    auto& c = i % 2 ? c2 : c1;
    s.client_to_server(c, get("/r" + std::to_string(i)));
    s.client_to_server(u, get("/d" + std::to_string(i)));
    s.server_to_client(u, ok());
    s.client_to_server(u, get("/e" + std::to_string(i)));  // sequential awaits
    s.server_to_client(u, ok());
    s.server_to_client(c, ok());
  }
  test::ChainResult r = test::run_chain(s.records);
  for (int i = 0; i < 3; ++i) {
    const Span& srv = r.one(60, SpanKind::Server, "GET /r" + std::to_string(i));
    expect_child(srv, r.one(60, SpanKind::Client, "GET /d" + std::to_string(i)));
    expect_child(srv, r.one(60, SpanKind::Client, "GET /e" + std::to_string(i)));
  }
  EXPECT_EQ(r.stats.ambiguous_client, 0u);
}

// ---- the extension point: a runtime-specific rule (e.g. goroutines) plugs in before the thread rule.

// A toy goroutine rule: a call is for the request its goroutine read (no lineage, no hand-offs).
class SameGoroutineRule : public InProcessRule {
 public:
  const char* name() const override { return "same-goroutine"; }
  void request_served(const ExecContext& e, SpanHandle span, uint64_t) override {
    if (e.goid) by_goid_[e.goid] = span;
  }
  void request_answered(SpanHandle span) override {
    by_goid_.erase_if([span](uint64_t, SpanHandle s) { return s == span; });
  }
  void client_request(const ExecContext&, SpanHandle, SpanHandle, uint64_t) override {}
  void io(const ExecContext&, uint64_t, Side, Io, uint64_t) override {}
  void connected(const ExecContext&, uint64_t) override {}
  void connection_closed(uint64_t) override {}
  void process_exited(uint32_t) override {}
  RuleAnswer parent_of(const CallSite& call) override {
    if (call.exec.goid == 0) return RuleAnswer::pass();
    const SpanHandle* s = by_goid_.find(call.exec.goid);
    return s ? RuleAnswer::link(*s) : RuleAnswer::abstain(Abstain::Goroutine);
  }
  void clear() override { by_goid_.clear(); }

 private:
  FlatMap<uint64_t, SpanHandle> by_goid_;
};

TEST(InProcessRules, RuntimeRulePlugsInBeforeTheThreadRule) {
  PipelineConfig config;
  config.id_seed = 3;
  PipelineStats stats;
  test::CollectingSink sink;
  Correlator c(config, sink, stats);
  c.add_rule(std::make_unique<SameGoroutineRule>());
  const WireEnd no_wire;
  // Goroutine 5 reads /a on thread 21; goroutine 6 reads /x on the same thread; goroutine 5, now on
  // thread 22, calls /b. The thread rule alone would abstain (thread 22 serves nothing).
  SpanHandle a = c.server_request(ExecContext{20, 21, 5}, 1, no_wire, std::nullopt, 100);
  SpanHandle x = c.server_request(ExecContext{20, 21, 6}, 2, no_wire, std::nullopt, 110);
  SpanHandle b = c.client_request(ExecContext{20, 22, 5}, 3, true, no_wire, 120);
  SpanHandle y = c.client_request(ExecContext{20, 21, 0}, 4, true, no_wire, 125);  // not Go: thread rule
  c.span_finished(b, finished_span(SpanKind::Client, "GET /b", 120, 130));
  c.span_finished(y, finished_span(SpanKind::Client, "GET /y", 125, 135));
  c.span_finished(a, finished_span(SpanKind::Server, "GET /a", 100, 140));
  c.span_finished(x, finished_span(SpanKind::Server, "GET /x", 110, 150));
  c.flush();
  ASSERT_EQ(sink.spans.size(), 4u);
  auto find = [&](const char* name) -> const Span& {
    for (const Span& s : sink.spans)
      if (s.name == name) return s;
    ADD_FAILURE() << name;
    return sink.spans.front();
  };
  EXPECT_EQ(find("GET /b").parent_span_id, find("GET /a").span_id);
  EXPECT_EQ(find("GET /y").parent_span_id, 0u) << "thread 21 serves two connections: the thread rule abstains";
  EXPECT_EQ(stats.linked_in_process, 1u);
  EXPECT_EQ(stats.ambiguous_several_requests, 1u);
  EXPECT_EQ(c.pending_spans(), 0u);
}

// The slab: spans come and go without the correlator holding on to them.
TEST(InProcessRules, SlotsAreReusedAndStaleHandlesNameNothing) {
  PipelineConfig config;
  config.id_seed = 3;
  PipelineStats stats;
  test::CollectingSink sink;
  Correlator c(config, sink, stats);
  SpanHandle first = c.server_request(ExecContext{1, 1}, 1, WireEnd{}, std::nullopt, 10);
  c.span_finished(first, finished_span(SpanKind::Server, "GET /1", 10, 20));
  c.advance(20 + config.trace_linger_ns + 1);
  EXPECT_EQ(c.pending_spans(), 0u);
  SpanHandle second = c.server_request(ExecContext{1, 1}, 1, WireEnd{}, std::nullopt, 30);
  EXPECT_EQ(static_cast<uint32_t>(second), static_cast<uint32_t>(first)) << "the slot is reused";
  EXPECT_NE(second, first) << "with a new generation";
  c.discard(first);  // stale: must not touch the new span
  EXPECT_EQ(c.pending_spans(), 1u);
  c.span_finished(second, finished_span(SpanKind::Server, "GET /2", 30, 40));
  c.flush();
  EXPECT_EQ(sink.spans.size(), 2u);
}

}  // namespace
}  // namespace cs

namespace cs {
namespace {

// A finished grandchild leaves with its root's trace while its parent is still open; the parent, emitted
// later, must not walk a child list that names the grandchild's (reused) slot.
TEST(InProcessRules, SpanEmittedBeforeItsParentLeavesNoStaleChild) {
  PipelineConfig config;
  config.id_seed = 3;
  PipelineStats stats;
  test::CollectingSink sink;
  Correlator c(config, sink, stats);
  const ExecContext t1{1, 1}, t2{2, 2}, t3{3, 3};
  WireEnd w;
  w.valid = true;
  w.flow.client.family = w.flow.server.family = 2;
  w.flow.client.port = 40000;
  w.flow.server.port = 8080;
  w.flow.seq = 1234;
  SpanHandle root = c.server_request(t1, 1, WireEnd{}, std::nullopt, 10);
  SpanHandle mid = c.client_request(t1, 2, true, w, 11);                  // child of root (t1 serves it)
  SpanHandle grand = c.server_request(t2, 3, w, std::nullopt, 12);        // child of mid (rule 1)
  c.span_finished(grand, finished_span(SpanKind::Server, "GET /grand", 12, 13));
  c.span_finished(root, finished_span(SpanKind::Server, "GET /root", 10, 16));  // mid still open
  c.advance(16 + config.trace_linger_ns + 1);
  EXPECT_EQ(sink.spans.size(), 2u);  // root and grand leave; mid stays
  // New spans reuse the released slots: mid's child list must not lead to them.
  SpanHandle x = c.server_request(t3, 5, WireEnd{}, std::nullopt, 20);
  SpanHandle y = c.client_request(t3, 6, true, WireEnd{}, 21);
  c.span_finished(mid, finished_span(SpanKind::Client, "GET /mid", 11, 22));
  c.span_finished(y, finished_span(SpanKind::Client, "GET /y", 21, 23));
  c.span_finished(x, finished_span(SpanKind::Server, "GET /x", 20, 24));
  c.flush();
  ASSERT_EQ(sink.spans.size(), 5u);
  std::map<std::string, const Span*> by_name;
  for (const Span& s : sink.spans) EXPECT_TRUE(by_name.emplace(s.name, &s).second) << "emitted twice: " << s.name;
  EXPECT_EQ(by_name["GET /grand"]->parent_span_id, by_name["GET /mid"]->span_id);
  EXPECT_EQ(by_name["GET /mid"]->parent_span_id, by_name["GET /root"]->span_id);
  EXPECT_EQ(by_name["GET /mid"]->trace_id.hex(), by_name["GET /root"]->trace_id.hex());
  EXPECT_EQ(by_name["GET /y"]->parent_span_id, by_name["GET /x"]->span_id);
  EXPECT_NE(by_name["GET /x"]->trace_id.hex(), by_name["GET /mid"]->trace_id.hex()) << "x taken into mid's trace";
  EXPECT_EQ(by_name["GET /x"]->parent_span_id, 0u);
}

}  // namespace
}  // namespace cs
