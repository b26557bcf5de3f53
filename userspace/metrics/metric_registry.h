// Where metrics are aggregated: families of counters, gauges and histograms keyed by label values.
//
// Rules:
//  - The writer (the pipeline thread) calls add()/observe() with label values in the family's key order;
//    no allocation once a series exists (the lookup hashes the values in place and compares them with the
//    series' own).
//  - A family holds at most max_series series; values for a new series past that go to one overflow
//    series whose labels are all "_OTHER" (counted in overflowed()).
//  - Thread safety: the owner holds lock() while writing; snapshot() takes the lock itself, copies, and
//    the exporters format the copy outside it. Writers never wait on a network.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "metrics/metric_family.h"

namespace cs {

class MetricRegistry;

// A family being written. Obtained from MetricRegistry::family(); lives as long as the registry.
class FamilyWriter {
 public:
  // Index of the series for these label values (created if new, or the overflow series).
  size_t series(std::initializer_list<std::string_view> values);
  void add(size_t series, double v) { family_.series[series].value += v; }
  void set(size_t series, double v) { family_.series[series].value = v; }
  void observe(size_t series, double v);
  uint64_t overflowed() const { return overflowed_; }
  const MetricFamily& family() const { return family_; }

 private:
  friend class MetricRegistry;
  FamilyWriter(MetricFamily f, size_t max_series, int service_label)
      : family_(std::move(f)), max_series_(max_series), service_label_(service_label) {}

  MetricFamily family_;
  size_t max_series_;
  int service_label_;
  std::unordered_multimap<uint64_t, size_t> index_;  // hash of the label values -> series
  size_t overflow_ = SIZE_MAX;
  uint64_t overflowed_ = 0;
};

class MetricRegistry {
 public:
  explicit MetricRegistry(size_t max_series_per_family = 10000) : max_series_(max_series_per_family) {}

  // Declares a family. `service_label`: the label key that names the owning service ("" if none).
  FamilyWriter& family(MetricFamily f, std::string_view service_label = "");

  std::mutex& lock() { return mu_; }
  // A copy of every family (takes the lock).
  std::vector<MetricFamily> snapshot() const;
  // Series created past the per-family bound, summed over families (takes no lock: call with it held).
  uint64_t overflowed() const;

 private:
  size_t max_series_;
  mutable std::mutex mu_;
  std::vector<std::unique_ptr<FamilyWriter>> families_;
};

}  // namespace cs
