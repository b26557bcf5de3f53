// The metric data model every exporter reads: families of series, as a snapshot (plain values).
//
// Rules:
//  - A family has one OpenTelemetry name ("http.server.request.duration"), one Prometheus name
//    ("http_server_request_duration_seconds": dots become underscores, the unit is appended, counters end
//    in _total), a unit, a kind and its label keys (OpenTelemetry attribute keys, "service.name"; the
//    Prometheus label is the key with '.' -> '_').
//  - Counters and histograms are cumulative since the agent started (Prometheus and OTLP cumulative
//    temporality); gauges are the value now.
//  - Every series of a family has one value per label key, in the family's order. A series whose
//    resource_service is set belongs to that service (OTLP: its resource); others belong to the agent.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace cs {

enum class MetricKind : uint8_t { Counter, Gauge, Histogram };

struct MetricSeries {
  std::vector<std::string> label_values;
  double value = 0;                     // counter / gauge
  std::vector<uint64_t> bucket_counts;  // histogram: one per bound, plus +Inf (not cumulative)
  uint64_t count = 0;                   // histogram
  double sum = 0;                       // histogram
  int service_label = -1;               // index of the label holding the owning service, -1: the agent's
};

struct MetricFamily {
  std::string otel_name;
  std::string prom_name;
  std::string help;
  std::string unit;                     // UCUM: "s", "By", "{request}", "1"
  MetricKind kind = MetricKind::Counter;
  std::vector<std::string> label_keys;  // OpenTelemetry attribute keys
  std::vector<double> bounds;           // histogram upper bounds, ascending
  std::vector<MetricSeries> series;
};

// Prometheus label name of an attribute key: '.' and '-' become '_'.
std::string prom_label_name(const std::string& key);

}  // namespace cs
