#include "top/top_model.h"

#include <algorithm>
#include <cmath>
#include <variant>

namespace cs {

namespace {

constexpr double kMin = 1e-6;        // 1 us
constexpr double kFactor = 1.0905;   // 256 buckets reach ~4e3 s; bucket width ~9%

double seconds_of(const Span& s) {
  return s.end_unix_ns > s.start_unix_ns ? static_cast<double>(s.end_unix_ns - s.start_unix_ns) / 1e9 : 0.0;
}

std::string peer_of(const Span& s) {
  std::string out;
  if (const Attribute* a = s.find("server.address"))
    if (const auto* v = std::get_if<std::string>(&a->value)) out = *v;
  if (const Attribute* a = s.find("server.port"))
    if (const auto* v = std::get_if<int64_t>(&a->value)) out += ":" + std::to_string(*v);
  return out.empty() ? std::string("?") : out;
}

double quantile(const std::array<uint32_t, TopModel::kBuckets>& h, uint64_t count, double q) {
  if (count == 0) return 0;
  const double target = q * static_cast<double>(count);
  uint64_t seen = 0;
  for (size_t b = 0; b < h.size(); ++b) {
    seen += h[b];
    if (static_cast<double>(seen) >= target && h[b] > 0) return TopModel::bucket_value(b);
  }
  return TopModel::bucket_value(h.size() - 1);
}

}  // namespace

size_t TopModel::bucket_of(double s) {
  if (s <= kMin) return 0;
  double b = std::log(s / kMin) / std::log(kFactor);
  return std::min(kBuckets - 1, static_cast<size_t>(b) + 1);
}

double TopModel::bucket_value(size_t b) {
  if (b == 0) return kMin;
  return kMin * std::pow(kFactor, static_cast<double>(b) - 0.5);
}

void TopModel::add(std::map<std::string, Acc, std::less<>>& m, const std::string& key, double seconds, bool error) {
  auto it = m.find(key);
  if (it == m.end()) it = m.emplace(key, Acc{}).first;
  Acc& a = it->second;
  ++a.hist[bucket_of(seconds)];
  ++a.count;
  ++a.total;
  if (error) ++a.errors;
  a.idle = 0;
}

void TopModel::emit(const std::vector<Span>& spans) {
  const size_t n = spans.size();
  std::vector<uint8_t>& paired = paired_;  // reused: no allocation per batch once grown
  paired.assign(n, 0);
  for (size_t i = 0; i < n; ++i) {
    const Span& s = spans[i];
    if (s.kind != SpanKind::Server) continue;
    add(services_, s.service, seconds_of(s), s.error);
    std::string_view client = "user";
    if (s.parent_span_id != 0 && !s.remote_parent) {
      client = "?";
      for (size_t j = 0; j < n; ++j)
        if (spans[j].span_id == s.parent_span_id && spans[j].kind == SpanKind::Client) {
          client = spans[j].service;
          paired[j] = 1;
          break;
        }
    }
    key_.assign(client).append(" -> ").append(s.service);
    add(edges_, key_, seconds_of(s), s.error);
  }
  for (size_t j = 0; j < n; ++j) {
    const Span& c = spans[j];
    if (c.kind != SpanKind::Client || paired[j]) continue;
    bool has_server_child = false;
    for (size_t i = 0; i < n && !has_server_child; ++i)
      has_server_child = spans[i].kind == SpanKind::Server && spans[i].parent_span_id == c.span_id;
    if (has_server_child) continue;
    key_.assign(c.service).append(" -> ").append(peer_of(c));
    add(edges_, key_, seconds_of(c), c.error);
  }
}

std::vector<TopRow> TopModel::close(std::map<std::string, Acc, std::less<>>& m, double seconds) {
  std::vector<TopRow> rows;
  for (auto it = m.begin(); it != m.end();) {
    Acc& a = it->second;
    if (a.count == 0 && ++a.idle > keep_) {
      it = m.erase(it);
      continue;
    }
    TopRow r;
    r.name = it->first;
    r.rate = seconds > 0 ? static_cast<double>(a.count) / seconds : 0;
    r.error_pct = a.count ? 100.0 * static_cast<double>(a.errors) / static_cast<double>(a.count) : 0;
    r.p50_s = quantile(a.hist, a.count, 0.50);
    r.p99_s = quantile(a.hist, a.count, 0.99);
    r.total = a.total;
    rows.push_back(std::move(r));
    a.hist.fill(0);
    a.count = 0;
    a.errors = 0;
    ++it;
  }
  std::sort(rows.begin(), rows.end(), [](const TopRow& x, const TopRow& y) {
    return x.rate != y.rate ? x.rate > y.rate : x.name < y.name;
  });
  return rows;
}

TopWindow TopModel::window(double seconds) {
  TopWindow w;
  w.services = close(services_, seconds);
  w.edges = close(edges_, seconds);
  return w;
}

}  // namespace cs
