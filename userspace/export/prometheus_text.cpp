#include "export/prometheus_text.h"

#include <spdlog/fmt/fmt.h>

#include <cmath>

#include "sinks/utf8_sanitize.h"

namespace cs {

namespace {

void escape_value(const std::string& raw, std::string& out) {
  // Label values come from the wire (routes) and from processes (service names): the exposition format
  // must be valid UTF-8, or the whole scrape fails.
  thread_local std::string scratch;
  const std::string_view v = utf8_sanitize(raw, scratch);
  for (char c : v) {
    if (c == '\\')
      out += "\\\\";
    else if (c == '"')
      out += "\\\"";
    else if (c == '\n')
      out += "\\n";
    else
      out.push_back(c);
  }
}

void escape_help(const std::string& v, std::string& out) {
  for (char c : v) {
    if (c == '\\')
      out += "\\\\";
    else if (c == '\n')
      out += "\\n";
    else
      out.push_back(c);
  }
}

void number(double v, std::string& out) {
  if (std::isinf(v)) {
    out += v > 0 ? "+Inf" : "-Inf";
  } else if (std::isnan(v)) {
    out += "NaN";
  } else if (v == std::floor(v) && std::fabs(v) < 1e15) {
    out += fmt::format("{}", static_cast<long long>(v));
  } else {
    out += fmt::format("{}", v);
  }
}

void labels(const std::vector<std::string>& names, const std::vector<std::string>& values, const char* le,
            std::string& out) {
  if (names.empty() && le == nullptr) return;
  out.push_back('{');
  bool first = true;
  for (size_t i = 0; i < names.size() && i < values.size(); ++i) {
    if (!first) out.push_back(',');
    first = false;
    out += names[i];
    out += "=\"";
    escape_value(values[i], out);
    out.push_back('"');
  }
  if (le != nullptr) {
    if (!first) out.push_back(',');
    out += "le=\"";
    out += le;
    out.push_back('"');
  }
  out.push_back('}');
}

const char* type_name(MetricKind k) {
  switch (k) {
    case MetricKind::Counter:
      return "counter";
    case MetricKind::Gauge:
      return "gauge";
    case MetricKind::Histogram:
      return "histogram";
  }
  return "untyped";
}

}  // namespace

void append_prometheus_text(const std::vector<MetricFamily>& families, std::string& out) {
  for (const MetricFamily& f : families) {
    std::vector<std::string> names;
    names.reserve(f.label_keys.size());
    for (const auto& k : f.label_keys) names.push_back(prom_label_name(k));
    out += "# HELP ";
    out += f.prom_name;
    out.push_back(' ');
    escape_help(f.help, out);
    out += "\n# TYPE ";
    out += f.prom_name;
    out.push_back(' ');
    out += type_name(f.kind);
    out.push_back('\n');
    for (const MetricSeries& s : f.series) {
      if (f.kind != MetricKind::Histogram) {
        out += f.prom_name;
        labels(names, s.label_values, nullptr, out);
        out.push_back(' ');
        number(s.value, out);
        out.push_back('\n');
        continue;
      }
      uint64_t cumulative = 0;
      for (size_t i = 0; i <= f.bounds.size(); ++i) {
        cumulative += i < s.bucket_counts.size() ? s.bucket_counts[i] : 0;
        std::string le;
        if (i < f.bounds.size())
          number(f.bounds[i], le);
        else
          le = "+Inf";
        out += f.prom_name;
        out += "_bucket";
        labels(names, s.label_values, le.c_str(), out);
        out.push_back(' ');
        out += std::to_string(cumulative);
        out.push_back('\n');
      }
      out += f.prom_name;
      out += "_sum";
      labels(names, s.label_values, nullptr, out);
      out.push_back(' ');
      number(s.sum, out);
      out.push_back('\n');
      out += f.prom_name;
      out += "_count";
      labels(names, s.label_values, nullptr, out);
      out.push_back(' ');
      out += std::to_string(s.count);
      out.push_back('\n');
    }
  }
}

}  // namespace cs
