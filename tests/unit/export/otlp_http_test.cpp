// The OTLP/HTTP client and exporter against a receiver in the test (libmicrohttpd on loopback, plain and
// TLS): what goes on the wire (URL, content type, gzip, auth headers), how statuses are classed (retryable,
// permanent, Retry-After), certificate and host name checks, retry with backoff until accepted, rejected
// batches dropped and counted, metrics to /v1/metrics (export/otlp/otlp_http.h, otlp_exporter.h).
#include "export/otlp/otlp_http.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <zlib.h>

#include <chrono>
#include <fstream>
#include <mutex>
#include <sstream>
#include <thread>

#include "export/otlp/otlp_exporter.h"
#include "opentelemetry/proto/collector/metrics/v1/metrics_service.pb.h"
#include "opentelemetry/proto/collector/trace/v1/trace_service.pb.h"
#include "unit/sinks/span_samples.h"

namespace cs {
namespace {

using opentelemetry::proto::collector::metrics::v1::ExportMetricsServiceRequest;
using opentelemetry::proto::collector::trace::v1::ExportTraceServiceRequest;

struct Received {
  std::string url, content_type, content_encoding, authorization, tenant, body;
  std::chrono::steady_clock::time_point at;
};

struct Reply {
  unsigned status = 200;
  const char* retry_after = nullptr;
};

std::string read_file(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

const std::string kCert = std::string(CALLSCOPE_FIXTURES_DIR) + "/tls/otlp_test_cert.pem";
const std::string kKey = std::string(CALLSCOPE_FIXTURES_DIR) + "/tls/otlp_test_key.pem";

// A receiver on 127.0.0.1 (any free port) answering POSTs with the scripted replies in order, then 200.
class FakeReceiver {
 public:
  explicit FakeReceiver(std::vector<Reply> script, bool tls = false) : script_(std::move(script)) {
    sockaddr_in sa{};
    sa.sin_family = AF_INET;
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_POLL;
    if (tls) {
      cert_ = read_file(kCert);
      key_ = read_file(kKey);
      flags |= MHD_USE_TLS;
      daemon_ = MHD_start_daemon(flags, 0, nullptr, nullptr, &handle, this, MHD_OPTION_SOCK_ADDR,
                                 reinterpret_cast<sockaddr*>(&sa), MHD_OPTION_HTTPS_MEM_KEY, key_.c_str(),
                                 MHD_OPTION_HTTPS_MEM_CERT, cert_.c_str(), MHD_OPTION_END);
    } else {
      daemon_ = MHD_start_daemon(flags, 0, nullptr, nullptr, &handle, this, MHD_OPTION_SOCK_ADDR,
                                 reinterpret_cast<sockaddr*>(&sa), MHD_OPTION_END);
    }
    if (daemon_ != nullptr) port_ = MHD_get_daemon_info(daemon_, MHD_DAEMON_INFO_BIND_PORT)->port;
  }
  ~FakeReceiver() {
    if (daemon_ != nullptr) MHD_stop_daemon(daemon_);
  }
  bool running() const { return daemon_ != nullptr && port_ != 0; }
  std::string base(const char* scheme = "http", const char* host = "127.0.0.1") const {
    return std::string(scheme) + "://" + host + ":" + std::to_string(port_);
  }
  std::vector<Received> received() {
    std::lock_guard<std::mutex> g(mu_);
    return received_;
  }

 private:
  static const char* header(MHD_Connection* c, const char* name) {
    const char* v = MHD_lookup_connection_value(c, MHD_HEADER_KIND, name);
    return v != nullptr ? v : "";
  }
  static MHD_Result handle(void* cls, MHD_Connection* c, const char* url, const char* /*method*/,
                           const char* /*version*/, const char* data, size_t* size, void** con_cls) {
    auto* self = static_cast<FakeReceiver*>(cls);
    if (*con_cls == nullptr) {
      *con_cls = new std::string();
      return MHD_YES;
    }
    auto* body = static_cast<std::string*>(*con_cls);
    if (*size != 0) {
      body->append(data, *size);
      *size = 0;
      return MHD_YES;
    }
    Received r;
    r.url = url;
    r.content_type = header(c, "Content-Type");
    r.content_encoding = header(c, "Content-Encoding");
    r.authorization = header(c, "Authorization");
    r.tenant = header(c, "X-Scope-OrgID");
    r.body = std::move(*body);
    r.at = std::chrono::steady_clock::now();
    delete body;
    *con_cls = nullptr;
    Reply reply;
    {
      std::lock_guard<std::mutex> g(self->mu_);
      if (self->received_.size() < self->script_.size()) reply = self->script_[self->received_.size()];
      self->received_.push_back(std::move(r));
    }
    MHD_Response* resp = MHD_create_response_from_buffer(0, nullptr, MHD_RESPMEM_PERSISTENT);
    if (reply.retry_after != nullptr) MHD_add_response_header(resp, "Retry-After", reply.retry_after);
    MHD_Result ret = MHD_queue_response(c, reply.status, resp);
    MHD_destroy_response(resp);
    return ret;
  }

  std::vector<Reply> script_;
  std::string cert_, key_;
  MHD_Daemon* daemon_ = nullptr;
  uint16_t port_ = 0;
  std::mutex mu_;
  std::vector<Received> received_;
};

std::string gunzip(const std::string& in) {
  z_stream z{};
  if (inflateInit2(&z, 15 + 16) != Z_OK) return "<inflateInit2 failed>";
  std::string out(1 << 20, '\0');
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  z.avail_in = static_cast<uInt>(in.size());
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = static_cast<uInt>(out.size());
  int rc = inflate(&z, Z_FINISH);
  out.resize(z.total_out);
  inflateEnd(&z);
  return rc == Z_STREAM_END ? out : "<not gzip>";
}

template <class Pred>
bool wait_until(Pred pred, double seconds = 10) {
  auto end = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
  while (std::chrono::steady_clock::now() < end) {
    if (pred()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return pred();
}

TEST(OtlpHttp, PostsGzipWithContentTypeAndAuthHeaders) {
  FakeReceiver rx({});
  ASSERT_TRUE(rx.running());
  const std::string body = std::string(3000, 'x') + "payload-end";
  OtlpHttpConfig cfg;
  cfg.headers = {{"Authorization", "Bearer abc"}, {"X-Scope-OrgID", "tenant-1"}};
  OtlpHttp gz(cfg);
  PostResult r = gz.post(rx.base() + "/v1/traces", "application/x-protobuf", body);
  EXPECT_EQ(r.outcome, PostResult::Outcome::Ok) << r.error;
  EXPECT_EQ(r.status, 200);
  cfg.gzip = false;
  cfg.headers.clear();
  OtlpHttp plain(cfg);
  r = plain.post(rx.base() + "/v1/metrics", "application/json", "{\"resourceMetrics\":[]}");
  EXPECT_EQ(r.outcome, PostResult::Outcome::Ok) << r.error;

  auto got = rx.received();
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[0].url, "/v1/traces");
  EXPECT_EQ(got[0].content_type, "application/x-protobuf");
  EXPECT_EQ(got[0].content_encoding, "gzip");
  EXPECT_EQ(got[0].authorization, "Bearer abc");
  EXPECT_EQ(got[0].tenant, "tenant-1");
  EXPECT_LT(got[0].body.size(), body.size());  // compressed on the wire
  EXPECT_EQ(gunzip(got[0].body), body);
  EXPECT_EQ(got[1].url, "/v1/metrics");
  EXPECT_EQ(got[1].content_type, "application/json");
  EXPECT_EQ(got[1].content_encoding, "");
  EXPECT_EQ(got[1].authorization, "");
  EXPECT_EQ(got[1].body, "{\"resourceMetrics\":[]}");
}

TEST(OtlpHttp, StatusesAreRetryableOrPermanent) {
  FakeReceiver rx({{503, "2"}, {429, nullptr}, {502, nullptr}, {400, nullptr}, {404, nullptr}, {200, nullptr}});
  ASSERT_TRUE(rx.running());
  OtlpHttp h(OtlpHttpConfig{});
  const std::string url = rx.base() + "/v1/traces";
  PostResult r = h.post(url, "application/x-protobuf", "a");
  EXPECT_EQ(r.outcome, PostResult::Outcome::Retryable);
  EXPECT_EQ(r.status, 503);
  EXPECT_EQ(r.retry_after_s, 2.0);
  r = h.post(url, "application/x-protobuf", "a");
  EXPECT_EQ(r.outcome, PostResult::Outcome::Retryable);
  EXPECT_EQ(r.status, 429);
  EXPECT_EQ(r.retry_after_s, 0.0);
  r = h.post(url, "application/x-protobuf", "a");
  EXPECT_EQ(r.outcome, PostResult::Outcome::Retryable);
  r = h.post(url, "application/x-protobuf", "a");
  EXPECT_EQ(r.outcome, PostResult::Outcome::Permanent);
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.error, "HTTP 400");
  r = h.post(url, "application/x-protobuf", "a");
  EXPECT_EQ(r.outcome, PostResult::Outcome::Permanent);
  r = h.post(url, "application/x-protobuf", "a");
  EXPECT_EQ(r.outcome, PostResult::Outcome::Ok);
  EXPECT_EQ(rx.received().size(), 6u);

  // Nobody listening: a transport error, retryable, no status.
  r = h.post("http://127.0.0.1:1/v1/traces", "application/x-protobuf", "a");
  EXPECT_EQ(r.outcome, PostResult::Outcome::Retryable);
  EXPECT_EQ(r.status, 0);
  EXPECT_FALSE(r.error.empty());
}

TEST(OtlpHttp, HttpsChecksTheCertificateAndTheHostName) {
  ASSERT_EQ(MHD_is_feature_supported(MHD_FEATURE_TLS), MHD_YES) << "libmicrohttpd without TLS: cannot test https";
  FakeReceiver rx({}, /*tls=*/true);
  ASSERT_TRUE(rx.running());
  const std::string url = rx.base("https") + "/v1/traces";

  // The test certificate is self-signed: not in the system's store.
  OtlpHttp system_store(OtlpHttpConfig{});
  PostResult r = system_store.post(url, "application/x-protobuf", "a");
  EXPECT_EQ(r.outcome, PostResult::Outcome::Permanent);
  EXPECT_EQ(r.status, 0);
  EXPECT_FALSE(r.error.empty());

  OtlpHttpConfig with_ca;
  with_ca.ca_file = kCert;
  OtlpHttp trusted(with_ca);
  r = trusted.post(url, "application/x-protobuf", "signed");
  EXPECT_EQ(r.outcome, PostResult::Outcome::Ok) << r.error;
  EXPECT_EQ(r.status, 200);

  // Trusted CA, but the certificate names 127.0.0.1 only: "localhost" must not pass.
  r = trusted.post(rx.base("https", "localhost") + "/v1/traces", "application/x-protobuf", "a");
  EXPECT_NE(r.outcome, PostResult::Outcome::Ok);
  EXPECT_EQ(r.status, 0);

  auto got = rx.received();
  ASSERT_EQ(got.size(), 1u);  // only the checked connection got as far as a request
  EXPECT_EQ(gunzip(got[0].body), "signed");
}

std::vector<Span> spans(uint64_t first, size_t n) {
  std::vector<Span> out;
  for (uint64_t i = first; i < first + n; ++i)
    out.push_back(test::make_span(i, 0, SpanKind::Server, "GET /", 1000, 2000, "svc", 7));
  return out;
}

OtlpConfig exporter_config(const FakeReceiver& rx) {
  OtlpConfig c;
  c.endpoint = rx.base() + "/";  // a trailing slash is not doubled
  c.batch_interval_s = 0.05;
  c.metrics_interval_s = 0;
  c.shutdown_s = 2;
  return c;
}

TEST(OtlpExporter, RetriesWithBackoffUntilAccepted) {
  FakeReceiver rx({{503, nullptr}, {503, nullptr}, {200, nullptr}});
  ASSERT_TRUE(rx.running());
  OtlpExporter e(exporter_config(rx), AgentResource{"node1", "node1:1", "0.1.0"}, nullptr, nullptr, 0);
  e.emit(spans(1, 10));
  ASSERT_TRUE(wait_until([&] { return e.counters().spans_sent.load() == 10; }));
  e.stop();
  EXPECT_EQ(e.counters().requests_failed.load(), 2u);
  EXPECT_EQ(e.counters().retries.load(), 2u);
  EXPECT_EQ(e.counters().spans_dropped_queue_full.load() + e.counters().spans_dropped_rejected.load() +
                e.counters().spans_dropped_shutdown.load(),
            0u);
  auto got = rx.received();
  ASSERT_EQ(got.size(), 3u);
  for (const auto& r : got) {
    EXPECT_EQ(r.url, "/v1/traces");
    EXPECT_EQ(r.body, got[0].body);  // the same batch each time
  }
  // Backoff: 0.25 s, then doubled (lower bounds only: a loaded machine may only make the gaps longer).
  const double gap1 = std::chrono::duration<double>(got[1].at - got[0].at).count();
  const double gap2 = std::chrono::duration<double>(got[2].at - got[1].at).count();
  EXPECT_GE(gap1, 0.22);
  EXPECT_GE(gap2, 0.45);
  ExportTraceServiceRequest req;
  ASSERT_TRUE(req.ParseFromString(gunzip(got[2].body)));
  int n = 0;
  for (const auto& rs : req.resource_spans())
    for (const auto& ss : rs.scope_spans()) n += ss.spans_size();
  EXPECT_EQ(n, 10);
}

TEST(OtlpExporter, RejectedBatchIsDroppedAndCountedNotRetried) {
  FakeReceiver rx({{400, nullptr}});
  ASSERT_TRUE(rx.running());
  OtlpExporter e(exporter_config(rx), AgentResource{"node1", "node1:1", "0.1.0"}, nullptr, nullptr, 0);
  e.emit(spans(1, 4));
  ASSERT_TRUE(wait_until([&] { return e.counters().spans_dropped_rejected.load() == 4; }));
  e.emit(spans(5, 3));
  ASSERT_TRUE(wait_until([&] { return e.counters().spans_sent.load() == 3; }));
  e.stop();
  EXPECT_EQ(e.counters().requests_failed.load(), 1u);
  EXPECT_EQ(e.counters().retries.load(), 0u);
  EXPECT_EQ(rx.received().size(), 2u);
}

TEST(OtlpExporter, ExporterThreadGivesFreedAttributeListsBackToMalloc) {
  FakeReceiver rx({});
  ASSERT_TRUE(rx.running());
  OtlpExporter e(exporter_config(rx), AgentResource{"node1", "node1:1", "0.1.0"}, nullptr, nullptr, 0);
  std::vector<Span> batch = spans(1, 300);
  for (Span& s : batch) {
    s.attributes.emplace_back("http.request.method", std::string("GET"));
    s.attributes.emplace_back("url.path", std::string("/"));
    s.attributes.emplace_back("http.response.status_code", int64_t{200});
  }
  e.emit(batch);
  ASSERT_TRUE(wait_until([&] { return e.counters().spans_sent.load() == 300; }));
  // Each queued copy's attribute list was freed on the exporter thread, then released there after its
  // batch (not only when the exporter stops).
  EXPECT_TRUE(wait_until([&] { return e.recycled_arrays_released() >= 300; }, 5)) << e.recycled_arrays_released();
  e.stop();
}

TEST(OtlpExporter, MetricsGoToV1MetricsWithTheHeaders) {
  FakeReceiver rx({});
  ASSERT_TRUE(rx.running());
  OtlpConfig c = exporter_config(rx);
  c.metrics_interval_s = 0.1;
  c.http.headers = {{"Authorization", "Basic dXNlcjpwdw=="}};
  auto source = [] {
    MetricFamily f;
    f.prom_name = "callscope_up";
    f.otel_name = "callscope.up";
    f.help = "up";
    f.unit = "1";
    f.kind = MetricKind::Gauge;
    MetricSeries s;
    s.value = 1;
    f.series.push_back(s);
    return std::vector<MetricFamily>{f};
  };
  OtlpExporter e(c, AgentResource{"node1", "node1:1", "0.1.0"}, nullptr, source, 1);
  ASSERT_TRUE(wait_until([&] { return e.counters().metric_exports_sent.load() >= 1; }));
  e.stop();
  auto got = rx.received();
  ASSERT_GE(got.size(), 1u);
  EXPECT_EQ(got[0].url, "/v1/metrics");
  EXPECT_EQ(got[0].authorization, "Basic dXNlcjpwdw==");
  ExportMetricsServiceRequest req;
  ASSERT_TRUE(req.ParseFromString(gunzip(got[0].body)));
  bool found = false;
  for (const auto& rm : req.resource_metrics())
    for (const auto& sm : rm.scope_metrics())
      for (const auto& m : sm.metrics())
        if (m.name() == "callscope.up") found = m.gauge().data_points_size() == 1 && m.gauge().data_points(0).as_double() == 1;
  EXPECT_TRUE(found);
}

}  // namespace
}  // namespace cs
