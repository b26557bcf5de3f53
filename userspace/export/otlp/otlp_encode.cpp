#include "export/otlp/otlp_encode.h"

#include <google/protobuf/util/json_util.h>
#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <map>
#include <set>
#include <tuple>

#include "opentelemetry/proto/collector/metrics/v1/metrics_service.pb.h"
#include "sinks/utf8_sanitize.h"
#include "opentelemetry/proto/collector/trace/v1/trace_service.pb.h"

namespace cs {

namespace otlp_common = opentelemetry::proto::common::v1;
namespace otlp_trace = opentelemetry::proto::trace::v1;
namespace otlp_metrics = opentelemetry::proto::metrics::v1;
namespace otlp_resource = opentelemetry::proto::resource::v1;

namespace {

// protobuf strings must be valid UTF-8 (a receiver rejects the whole request otherwise): names, paths and
// command lines come from the wire and from processes.
std::string utf8(std::string_view s) {
  thread_local std::string scratch;
  return std::string(utf8_sanitize(s, scratch));
}

void kv(google::protobuf::RepeatedPtrField<otlp_common::KeyValue>* out, const std::string& key, const std::string& v) {
  auto* a = out->Add();
  a->set_key(utf8(key));
  a->mutable_value()->set_string_value(utf8(v));
}

void kv(google::protobuf::RepeatedPtrField<otlp_common::KeyValue>* out, const std::string& key, int64_t v) {
  auto* a = out->Add();
  a->set_key(key);
  a->mutable_value()->set_int_value(v);
}

void fill_resource(otlp_resource::Resource* r, const ExportSpan& s, const AgentResource& agent) {
  auto* attrs = r->mutable_attributes();
  std::set<std::string> given;
  const ProcessIdentity* id = s.identity.get();
  if (id != nullptr)
    for (const auto& [k, v] : id->resource) {
      if (!given.insert(k).second) continue;
      kv(attrs, k, v);
    }
  auto put = [&](const char* k, const std::string& v) {
    if (v.empty() || given.count(k)) return;
    given.insert(k);
    kv(attrs, k, v);
  };
  put("service.name", s.span.service.empty() ? std::string("unknown") : s.span.service);
  if (id != nullptr) put("service.instance.id", id->instance_id);
  put("host.name", agent.host_name);
  if (!given.count("process.pid")) kv(attrs, "process.pid", int64_t{s.span.pid});
  if (id != nullptr) {
    put("process.executable.name", id->executable_name);
    put("process.executable.path", id->executable_path);
    put("process.command_line", id->command_line);
  }
}

std::string id_bytes(uint64_t v) {
  std::string b(8, '\0');
  for (int i = 7; i >= 0; --i) {
    b[static_cast<size_t>(i)] = static_cast<char>(v & 0xff);
    v >>= 8;
  }
  return b;
}

void fill_scope(otlp_common::InstrumentationScope* scope, const AgentResource& agent) {
  scope->set_name("callscope");
  scope->set_version(agent.version);
}

void fill_span(otlp_trace::Span* out, const Span& s) {
  out->set_trace_id(std::string(reinterpret_cast<const char*>(s.trace_id.bytes), 16));
  out->set_span_id(id_bytes(s.span_id));
  if (s.parent_span_id != 0) out->set_parent_span_id(id_bytes(s.parent_span_id));
  out->set_name(utf8(s.name));
  out->set_kind(s.kind == SpanKind::Server ? otlp_trace::Span::SPAN_KIND_SERVER : otlp_trace::Span::SPAN_KIND_CLIENT);
  out->set_start_time_unix_nano(s.start_unix_ns);
  out->set_end_time_unix_nano(s.end_unix_ns);
  auto* attrs = out->mutable_attributes();
  for (const Attribute& a : s.attributes) {
    if (const auto* str = std::get_if<std::string>(&a.value))
      kv(attrs, std::string(a.key), *str);
    else
      kv(attrs, std::string(a.key), std::get<int64_t>(a.value));
  }
  kv(attrs, "thread.id", int64_t{s.tid});
  if (s.error) {
    out->mutable_status()->set_code(otlp_trace::Status::STATUS_CODE_ERROR);
    out->mutable_status()->set_message(utf8(s.status_message));
  }
}

const char kHex[] = "0123456789abcdef";

// Standard base64 (what the protobuf JSON printer writes for bytes) -> bytes; false if malformed.
bool base64_decode(std::string_view in, std::string& out) {
  auto val = [](char c) -> int {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+' || c == '-') return 62;
    if (c == '/' || c == '_') return 63;
    return -1;
  };
  out.clear();
  uint32_t acc = 0;
  int bits = 0;
  for (char c : in) {
    if (c == '=') break;
    int v = val(c);
    if (v < 0) return false;
    acc = (acc << 6) | static_cast<uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<char>((acc >> bits) & 0xff));
    }
  }
  return true;
}

