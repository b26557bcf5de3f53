#include "cli/options.h"

#include <unistd.h>

#include <boost/program_options.hpp>
#include <iostream>

#include "callscope/events.h"
#include "identity/naming_rules.h"
#include "protocols/http1/http1_options.h"

namespace po = boost::program_options;

namespace cs {

namespace {

const char* kUsage = R"(callscope - zero-instrumentation call tracer (eBPF)

Sees the HTTP/1.x requests and the Redis, PostgreSQL, MySQL/MariaDB and memcached commands that processes
on this machine send each other over TCP, without touching them, and prints the call chains (distributed
traces) they form.

Usage:
  callscope [OPTIONS]                  trace live (root or CAP_BPF+CAP_PERFMON); prints finished traces
  callscope record -o FILE [OPTIONS]   write the raw kernel events to a capture file (root)
  callscope replay FILE [OPTIONS]      run the userspace pipeline on a capture file (no root needed)
  callscope top [OPTIONS]              live table of services and edges: rate, error %, p50/p99 (root)
  callscope identify --pid N...        print the service identity the agent gives these processes (JSON)

Examples:
  sudo callscope                                   every HTTP/1 call chain on the node, as trees
  sudo callscope --port 8080 --port 9000           only connections to/from these ports
  sudo callscope --comm nginx --comm python3 --format json --output spans.jsonl --duration 60
  sudo callscope record -o incident.cscap --duration 30
  callscope replay incident.cscap --format json --seed 42
  sudo callscope --format none --metrics-listen 127.0.0.1:9464 --otlp-endpoint http://127.0.0.1:4318
  sudo callscope --config /etc/callscope/callscope.conf

Options)";

}  // namespace

