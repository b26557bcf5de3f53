// Metrics from spans: HTTP RED series and the service graph (metrics/span_metrics.h).
#include "metrics/span_metrics.h"

#include <gtest/gtest.h>

#include "unit/sinks/span_samples.h"

namespace cs {
namespace {

const MetricFamily& family(const std::vector<MetricFamily>& fs, const std::string& prom) {
  for (const auto& f : fs)
    if (f.prom_name == prom) return f;
  ADD_FAILURE() << "no family " << prom;
  static MetricFamily none;
  return none;
}

// The series whose labels equal `labels` (all of them, in key order); nullptr if none.
const MetricSeries* series(const MetricFamily& f, const std::vector<std::string>& labels) {
  for (const auto& s : f.series)
    if (s.label_values == labels) return &s;
  return nullptr;
}

Span http(uint64_t id, uint64_t parent, SpanKind kind, const std::string& service, const std::string& path, int code,
          uint64_t start_ms, uint64_t end_ms, uint16_t port = 8080) {
  Span s = test::make_span(id, parent, kind, "GET " + path, start_ms * 1'000'000, end_ms * 1'000'000, service, 100);
  s.attributes.push_back({"http.request.method", std::string("GET")});
  s.attributes.push_back({"url.path", path});
  if (code > 0) s.attributes.push_back({"http.response.status_code", int64_t{code}});
  s.attributes.push_back({"server.address", std::string("127.0.0.1")});
  s.attributes.push_back({"server.port", int64_t{port}});
  s.attributes.push_back({"network.protocol.name", std::string("http")});
  if (code >= 500 || (kind == SpanKind::Client && code >= 400)) {
    s.error = true;
    s.status_message = "HTTP " + std::to_string(code);
  }
  return s;
}

TEST(SpanMetrics, RedSeriesWithTemplatedRoutesAndErrorType) {
  MetricRegistry reg;
  MetricsConfig cfg;
  SpanMetrics m(reg, cfg);
  m.emit({http(1, 0, SpanKind::Server, "service_a", "/a/1", 200, 0, 3)});
  m.emit({http(2, 0, SpanKind::Server, "service_a", "/a/2", 200, 10, 40)});
  m.emit({http(3, 0, SpanKind::Server, "service_a", "/err", 502, 50, 51)});
  Span reset = http(4, 0, SpanKind::Client, "service_a", "/b", 0, 60, 61, 9000);
  reset.error = true;
  reset.status_message = "connection reset before the response";
  m.emit({reset});
  auto fs = reg.snapshot();
  const auto& server = family(fs, "http_server_request_duration_seconds");
  const MetricSeries* ok = series(server, {"service_a", "GET", "200", "/a/{id}", ""});
  ASSERT_NE(ok, nullptr);
  EXPECT_EQ(ok->count, 2u);
  EXPECT_NEAR(ok->sum, 0.033, 1e-12);
  EXPECT_EQ(ok->bucket_counts[0], 1u);  // 3 ms <= 5 ms
  EXPECT_EQ(ok->bucket_counts[3], 1u);  // 30 ms: (25 ms, 50 ms]
  const MetricSeries* err = series(server, {"service_a", "GET", "502", "/err", "502"});
  ASSERT_NE(err, nullptr);
  EXPECT_EQ(err->count, 1u);
  const auto& client = family(fs, "http_client_request_duration_seconds");
  const MetricSeries* c = series(client, {"service_a", "GET", "", "/b", "connection_reset", "127.0.0.1", "9000"});
  ASSERT_NE(c, nullptr);
  EXPECT_EQ(c->count, 1u);
}

TEST(SpanMetrics, HistogramBucketsAreUpperInclusive) {
  MetricRegistry reg;
  MetricsConfig cfg;
  cfg.duration_buckets = {0.01, 0.1};
  SpanMetrics m(reg, cfg);
  m.emit({http(1, 0, SpanKind::Server, "s", "/", 200, 0, 10)});    // exactly 10 ms: le 0.01
  m.emit({http(2, 0, SpanKind::Server, "s", "/", 200, 0, 50)});    // le 0.1
  m.emit({http(3, 0, SpanKind::Server, "s", "/", 200, 0, 5000)});  // +Inf
  const auto fs = reg.snapshot();
  const MetricSeries* s = series(family(fs, "http_server_request_duration_seconds"), {"s", "GET", "200", "/", ""});
  ASSERT_NE(s, nullptr);
  EXPECT_EQ(s->bucket_counts, (std::vector<uint64_t>{1, 1, 1}));
}

TEST(SpanMetrics, ServiceGraphEdges) {
  MetricRegistry reg;
  MetricsConfig cfg;
  SpanMetrics m(reg, cfg);
  // curl -> A -> B, one trace: curl client, A server, A client, B server (B fails: 500, A answers 502)
  m.emit({http(1, 0, SpanKind::Client, "curl", "/err", 502, 0, 100, 18083),
          http(2, 1, SpanKind::Server, "service_a", "/err", 502, 1, 99, 18083),
          http(3, 2, SpanKind::Client, "service_a", "/fail", 500, 10, 60, 18084),
          http(4, 3, SpanKind::Server, "service_b", "/fail", 500, 11, 59, 18084)});
  // a root server span (untraced client) and a client span to an untraced server
  m.emit({http(5, 0, SpanKind::Server, "service_b", "/b", 200, 200, 201)});
  m.emit({http(6, 0, SpanKind::Client, "service_a", "/ext", 200, 300, 310, 443)});
  auto fs = reg.snapshot();
  const auto& total = family(fs, "traces_service_graph_request_total");
  ASSERT_NE(series(total, {"curl", "service_a", "", "http"}), nullptr);
  EXPECT_EQ(series(total, {"curl", "service_a", "", "http"})->value, 1);
  EXPECT_EQ(series(total, {"service_a", "service_b", "", "http"})->value, 1);
  EXPECT_EQ(series(total, {"user", "service_b", "virtual_node", "http"})->value, 1);
  EXPECT_EQ(series(total, {"service_a", "127.0.0.1", "virtual_node", "http"}), nullptr);  // still waiting
  EXPECT_EQ(m.waiting(), 1u);
  const auto& failed = family(fs, "traces_service_graph_request_failed_total");
  EXPECT_EQ(series(failed, {"service_a", "service_b", "", "http"})->value, 1);
  const auto& server_s = family(fs, "traces_service_graph_request_server_seconds");
  EXPECT_NEAR(series(server_s, {"service_a", "service_b", "", "http"})->sum, 0.048, 1e-12);
  const auto& client_s = family(fs, "traces_service_graph_request_client_seconds");
  EXPECT_NEAR(series(client_s, {"service_a", "service_b", "", "http"})->sum, 0.05, 1e-12);

  // the waiting client span becomes a virtual-node edge once the wait is over
  m.expire(310'000'000 + cfg.graph_wait_ns - 1);
  EXPECT_EQ(m.waiting(), 1u);
  m.expire(310'000'000 + cfg.graph_wait_ns + 1);
  EXPECT_EQ(m.waiting(), 0u);
  const auto after = reg.snapshot();
  EXPECT_EQ(series(family(after, "traces_service_graph_request_total"), {"service_a", "127.0.0.1", "virtual_node", "http"})
                ->value,
            1);
}

TEST(SpanMetrics, ServerSpanArrivingAfterItsClientPairsWithTheWaitingClient) {
  MetricRegistry reg;
  MetricsConfig cfg;
  SpanMetrics m(reg, cfg);
  m.emit({http(1, 0, SpanKind::Client, "a", "/x", 200, 0, 10)});
  m.emit({http(2, 1, SpanKind::Server, "b", "/x", 200, 1, 9)});
  m.emit({http(3, 77, SpanKind::Server, "b", "/y", 200, 1, 9)});  // its client was never seen
  m.finish();
  auto fs = reg.snapshot();
  EXPECT_EQ(series(family(fs, "traces_service_graph_request_total"), {"a", "b", "", "http"})->value, 1);
  EXPECT_EQ(series(family(fs, "traces_service_graph_unpaired_spans_total"), {"", "b", "", "http"})->value, 1);
  EXPECT_EQ(m.waiting(), 0u);
}

TEST(SpanMetrics, WaitingClientsAreBounded) {
  MetricRegistry reg;
  MetricsConfig cfg;
  cfg.graph_max_waiting = 2;
  SpanMetrics m(reg, cfg);
  for (uint64_t i = 1; i <= 5; ++i) m.emit({http(i, 0, SpanKind::Client, "a", "/x", 200, i, i + 1)});
  EXPECT_EQ(m.waiting(), 2u);
  const auto fs = reg.snapshot();
  EXPECT_EQ(series(family(fs, "traces_service_graph_dropped_spans_total"), {"a", "", "", "http"})->value, 3);
}

TEST(MetricRegistry, SeriesBoundGoesToOneOverflowSeries) {
  MetricRegistry reg(2);
  MetricFamily f;
  f.prom_name = "x_total";
  f.label_keys = {"k"};
  FamilyWriter& w = reg.family(f);
  w.add(w.series({"a"}), 1);
  w.add(w.series({"b"}), 1);
  w.add(w.series({"c"}), 1);
  w.add(w.series({"d"}), 1);
  w.add(w.series({"a"}), 1);
  auto fs = reg.snapshot();
  ASSERT_EQ(fs[0].series.size(), 3u);
  EXPECT_EQ(fs[0].series[0].value, 2);
  EXPECT_EQ(fs[0].series[2].label_values, std::vector<std::string>{"_OTHER"});
  EXPECT_EQ(fs[0].series[2].value, 2);
  EXPECT_EQ(reg.overflowed(), 2u);
}

}  // namespace
}  // namespace cs

