#include "cli/options.h"

#include <unistd.h>

#include <boost/program_options.hpp>
#include <iostream>

#include "callscope/events.h"
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

Examples:
  sudo callscope                                   every HTTP/1 call chain on the node, as trees
  sudo callscope --port 8080 --port 9000           only connections to/from these ports
  sudo callscope --comm nginx --comm python3 --format json --output spans.jsonl --duration 60
  sudo callscope record -o incident.cscap --duration 30
  callscope replay incident.cscap --format json --seed 42

Options)";

}  // namespace

int parse_options(int argc, char** argv, Options& o, bool& exit_now) {
  exit_now = false;
  std::vector<uint32_t> ports;
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
        "span output: 'tree' (indented trace trees) or 'json' (one JSON object per span per line). "
        "Default: tree on a terminal, json otherwise")
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
        "kernel ring buffer size in MiB (power of two). Raise it if the exit report shows ring buffer drops")
    ("seed", po::value<uint64_t>(&o.seed)->default_value(0),
        "seed of trace and span ids (0: random). The same capture replayed with the same seed gives the same ids")
    ("max-connections", po::value<size_t>(&o.max_connections)->default_value(65536),
        "connections tracked at once; past it the least recently active is dropped (counted)")
    ("max-pending-spans", po::value<size_t>(&o.max_pending_spans)->default_value(200000),
        "spans held while their trace completes; past it the oldest is dropped (counted)")
    ("stats-interval", po::value<double>(&o.stats_interval_s)->default_value(60),
        "seconds between self-metric log lines (0: only at exit); ring buffer losses are logged at once")
    ("raw-query-text", "database spans (Redis, PostgreSQL, MySQL/MariaDB, memcached): put db.query.text as "
        "sent, literals and values included, instead of with literals replaced by '?'. The spans then hold "
        "payload (keys, values, whatever the queries carry); credentials (AUTH) stay hidden")
    ("http-header", po::value<std::vector<std::string>>(&o.http_headers)->composing(),
        "HTTP spans: put this header's value in http.request.header.<name> / http.response.header.<name> "
        "(repeatable). Without it no header value leaves the agent (Authorization, Cookie, ...)")
    ("raw-url-query", "HTTP spans: put url.query as sent, instead of with every value replaced by REDACTED "
        "(keys kept). The spans then hold whatever the query strings carry (tokens, ids)")
    ("no-color", "no ANSI colors in tree output")
    ("log-level", po::value<std::string>(&o.log_level)->default_value("info"),
        "trace|debug|info|warn|error; logs go to stderr");
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
    } else if (cmd == "replay") {
      o.mode = Options::Mode::Replay;
      if (o.input.empty()) return usage_error("replay needs the capture file: callscope replay FILE");
    } else {
      return usage_error("unknown command '" + cmd + "' (expected record or replay)");
    }
  }
  for (uint32_t p : ports) {
    if (p == 0 || p > 65535) return usage_error("--port " + std::to_string(p) + " is not a TCP port (1-65535)");
    o.ports.push_back(static_cast<uint16_t>(p));
  }
  if (!o.format.empty() && o.format != "tree" && o.format != "json")
    return usage_error("--format must be tree or json, not '" + o.format + "'");
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
  if (vm.count("no-color")) o.color = false;
  if (vm.count("raw-query-text")) o.raw_query_text = true;
  if (vm.count("raw-url-query")) o.raw_url_query = true;
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
