#include "metrics/metric_registry.h"

#include <algorithm>

namespace cs {

std::string prom_label_name(const std::string& key) {
  std::string out = key;
  for (char& c : out)
    if (c == '.' || c == '-') c = '_';
  return out;
}

namespace {

uint64_t hash_values(std::initializer_list<std::string_view> values) {
  uint64_t h = 0x9e3779b97f4a7c15ULL;
  for (std::string_view v : values) {
    h ^= std::hash<std::string_view>{}(v) + 0x9e3779b97f4a7c15ULL + (h << 6) + (h >> 2);
  }
  return h;
}

bool same_values(const std::vector<std::string>& have, std::initializer_list<std::string_view> values) {
  if (have.size() != values.size()) return false;
  size_t i = 0;
  for (std::string_view v : values)
    if (have[i++] != v) return false;
  return true;
}

}  // namespace

size_t FamilyWriter::series(std::initializer_list<std::string_view> values) {
  const uint64_t h = hash_values(values);
  auto [lo, hi] = index_.equal_range(h);
  for (auto it = lo; it != hi; ++it)
    if (same_values(family_.series[it->second].label_values, values)) return it->second;
  if (family_.series.size() >= max_series_) {
    ++overflowed_;
    if (overflow_ == SIZE_MAX) {
      MetricSeries s;
      s.label_values.assign(family_.label_keys.size(), "_OTHER");
      s.service_label = service_label_;
      if (family_.kind == MetricKind::Histogram) s.bucket_counts.assign(family_.bounds.size() + 1, 0);
      overflow_ = family_.series.size();
      family_.series.push_back(std::move(s));
    }
    return overflow_;
  }
  MetricSeries s;
  s.label_values.reserve(values.size());
  for (std::string_view v : values) s.label_values.emplace_back(v);
  s.service_label = service_label_;
  if (family_.kind == MetricKind::Histogram) s.bucket_counts.assign(family_.bounds.size() + 1, 0);
  size_t idx = family_.series.size();
  family_.series.push_back(std::move(s));
  index_.emplace(h, idx);
  return idx;
}

void FamilyWriter::observe(size_t series, double v) {
  MetricSeries& s = family_.series[series];
  const auto& b = family_.bounds;
  size_t i = static_cast<size_t>(std::lower_bound(b.begin(), b.end(), v) - b.begin());  // le: v <= bound
  ++s.bucket_counts[i];
  ++s.count;
  s.sum += v;
}

FamilyWriter& MetricRegistry::family(MetricFamily f, std::string_view service_label) {
  int idx = -1;
  for (size_t i = 0; i < f.label_keys.size(); ++i)
    if (!service_label.empty() && f.label_keys[i] == service_label) idx = static_cast<int>(i);
  std::lock_guard<std::mutex> g(mu_);
  families_.emplace_back(new FamilyWriter(std::move(f), max_series_, idx));
  return *families_.back();
}

std::vector<MetricFamily> MetricRegistry::snapshot() const {
  std::lock_guard<std::mutex> g(mu_);
  std::vector<MetricFamily> out;
  out.reserve(families_.size());
  for (const auto& f : families_) out.push_back(f->family());
  return out;
}

uint64_t MetricRegistry::overflowed() const {
  uint64_t n = 0;
  for (const auto& f : families_) n += f->overflowed();
  return n;
}

}  // namespace cs
