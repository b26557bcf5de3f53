// What `callscope top` shows: per service (its server spans) and per edge (client service -> server
// service), the request rate, error share and p50/p99 latency of the last refresh interval.
//
// Rules:
//  - A SpanSink fed by the pipeline thread; window() is called by the same thread (no locks).
//  - Edges: a server span whose parent client span is in the same batch is client -> server; a root
//    server span (or one with a remote parent) is "user" -> server; a client span with no server child in
//    its batch is client -> its server.address:server.port (an untraced peer).
//  - Latency quantiles come from a log-scale histogram (about 9% wide buckets, 1 us .. 100 s): each shown
//    value is within one bucket of the true quantile.
//  - A row stays listed for `keep_intervals` refreshes after its last request, with a rate of 0.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "sinks/sink.h"

namespace cs {

struct TopRow {
  std::string name;      // service, or "client -> server"
  double rate = 0;       // requests per second in the window
  double error_pct = 0;  // 0..100
  double p50_s = 0, p99_s = 0;
  uint64_t total = 0;    // requests since start
};

struct TopWindow {
  std::vector<TopRow> services;  // by rate, then name
  std::vector<TopRow> edges;
};

class TopModel final : public SpanSink {
 public:
  explicit TopModel(int keep_intervals = 30) : keep_(keep_intervals) {}
  void emit(const std::vector<Span>& spans) override;
  // Closes the current window (`seconds` long) and returns its rows; the next window starts empty.
  TopWindow window(double seconds);

  static constexpr size_t kBuckets = 256;
  static size_t bucket_of(double seconds);
  static double bucket_value(size_t b);  // the bucket's geometric middle, seconds

 private:
  struct Acc {
    std::array<uint32_t, kBuckets> hist{};
    uint64_t count = 0, errors = 0, total = 0;
    int idle = 0;
  };
  void add(std::map<std::string, Acc, std::less<>>& m, const std::string& key, double seconds, bool error);
  std::vector<TopRow> close(std::map<std::string, Acc, std::less<>>& m, double seconds);

  int keep_;
  std::map<std::string, Acc, std::less<>> services_;
  std::map<std::string, Acc, std::less<>> edges_;
  std::string key_;              // reused
  std::vector<uint8_t> paired_;  // reused
};

}  // namespace cs
