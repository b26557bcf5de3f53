// The OpenTelemetry resource variables of a process environment (/proc/PID/environ: NUL-separated
// KEY=VALUE entries).
//
// Rules (OpenTelemetry SDK environment variable specification):
//  - OTEL_SERVICE_NAME wins over service.name in OTEL_RESOURCE_ATTRIBUTES.
//  - OTEL_RESOURCE_ATTRIBUTES is a comma-separated list of key=value pairs; keys and values are
//    percent-decoded and trimmed; a pair without '=' or with an empty key is skipped.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace cs {

struct OtelEnv {
  std::string service_name;  // "" if neither variable names one
  std::vector<std::pair<std::string, std::string>> resource;  // OTEL_RESOURCE_ATTRIBUTES minus service.name
};

OtelEnv parse_otel_environ(std::string_view environ_block);
std::vector<std::pair<std::string, std::string>> parse_resource_attributes(std::string_view value);

}  // namespace cs