// OTLP/JSON: the protobuf JSON mapping writes bytes as base64; OTLP wants trace/span ids in hex.
void ids_to_hex(rapidjson::Value& v, rapidjson::Document::AllocatorType& alloc) {
  if (v.IsObject()) {
    for (auto& m : v.GetObject()) {
      std::string_view name(m.name.GetString(), m.name.GetStringLength());
      if ((name == "traceId" || name == "spanId" || name == "parentSpanId") && m.value.IsString()) {
        std::string_view b64(m.value.GetString(), m.value.GetStringLength());
        std::string decoded;
        if (!base64_decode(b64, decoded)) continue;
        std::string hex;
        for (unsigned char c : decoded) {
          hex.push_back(kHex[c >> 4]);
          hex.push_back(kHex[c & 0xf]);
        }
        m.value.SetString(hex.data(), static_cast<rapidjson::SizeType>(hex.size()), alloc);
      } else {
        ids_to_hex(m.value, alloc);
      }
    }
  } else if (v.IsArray()) {
    for (auto& e : v.GetArray()) ids_to_hex(e, alloc);
  }
}

bool serialize(const google::protobuf::Message& m, OtlpEncoding enc, std::string& out, std::string& error) {
  out.clear();
  if (enc == OtlpEncoding::Protobuf) {
    if (!m.SerializeToString(&out)) {
      error = "protobuf serialization failed";
      return false;
    }
    return true;
  }
  google::protobuf::util::JsonPrintOptions opts;
  opts.always_print_enums_as_ints = true;
  opts.preserve_proto_field_names = false;
  std::string json;
  auto st = google::protobuf::util::MessageToJsonString(m, &json, opts);
  if (!st.ok()) {
    error = "JSON encoding failed: " + std::string(st.message());
    return false;
  }
  rapidjson::Document doc;
  doc.Parse(json.c_str(), json.size());
  if (doc.HasParseError()) {
    error = "JSON encoding produced unparsable text";
    return false;
  }
  ids_to_hex(doc, doc.GetAllocator());
  rapidjson::StringBuffer buf;
  rapidjson::Writer<rapidjson::StringBuffer> w(buf);
  doc.Accept(w);
  out.assign(buf.GetString(), buf.GetSize());
  return true;
}

}  // namespace

bool encode_traces(const std::vector<ExportSpan>& spans, const AgentResource& agent, OtlpEncoding enc,
                   std::string& out, std::string& error) {
  opentelemetry::proto::collector::trace::v1::ExportTraceServiceRequest req;
  // One ResourceSpans per identity (or per service and pid without one), in order of first appearance.
  std::map<std::tuple<const void*, std::string, uint32_t>, otlp_trace::ScopeSpans*> groups;
  for (const ExportSpan& s : spans) {
    auto key = s.identity ? std::make_tuple(static_cast<const void*>(s.identity.get()), std::string(), 0u)
                          : std::make_tuple(static_cast<const void*>(nullptr), s.span.service, s.span.pid);
    auto it = groups.find(key);
    if (it == groups.end()) {
      auto* rs = req.add_resource_spans();
      fill_resource(rs->mutable_resource(), s, agent);
      auto* ss = rs->add_scope_spans();
      fill_scope(ss->mutable_scope(), agent);
      it = groups.emplace(key, ss).first;
    }
    fill_span(it->second->add_spans(), s.span);
  }
  return serialize(req, enc, out, error);
}

