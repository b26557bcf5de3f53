// Complete traces leave at the next advance(), before the trace linger (correlate/correlator.h): only
// when nothing more can join them. Each test holds a trace open by one kind of open item (a span not
// finished, a client span whose server may still link, a connect hint, a span a rule may name after its
// answer) and checks that it waits, and that it leaves at once when the item closes. The linger path
// (what happened before) is the fallback: the spans, parents and times are the same either way.
#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "correlate/correlator.h"
#include "unit/correlate/chain_run.h"

namespace cs {
namespace {

using test::finished_span;

constexpr uint64_t kMs = 1'000'000;

// A request's identity on the wire between 10.0.0.1:40000 and 10.0.0.2:8080 (no loopback: no namespace).
WireEnd wire(uint32_t seq, uint16_t client_port = 40000) {
  WireEnd w;
  w.valid = true;
  w.flow.client.family = w.flow.server.family = 2;
  w.flow.client.addr[0] = w.flow.server.addr[0] = 10;
  w.flow.client.addr[3] = 1;
  w.flow.server.addr[3] = 2;
  w.flow.client.port = client_port;
  w.flow.server.port = 8080;
  w.flow.seq = seq;
  return w;
}

struct Fixture {
  PipelineConfig config;
  PipelineStats stats;
  test::CollectingSink sink;
  Correlator c{config, sink, stats};
  // Well before the linger (200 ms) of spans that ended at ~0-100 ms.
  void advance_soon(uint64_t ms = 120) { c.advance(ms * kMs); }
  void advance_past_linger(uint64_t end_ms) { c.advance(end_ms * kMs + config.trace_linger_ns + 1); }
};

const ExecContext curl{10, 10}, svc{30, 31}, svc_other_thread{30, 32};

// The client and the server of one request, both traced: the trace is whole once both finished.
TEST(CompleteTraces, ClientAndItsServerLeaveBeforeTheLinger) {
  Fixture f;
  SpanHandle client = f.c.client_request(curl, 1, true, wire(100), 1 * kMs);
  SpanHandle server = f.c.server_request(svc, 2, wire(100), std::nullopt, 2 * kMs);
  f.c.span_finished(server, finished_span(SpanKind::Server, "GET /s", 2 * kMs, 9 * kMs));
  f.advance_soon(10);
  EXPECT_TRUE(f.sink.spans.empty()) << "the client has not finished";
  f.c.span_finished(client, finished_span(SpanKind::Client, "GET /c", 1 * kMs, 8 * kMs));
  f.advance_soon(11);
  ASSERT_EQ(f.sink.spans.size(), 2u) << "complete: written at once, not 200 ms after the root ended";
  EXPECT_EQ(f.sink.batches, 1u) << "as one trace";
  const Span* c = f.sink.named("GET /c");
  const Span* s = f.sink.named("GET /s");
  ASSERT_TRUE(c && s);
  EXPECT_EQ(s->parent_span_id, c->span_id);
  EXPECT_EQ(s->trace_id.hex(), c->trace_id.hex());
  EXPECT_EQ(s->end_unix_ns, c->end_unix_ns) << "still nested in its client (the server's end is clamped)";
  EXPECT_EQ(f.c.pending_spans(), 0u);
  EXPECT_EQ(f.stats.traces_complete, 1u);
  EXPECT_EQ(f.stats.traces_after_linger, 0u);
}

// Events from two CPUs arrive out of order: the server span may come after its client finished. The
// client waits for it (its wire identity may still be claimed), then both leave together.
TEST(CompleteTraces, ClientWaitsForItsServerSpanArrivingLate) {
  Fixture f;
  SpanHandle client = f.c.client_request(curl, 1, true, wire(100), 1 * kMs);
  f.c.span_finished(client, finished_span(SpanKind::Client, "GET /c", 1 * kMs, 8 * kMs));
  f.advance_soon(20);
  EXPECT_TRUE(f.sink.spans.empty()) << "a server span may still link to it";
  SpanHandle server = f.c.server_request(svc, 2, wire(100), std::nullopt, 2 * kMs);
  f.advance_soon(21);
  EXPECT_TRUE(f.sink.spans.empty()) << "its server span has not finished";
  f.c.span_finished(server, finished_span(SpanKind::Server, "GET /s", 2 * kMs, 7 * kMs));
  f.advance_soon(22);
  ASSERT_EQ(f.sink.spans.size(), 2u);
  EXPECT_EQ(f.sink.named("GET /s")->parent_span_id, f.sink.named("GET /c")->span_id);
}

// A client span whose server is not traced here (another node, an untraced process) can never be
// known complete: its trace waits the linger, as before.
TEST(CompleteTraces, ClientWithoutATracedServerWaitsTheLinger) {
  Fixture f;
  SpanHandle client = f.c.client_request(curl, 1, true, wire(100), 1 * kMs);
  f.c.span_finished(client, finished_span(SpanKind::Client, "GET /c", 1 * kMs, 8 * kMs));
  f.c.advance(8 * kMs + f.config.trace_linger_ns - 1);
  EXPECT_TRUE(f.sink.spans.empty());
  f.advance_past_linger(8);
  EXPECT_EQ(f.sink.spans.size(), 1u);
  EXPECT_EQ(f.stats.traces_complete, 0u);
  EXPECT_EQ(f.stats.traces_after_linger, 1u);
}

// Without a wire identity (no TCP sequence) no server span can ever link to a client span: it does not
// hold its trace open.
TEST(CompleteTraces, ClientWithoutWireIdentityHoldsNothingOpen) {
  Fixture f;
  SpanHandle server = f.c.server_request(svc, 2, WireEnd{}, std::nullopt, 1 * kMs);  // a root at once
  SpanHandle client = f.c.client_request(svc, 3, true, WireEnd{}, 2 * kMs);          // its child (thread)
  f.c.span_finished(client, finished_span(SpanKind::Client, "GET /down", 2 * kMs, 3 * kMs));
  f.c.span_finished(server, finished_span(SpanKind::Server, "GET /up", 1 * kMs, 4 * kMs));
  f.advance_soon();
  ASSERT_EQ(f.sink.spans.size(), 2u);
  EXPECT_EQ(f.sink.named("GET /down")->parent_span_id, f.sink.named("GET /up")->span_id);
}

// A child not finished holds its whole trace, however long after the root ended.
TEST(CompleteTraces, UnfinishedChildHoldsTheTrace) {
  Fixture f;
  SpanHandle server = f.c.server_request(svc, 2, WireEnd{}, std::nullopt, 1 * kMs);
  SpanHandle client = f.c.client_request(svc, 3, true, WireEnd{}, 2 * kMs);
  f.c.span_finished(server, finished_span(SpanKind::Server, "GET /up", 1 * kMs, 4 * kMs));
  f.advance_soon();
  EXPECT_TRUE(f.sink.spans.empty());
  f.c.span_finished(client, finished_span(SpanKind::Client, "GET /down", 2 * kMs, 130 * kMs));
  f.advance_soon(131);
  ASSERT_EQ(f.sink.spans.size(), 2u);
  EXPECT_EQ(f.sink.batches, 1u);
}

// A connection opened while serving a request: its first request will be that request's child (the
// connect decided it), even if written after the answer. Until then the trace stays open.
TEST(CompleteTraces, ConnectHintHoldsTheTraceUntilItsRequest) {
  Fixture f;
  SpanHandle server = f.c.server_request(svc, 2, WireEnd{}, std::nullopt, 1 * kMs);
  f.c.client_connected(svc, 9, 2 * kMs);
  f.c.span_finished(server, finished_span(SpanKind::Server, "GET /up", 1 * kMs, 4 * kMs));
  f.advance_soon(10);
  EXPECT_TRUE(f.sink.spans.empty()) << "the connection's first request is still to come";
  SpanHandle late = f.c.client_request(svc_other_thread, 9, true, WireEnd{}, 11 * kMs);
  f.c.span_finished(late, finished_span(SpanKind::Client, "GET /late", 11 * kMs, 12 * kMs));
  f.advance_soon(13);
  ASSERT_EQ(f.sink.spans.size(), 2u);
  EXPECT_EQ(f.sink.named("GET /late")->parent_span_id, f.sink.named("GET /up")->span_id);
  EXPECT_EQ(f.stats.linked_in_process, 1u);
}

TEST(CompleteTraces, ConnectionClosedWithoutRequestReleasesTheTrace) {
  Fixture f;
  SpanHandle server = f.c.server_request(svc, 2, WireEnd{}, std::nullopt, 1 * kMs);
  f.c.client_connected(svc, 9, 2 * kMs);
  f.c.client_connected(svc, 10, 3 * kMs);
  f.c.span_finished(server, finished_span(SpanKind::Server, "GET /up", 1 * kMs, 4 * kMs));
  f.c.connection_closed(9);
  f.advance_soon(10);
  EXPECT_TRUE(f.sink.spans.empty()) << "connection 10 may still send its first request";
  f.c.connection_closed(10);
  f.advance_soon(11);
  EXPECT_EQ(f.sink.spans.size(), 1u);
}

// A request a goroutine served leaves at once too: a goroutine its handler started that calls out after
// the answer abstains (parent_gone), it does not join the trace late.
TEST(CompleteTraces, GoroutineServedRequestLeavesAtOnce) {
  Fixture f;
  const ExecContext go{40, 41, 7}, spawned{40, 42, 8};
  SpanHandle server = f.c.server_request(go, 2, WireEnd{}, std::nullopt, 1 * kMs);
  cs_go_newproc_event np{};
  np.hdr.type = CS_EV_GO_NEWPROC;
  np.hdr.size = sizeof np;
  np.hdr.ts_ns = 2 * kMs;
  np.hdr.pid = 40;
  np.hdr.tid = 41;
  np.parent_goid = 7;
  np.child_goid = 8;
  f.c.runtime_record(np.hdr);
  f.c.span_finished(server, finished_span(SpanKind::Server, "GET /go", 1 * kMs, 4 * kMs));
  f.advance_soon(5);
  ASSERT_EQ(f.sink.spans.size(), 1u) << "complete at once: no rule names it after its answer";
  SpanHandle late = f.c.client_request(spawned, 3, true, WireEnd{}, 6 * kMs);
  f.c.span_finished(late, finished_span(SpanKind::Client, "GET /late", 6 * kMs, 7 * kMs));
  f.advance_soon(8);
  ASSERT_EQ(f.sink.spans.size(), 2u);
  EXPECT_EQ(f.sink.named("GET /late")->parent_span_id, 0u) << "a root, not a late child";
  EXPECT_EQ(f.stats.ambiguous_parent_gone, 1u);
}

// A rule that follows work past the answer (InProcessRule::may_name_after_answer: yes, the default for a
// rule that does not say) holds the trace of a request it saw served for the whole linger.
class LateNamingRule : public InProcessRule {
 public:
  const char* name() const override { return "late_naming"; }
  void request_served(const ExecContext&, SpanHandle, uint64_t) override {}
  void request_answered(SpanHandle) override {}
  void client_request(const ExecContext&, SpanHandle, SpanHandle, uint64_t) override {}
  void io(const ExecContext&, uint64_t, Side, Io, uint64_t) override {}
  void connected(const ExecContext&, uint64_t) override {}
  void connection_closed(uint64_t) override {}
  void process_exited(uint32_t) override {}
  void runtime_record(const cs_event_header&) override {}
  RuleAnswer parent_of(const CallSite&) override { return RuleAnswer::pass(); }
  void clear() override {}
};

TEST(CompleteTraces, RuleThatMayNameAfterTheAnswerHoldsTheTrace) {
  Fixture f;
  f.c.add_rule(std::make_unique<LateNamingRule>());
  SpanHandle server = f.c.server_request(svc, 2, WireEnd{}, std::nullopt, 1 * kMs);
  f.c.span_finished(server, finished_span(SpanKind::Server, "GET /held", 1 * kMs, 4 * kMs));
  f.advance_soon();
  EXPECT_TRUE(f.sink.spans.empty());
  f.advance_past_linger(4);
  EXPECT_EQ(f.sink.spans.size(), 1u);
}

// Through NAT the link needs both sequence numbers, known when the spans finish: the client's trace is
// complete once the link is made.
TEST(CompleteTraces, LinkThroughNatCompletesTheTrace) {
  Fixture f;
  WireEnd client_view = wire(500, 40001);
  client_view.flow.server.addr[1] = 96;  // a virtual service address; the server sees its own
  const WireEnd server_view = wire(500, 61000);
  SpanHandle client = f.c.client_request(curl, 1, true, client_view, 1 * kMs);
  SpanHandle server = f.c.server_request(svc, 2, server_view, std::nullopt, 2 * kMs);
  f.c.span_finished(server, finished_span(SpanKind::Server, "GET /s", 2 * kMs, 5 * kMs), true, 9000);
  f.c.span_finished(client, finished_span(SpanKind::Client, "GET /c", 1 * kMs, 6 * kMs), true, 9000);
  f.advance_soon(7);
  ASSERT_EQ(f.sink.spans.size(), 2u);
  EXPECT_EQ(f.sink.named("GET /s")->parent_span_id, f.sink.named("GET /c")->span_id);
  EXPECT_EQ(f.stats.linked_cross_process_nat, 1u);
}

// A span given up (its request never completed) no longer holds its parent's trace.
TEST(CompleteTraces, DiscardedChildReleasesTheTrace) {
  Fixture f;
  SpanHandle server = f.c.server_request(svc, 2, WireEnd{}, std::nullopt, 1 * kMs);
  SpanHandle client = f.c.client_request(svc, 3, true, WireEnd{}, 2 * kMs);
  f.c.span_finished(server, finished_span(SpanKind::Server, "GET /up", 1 * kMs, 4 * kMs));
  f.c.discard(client);
  f.advance_soon();
  EXPECT_EQ(f.sink.spans.size(), 1u);
}

// The same for a server span such a rule saw served (it may name it after its answer, which never came):
// what it held open leaves with it.
TEST(CompleteTraces, DiscardedChildOfALateNamingRuleReleasesTheTrace) {
  Fixture f;
  f.c.add_rule(std::make_unique<LateNamingRule>());
  SpanHandle client = f.c.client_request(curl, 1, true, wire(100), 1 * kMs);
  SpanHandle server = f.c.server_request(svc, 2, wire(100), std::nullopt, 2 * kMs);
  f.c.discard(server);
  f.c.span_finished(client, finished_span(SpanKind::Client, "GET /c", 1 * kMs, 8 * kMs));
  f.advance_soon(9);
  EXPECT_EQ(f.sink.spans.size(), 1u);
}

// A server span waiting for its client is no root yet: nothing leaves until it is linked or settled.
TEST(CompleteTraces, ServerWaitingForItsClientIsNoTraceYet) {
  Fixture f;
  SpanHandle server = f.c.server_request(svc, 2, wire(100), std::nullopt, 1 * kMs);
  f.c.span_finished(server, finished_span(SpanKind::Server, "GET /s", 1 * kMs, 2 * kMs));
  f.advance_soon(100);
  EXPECT_TRUE(f.sink.spans.empty()) << "its client span may still come";
  f.c.advance(2 * kMs + f.config.link_window_ns + 1);  // settles as a root without a client
  EXPECT_EQ(f.sink.spans.size(), 1u);
  EXPECT_EQ(f.stats.unlinked_server, 1u);
}

}  // namespace
}  // namespace cs
