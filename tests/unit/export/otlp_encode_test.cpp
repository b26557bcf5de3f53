// OTLP request bodies: spans and metrics as protobuf (decoded back with the same schema) and as OTLP/JSON
// (hex ids, integer enums), gzip, and the exporter's queue bound (export/otlp/).
#include "export/otlp/otlp_encode.h"

#include <gtest/gtest.h>
#include <rapidjson/document.h>
#include <zlib.h>

#include "export/otlp/otlp_exporter.h"
#include "export/otlp/otlp_http.h"
#include "opentelemetry/proto/collector/metrics/v1/metrics_service.pb.h"
#include "opentelemetry/proto/collector/trace/v1/trace_service.pb.h"
#include "unit/sinks/span_samples.h"

namespace cs {
namespace {

using opentelemetry::proto::collector::metrics::v1::ExportMetricsServiceRequest;
using opentelemetry::proto::collector::trace::v1::ExportTraceServiceRequest;

AgentResource agent() { return AgentResource{"node1", "node1:7", "0.1.0"}; }

std::vector<ExportSpan> sample_spans() {
  auto id = std::make_shared<ProcessIdentity>();
  id->pid = 100;
  id->service_name = "service_a";
  id->instance_id = "node1:100";
  id->executable_name = "python3.11";
  id->command_line = "python3 service_a.py";
  id->resource = {{"deployment.environment", "prod"}, {"host.name", "override"}};
  Span server = test::make_span(0x1122334455667788ULL, 0, SpanKind::Server, "GET /a", 1000, 2000, "service_a", 100);
  server.attributes.push_back({"http.response.status_code", int64_t{502}});
  server.error = true;
  server.status_message = "HTTP 502";
  Span client = test::make_span(0x99, 0x1122334455667788ULL, SpanKind::Client, "GET /b", 1100, 1900, "service_a", 100);
  client.attributes.push_back({"url.path", std::string("/b")});
  Span other = test::make_span(0x5, 0, SpanKind::Client, "GET /", 1, 2, "curl", 300);
  return {ExportSpan{server, id}, ExportSpan{client, id}, ExportSpan{other, nullptr}};
}

std::string attr(const google::protobuf::RepeatedPtrField<opentelemetry::proto::common::v1::KeyValue>& kvs,
                 const std::string& key) {
  for (const auto& kv : kvs)
    if (kv.key() == key)
      return kv.value().has_string_value() ? kv.value().string_value() : std::to_string(kv.value().int_value());
  return "<none>";
}

TEST(OtlpEncode, SpansAsProtobufGroupedByProcess) {
  std::string body, err;
  ASSERT_TRUE(encode_traces(sample_spans(), agent(), OtlpEncoding::Protobuf, body, err)) << err;
  ExportTraceServiceRequest req;
  ASSERT_TRUE(req.ParseFromString(body));
  ASSERT_EQ(req.resource_spans_size(), 2);
  const auto& rs = req.resource_spans(0);
  const auto& ra = rs.resource().attributes();
  EXPECT_EQ(attr(ra, "service.name"), "service_a");
  EXPECT_EQ(attr(ra, "service.instance.id"), "node1:100");
  EXPECT_EQ(attr(ra, "host.name"), "override");  // OTEL_RESOURCE_ATTRIBUTES wins
  EXPECT_EQ(attr(ra, "deployment.environment"), "prod");
  EXPECT_EQ(attr(ra, "process.pid"), "100");
  EXPECT_EQ(attr(ra, "process.executable.name"), "python3.11");
  EXPECT_EQ(attr(ra, "process.command_line"), "python3 service_a.py");
  ASSERT_EQ(rs.scope_spans(0).spans_size(), 2);
  EXPECT_EQ(rs.scope_spans(0).scope().name(), "callscope");
  const auto& s = rs.scope_spans(0).spans(0);
  EXPECT_EQ(s.span_id(), std::string("\x11\x22\x33\x44\x55\x66\x77\x88", 8));
  EXPECT_EQ(s.trace_id().size(), 16u);
  EXPECT_EQ(static_cast<uint8_t>(s.trace_id()[0]), 0x4b);
  EXPECT_EQ(s.parent_span_id(), "");
  EXPECT_EQ(s.kind(), 2);
  EXPECT_EQ(s.name(), "GET /a");
  EXPECT_EQ(s.start_time_unix_nano(), 1000u);
  EXPECT_EQ(s.end_time_unix_nano(), 2000u);
  EXPECT_EQ(s.status().code(), 2);
  EXPECT_EQ(s.status().message(), "HTTP 502");
  EXPECT_EQ(attr(s.attributes(), "http.response.status_code"), "502");
  EXPECT_EQ(attr(s.attributes(), "thread.id"), "101");
  const auto& c = rs.scope_spans(0).spans(1);
  EXPECT_EQ(c.kind(), 3);
  EXPECT_EQ(c.parent_span_id(), s.span_id());
  EXPECT_EQ(c.status().code(), 0);
  const auto& other = req.resource_spans(1).resource().attributes();
  EXPECT_EQ(attr(other, "service.name"), "curl");
  EXPECT_EQ(attr(other, "process.pid"), "300");
  EXPECT_EQ(attr(other, "host.name"), "node1");
}

TEST(OtlpEncode, SpansAsJsonHaveHexIdsAndIntegerEnums) {
  std::string body, err;
  ASSERT_TRUE(encode_traces(sample_spans(), agent(), OtlpEncoding::Json, body, err)) << err;
  rapidjson::Document d;
  d.Parse(body.c_str());
  ASSERT_FALSE(d.HasParseError()) << body;
  const auto& span = d["resourceSpans"][0]["scopeSpans"][0]["spans"][1];
  EXPECT_STREQ(span["spanId"].GetString(), "0000000000000099");
  EXPECT_STREQ(span["parentSpanId"].GetString(), "1122334455667788");
  EXPECT_EQ(std::string(span["traceId"].GetString()).substr(0, 2), "4b");
  EXPECT_EQ(std::string(span["traceId"].GetString()).size(), 32u);
  EXPECT_EQ(span["kind"].GetInt(), 3);
  EXPECT_EQ(d["resourceSpans"][0]["scopeSpans"][0]["spans"][0]["status"]["code"].GetInt(), 2);
}

TEST(OtlpEncode, MetricsByServiceResource) {
  MetricFamily h;
  h.otel_name = "http.server.request.duration";
  h.prom_name = "http_server_request_duration_seconds";
  h.unit = "s";
  h.kind = MetricKind::Histogram;
  h.label_keys = {"service.name", "http.route"};
  h.bounds = {0.1};
  MetricSeries s;
  s.label_values = {"service_a", "/a"};
  s.bucket_counts = {2, 1};
  s.count = 3;
  s.sum = 0.5;
  s.service_label = 0;
  h.series.push_back(s);
  MetricFamily c;
  c.otel_name = "callscope.records";
  c.kind = MetricKind::Counter;
  MetricSeries cs1;
  cs1.value = 42;
  c.series.push_back(cs1);
  std::string body, err;
  ASSERT_TRUE(encode_metrics({h, c}, agent(), 10, 20, OtlpEncoding::Protobuf, body, err)) << err;
  ExportMetricsServiceRequest req;
  ASSERT_TRUE(req.ParseFromString(body));
  ASSERT_EQ(req.resource_metrics_size(), 2);
  EXPECT_EQ(attr(req.resource_metrics(0).resource().attributes(), "service.name"), "service_a");
  const auto& m = req.resource_metrics(0).scope_metrics(0).metrics(0);
  EXPECT_EQ(m.name(), "http.server.request.duration");
  EXPECT_EQ(m.unit(), "s");
  ASSERT_TRUE(m.has_histogram());
  EXPECT_EQ(m.histogram().aggregation_temporality(), 2);
  const auto& p = m.histogram().data_points(0);
  EXPECT_EQ(p.count(), 3u);
  EXPECT_EQ(p.bucket_counts_size(), 2);
  EXPECT_EQ(p.explicit_bounds(0), 0.1);
  EXPECT_EQ(p.start_time_unix_nano(), 10u);
  EXPECT_EQ(p.time_unix_nano(), 20u);
  ASSERT_EQ(p.attributes_size(), 1);  // service.name went to the resource
  EXPECT_EQ(p.attributes(0).key(), "http.route");
  const auto& agent_m = req.resource_metrics(1);
  EXPECT_EQ(attr(agent_m.resource().attributes(), "service.name"), "callscope");
  EXPECT_EQ(attr(agent_m.resource().attributes(), "service.instance.id"), "node1:7");
  ASSERT_TRUE(agent_m.scope_metrics(0).metrics(0).has_sum());
  EXPECT_TRUE(agent_m.scope_metrics(0).metrics(0).sum().is_monotonic());
  EXPECT_EQ(agent_m.scope_metrics(0).metrics(0).sum().data_points(0).as_double(), 42);
}

TEST(OtlpHttp, GzipRoundTrip) {
  std::string in(10000, 'x'), gz;
  in += "tail";
  ASSERT_TRUE(gzip_compress(in, gz));
  ASSERT_GT(gz.size(), 2u);
  EXPECT_EQ(static_cast<uint8_t>(gz[0]), 0x1f);
  EXPECT_EQ(static_cast<uint8_t>(gz[1]), 0x8b);
  std::string out(in.size() + 16, '\0');
  z_stream z{};
  ASSERT_EQ(inflateInit2(&z, 15 + 16), Z_OK);
  z.next_in = reinterpret_cast<Bytef*>(gz.data());
  z.avail_in = static_cast<uInt>(gz.size());
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = static_cast<uInt>(out.size());
  EXPECT_EQ(inflate(&z, Z_FINISH), Z_STREAM_END);
  out.resize(z.total_out);
  inflateEnd(&z);
  EXPECT_EQ(out, in);
}

TEST(OtlpExporter, QueueBoundCountsWhatDoesNotFit) {
  OtlpConfig c;
  c.endpoint = "http://127.0.0.1:1";  // nothing listens: every attempt fails (retryable)
  c.queue_spans = 5;
  c.batch_interval_s = 30;
  c.metrics_interval_s = 0;
  c.shutdown_s = 0.2;
  OtlpExporter e(c, agent(), nullptr, nullptr, 0);
  std::vector<Span> spans;
  for (uint64_t i = 1; i <= 8; ++i) spans.push_back(test::make_span(i, 0, SpanKind::Server, "GET /", 1, 2, "a", 1));
  e.emit(spans);
  EXPECT_EQ(e.counters().spans_dropped_queue_full.load(), 3u);
  EXPECT_EQ(e.counters().queue_spans.load(), 5u);
  e.stop();
  EXPECT_EQ(e.counters().spans_sent.load(), 0u);
  EXPECT_EQ(e.counters().spans_dropped_shutdown.load(), 5u);
}

}  // namespace
}  // namespace cs

namespace cs {
namespace {

TEST(OtlpEncode, InvalidUtf8FromTheWireIsReplaced) {
  Span s = test::make_span(1, 0, SpanKind::Server, std::string("GET /\xff", 6), 1, 2, "svc", 1);
  s.attributes.push_back({"url.path", std::string("/\xff")});
  std::string body, err;
  ASSERT_TRUE(encode_traces({ExportSpan{s, nullptr}}, agent(), OtlpEncoding::Protobuf, body, err)) << err;
  ExportTraceServiceRequest req;
  ASSERT_TRUE(req.ParseFromString(body));
  const auto& sp = req.resource_spans(0).scope_spans(0).spans(0);
  EXPECT_EQ(sp.name(), "GET /\xEF\xBF\xBD");
  EXPECT_EQ(attr(sp.attributes(), "url.path"), "/\xEF\xBF\xBD");
}

}  // namespace
}  // namespace cs