namespace cs {
namespace {

Span db(uint64_t id, uint64_t parent, SpanKind kind, const std::string& service, const char* system, uint64_t start_ms,
        uint64_t end_ms, bool error = false) {
  Span s = test::make_span(id, parent, kind, "GET", start_ms * 1'000'000, end_ms * 1'000'000, service, 200);
  s.attributes.push_back({"db.system.name", std::string(system)});
  s.attributes.push_back({"server.address", std::string("10.0.0.5")});
  s.attributes.push_back({"server.port", int64_t{6379}});
  s.error = error;
  return s;
}

TEST(SpanMetrics, DataStoreEdgesCarryTheirSystemAsProtocolAndNoRedSeries) {
  MetricRegistry reg;
  MetricsConfig cfg;
  SpanMetrics m(reg, cfg);
  // service_a -> redis-server (both traced), one failing; service_a -> an untraced PostgreSQL server.
  m.emit({db(1, 0, SpanKind::Client, "service_a", "redis", 0, 2), db(2, 1, SpanKind::Server, "redis-server", "redis", 0, 1)});
  m.emit({db(3, 0, SpanKind::Client, "service_a", "redis", 5, 7, true),
          db(4, 3, SpanKind::Server, "redis-server", "redis", 5, 6, true)});
  m.emit({db(5, 0, SpanKind::Client, "service_a", "postgresql", 10, 20)});
  m.finish();
  auto fs = reg.snapshot();
  const auto& total = family(fs, "traces_service_graph_request_total");
  ASSERT_NE(series(total, {"service_a", "redis-server", "", "redis"}), nullptr);
  EXPECT_EQ(series(total, {"service_a", "redis-server", "", "redis"})->value, 2);
  EXPECT_EQ(series(family(fs, "traces_service_graph_request_failed_total"), {"service_a", "redis-server", "", "redis"})
                ->value,
            1);
  ASSERT_NE(series(total, {"service_a", "10.0.0.5", "database", "postgresql"}), nullptr);
  EXPECT_EQ(series(total, {"service_a", "10.0.0.5", "database", "postgresql"})->value, 1);
  for (const auto& s : total.series) EXPECT_NE(s.label_values[3], "unknown");
  EXPECT_TRUE(family(fs, "http_server_request_duration_seconds").series.empty());
  EXPECT_TRUE(family(fs, "http_client_request_duration_seconds").series.empty());
}

}  // namespace
}  // namespace cs
