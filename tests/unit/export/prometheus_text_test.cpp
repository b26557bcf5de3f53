// The Prometheus text exposition of metric families, and the /metrics server (export/).
#include "export/prometheus_text.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include "export/prometheus_server.h"

namespace cs {
namespace {

TEST(PrometheusText, CountersGaugesHistogramsExactly) {
  MetricFamily c;
  c.prom_name = "traces_service_graph_request_total";
  c.help = "Requests \\ between\ntwo services.";
  c.kind = MetricKind::Counter;
  c.label_keys = {"client", "server"};
  MetricSeries s1;
  s1.label_values = {"curl", "svc \"a\"\n"};
  s1.value = 3;
  c.series.push_back(s1);
  MetricFamily g;
  g.prom_name = "callscope_up";
  g.help = "up";
  g.kind = MetricKind::Gauge;
  MetricSeries s2;
  s2.value = 1;
  g.series.push_back(s2);
  MetricFamily h;
  h.prom_name = "http_server_request_duration_seconds";
  h.help = "d";
  h.kind = MetricKind::Histogram;
  h.label_keys = {"service.name"};
  h.bounds = {0.005, 0.1};
  MetricSeries s3;
  s3.label_values = {"a"};
  s3.bucket_counts = {1, 2, 1};
  s3.count = 4;
  s3.sum = 1.25;
  h.series.push_back(s3);
  std::string out;
  append_prometheus_text({c, g, h}, out);
  EXPECT_EQ(out,
            "# HELP traces_service_graph_request_total Requests \\\\ between\\ntwo services.\n"
            "# TYPE traces_service_graph_request_total counter\n"
            "traces_service_graph_request_total{client=\"curl\",server=\"svc \\\"a\\\"\\n\"} 3\n"
            "# HELP callscope_up up\n"
            "# TYPE callscope_up gauge\n"
            "callscope_up 1\n"
            "# HELP http_server_request_duration_seconds d\n"
            "# TYPE http_server_request_duration_seconds histogram\n"
            "http_server_request_duration_seconds_bucket{service_name=\"a\",le=\"0.005\"} 1\n"
            "http_server_request_duration_seconds_bucket{service_name=\"a\",le=\"0.1\"} 3\n"
            "http_server_request_duration_seconds_bucket{service_name=\"a\",le=\"+Inf\"} 4\n"
            "http_server_request_duration_seconds_sum{service_name=\"a\"} 1.25\n"
            "http_server_request_duration_seconds_count{service_name=\"a\"} 4\n");
}

TEST(PrometheusServer, ListenAddressForms) {
  std::string a;
  uint16_t p = 0;
  EXPECT_TRUE(parse_listen_address("9464", a, p));
  EXPECT_EQ(a, "127.0.0.1");
  EXPECT_EQ(p, 9464);
  EXPECT_TRUE(parse_listen_address(":9465", a, p));
  EXPECT_EQ(a, "127.0.0.1");
  EXPECT_TRUE(parse_listen_address("0.0.0.0:80", a, p));
  EXPECT_EQ(a, "0.0.0.0");
  EXPECT_TRUE(parse_listen_address("[::1]:9464", a, p));
  EXPECT_EQ(a, "::1");
  for (const char* bad : {"", "x", "1.2.3.4:", "1.2.3.4:70000", "[::1]9464", "[::1"}) EXPECT_FALSE(parse_listen_address(bad, a, p)) << bad;
}

std::string http_get(uint16_t port, const std::string& path) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_port = htons(port);
  inet_pton(AF_INET, "127.0.0.1", &sa.sin_addr);
  if (connect(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa) != 0) {
    close(fd);
    return "connect failed";
  }
  std::string req = "GET " + path + " HTTP/1.0\r\nHost: x\r\n\r\n";
  (void)!write(fd, req.data(), req.size());
  std::string out;
  char buf[4096];
  ssize_t n;
  while ((n = read(fd, buf, sizeof buf)) > 0) out.append(buf, static_cast<size_t>(n));
  close(fd);
  return out;
}

TEST(PrometheusServer, ServesMetricsOnLoopback) {
  std::string error;
  auto server = PrometheusServer::start("127.0.0.1:0", [] { return std::string("callscope_up 1\n"); }, error);
  ASSERT_NE(server, nullptr) << error;
  ASSERT_NE(server->port(), 0);
  std::string r = http_get(server->port(), "/metrics");
  EXPECT_NE(r.find("200 OK"), std::string::npos) << r;
  EXPECT_NE(r.find("text/plain; version=0.0.4"), std::string::npos) << r;
  EXPECT_NE(r.find("\r\n\r\ncallscope_up 1\n"), std::string::npos) << r;
  EXPECT_NE(http_get(server->port(), "/").find("404"), std::string::npos);
  EXPECT_EQ(server->scrapes().load(), 1u);
  auto clash = PrometheusServer::start("127.0.0.1:" + std::to_string(server->port()), [] { return std::string(); }, error);
  EXPECT_EQ(clash, nullptr);
  EXPECT_NE(error.find("in use"), std::string::npos);
}

}  // namespace
}  // namespace cs

namespace cs {
namespace {

TEST(PrometheusText, InvalidUtf8InLabelValuesBecomesReplacementCharacters) {
  MetricFamily c;
  c.prom_name = "x_total";
  c.kind = MetricKind::Counter;
  c.label_keys = {"http.route"};
  MetricSeries s;
  s.label_values = {std::string("/a\xff\xfe", 4)};
  s.value = 1;
  c.series.push_back(s);
  std::string out;
  append_prometheus_text({c}, out);
  EXPECT_NE(out.find("x_total{http_route=\"/a\xEF\xBF\xBD\xEF\xBF\xBD\"} 1\n"), std::string::npos) << out;
}

}  // namespace
}  // namespace cs
