// OTLP request bodies (ExportTraceServiceRequest, ExportMetricsServiceRequest) from callscope's spans and
// metric families, as protobuf (http/protobuf) or OTLP/JSON (http/json).
//
// Rules:
//  - Spans are grouped by resource: one per process identity (identity/process_identity.h): service.name,
//    service.instance.id, host.name, process.pid, process.executable.name, process.executable.path,
//    process.command_line, plus the process's OTEL_RESOURCE_ATTRIBUTES (which win over detected values).
//    A span without an identity (replay, process forgotten) gets service.name, process.pid, host.name.
//  - A span is exactly the JSON output's: trace id, span id, parent span id (empty for a root), kind
//    (SERVER 2 / CLIENT 3), name, start and end time, attributes (plus thread.id), status: "error" ->
//    STATUS_CODE_ERROR with the status message, "ok" -> STATUS_CODE_UNSET (instrumentation leaves OK to
//    the application, as the OpenTelemetry specification asks).
//  - Metrics: series owned by a service (metric_family.h) go under a resource {service.name, host.name}
//    and lose their service.name label; the agent's own under {service.name "callscope", host.name,
//    service.instance.id}. Counters are monotonic cumulative Sums, gauges Gauges, histograms cumulative
//    explicit-bucket Histograms; start time = the agent's start.
//  - Every string is valid UTF-8 (invalid bytes from the wire or a process become U+FFFD, as in the JSON
//    output); a receiver rejects a request with invalid UTF-8 whole.
//  - OTLP/JSON follows the protobuf JSON mapping with OTLP's exceptions: trace and span ids as hex strings,
//    enums as integers, lowerCamelCase keys.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "identity/process_identity.h"
#include "metrics/metric_family.h"
#include "spans/span.h"

namespace cs {

struct ExportSpan {
  Span span;
  std::shared_ptr<const ProcessIdentity> identity;  // may be null
};

struct AgentResource {
  std::string host_name;
  std::string instance_id;   // "<host>:<agent pid>"
  std::string version;       // callscope version (scope version)
};

enum class OtlpEncoding { Protobuf, Json };

// The serialized request; false with `error` set if it could not be encoded (JSON conversion).
bool encode_traces(const std::vector<ExportSpan>& spans, const AgentResource& agent, OtlpEncoding enc,
                   std::string& out, std::string& error);
bool encode_metrics(const std::vector<MetricFamily>& families, const AgentResource& agent, uint64_t start_unix_ns,
                    uint64_t now_unix_ns, OtlpEncoding enc, std::string& out, std::string& error);

}  // namespace cs
