#include "cli/telemetry.h"

#include <spdlog/spdlog.h>
#include <time.h>
#include <unistd.h>

#include <cstring>

#include "export/prometheus_text.h"

namespace cs {

namespace {

uint64_t unix_now_ns() {
  timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return static_cast<uint64_t>(ts.tv_sec) * 1'000'000'000ULL + static_cast<uint64_t>(ts.tv_nsec);
}

}  // namespace

std::unique_ptr<Telemetry> Telemetry::create(const Options& o, bool live, bool metrics, std::string& error) {
  std::unique_ptr<Telemetry> t(new Telemetry());
  IdentityConfig ic;
  ic.read_proc = live && o.proc_identity;
  for (const auto& r : o.service_name_rules)
    if (!ic.rules.add(r, error)) return nullptr;
  t->identities_ = std::make_unique<IdentityResolver>(std::move(ic));

  if (!o.duration_buckets.empty()) t->metrics_config_.duration_buckets = o.duration_buckets;
  t->metrics_config_.max_routes_per_service = o.max_routes;
  t->metrics_config_.max_sockets = o.max_connections;
  const bool want_metrics = metrics || !o.metrics_listen.empty() || !o.otlp_endpoint.empty();
  if (want_metrics) {
    t->registry_ = std::make_unique<MetricRegistry>(t->metrics_config_.max_series_per_metric);
    t->span_metrics_ = std::make_unique<SpanMetrics>(*t->registry_, t->metrics_config_);
    t->tcp_ = std::make_unique<TcpHealth>(*t->registry_, t->metrics_config_, t->identities_.get());
  }
  if (!o.metrics_listen.empty()) {
    Telemetry* self = t.get();
    t->server_ = PrometheusServer::start(o.metrics_listen, [self] { return self->prometheus_text(); }, error);
    if (!t->server_) return nullptr;
    t->agent_stats_.set_scrapes(&t->server_->scrapes());
    spdlog::info("serving Prometheus metrics on http://{}/metrics (port {})", o.metrics_listen, t->server_->port());
  }
  if (!o.otlp_endpoint.empty()) {
    OtlpConfig oc;
    oc.endpoint = o.otlp_endpoint;
    oc.encoding = o.otlp_protocol == "http/json" ? OtlpEncoding::Json : OtlpEncoding::Protobuf;
    oc.http.gzip = o.otlp_compression == "gzip";
    oc.http.ca_file = o.otlp_ca_file;
    for (const auto& h : o.otlp_headers) {
      size_t eq = h.find('=');
      oc.http.headers.emplace_back(h.substr(0, eq), h.substr(eq + 1));
    }
    oc.queue_spans = o.otlp_queue_spans;
    oc.batch_interval_s = o.otlp_batch_interval_s;
    oc.metrics_interval_s = o.otlp_metrics_interval_s;
    AgentResource agent;
    agent.host_name = t->identities_->host_name();
    agent.instance_id = agent.host_name + ":" + std::to_string(getpid());
    agent.version = CALLSCOPE_VERSION;
    Telemetry* self = t.get();
    t->otlp_ = std::make_unique<OtlpExporter>(oc, agent, t->identities_.get(),
                                              [self] { return self->all_families(); }, unix_now_ns());
    t->agent_stats_.set_exporter(&t->otlp_->counters());
    spdlog::info("exporting spans{} over OTLP {} to {}", oc.metrics_interval_s > 0 ? " and metrics" : "",
                 o.otlp_protocol, o.otlp_endpoint);
  }
  return t;
}

Telemetry::~Telemetry() {
  if (otlp_) otlp_->stop();
  server_.reset();
}

SpanSink& Telemetry::sink(SpanSink& output, SpanSink* extra) {
  fanout_.add(output);
  if (span_metrics_) fanout_.add(*span_metrics_);
  if (otlp_) fanout_.add(*otlp_);
  if (extra != nullptr) fanout_.add(*extra);
  return fanout_;
}

void Telemetry::on_record(const void* data, size_t size) {
  if (!tcp_) return;
  // TCP health reads the fixed part of open, data and close records, never a payload: check that part
  // (the pipeline has counted the record if it is malformed) and copy it when the record is misaligned.
  cs_event_header h;
  if (size < sizeof h) return;
  std::memcpy(&h, data, sizeof h);
  size_t need = 0;
  switch (h.type) {
    case CS_EV_CONN_OPEN:
      need = sizeof(cs_conn_event);
      break;
    case CS_EV_DATA:
      need = sizeof(cs_data_event);
      break;
    case CS_EV_CONN_CLOSE:
      need = sizeof(cs_close_event);
      break;
    default:
      return;
  }
  if (size < need || h.size < need || h.size > size) return;
  if (reinterpret_cast<uintptr_t>(data) % alignof(uint64_t) != 0) {
    std::memcpy(fixed_, data, need);
    data = fixed_;
  }
  tcp_->on_record(h.type, data);
}

void Telemetry::tick(const PipelineStats& p, const KernelCounters& k, uint64_t now_unix_ns) {
  if (!registry_) return;
  uint64_t overflow;
  {
    std::lock_guard<std::mutex> g(registry_->lock());
    overflow = registry_->overflowed();
  }
  agent_stats_.publish(p, k, overflow, span_metrics_->routes_overflowed(), tcp_->evicted());
  span_metrics_->expire(now_unix_ns);
}

void Telemetry::finish(const PipelineStats& p, const KernelCounters& k) {
  if (finished_) return;
  finished_ = true;
  if (!registry_) return;
  span_metrics_->finish();
  tick(p, k, 0);
  if (otlp_) {
    otlp_->stop();
    const ExportCounters& c = otlp_->counters();
    spdlog::info("OTLP: spans sent={} dropped: queue_full={} rejected={} shutdown={}; metric exports sent={} failed={}",
                 c.spans_sent.load(), c.spans_dropped_queue_full.load(), c.spans_dropped_rejected.load(),
                 c.spans_dropped_shutdown.load(), c.metric_exports_sent.load(), c.metric_exports_failed.load());
  }
}

std::vector<MetricFamily> Telemetry::all_families() const {
  std::vector<MetricFamily> out = registry_->snapshot();
  std::vector<MetricFamily> self = agent_stats_.families();
  for (auto& f : self) out.push_back(std::move(f));
  return out;
}

std::string Telemetry::prometheus_text() const {
  std::string out;
  out.reserve(64 * 1024);
  append_prometheus_text(all_families(), out);
  return out;
}

}  // namespace cs
