// Span times from call-return timestamps (socket-level capture, enter_ns 0), the clamping that keeps the
// two spans of one connection nested, the syscall fallback path (entry known), and ring-buffer slot
// padding after the payload.
#include <gtest/gtest.h>

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

struct Replayed {
  std::vector<Span> spans;
  PipelineStats stats;
  const Span& one(SpanKind kind, uint32_t pid) const {
    const Span* found = nullptr;
    for (const auto& s : spans)
      if (s.kind == kind && s.pid == pid) {
        EXPECT_EQ(found, nullptr) << "several spans of pid " << pid;
        found = &s;
      }
    static const Span none;
    EXPECT_NE(found, nullptr) << "no span of pid " << pid;
    return found ? *found : none;
  }
};

Replayed run(const std::vector<Record>& records) {
  CollectingSink sink;
  PipelineConfig config;
  config.id_seed = 3;
  Pipeline p(config, sink);
  for (const auto& r : records) p.on_record(r.data(), r.size());
  p.flush();
  return Replayed{sink.spans, p.stats()};
}

uint64_t ts_of(const Record& r) { return reinterpret_cast<const cs_event_header*>(r.data())->ts_ns; }

const Proc curl{10, 10, "curl"};
const Proc srv{20, 21, "srv"};

// enter_ns 0: a client span starts when the send of its first request byte returned and ends when the
// read of its last response byte returned; a server span runs from the return of the read of the first
// request byte to the return of the send of its last response byte.
TEST(SpanTiming, CallReturnTimesWhenTheEntryIsUnknown) {
  Scenario s;
  auto c = s.connect(curl, 3, srv, 5, 40000, 8080);
  s.client_to_server(c, get("/t"));
  s.server_to_client(c, ok());
  ASSERT_EQ(s.records.size(), 5u);  // connect, client write, server read, server write, client read
  const uint64_t client_write = ts_of(s.records[1]), server_read = ts_of(s.records[2]);
  const uint64_t server_write = ts_of(s.records[3]), client_read = ts_of(s.records[4]);
  Replayed r = run(s.records);
  const Span& client = r.one(SpanKind::Client, 10);
  const Span& server = r.one(SpanKind::Server, 20);
  EXPECT_EQ(client.start_unix_ns, client_write);
  EXPECT_EQ(client.end_unix_ns, client_read);
  EXPECT_EQ(server.start_unix_ns, server_read);
  EXPECT_EQ(server.end_unix_ns, server_write);
  EXPECT_EQ(server.parent_span_id, client.span_id);
}

// Loopback: the server's read can return before the client's send returns, and the client's read of the
// response before the server's send returns. The rule-1 pair is clamped: client start <= server start,
// server end <= client end; the other two ends stay as measured.
TEST(SpanTiming, RuleOnePairIsClampedToNest) {
  const cs_tuple cv = test::tuple(test::v4("127.0.0.1", 40000), test::v4("127.0.0.1", 8080));
  const cs_tuple sv = test::reversed(cv);
  const uint64_t cs_ = 0xffff0001, ss = 0xffff0002;
  const std::string req = get("/clamp"), resp = ok();
  std::vector<Record> recs;
  recs.push_back(test::conn_open(curl, 500, 3, cv, cs_));
  recs.push_back(test::data(srv, 0, 900, 5, CS_ROLE_SERVER, CS_DIR_INGRESS, sv, ss, 7000, req, 0, CS_SYS_READ));
  recs.push_back(test::data(curl, 0, 1000, 3, CS_ROLE_CLIENT, CS_DIR_EGRESS, cv, cs_, 7000, req));
  recs.push_back(test::data(curl, 0, 4000, 3, CS_ROLE_CLIENT, CS_DIR_INGRESS, cv, cs_, 9000, resp, 0, CS_SYS_READ));
  recs.push_back(test::data(srv, 0, 5000, 5, CS_ROLE_SERVER, CS_DIR_EGRESS, sv, ss, 9000, resp));
  Replayed r = run(recs);
  const Span& client = r.one(SpanKind::Client, 10);
  const Span& server = r.one(SpanKind::Server, 20);
  ASSERT_EQ(server.parent_span_id, client.span_id);
  EXPECT_EQ(client.start_unix_ns, 900u) << "clamped down to the server's start";
  EXPECT_EQ(client.end_unix_ns, 4000u);
  EXPECT_EQ(server.start_unix_ns, 900u);
  EXPECT_EQ(server.end_unix_ns, 4000u) << "clamped down to the client's end";
  EXPECT_FALSE(client.error);
  EXPECT_FALSE(server.error);
}

