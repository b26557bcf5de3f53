// HTTP body sizes: the parser's head end gives each span its body bytes (not an attribute: the JSON line
// is unchanged), and the metrics count them (http.{server,client}.{request,response}.body.size).
#include <gtest/gtest.h>

#include "metrics/span_metrics.h"
#include "pipeline/pipeline.h"
#include "support/scenario.h"

namespace cs {
namespace {

class Collect : public SpanSink {
 public:
  void emit(const std::vector<Span>& spans) override { all.insert(all.end(), spans.begin(), spans.end()); }
  std::vector<Span> all;
};

TEST(BodySize, FromContentLengthAndChunkedBodiesThroughThePipeline) {
  test::Scenario s;
  test::Proc client{10, 11, "curl", 1}, server{20, 21, "srv", 1};
  auto c = s.connect(client, 3, server, 4, 40000, 8080);
  s.client_to_server(c, "POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: 11\r\n\r\nhello world");
  s.server_to_client(c, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nabcde\r\n0\r\n\r\n");
  s.client_to_server(c, "GET /empty HTTP/1.1\r\nHost: x\r\n\r\n");
  s.server_to_client(c, "HTTP/1.1 204 No Content\r\n\r\n");
  Collect out;
  MetricRegistry reg;
  MetricsConfig cfg;
  SpanMetrics metrics(reg, cfg);
  struct Both : SpanSink {
    SpanSink* a;
    SpanSink* b;
    void emit(const std::vector<Span>& v) override {
      a->emit(v);
      b->emit(v);
    }
  } both;
  both.a = &out;
  both.b = &metrics;
  PipelineConfig pc;
  pc.id_seed = 1;
  Pipeline p(pc, both);
  for (const auto& r : s.records) p.on_record(r.data(), r.size());
  p.flush();
  ASSERT_EQ(out.all.size(), 4u);
  for (const Span& sp : out.all) {
    if (sp.name == "POST /upload") {
      EXPECT_EQ(sp.request_body_bytes, 11);
      EXPECT_EQ(sp.response_body_bytes, 15);  // chunk framing included: "5\r\nabcde\r\n0\r\n\r\n"
    } else {
      EXPECT_EQ(sp.request_body_bytes, 0);
      EXPECT_EQ(sp.response_body_bytes, 0);
    }
    EXPECT_EQ(sp.find("http.request.body.size"), nullptr);  // the attributes stay as documented
  }
  const auto fs = reg.snapshot();
  for (const auto& f : fs) {
    if (f.prom_name != "http_server_request_body_size_bytes" && f.prom_name != "http_client_response_body_size_bytes")
      continue;
    uint64_t count = 0;
    double sum = 0;
    for (const auto& series : f.series) {
      count += series.count;
      sum += series.sum;
    }
    EXPECT_EQ(count, 2u) << f.prom_name;
    EXPECT_EQ(sum, f.prom_name == "http_server_request_body_size_bytes" ? 11 : 15) << f.prom_name;
  }
}

}  // namespace
}  // namespace cs
