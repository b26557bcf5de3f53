// How an HTTP/1 exchange becomes its span (README "JSON output"): name, status rules per span kind, and
// the attributes in their order. Also the whole JSON line through the pipeline, unchanged by the
// protocol-neutral model.
#include "protocols/http1/http1_exchange.h"

#include <gtest/gtest.h>

#include <sstream>

#include "pipeline/pipeline.h"
#include "sinks/json_sink.h"
#include "support/scenario.h"

namespace cs::http1 {
namespace {

ExchangeContext context(SpanKind kind) {
  ExchangeContext c;
  c.kind = kind;
  c.server_address = "10.0.0.2";
  c.server_port = 8080;
  c.client_address = "10.0.0.1";
  c.client_port = 40000;
  return c;
}

Http1Exchange exchange(int status) {
  Http1Exchange e;
  e.request_http.set_method("GET");
  e.request_http.set_path("/users");
  e.request_http.set_target("/users?id=1");
  e.request_http.set_version("1.1");
  if (status > 0) {
    e.has_response = true;
    e.response_http.status = status;
    e.response_http.set_version("1.1");
  }
  return e;
}

std::string keys(const SpanFields& f) {
  std::string out;
  for (const Attribute& a : f.attributes) out += std::string(a.key) + " ";
  return out;
}

TEST(Http1Exchange, NameAndAttributesInOrder) {
  SpanFields f;
  exchange(200).describe(context(SpanKind::Server), f);
  EXPECT_EQ(f.name, "GET /users");
  EXPECT_FALSE(f.error);
  EXPECT_EQ(keys(f),
            "http.request.method url.path http.response.status_code server.address server.port client.address "
            "client.port network.protocol.name network.protocol.version ");
  EXPECT_EQ(std::get<std::string>(f.attributes[1].value), "/users");
  EXPECT_EQ(std::get<int64_t>(f.attributes[2].value), 200);
  EXPECT_EQ(std::get<std::string>(f.attributes[3].value), "10.0.0.2");
  EXPECT_EQ(std::get<int64_t>(f.attributes[4].value), 8080);
  EXPECT_EQ(std::get<std::string>(f.attributes[5].value), "10.0.0.1");
  EXPECT_EQ(std::get<int64_t>(f.attributes[6].value), 40000);
  EXPECT_EQ(std::get<std::string>(f.attributes[7].value), "http");
  EXPECT_EQ(std::get<std::string>(f.attributes[8].value), "1.1");
}

TEST(Http1Exchange, ErrorsFollowSpanKind) {
  for (int status : {200, 404, 503}) {
    SpanFields server, client;
    exchange(status).describe(context(SpanKind::Server), server);
    exchange(status).describe(context(SpanKind::Client), client);
    EXPECT_EQ(server.error, status >= 500) << status;
    EXPECT_EQ(client.error, status >= 400) << status;
    if (client.error) {
      EXPECT_EQ(client.status_message, "HTTP " + std::to_string(status));
    }
  }
}

TEST(Http1Exchange, NoResponseNoStatusEmptyPathIsRoot) {
  Http1Exchange e = exchange(0);
  e.request_http.set_path("");
  e.request_http.set_version("");
  e.end = Exchange::End::ConnectionClosed;
  SpanFields f;
  e.describe(context(SpanKind::Client), f);
  EXPECT_EQ(f.name, "GET /");
  EXPECT_FALSE(f.error) << "why the exchange ended is the span builder's part";
  EXPECT_EQ(keys(f), "http.request.method url.path server.address server.port client.address client.port "
                     "network.protocol.name ");
  // A 5xx response cut by the close: the status is reported, the error is the builder's.
  Http1Exchange cut = exchange(503);
  cut.end = Exchange::End::ConnectionReset;
  SpanFields g;
  cut.describe(context(SpanKind::Server), g);
  EXPECT_FALSE(g.error);
  EXPECT_NE(keys(g).find("http.response.status_code"), std::string::npos);
}

// The JSON line of an HTTP server span, from raw records to the sink, key by key.
TEST(Http1Exchange, JsonLineThroughThePipeline) {
  test::Scenario s;
  const test::Proc curl{10, 10, "curl"}, srv{20, 21, "python3"};
  auto c = s.connect(curl, 3, srv, 5, 40000, 8081);
  s.client_to_server(c, test::get("/a?x=1"));
  s.server_to_client(c, test::ok("hi", 502));
  std::ostringstream out;
  JsonSink sink(out);
  PipelineConfig config;
  config.id_seed = 1;
  config.mono_to_unix_ns = 1'700'000'000'000'000'000;
  Pipeline p(config, sink);
  for (const auto& r : s.records) p.on_record(r.data(), r.size());
  p.flush();
  sink.flush();
  std::istringstream lines(out.str());
  std::string line, server_line;
  int n = 0;
  while (std::getline(lines, line)) {
    ++n;
    if (line.find("\"kind\":\"server\"") != std::string::npos) server_line = line;
  }
  ASSERT_EQ(n, 2);
  const size_t name_at = server_line.find(",\"name\":\"GET /a\",\"start_time_unix_nano\":");
  ASSERT_NE(name_at, std::string::npos) << server_line;
  EXPECT_EQ(server_line.rfind("{\"trace_id\":\"", 0), 0u) << server_line;
  EXPECT_NE(server_line.find("\",\"span_id\":\""), std::string::npos);
  EXPECT_NE(server_line.find("\",\"parent_span_id\":\""), std::string::npos);
  EXPECT_NE(server_line.find(
                ",\"service.name\":\"python3\",\"process.pid\":20,\"thread.id\":21,\"status\":\"error\","
                "\"attributes\":{\"http.request.method\":\"GET\",\"url.path\":\"/a\",\"http.response.status_code\":502,"
                "\"server.address\":\"127.0.0.1\",\"server.port\":8081,\"client.address\":\"127.0.0.1\","
                "\"client.port\":40000,\"network.protocol.name\":\"http\",\"network.protocol.version\":\"1.1\"}}"),
            std::string::npos)
      << server_line;
}

}  // namespace
}  // namespace cs::http1