// The clamp needs both spans finished: it also applies when the client span finishes first (its response
// read returned before the server's write record arrived) or last.
TEST(SpanTiming, ClampWhicheverSpanFinishesFirst) {
  const cs_tuple cv = test::tuple(test::v4("127.0.0.1", 40001), test::v4("127.0.0.1", 8080));
  const cs_tuple sv = test::reversed(cv);
  const std::string req = get("/order"), resp = ok();
  std::vector<Record> recs;
  recs.push_back(test::data(srv, 0, 900, 5, CS_ROLE_SERVER, CS_DIR_INGRESS, sv, 2, 1, req, 0, CS_SYS_READ));
  recs.push_back(test::data(curl, 0, 1000, 3, CS_ROLE_CLIENT, CS_DIR_EGRESS, cv, 1, 1, req));
  recs.push_back(test::data(srv, 0, 5000, 5, CS_ROLE_SERVER, CS_DIR_EGRESS, sv, 2, 50, resp));
  recs.push_back(test::data(curl, 0, 4000, 3, CS_ROLE_CLIENT, CS_DIR_INGRESS, cv, 1, 50, resp, 0, CS_SYS_READ));
  Replayed r = run(recs);
  const Span& client = r.one(SpanKind::Client, 10);
  const Span& server = r.one(SpanKind::Server, 20);
  ASSERT_EQ(server.parent_span_id, client.span_id);
  EXPECT_EQ(client.start_unix_ns, 900u);
  EXPECT_EQ(server.end_unix_ns, 4000u);
}

// The syscall fallback path (entry known): client spans start at the entry of the write, server spans end
// at the entry of the response write, as with the syscall-level capture; nothing needs clamping.
TEST(SpanTiming, SyscallEntryKnownKeepsEntryTimes) {
  Scenario s;
  s.syscall_entry = true;
  auto c = s.connect(curl, 3, srv, 5, 40000, 8080);
  s.client_to_server(c, get("/t"));
  s.server_to_client(c, ok());
  ASSERT_EQ(s.records.size(), 5u);
  auto enter_of = [](const Record& r) { return reinterpret_cast<const cs_data_event*>(r.data())->enter_ns; };
  Replayed r = run(s.records);
  const Span& client = r.one(SpanKind::Client, 10);
  const Span& server = r.one(SpanKind::Server, 20);
  EXPECT_EQ(client.start_unix_ns, enter_of(s.records[1]));
  EXPECT_EQ(client.end_unix_ns, ts_of(s.records[4]));
  EXPECT_EQ(server.start_unix_ns, ts_of(s.records[2]));
  EXPECT_EQ(server.end_unix_ns, enter_of(s.records[3]));
  EXPECT_LT(client.start_unix_ns, ts_of(s.records[1]));
  EXPECT_EQ(server.parent_span_id, client.span_id);
}

// A three-process chain on the socket-level path: every child lies inside its parent (rule 1 by
// clamping, rule 2 because one thread reads, calls and answers in order).
TEST(SpanTiming, ChainNestsWithCallReturnTimes) {
  Scenario s;
  const Proc b{30, 31, "svc-b"};
  auto c1 = s.connect(curl, 3, srv, 5, 40000, 8081);
  s.client_to_server(c1, get("/a"));
  auto c2 = s.connect(srv, 6, b, 7, 40001, 8082);
  s.client_to_server(c2, get("/b"));
  s.server_to_client(c2, ok());
  s.server_to_client(c1, ok());
  Replayed r = run(s.records);
  ASSERT_EQ(r.spans.size(), 4u);
  for (const Span& child : r.spans) {
    if (child.parent_span_id == 0) continue;
    const Span* parent = nullptr;
    for (const Span& p : r.spans)
      if (p.span_id == child.parent_span_id) parent = &p;
    ASSERT_NE(parent, nullptr);
    EXPECT_GE(child.start_unix_ns, parent->start_unix_ns) << child.name;
    EXPECT_LE(child.end_unix_ns, parent->end_unix_ns) << child.name;
  }
}

// Fixed-size ring-buffer slots: hdr.size covers garbage after the captured payload. Only `captured` bytes
// are payload; the records are not malformed.
TEST(SpanTiming, SlotPaddingAfterThePayloadIsIgnored) {
  const cs_tuple cv = test::tuple(test::v4("127.0.0.1", 40002), test::v4("127.0.0.1", 8080));
  const cs_tuple sv = test::reversed(cv);
  const std::string req = get("/padded"), resp = ok("body");
  std::vector<Record> recs;
  auto slot = [](const std::string& payload) { return 4096 - sizeof(cs_data_event) - payload.size(); };
  recs.push_back(test::data(curl, 0, 1000, 3, CS_ROLE_CLIENT, CS_DIR_EGRESS, cv, 1, 1, req, 0, CS_SYS_WRITE, slot(req)));
  recs.push_back(test::data(srv, 0, 1100, 5, CS_ROLE_SERVER, CS_DIR_INGRESS, sv, 2, 1, req, 0, CS_SYS_READ, slot(req)));
  recs.push_back(
      test::data(srv, 0, 2000, 5, CS_ROLE_SERVER, CS_DIR_EGRESS, sv, 2, 900, resp, 0, CS_SYS_WRITE, slot(resp)));
  recs.push_back(
      test::data(curl, 0, 2100, 3, CS_ROLE_CLIENT, CS_DIR_INGRESS, cv, 1, 900, resp, 0, CS_SYS_READ, slot(resp)));
  for (const auto& rec : recs) ASSERT_EQ(rec.size(), 4096u);
  Replayed r = run(recs);
  EXPECT_EQ(r.stats.bad_records, 0u);
  EXPECT_EQ(r.stats.parse_errors, 0u);
  ASSERT_EQ(r.spans.size(), 2u);
  const Span& server = r.one(SpanKind::Server, 20);
  EXPECT_EQ(server.name, "GET /padded");
  EXPECT_FALSE(server.error);
  EXPECT_EQ(server.parent_span_id, r.one(SpanKind::Client, 10).span_id);
}

}  // namespace
}  // namespace cs
