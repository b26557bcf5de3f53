// The protocol-neutral model end to end: a protocol that is not HTTP (the toy protocol of
// unit/protocols/toy, shaped like the data stores: server greeting, startup message, pipelined requests,
// several response messages per request, pushes that answer no request) runs through the unchanged
// pipeline next to HTTP/1, names and describes its own spans, and chains with HTTP spans by the same rules.
#include <gtest/gtest.h>

#include <vector>

#include "pipeline/pipeline.h"
#include "protocols/http1/http1_protocol.h"
#include "support/scenario.h"
#include "unit/protocols/toy/toy_protocol.h"

namespace cs {
namespace {

using test::get;
using test::ok;
using test::Proc;
using test::Scenario;

class CollectingSink : public SpanSink {
 public:
  void emit(const std::vector<Span>& batch) override { spans.insert(spans.end(), batch.begin(), batch.end()); }
  std::vector<Span> spans;
};

class RecordingVerdicts : public SocketVerdicts {
 public:
  void verdict(uint64_t, uint8_t v) override { traced += v == CS_VERDICT_TRACE; }
  int traced = 0;
};

const toy::ToyProtocol kToy;
const std::vector<const Protocol*> kProtocols = {&http1::http1_protocol(), &kToy};

const Span* find(const std::vector<Span>& spans, uint32_t pid, SpanKind kind, const std::string& name) {
  const Span* found = nullptr;
  for (const auto& s : spans)
    if (s.pid == pid && s.kind == kind && s.name == name) {
      EXPECT_EQ(found, nullptr) << "two spans " << name << " of pid " << pid;
      found = &s;
    }
  EXPECT_NE(found, nullptr) << "no span " << name << " of pid " << pid;
  return found;
}

std::string str_attr(const Span& s, std::string_view key) {
  const Attribute* a = s.find(key);
  return a && std::holds_alternative<std::string>(a->value) ? std::get<std::string>(a->value) : "<none>";
}
int64_t int_attr(const Span& s, std::string_view key) {
  const Attribute* a = s.find(key);
  return a && std::holds_alternative<int64_t>(a->value) ? std::get<int64_t>(a->value) : -1;
}

// curl -> svc (HTTP) -> svc calls toyd (toy protocol: greeting, startup, two pipelined commands, rows, a
// push, an error) -> svc answers. One trace of six spans.
TEST(ProtocolModel, NonHttpProtocolChainsThroughTheSamePipeline) {
  const Proc curl{10, 10, "curl"};
  const Proc svc{20, 21, "svc"};
  const Proc toyd{50, 51, "toyd"};
  Scenario s;
  auto in = s.connect(curl, 3, svc, 5, 40000, 8080);
  s.client_to_server(in, get("/orders"));
  auto db = s.connect(svc, 6, toyd, 7, 40001, 7000);  // connect while serving /orders
  s.server_to_client(db, "HELLO toyd-1.0\n");
  s.client_to_server(db, "START shop\n");
  s.client_to_server(db, "CMD get orders\nCMD count users\n");
  s.server_to_client(db, "ROW 1\nROW 2\n");
  s.server_to_client(db, "PUSH news\nEND\nERR 42\n");
  s.server_to_client(in, ok());

  CollectingSink sink;
  RecordingVerdicts verdicts;
  PipelineConfig config;
  config.id_seed = 11;
  Pipeline p(config, sink, &verdicts, kProtocols);
  for (const auto& r : s.records) p.on_record(r.data(), r.size());
  p.flush();
  const PipelineStats st = p.stats();

  ASSERT_EQ(sink.spans.size(), 6u) << "no span for the greeting, the startup or the push";
  EXPECT_EQ(st.unmatched_responses, 0u);
  EXPECT_EQ(st.parse_errors, 0u);
  EXPECT_EQ(verdicts.traced, 4) << "both ends of both connections";

  const Span* root = find(sink.spans, 10, SpanKind::Client, "GET /orders");
  const Span* served = find(sink.spans, 20, SpanKind::Server, "GET /orders");
  const Span* get_client = find(sink.spans, 20, SpanKind::Client, "get orders");
  const Span* count_client = find(sink.spans, 20, SpanKind::Client, "count users");
  const Span* get_server = find(sink.spans, 50, SpanKind::Server, "get orders");
  const Span* count_server = find(sink.spans, 50, SpanKind::Server, "count users");
  ASSERT_TRUE(root && served && get_client && count_client && get_server && count_server);

  EXPECT_EQ(served->parent_span_id, root->span_id);
  EXPECT_EQ(get_client->parent_span_id, served->span_id) << "rule 2: the thread serving /orders";
  EXPECT_EQ(count_client->parent_span_id, served->span_id);
  EXPECT_EQ(get_server->parent_span_id, get_client->span_id) << "rule 1: same connection and sequence";
  EXPECT_EQ(count_server->parent_span_id, count_client->span_id);
  for (const Span& sp : sink.spans) EXPECT_EQ(sp.trace_id.hex(), root->trace_id.hex());

  // The protocol's own description: name, attributes, status.
  EXPECT_FALSE(get_client->error);
  EXPECT_EQ(str_attr(*get_client, "db.system.name"), "toy");
  EXPECT_EQ(str_attr(*get_client, "db.operation.name"), "get");
  EXPECT_EQ(str_attr(*get_client, "db.collection.name"), "orders");
  EXPECT_EQ(str_attr(*get_client, "db.namespace"), "shop") << "learnt from the startup message";
  EXPECT_EQ(int_attr(*get_client, "db.response.returned_rows"), 2);
  EXPECT_EQ(int_attr(*get_client, "server.port"), 7000);
  EXPECT_EQ(str_attr(*get_client, "server.address"), "127.0.0.1");
  EXPECT_EQ(int_attr(*get_server, "db.response.returned_rows"), 2);
  EXPECT_TRUE(count_client->error);
  EXPECT_TRUE(count_server->error);
  EXPECT_EQ(count_client->status_message, "ERR 42");
  EXPECT_EQ(str_attr(*count_server, "db.response.status_code"), "42");
  EXPECT_EQ(get_server->service, "toyd");
  EXPECT_EQ(get_server->tid, 51u);
  // HTTP spans keep their own description.
  EXPECT_EQ(str_attr(*served, "network.protocol.name"), "http");
  EXPECT_EQ(root->find("db.system.name"), nullptr);

  // Several response messages per request: the span runs to the last of them; children nest.
  EXPECT_LE(get_client->start_unix_ns, get_server->start_unix_ns);
  EXPECT_GE(get_client->end_unix_ns, get_server->end_unix_ns);
  EXPECT_LE(served->start_unix_ns, get_client->start_unix_ns);
  EXPECT_GE(served->end_unix_ns, count_client->end_unix_ns);
}

// A connection closed with requests outstanding: the protocol reports them, the builder marks why.
TEST(ProtocolModel, OutstandingRequestsEndWithTheConnection) {
  const Proc app{30, 30, "app"};
  const Proc toyd{50, 51, "toyd"};
  Scenario s;
  auto db = s.connect(app, 6, toyd, 7, 40001, 7000);
  s.server_to_client(db, "HELLO x\n");
  s.client_to_server(db, "CMD slow q\n");
  s.server_to_client(db, "ROW 1\n");
  s.close_server(db);
  s.close_client(db);
  CollectingSink sink;
  Pipeline p(PipelineConfig{}, sink, nullptr, kProtocols);
  for (const auto& r : s.records) p.on_record(r.data(), r.size());
  p.flush();
  ASSERT_EQ(sink.spans.size(), 2u);
  for (const Span& sp : sink.spans) {
    EXPECT_EQ(sp.name, "slow q");
    EXPECT_TRUE(sp.error);
    EXPECT_EQ(sp.status_message, "connection closed during the response");
  }
}

}  // namespace
}  // namespace cs
