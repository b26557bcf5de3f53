#include "metrics/span_metrics.h"

#include <charconv>
#include <string_view>
#include <variant>

namespace cs {

namespace {

std::string_view str_attr(const Span& s, std::string_view key) {
  const Attribute* a = s.find(key);
  if (a == nullptr) return {};
  const std::string* v = std::get_if<std::string>(&a->value);
  return v == nullptr ? std::string_view() : std::string_view(*v);
}

int64_t int_attr(const Span& s, std::string_view key) {
  const Attribute* a = s.find(key);
  if (a == nullptr) return -1;
  const int64_t* v = std::get_if<int64_t>(&a->value);
  return v == nullptr ? -1 : *v;
}

std::string_view format_int(int64_t v, char* buf, size_t n) {
  auto [end, ec] = std::to_chars(buf, buf + n, v);
  return ec == std::errc() ? std::string_view(buf, static_cast<size_t>(end - buf)) : std::string_view();
}

double seconds(const Span& s) {
  return s.end_unix_ns > s.start_unix_ns ? static_cast<double>(s.end_unix_ns - s.start_unix_ns) / 1e9 : 0.0;
}

// error.type of a failed span whose protocol gave no status code.
std::string_view failure_type(const Span& s) {
  std::string_view m = s.status_message;
  if (m.find("reset") != std::string_view::npos) return "connection_reset";
  if (m.find("closed") != std::string_view::npos) return "connection_closed";
  if (m.find("lost") != std::string_view::npos) return "response_lost";
  if (m.find("evicted") != std::string_view::npos) return "evicted";
  return "_OTHER";
}

// network.protocol.name ("http"), else the data store's db.system.name ("redis", "postgresql", ...).
std::string_view protocol_of(const Span& s) {
  std::string_view p = str_attr(s, "network.protocol.name");
  if (p.empty()) p = str_attr(s, "db.system.name");
  return p.empty() ? std::string_view("unknown") : p;
}

MetricFamily histogram(const char* otel, const char* prom, const char* help, const char* unit,
                       std::vector<std::string> keys, const std::vector<double>& bounds) {
  MetricFamily f;
  f.otel_name = otel;
  f.prom_name = prom;
  f.help = help;
  f.unit = unit;
  f.kind = MetricKind::Histogram;
  f.label_keys = std::move(keys);
  f.bounds = bounds;
  return f;
}

MetricFamily counter(const char* otel, const char* prom, const char* help, const char* unit,
                     std::vector<std::string> keys) {
  MetricFamily f;
  f.otel_name = otel;
  f.prom_name = prom;
  f.help = help;
  f.unit = unit;
  f.kind = MetricKind::Counter;
  f.label_keys = std::move(keys);
  return f;
}

const std::vector<std::string> kGraphKeys{"client", "server", "connection_type", "protocol"};

}  // namespace

SpanMetrics::SpanMetrics(MetricRegistry& registry, const MetricsConfig& config)
    : config_(config),
      registry_(registry),
      routes_(config.max_routes_per_service),
      server_duration_(registry.family(
          histogram("http.server.request.duration", "http_server_request_duration_seconds",
                    "Duration of HTTP server requests (traced server spans).", "s",
                    {"service.name", "http.request.method", "http.response.status_code", "http.route", "error.type"},
                    config.duration_buckets),
          "service.name")),
      client_duration_(registry.family(
          histogram("http.client.request.duration", "http_client_request_duration_seconds",
                    "Duration of HTTP client requests (traced client spans).", "s",
                    {"service.name", "http.request.method", "http.response.status_code", "http.route", "error.type",
                     "server.address", "server.port"},
                    config.duration_buckets),
          "service.name")),
      graph_total_(registry.family(counter("traces_service_graph_request", "traces_service_graph_request_total",
                                           "Requests between two services (Tempo service graph).", "{request}",
                                           kGraphKeys))),
      graph_failed_(registry.family(counter("traces_service_graph_request_failed",
                                            "traces_service_graph_request_failed_total",
                                            "Failed requests between two services (Tempo service graph).",
                                            "{request}", kGraphKeys))),
      graph_server_s_(registry.family(histogram("traces_service_graph_request_server_seconds",
                                                "traces_service_graph_request_server_seconds",
                                                "Request duration between two services as the server saw it.", "s",
                                                kGraphKeys, config.duration_buckets))),
      graph_client_s_(registry.family(histogram("traces_service_graph_request_client_seconds",
                                                "traces_service_graph_request_client_seconds",
                                                "Request duration between two services as the client saw it.", "s",
                                                kGraphKeys, config.duration_buckets))),
      graph_unpaired_(registry.family(counter("traces_service_graph_unpaired_spans",
                                              "traces_service_graph_unpaired_spans_total",
                                              "Server spans whose traced client span was no longer known.", "{span}",
                                              kGraphKeys))),
      graph_dropped_(registry.family(counter("traces_service_graph_dropped_spans",
                                             "traces_service_graph_dropped_spans_total",
                                             "Client spans not waited for: too many were waiting.", "{span}",
                                             kGraphKeys))) {
  const std::vector<std::string> server_keys = server_duration_.family().label_keys;
  const std::vector<std::string> client_keys = client_duration_.family().label_keys;
  const char* names[2][2][2] = {
      {{"http.server.request.body.size", "http_server_request_body_size_bytes"},
       {"http.server.response.body.size", "http_server_response_body_size_bytes"}},
      {{"http.client.request.body.size", "http_client_request_body_size_bytes"},
       {"http.client.response.body.size", "http_client_response_body_size_bytes"}}};
  for (int side = 0; side < 2; ++side)
    for (int dir = 0; dir < 2; ++dir)
      body_[side][dir] = &registry.family(
          histogram(names[side][dir][0], names[side][dir][1],
                    dir == 0 ? "Body bytes of HTTP requests (after the head, as on the wire)."
                             : "Body bytes of HTTP responses (after the head, as on the wire).",
                    "By", side == 0 ? server_keys : client_keys, config.body_buckets),
          "service.name");
}

void SpanMetrics::observe_body(int side, const std::initializer_list<std::string_view>& labels, size_t duration_series,
                               const Span& s) {
  const int64_t bytes[2] = {s.request_body_bytes, s.response_body_bytes};
  for (int dir = 0; dir < 2; ++dir) {
    if (bytes[dir] < 0) continue;
    auto& map = body_series_[side][dir];
    if (map.size() <= duration_series) map.resize(duration_series + 1, SIZE_MAX);
    if (map[duration_series] == SIZE_MAX) map[duration_series] = body_[side][dir]->series(labels);
    body_[side][dir]->observe(map[duration_series], static_cast<double>(bytes[dir]));
  }
}

void SpanMetrics::red(const Span& s) {
  const int64_t status = int_attr(s, "http.response.status_code");
  std::string_view status_text = status >= 0 ? format_int(status, status_buf_, sizeof status_buf_) : std::string_view();
  std::string_view error_type;
  if (s.error) error_type = status >= 400 ? status_text : failure_type(s);
  std::string_view path = str_attr(s, "url.path");
  std::string_view route = routes_.route(s.service, path);
  std::string_view method = str_attr(s, "http.request.method");
  if (s.kind == SpanKind::Server) {
    const std::initializer_list<std::string_view> labels{s.service, method, status_text, route, error_type};
    size_t i = server_duration_.series(labels);
    server_duration_.observe(i, seconds(s));
    observe_body(0, labels, i, s);
  } else {
    std::string_view port = format_int(int_attr(s, "server.port"), port_buf_, sizeof port_buf_);
    const std::initializer_list<std::string_view> labels{s.service, method, status_text, route, error_type,
                                                          str_attr(s, "server.address"), port};
    size_t i = client_duration_.series(labels);
    client_duration_.observe(i, seconds(s));
    observe_body(1, labels, i, s);
  }
}

void SpanMetrics::edge(std::string_view client, std::string_view server, std::string_view type,
                       std::string_view protocol, bool failed, double client_s, double server_s) {
  edge_key_.clear();
  edge_key_.append(client).push_back('\x1f');
  edge_key_.append(server).push_back('\x1f');
  edge_key_.append(type).push_back('\x1f');
  edge_key_.append(protocol);
  auto it = edges_.find(edge_key_);
  if (it == edges_.end()) {
    EdgeSeries e{graph_total_.series({client, server, type, protocol}),
                 graph_failed_.series({client, server, type, protocol}),
                 graph_client_s_.series({client, server, type, protocol}),
                 graph_server_s_.series({client, server, type, protocol})};
    it = edges_.emplace(edge_key_, e).first;
  }
  const EdgeSeries& e = it->second;
  graph_total_.add(e.total, 1);
  if (failed) graph_failed_.add(e.failed, 1);
  if (client_s >= 0) graph_client_s_.observe(e.client_s, client_s);
  if (server_s >= 0) graph_server_s_.observe(e.server_s, server_s);
}

void SpanMetrics::emit(const std::vector<Span>& spans) {
  std::lock_guard<std::mutex> g(registry_.lock());
  const size_t n = spans.size();
  // Parent lookup inside the batch: a linear scan for the usual small trace, a map for a big one.
  const bool use_map = n > 32;
  if (use_map) {
    batch_index_.clear();
    for (size_t i = 0; i < n; ++i) batch_index_.emplace(spans[i].span_id, i);
  }
  auto in_batch = [&](uint64_t id) -> size_t {
    if (use_map) {
      auto it = batch_index_.find(id);
      return it == batch_index_.end() ? n : it->second;
    }
    for (size_t j = 0; j < n; ++j)
      if (spans[j].span_id == id) return j;
    return n;
  };
  paired_.assign(n, 0);
  for (size_t i = 0; i < n; ++i) {
    const Span& s = spans[i];
    if (s.end_unix_ns > newest_end_ns_) newest_end_ns_ = s.end_unix_ns;
    const std::string_view proto = protocol_of(s);
    if (proto == "http") red(s);
    if (s.kind != SpanKind::Server) continue;
    if (s.parent_span_id == 0 || s.remote_parent) {
      edge("user", s.service, "virtual_node", proto, s.error, -1, seconds(s));
      continue;
    }
    const size_t p = in_batch(s.parent_span_id);
    if (p < n && spans[p].kind == SpanKind::Client) {
      const Span& c = spans[p];
      paired_[p] = 1;
      edge(c.service, s.service, "", proto, c.error || s.error, seconds(c), seconds(s));
      continue;
    }
    auto w = waiting_.find(s.parent_span_id);
    if (w != waiting_.end()) {
      edge(w->second.service, s.service, "", proto, w->second.error || s.error, w->second.seconds, seconds(s));
      waiting_.erase(w);
      continue;
    }
    graph_unpaired_.add(graph_unpaired_.series({"", s.service, "", proto}), 1);
  }
  for (size_t i = 0; i < n; ++i) {
    const Span& c = spans[i];
    if (c.kind != SpanKind::Client || paired_[i]) continue;
    if (waiting_.size() >= config_.graph_max_waiting) {
      graph_dropped_.add(graph_dropped_.series({c.service, "", "", protocol_of(c)}), 1);
      continue;
    }
    Waiting& w = waiting_[c.span_id];
    w.service = c.service;
    w.peer = str_attr(c, "server.address");
    w.protocol = protocol_of(c);
    w.database = !str_attr(c, "db.system.name").empty();
    w.seconds = seconds(c);
    w.error = c.error;
    w.end_ns = c.end_unix_ns;
    order_.emplace_back(c.end_unix_ns, c.span_id);
  }
  expire_locked(newest_end_ns_, false);
}

void SpanMetrics::expire_locked(uint64_t now, bool all) {
  // order_ is by arrival; span ends arrive nearly in order, so the front is (about) the oldest.
  while (!order_.empty() && (all || order_.front().first + config_.graph_wait_ns < now)) {
    auto it = waiting_.find(order_.front().second);
    order_.pop_front();
    if (it == waiting_.end()) continue;  // paired meanwhile
    const Waiting& w = it->second;
    edge(w.service, w.peer.empty() ? std::string_view("unknown") : std::string_view(w.peer),
         w.database ? "database" : "virtual_node", w.protocol, w.error, w.seconds, -1);
    waiting_.erase(it);
  }
}

void SpanMetrics::expire(uint64_t now_unix_ns) {
  std::lock_guard<std::mutex> g(registry_.lock());
  if (now_unix_ns > newest_end_ns_) newest_end_ns_ = now_unix_ns;
  expire_locked(newest_end_ns_, false);
}

void SpanMetrics::finish() {
  std::lock_guard<std::mutex> g(registry_.lock());
  expire_locked(0, true);
}

}  // namespace cs
