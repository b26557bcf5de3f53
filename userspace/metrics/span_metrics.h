// Metrics from every finished span (not sampled): HTTP RED metrics with OpenTelemetry semantic-convention
// names, and the service graph named as Tempo's metrics-generator names it. A SpanSink beside the span
// output (sinks/fanout_sink.h).
//
// Rules:
//  - HTTP spans (network.protocol.name "http"): http.server.request.duration / http.client.request.duration
//    (seconds) with service.name, http.request.method, http.response.status_code, http.route (templated,
//    bounded: route_template.h), error.type; client spans also server.address and server.port. With the
//    same labels, http.{server,client}.{request,response}.body.size (bytes) when the body size is known
//    (SpanFields::request/response_body_bytes).
//    error.type: the status code for an HTTP error, else why the exchange failed ("connection_reset",
//    "connection_closed", "response_lost", "evicted"), "" for a success.
//  - Service graph, per (client, server, connection_type, protocol): a server span whose parent is a traced
//    client span (same batch, or a client span still waiting) is one request client -> server; failed if
//    either span is an error; client and server durations go to their histograms. A root server span (or
//    one with a remote parent) is a request from "user" (virtual node). A client span whose server span
//    does not come within graph_wait_ns (span time) is a request to a virtual node named by its
//    server.address (connection_type "database" for a data-store client span, else "virtual_node"). A
//    server span whose traced client span is no longer known is unpaired.
//  - The protocol label is network.protocol.name ("http"), else db.system.name ("redis", "postgresql",
//    "mysql"/"mariadb", "memcached"); only HTTP spans make RED series.
//  - Spans are counted once, in the pipeline thread, under the registry's lock (one lock per batch).
#pragma once

#include <cstdint>
#include <deque>
#include <string>
#include <unordered_map>
#include <vector>

#include "metrics/metric_registry.h"
#include "metrics/metrics_config.h"
#include "metrics/route_template.h"
#include "sinks/sink.h"

namespace cs {

class SpanMetrics final : public SpanSink {
 public:
  SpanMetrics(MetricRegistry& registry, const MetricsConfig& config);

  void emit(const std::vector<Span>& spans) override;
  // Client spans that waited longer than graph_wait_ns before `now_unix_ns` become virtual-node edges.
  void expire(uint64_t now_unix_ns);
  // End of input: every waiting client span becomes a virtual-node edge.
  void finish();

  uint64_t routes_overflowed() const { return routes_.overflowed(); }
  size_t waiting() const { return waiting_.size(); }

 private:
  struct Waiting {
    std::string service;
    std::string peer;
    std::string protocol;
    double seconds = 0;
    bool error = false;
    bool database = false;  // a data-store client span (db.system.name)
    uint64_t end_ns = 0;
  };
  void red(const Span& s);
  void observe_body(int side, const std::initializer_list<std::string_view>& labels, size_t duration_series,
                    const Span& s);
  void edge(std::string_view client, std::string_view server, std::string_view type, std::string_view protocol,
            bool failed, double client_s, double server_s);
  void expire_locked(uint64_t now_unix_ns, bool all);
  struct EdgeSeries {
    size_t total, failed, client_s, server_s;
  };

  const MetricsConfig& config_;
  MetricRegistry& registry_;
  RouteTable routes_;
  FamilyWriter& server_duration_;
  FamilyWriter& client_duration_;
  // Body sizes: [server, client] x [request, response], series found through the duration series' index.
  FamilyWriter* body_[2][2];
  std::vector<size_t> body_series_[2][2];  // duration series index -> body series index (SIZE_MAX: none yet)
  FamilyWriter& graph_total_;
  FamilyWriter& graph_failed_;
  FamilyWriter& graph_server_s_;
  FamilyWriter& graph_client_s_;
  FamilyWriter& graph_unpaired_;
  FamilyWriter& graph_dropped_;
  std::unordered_map<std::string, EdgeSeries> edges_;  // one lookup per edge for its four series
  std::string edge_key_;                                // reused
  std::unordered_map<uint64_t, Waiting> waiting_;  // client spans without their server span yet, by span id
  std::deque<std::pair<uint64_t, uint64_t>> order_;  // (end_ns, span id) of waiting client spans, by arrival
  std::unordered_map<uint64_t, size_t> batch_index_;  // reused (big batches)
  std::vector<uint8_t> paired_;                         // reused
  uint64_t newest_end_ns_ = 0;
  char status_buf_[12] = {};
  char port_buf_[8] = {};
};

}  // namespace cs
