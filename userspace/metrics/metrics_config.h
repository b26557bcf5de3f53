// Settings of the metrics the agent derives (--metrics-* options and the config file).
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace cs {

struct MetricsConfig {
  // Request duration buckets, seconds (OpenTelemetry's HTTP advice: 5 ms ... 10 s).
  std::vector<double> duration_buckets{0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10};
  // HTTP body size buckets, bytes (100 B ... 10 MB).
  std::vector<double> body_buckets{100, 1000, 10000, 100000, 1000000, 10000000};
  // TCP connect time and round-trip time buckets, seconds (100 us ... 1 s).
  std::vector<double> tcp_buckets{0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1};
  size_t max_routes_per_service = 200;   // distinct http.route values per service; more -> "_OTHER"
  size_t max_series_per_metric = 10000;  // series per metric family; more -> one "_OTHER" series
  uint64_t graph_wait_ns = 2'000'000'000;  // a client span waits this long for its server span (service graph)
  size_t graph_max_waiting = 10000;        // client spans waiting at once; more are dropped (counted)
  size_t max_sockets = 65536;              // sockets the TCP health tracker follows at once
};

}  // namespace cs