namespace {

// "0.005,0.01,0.1" -> ascending positive numbers; false if malformed.
bool parse_buckets(const std::string& text, std::vector<double>& out) {
  out.clear();
  size_t start = 0;
  while (start <= text.size()) {
    size_t comma = text.find(',', start);
    std::string part = text.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    try {
      size_t used = 0;
      double v = std::stod(part, &used);
      if (used != part.size() || !(v > 0) || (!out.empty() && v <= out.back())) return false;
      out.push_back(v);
    } catch (const std::exception&) {
      return false;
    }
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return !out.empty();
}

}  // namespace

int parse_options(int argc, char** argv, Options& o, bool& exit_now) {
  exit_now = false;
  std::vector<uint32_t> ports;
  std::string buckets;
  // Switches are bool_switch so that a config file can say "no-color = false" and mean it (an untyped
  // switch would be on whatever its value in the file).
  bool no_color = false, raw_query_text = false, raw_url_query = false;
  po::options_description desc(kUsage);
  // clang-format off
  desc.add_options()
    ("help,h", "show this help and exit")
    ("version", "print the version and exit")
    ("pid,p", po::value<std::vector<uint32_t>>(&o.pids)->composing(),
        "trace only this process id (repeatable); filtered in the kernel. Example: --pid 1234 --pid 5678")
    ("port", po::value<std::vector<uint32_t>>(&ports)->composing(),
        "trace only TCP connections whose local or remote port is this (repeatable). Example: --port 80")
    ("comm,c", po::value<std::vector<std::string>>(&o.comms)->composing(),
        "trace only processes with this command name, as in /proc/PID/comm (first 15 chars; repeatable). "
        "Example: --comm nginx")
    ("duration,d", po::value<double>(&o.duration_s)->default_value(0),
        "stop after this many seconds (0: until Ctrl-C / SIGTERM). Pending spans are flushed either way")
    ("format,f", po::value<std::string>(&o.format),
        "span output: 'tree' (indented trace trees), 'json' (one JSON object per span per line) or 'none' "
        "(metrics and exports only). Default: tree on a terminal, json otherwise")
    ("output,o", po::value<std::string>(&o.output),
        "write spans (or, for record, the capture) to this file instead of stdout")
    ("payload-bytes", po::value<uint32_t>(&o.payload_bytes)->default_value(CS_DEFAULT_PAYLOAD),
        "payload bytes copied from each socket syscall (0-16384). Bigger sees larger headers, costs more")
    ("capture-mode", po::value<std::string>(&o.capture_mode)->default_value("auto"),
        "kernel data path: 'socket' (socket tracepoints, Linux 6.3+: only socket I/O runs a program), "
        "'syscall' (raw syscall tracepoints: every system call of every process runs a program; for older "
        "kernels), or 'auto' (socket where the kernel has it)")
    ("go-probes", po::value<std::string>(&o.go_probes)->default_value("auto"),
        "goroutine-aware chains for Go programs, unmodified: 'auto' (goroutine ids on socket events, uprobes "
        "on goroutine creation and net/http's client hand-offs; where the kernel cannot, a warning and the "
        "generic rules), 'on' (the same, or fail at start), 'ids' (goroutine ids only, no uprobes and no "
        "per-call cost: only requests a handler's own goroutine writes are linked; net/http's client writes "
        "from a goroutine of its own, so its calls abstain), 'off' "
        "(Go threads get the generic thread rule: a thread runs many goroutines, so a call may be linked to "
        "another request than its own)")
    ("ringbuf-mb", po::value<uint32_t>(&o.ringbuf_mb)->default_value(8),
        "kernel ring buffers in MiB (power of two), split over the CPUs (one ring each, at least 1 MiB). "
        "Raise it if the exit report shows ring buffer drops")
    ("seed", po::value<uint64_t>(&o.seed)->default_value(0),
        "seed of trace and span ids (0: random). The same capture replayed with the same seed gives the same ids")
    ("max-connections", po::value<size_t>(&o.max_connections)->default_value(65536),
        "connections tracked at once; past it the least recently active is dropped (counted)")
    ("max-pending-spans", po::value<size_t>(&o.max_pending_spans)->default_value(200000),
        "spans held while their trace completes; past it the oldest is dropped (counted)")
    ("trace-linger-ms", po::value<uint32_t>(&o.trace_linger_ms)->default_value(200),
        "milliseconds a trace is held after its root span ended, so spans finishing a little later are "
        "written with it (0-10000), unless it is known complete (all its spans finished, every client "
        "span's server span found): then it is written at once. A span finishing after that is written on "
        "its own, with the same trace and parent ids. Memory grows with it: about the rate of requests "
        "whose trace cannot be known complete (calls leaving the node) x this time")
    ("stats-interval", po::value<double>(&o.stats_interval_s)->default_value(60),
        "seconds between self-metric log lines (0: only at exit); ring buffer losses are logged at once")
    ("raw-query-text", po::bool_switch(&raw_query_text), "database spans (Redis, PostgreSQL, MySQL/MariaDB, memcached): put db.query.text as "
        "sent, literals and values included, instead of with literals replaced by '?'. The spans then hold "
        "payload (keys, values, whatever the queries carry); credentials (AUTH) stay hidden")
    ("http-header", po::value<std::vector<std::string>>(&o.http_headers)->composing(),
        "HTTP spans: put this header's value in http.request.header.<name> / http.response.header.<name> "
        "(repeatable). Without it no header value leaves the agent (Authorization, Cookie, ...)")
    ("raw-url-query", po::bool_switch(&raw_url_query), "HTTP spans: put url.query as sent, instead of with "
        "every value replaced by REDACTED (keys kept). The spans then hold whatever the query strings carry")
    ("no-color", po::bool_switch(&no_color), "no ANSI colors in tree output")
    ("log-level", po::value<std::string>(&o.log_level)->default_value("info"),
        "trace|debug|info|warn|error; logs go to stderr")
    ("config", po::value<std::string>(&o.config_file),
        "read options from this file (one 'name = value' per line, names as the long options without '--'); "
        "options given on the command line win; repeatable options add up")
    ("service-name", po::value<std::vector<std::string>>(&o.service_name_rules)->composing(),
        "name the service of some processes (repeatable): pid:1234=orders, exe:/usr/bin/app=orders, "
        "port:8080=frontend, comm:python3=legacy. OTEL_SERVICE_NAME in a process's environment still wins")
    ("identity", po::value<std::string>()->default_value("proc"),
        "'proc': service names from /proc (OTEL_SERVICE_NAME, rules, systemd unit/container, the program an "
        "interpreter runs, else comm); 'comm': the command name only (plus pid/comm rules)")
    ("metrics-listen", po::value<std::string>(&o.metrics_listen),
        "serve Prometheus metrics on http://ADDR:PORT/metrics (ADDR defaults to 127.0.0.1). Example: 9464")
    ("metrics-buckets", po::value<std::string>(&buckets),
        "request duration histogram bounds in seconds, comma-separated (default "
        "0.005,0.01,0.025,0.05,0.075,0.1,0.25,0.5,0.75,1,2.5,5,7.5,10)")
    ("metrics-max-routes", po::value<size_t>(&o.max_routes)->default_value(200),
        "distinct http.route values per service; more are reported as _OTHER (counted)")
    ("otlp-endpoint", po::value<std::string>(&o.otlp_endpoint),
        "send spans and metrics over OTLP/HTTP to this base URL (/v1/traces and /v1/metrics are appended). "
        "Example: http://127.0.0.1:4318")
    ("otlp-protocol", po::value<std::string>(&o.otlp_protocol)->default_value("http/protobuf"),
        "http/protobuf or http/json")
    ("otlp-header", po::value<std::vector<std::string>>(&o.otlp_headers)->composing(),
        "extra HTTP header for the OTLP receiver, KEY=VALUE (repeatable). Example: Authorization=Bearer abc")
    ("otlp-compression", po::value<std::string>(&o.otlp_compression)->default_value("gzip"), "gzip or none")
    ("otlp-ca-file", po::value<std::string>(&o.otlp_ca_file),
        "CA certificates (PEM) to check an https receiver with, instead of the system's")
    ("otlp-queue-spans", po::value<size_t>(&o.otlp_queue_spans)->default_value(20000),
        "spans held while the receiver is slow or away; more are dropped (counted)")
    ("otlp-batch-interval", po::value<double>(&o.otlp_batch_interval_s)->default_value(1),
        "seconds between span batches (a full batch of 512 goes at once)")
    ("otlp-metrics-interval", po::value<double>(&o.otlp_metrics_interval_s)->default_value(10),
        "seconds between metric exports over OTLP (0: spans only)")
    ("top-interval", po::value<double>(&o.top_interval_s)->default_value(1),
        "callscope top: seconds between refreshes");
  // clang-format on
  po::options_description hidden;
  hidden.add_options()("command", po::value<std::string>(), "")("input", po::value<std::string>(&o.input), "");
  po::positional_options_description pos;
  pos.add("command", 1).add("input", 1);
  po::options_description all;
  all.add(desc).add(hidden);

  po::variables_map vm;
  try {
    po::store(po::command_line_parser(argc, argv).options(all).positional(pos).run(), vm);
    if (vm.count("config")) {
      // Stored after the command line: a value given there is kept (flags override the file).
      const std::string path = vm["config"].as<std::string>();
      po::store(po::parse_config_file<char>(path.c_str(), desc), vm);
    }
    po::notify(vm);
  } catch (const std::exception& e) {
    std::cerr << "callscope: " << e.what() << "\nTry 'callscope --help'.\n";
    exit_now = true;
    return 2;
  }
  if (vm.count("help")) {
    std::cout << desc << "\n";
    exit_now = true;
    return 0;
  }
  if (vm.count("version")) {
    std::cout << "callscope " << CALLSCOPE_VERSION << " (kernel ABI " << CS_ABI_VERSION << ")\n";
    exit_now = true;
    return 0;
  }
  auto usage_error = [&](const std::string& msg) {
    std::cerr << "callscope: " << msg << "\nTry 'callscope --help'.\n";
    exit_now = true;
    return 2;
  };
  if (vm.count("command")) {
    std::string cmd = vm["command"].as<std::string>();
    if (cmd == "record") {
      o.mode = Options::Mode::Record;
      if (o.output.empty()) return usage_error("record needs -o FILE (the capture to write)");
      if (!o.input.empty()) return usage_error("record takes no file argument; use -o FILE");
    } else if (cmd == "identify") {
      o.mode = Options::Mode::Identify;
      if (o.pids.empty()) return usage_error("identify needs --pid N (repeatable)");
    } else if (cmd == "top") {
      o.mode = Options::Mode::Top;
      if (!o.input.empty()) return usage_error("top takes no file argument");
    } else if (cmd == "replay") {
      o.mode = Options::Mode::Replay;
      if (o.input.empty()) return usage_error("replay needs the capture file: callscope replay FILE");
    } else {
      return usage_error("unknown command '" + cmd + "' (expected record, replay, top or identify)");
    }
  }
  for (uint32_t p : ports) {
    if (p == 0 || p > 65535) return usage_error("--port " + std::to_string(p) + " is not a TCP port (1-65535)");
    o.ports.push_back(static_cast<uint16_t>(p));
  }
  if (!o.format.empty() && o.format != "tree" && o.format != "json" && o.format != "none")
    return usage_error("--format must be tree, json or none, not '" + o.format + "'");
  if (o.format.empty()) o.format = (o.output.empty() && isatty(STDOUT_FILENO)) ? "tree" : "json";
  if (o.payload_bytes > CS_MAX_PAYLOAD)
    return usage_error("--payload-bytes " + std::to_string(o.payload_bytes) + " is above the maximum " +
                       std::to_string(CS_MAX_PAYLOAD));
  if (o.ringbuf_mb == 0 || (o.ringbuf_mb & (o.ringbuf_mb - 1)) != 0 || o.ringbuf_mb > 1024)
    return usage_error("--ringbuf-mb must be a power of two between 1 and 1024");
  if (o.duration_s < 0) return usage_error("--duration must be >= 0");
  if (o.capture_mode != "auto" && o.capture_mode != "socket" && o.capture_mode != "syscall")
    return usage_error("--capture-mode must be auto, socket or syscall, not '" + o.capture_mode + "'");
  if (o.go_probes != "auto" && o.go_probes != "on" && o.go_probes != "ids" && o.go_probes != "off")
    return usage_error("--go-probes must be auto, on, ids or off, not '" + o.go_probes + "'");
  if (o.mode == Options::Mode::Replay && !vm["go-probes"].defaulted())
    return usage_error("--go-probes chooses what the kernel side captures; a replay runs on what was recorded");
  for (const auto& c : o.comms)
    if (c.empty() || c.size() > 15) return usage_error("--comm '" + c + "' must be 1 to 15 characters");
  if (o.mode == Options::Mode::Replay && (!o.pids.empty() || !o.ports.empty() || !o.comms.empty()))
    return usage_error("--pid/--port/--comm filter in the kernel; a replay runs on what was recorded");
  if (o.mode == Options::Mode::Replay && !vm["capture-mode"].defaulted())
    return usage_error("--capture-mode chooses the kernel capture; a replay runs on what was recorded");
  if (o.max_connections == 0 || o.max_pending_spans == 0)
    return usage_error("--max-connections and --max-pending-spans must be > 0");
  if (o.trace_linger_ms > 10000) return usage_error("--trace-linger-ms must be 0 to 10000");
  if (no_color) o.color = false;
  const std::string identity = vm["identity"].as<std::string>();
  if (identity != "proc" && identity != "comm") return usage_error("--identity must be proc or comm");
  o.proc_identity = identity == "proc";
  if (!buckets.empty() && !parse_buckets(buckets, o.duration_buckets))
    return usage_error("--metrics-buckets '" + buckets + "' is not a list of ascending positive seconds, e.g. 0.01,0.1,1");
  if (o.otlp_protocol != "http/protobuf" && o.otlp_protocol != "http/json")
    return usage_error("--otlp-protocol must be http/protobuf or http/json (gRPC is not supported)");
  if (o.otlp_compression != "gzip" && o.otlp_compression != "none")
    return usage_error("--otlp-compression must be gzip or none");
  if (!o.otlp_endpoint.empty() && o.otlp_endpoint.rfind("http://", 0) != 0 && o.otlp_endpoint.rfind("https://", 0) != 0)
    return usage_error("--otlp-endpoint must be an http:// or https:// URL, e.g. http://127.0.0.1:4318");
  for (const auto& h : o.otlp_headers)
    if (h.find('=') == std::string::npos || h.find('=') == 0)
      return usage_error("--otlp-header '" + h + "' is not KEY=VALUE");
  if (o.otlp_queue_spans == 0 || o.otlp_batch_interval_s <= 0 || o.otlp_metrics_interval_s < 0 || o.top_interval_s <= 0)
    return usage_error("--otlp-queue-spans, --otlp-batch-interval and --top-interval must be > 0");
  if (o.max_routes == 0) return usage_error("--metrics-max-routes must be > 0");
  {
    NamingRules rules;
    std::string err;
    for (const auto& r : o.service_name_rules)
      if (!rules.add(r, err)) return usage_error(err);
  }
  if (o.mode == Options::Mode::Record && (!o.metrics_listen.empty() || !o.otlp_endpoint.empty()))
    return usage_error("record writes raw events only; metrics and exports run live or on a replay");
  if (raw_query_text) o.raw_query_text = true;
  if (raw_url_query) o.raw_url_query = true;
  {
    http1::Http1Options check;
    std::string error = http1::make_http1_options(o.raw_url_query, o.http_headers, check);
    if (!error.empty()) return usage_error(error);
  }
  static const char* levels[] = {"trace", "debug", "info", "warn", "error"};
  bool ok = false;
  for (const char* l : levels) ok |= o.log_level == l;
  if (!ok) return usage_error("--log-level must be one of trace, debug, info, warn, error");
  return 0;
}

}  // namespace cs
