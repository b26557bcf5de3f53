// Data-store calls in call chains, through the whole pipeline with the agent's protocol registry: an HTTP
// handler that calls Redis and PostgreSQL gives one trace (client -> service server span -> redis client
// -> redis-server server span, and -> postgres client -> postgres server span), linked by the same rules
// as HTTP (same connection and TCP sequence across processes, the thread serving the request inside one).
#include <gtest/gtest.h>

#include <vector>

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
  void emit(const std::vector<Span>& batch) override { spans.insert(spans.end(), batch.begin(), batch.end()); }
  std::vector<Span> spans;
};

std::string be32(uint32_t v) {
  return std::string{static_cast<char>(v >> 24), static_cast<char>(v >> 16), static_cast<char>(v >> 8), static_cast<char>(v)};
}
std::string pg(char t, const std::string& body) { return std::string(1, t) + be32(body.size() + 4) + body; }

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

TEST(DbChain, HttpHandlerCallingRedisAndPostgresGivesOneTrace) {
  const Proc curl{10, 10, "curl"};
  const Proc svc{20, 21, "svc"};
  const Proc redis{30, 30, "redis-server"};
  const Proc postgres{40, 40, "postgres"};
  Scenario s;
  auto in = s.connect(curl, 3, svc, 5, 40000, 8080);
  s.client_to_server(in, get("/orders/7"));
  auto r = s.connect(svc, 6, redis, 7, 40001, 6379);  // connected while serving /orders/7
  s.client_to_server(r, "*2\r\n$3\r\nGET\r\n$7\r\norder:7\r\n");
  s.server_to_client(r, "$-1\r\n");
  auto db = s.connect(svc, 8, postgres, 9, 40002, 5432);
  const std::string params("user\0app\0database\0shop\0\0", 24);
  s.client_to_server(db, be32(8 + params.size()) + be32(196608) + params);  // StartupMessage
  s.server_to_client(db, pg('R', std::string(4, '\0')) + pg('Z', "I"));
  s.client_to_server(db, pg('Q', std::string("SELECT total FROM orders WHERE id = 7\0", 38)));
  s.server_to_client(db, pg('T', std::string(24, '\0')) + pg('D', std::string("\0\x01\0\0\0\x01" "9", 7)) +
                             pg('C', std::string("SELECT 1\0", 9)) + pg('Z', "I"));
  s.server_to_client(in, ok("9"));
  s.close_client(r);
  s.close_server(r);
  s.close_client(db);
  s.close_server(db);

  CollectingSink sink;
  PipelineConfig config;
  config.id_seed = 5;
  Pipeline p(config, sink, nullptr);
  for (const auto& rec : s.records) p.on_record(rec.data(), rec.size());
  p.flush();

  ASSERT_EQ(sink.spans.size(), 6u);
  const Span* root = find(sink.spans, curl.pid, SpanKind::Client, "GET /orders/7");
  const Span* handler = find(sink.spans, svc.pid, SpanKind::Server, "GET /orders/7");
  const Span* get_client = find(sink.spans, svc.pid, SpanKind::Client, "GET");
  const Span* get_server = find(sink.spans, redis.pid, SpanKind::Server, "GET");
  const Span* sql_client = find(sink.spans, svc.pid, SpanKind::Client, "SELECT orders");
  const Span* sql_server = find(sink.spans, postgres.pid, SpanKind::Server, "SELECT orders");
  ASSERT_TRUE(root && handler && get_client && get_server && sql_client && sql_server);
  for (const Span* sp : {handler, get_client, get_server, sql_client, sql_server})
    EXPECT_EQ(sp->trace_id.hex(), root->trace_id.hex());
  EXPECT_EQ(root->parent_span_id, 0u);
  EXPECT_EQ(handler->parent_span_id, root->span_id);
  EXPECT_EQ(get_client->parent_span_id, handler->span_id);
  EXPECT_EQ(get_server->parent_span_id, get_client->span_id);
  EXPECT_EQ(sql_client->parent_span_id, handler->span_id);
  EXPECT_EQ(sql_server->parent_span_id, sql_client->span_id);
  const Attribute* ns = sql_server->find("db.namespace");
  ASSERT_NE(ns, nullptr);
  EXPECT_EQ(std::get<std::string>(ns->value), "shop");
  const Attribute* text = sql_client->find("db.query.text");
  ASSERT_NE(text, nullptr);
  EXPECT_EQ(std::get<std::string>(text->value), "SELECT total FROM orders WHERE id = ?");
  EXPECT_EQ(std::get<int64_t>(get_server->find("server.port")->value), 6379);
  // Children inside their parents' windows.
  for (const Span* c : {get_client, sql_client}) {
    EXPECT_GE(c->start_unix_ns, handler->start_unix_ns);
    EXPECT_LE(c->end_unix_ns, handler->end_unix_ns);
  }
}

TEST(DbChain, RawQueryTextFlagReachesTheSpans) {
  const Proc app{20, 21, "app"};
  const Proc redis{30, 30, "redis-server"};
  Scenario s;
  auto r = s.connect(app, 6, redis, 7, 40001, 6379);
  s.client_to_server(r, "*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$6\r\nsecret\r\n");
  s.server_to_client(r, "+OK\r\n");
  for (bool raw : {false, true}) {
    CollectingSink sink;
    PipelineConfig config;
    config.raw_query_text = raw;
    Pipeline p(config, sink, nullptr);
    for (const auto& rec : s.records) p.on_record(rec.data(), rec.size());
    p.flush();
    ASSERT_EQ(sink.spans.size(), 2u);
    for (const Span& sp : sink.spans)
      EXPECT_EQ(std::get<std::string>(sp.find("db.query.text")->value), raw ? "SET k secret" : "SET k ?");
  }
}

}  // namespace
}  // namespace cs
