// Who a traced process is, as every output reports it (tree, JSON, metrics, OTLP resource).
//
// Rules (README "Service identity"): service.name is the first of
//   1. OTEL_SERVICE_NAME, or service.name in OTEL_RESOURCE_ATTRIBUTES, in the process's environment;
//   2. a naming rule from the command line or config file (naming_rules.h: pid, executable, port, comm);
//   3. the systemd service unit, or the Docker container, behind the process's cgroup;
//   4. for an interpreter or runtime, the program it runs (program_name.h);
//   5. the comm.
// Every field is plain data, immutable once built: an identity is shared (shared_ptr<const>) by the
// pipeline thread and the exporter threads.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace cs {

enum class NameSource : uint8_t { Env, Rule, Cgroup, Program, Comm };
const char* name_source_label(NameSource s);  // "env", "rule", "cgroup", "program", "comm"

struct ProcessIdentity {
  uint32_t pid = 0;
  std::string service_name;
  NameSource source = NameSource::Comm;
  std::string comm;
  std::string instance_id;        // service.instance.id: OTEL_RESOURCE_ATTRIBUTES' or "<host.name>:<pid>"
  std::string executable_name;    // process.executable.name: basename of /proc/PID/exe ("" if unknown)
  std::string executable_path;    // process.executable.path
  std::string command_line;       // process.command_line, secrets redacted (command_line.h)
  std::string systemd_unit;       // e.g. "orders.service" ("" if none)
  std::string container_id;       // full container id from the cgroup path ("" if none)
  // Other resource attributes from OTEL_RESOURCE_ATTRIBUTES (key, value), service.name excluded.
  std::vector<std::pair<std::string, std::string>> resource;
};

}  // namespace cs
