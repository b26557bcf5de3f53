// Command line of the `callscope` binary (Boost.Program_options).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace cs {

struct Options {
  enum class Mode { Live, Record, Replay, Top, Identify } mode = Mode::Live;
  std::vector<uint32_t> pids;
  std::vector<uint16_t> ports;
  std::vector<std::string> comms;
  double duration_s = 0;           // 0: until SIGINT/SIGTERM
  std::string format;              // "tree" | "json"; empty: tree on a terminal, json otherwise
  std::string output;              // file for spans (live/replay) or the capture (record); empty: stdout
  std::string input;               // replay: capture file
  uint32_t payload_bytes = 0;      // set from CS_DEFAULT_PAYLOAD by the parser
  uint32_t ringbuf_mb = 8;
  std::string capture_mode = "auto";  // "auto" | "socket" | "syscall"
  std::string go_probes = "auto";     // "auto" | "on" | "ids" | "off": goroutine-aware chains for Go processes
  uint64_t seed = 0;
  std::string log_level = "info";
  double stats_interval_s = 60;
  size_t max_connections = 65536;
  size_t max_pending_spans = 200000;
  uint32_t trace_linger_ms = 200;  // a finished trace waits this long for late spans before it is written
  bool color = true;

  // Service identity, metrics and exports (README "Metrics and exports"); all may come from --config.
  std::string config_file;                   // Boost.Program_options config file; flags override it
  std::vector<std::string> service_name_rules;  // KIND:VALUE=NAME (identity/naming_rules.h)
  bool proc_identity = true;                 // --identity proc (default) | comm
  std::string metrics_listen;                // ADDR:PORT of /metrics; "" = off
  std::vector<double> duration_buckets;      // seconds; empty = the default (5 ms ... 10 s)
  size_t max_routes = 200;                   // distinct http.route per service
  std::string otlp_endpoint;                 // base URL; "" = off
  std::string otlp_protocol = "http/protobuf";  // | "http/json"
  std::vector<std::string> otlp_headers;     // "Key=Value"
  std::string otlp_compression = "gzip";     // | "none"
  std::string otlp_ca_file;
  size_t otlp_queue_spans = 20000;
  double otlp_batch_interval_s = 1;
  double otlp_metrics_interval_s = 10;       // 0: no metrics over OTLP
  double top_interval_s = 1;                 // `callscope top` refresh
  bool raw_query_text = false;     // database spans: db.query.text verbatim, literals included
  std::vector<std::string> http_headers;  // HTTP headers whose values spans carry (none by default)
  bool raw_url_query = false;      // HTTP spans: url.query values as sent instead of REDACTED
};

// Parses argv. Returns 0 to go on, or an exit code (0 after --help/--version, 2 on a usage error, with
// the message already printed).
int parse_options(int argc, char** argv, Options& out, bool& exit_now);

}  // namespace cs