bool encode_metrics(const std::vector<MetricFamily>& families, const AgentResource& agent, uint64_t start_ns,
                    uint64_t now_ns, OtlpEncoding enc, std::string& out, std::string& error) {
  opentelemetry::proto::collector::metrics::v1::ExportMetricsServiceRequest req;
  std::map<std::string, otlp_metrics::ScopeMetrics*> by_service;  // "" = the agent
  auto scope_for = [&](const std::string& service) {
    auto it = by_service.find(service);
    if (it != by_service.end()) return it->second;
    auto* rm = req.add_resource_metrics();
    auto* attrs = rm->mutable_resource()->mutable_attributes();
    kv(attrs, "service.name", service.empty() ? std::string("callscope") : service);
    kv(attrs, "host.name", agent.host_name);
    if (service.empty()) kv(attrs, "service.instance.id", agent.instance_id);
    auto* sm = rm->add_scope_metrics();
    fill_scope(sm->mutable_scope(), agent);
    return by_service.emplace(service, sm).first->second;
  };
  for (const MetricFamily& f : families) {
    std::map<std::string, otlp_metrics::Metric*> metric_by_service;
    for (const MetricSeries& s : f.series) {
      std::string service = s.service_label >= 0 ? s.label_values[static_cast<size_t>(s.service_label)] : "";
      auto mit = metric_by_service.find(service);
      if (mit == metric_by_service.end()) {
        auto* m = scope_for(service)->add_metrics();
        m->set_name(f.otel_name);
        m->set_description(f.help);
        m->set_unit(f.unit);
        if (f.kind == MetricKind::Counter) {
          m->mutable_sum()->set_aggregation_temporality(otlp_metrics::AGGREGATION_TEMPORALITY_CUMULATIVE);
          m->mutable_sum()->set_is_monotonic(true);
        } else if (f.kind == MetricKind::Gauge) {
          m->mutable_gauge();
        } else {
          m->mutable_histogram()->set_aggregation_temporality(otlp_metrics::AGGREGATION_TEMPORALITY_CUMULATIVE);
        }
        mit = metric_by_service.emplace(service, m).first;
      }
      otlp_metrics::Metric* m = mit->second;
      google::protobuf::RepeatedPtrField<otlp_common::KeyValue>* attrs;
      if (f.kind == MetricKind::Histogram) {
        auto* p = m->mutable_histogram()->add_data_points();
        p->set_start_time_unix_nano(start_ns);
        p->set_time_unix_nano(now_ns);
        p->set_count(s.count);
        p->set_sum(s.sum);
        for (uint64_t c : s.bucket_counts) p->add_bucket_counts(c);
        for (double b : f.bounds) p->add_explicit_bounds(b);
        attrs = p->mutable_attributes();
      } else {
        auto* p = f.kind == MetricKind::Counter ? m->mutable_sum()->add_data_points()
                                                : m->mutable_gauge()->add_data_points();
        if (f.kind == MetricKind::Counter) p->set_start_time_unix_nano(start_ns);
        p->set_time_unix_nano(now_ns);
        p->set_as_double(s.value);
        attrs = p->mutable_attributes();
      }
      for (size_t i = 0; i < f.label_keys.size() && i < s.label_values.size(); ++i) {
        if (static_cast<int>(i) == s.service_label) continue;
        kv(attrs, f.label_keys[i], s.label_values[i]);
      }
    }
  }
  return serialize(req, enc, out, error);
}

}  // namespace cs
