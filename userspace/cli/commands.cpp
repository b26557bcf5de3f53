#include "cli/commands.h"

#include <signal.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <unistd.h>
#include <sys/utsname.h>
#include <time.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <spdlog/spdlog.h>

#include "capture/bpf_capture.h"
#include "cli/span_output.h"
#include "cli/stats_report.h"
#include "cli/telemetry.h"
#include "common/clock_watch.h"
#include "connections/socket_verdicts.h"
#include "pipeline/pipeline.h"
#include "protocols/http1/http1_protocol.h"
#include "record/capture_file.h"
#include "runtimes/go/go_runtime.h"
#include "sinks/json_string.h"
#include "top/top_model.h"
#include "top/top_screen.h"

namespace cs {

namespace {

std::atomic<bool> g_stop{false};

// Tells the kernel side how the pipeline classified a socket (connections/socket_verdicts.h).
class BpfSocketVerdicts final : public SocketVerdicts {
 public:
  explicit BpfSocketVerdicts(BpfCapture& cap) : cap_(cap) {}
  void verdict(uint64_t sock_id, uint8_t v) override { cap_.set_verdict(sock_id, v); }

 private:
  BpfCapture& cap_;
};

// Kernel counters <-> capture trailer counters (enum cs_stat order).
void put_counters(const KernelStats& k, uint64_t (&c)[CS_STAT_MAX]) {
  c[CS_STAT_EVENTS] = k.events;
  c[CS_STAT_RINGBUF_DROPS] = k.ringbuf_drops;
  c[CS_STAT_TRUNCATED] = k.truncated;
  c[CS_STAT_TRUNCATED_BYTES] = k.truncated_bytes;
  c[CS_STAT_READ_ERRORS] = k.read_errors;
  c[CS_STAT_NO_PAYLOAD] = k.no_payload;
  c[CS_STAT_IGNORED_CALLS] = k.ignored_calls;
}

KernelStats get_counters(const uint64_t (&c)[CS_STAT_MAX]) {
  KernelStats k;
  k.events = c[CS_STAT_EVENTS];
  k.ringbuf_drops = c[CS_STAT_RINGBUF_DROPS];
  k.truncated = c[CS_STAT_TRUNCATED];
  k.truncated_bytes = c[CS_STAT_TRUNCATED_BYTES];
  k.read_errors = c[CS_STAT_READ_ERRORS];
  k.no_payload = c[CS_STAT_NO_PAYLOAD];
  k.ignored_calls = c[CS_STAT_IGNORED_CALLS];
  return k;
}

KernelCounters kernel_counters(const KernelStats& k) {
  return KernelCounters{k.events, k.ringbuf_drops, k.truncated, k.truncated_bytes, k.read_errors, k.no_payload,
                        k.ignored_calls};
}

uint64_t unix_now_ns() {
  timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return static_cast<uint64_t>(ts.tv_sec) * 1'000'000'000ULL + ts.tv_nsec;
}

void on_signal(int) { g_stop.store(true); }

void install_signal_handlers() {
  struct sigaction sa {};
  sa.sa_handler = on_signal;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);
  signal(SIGPIPE, SIG_IGN);
}

uint64_t mono_now_ns() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<uint64_t>(ts.tv_sec) * 1'000'000'000ULL + ts.tv_nsec;
}

// Checks the wall clock once a second (common/clock_watch.h); calls `apply` with each change to take.
class ClockCheck {
 public:
  ClockCheck() : watch_(sample_clocks()) {}
  int64_t offset() const { return watch_.offset(); }
  template <typename Apply>
  void poll(uint64_t now_mono_ns, Apply&& apply) {
    if (now_mono_ns < next_ns_) return;
    next_ns_ = now_mono_ns + 1'000'000'000ULL;
    auto change = watch_.check(sample_clocks());
    if (!change) return;
    const double ms = static_cast<double>(change->delta_ns) / 1e6;
    if (change->kind == ClockChangeKind::Drift)
      spdlog::debug("wall clock drifted {:+.3f} ms from CLOCK_MONOTONIC: offset re-synced", ms);
    else
      spdlog::info("wall clock {} of {:+.3f} ms (settimeofday, NTP step or suspend): spans of traces "
                   "starting from now use the new time",
                   clock_change_name(change->kind), ms);
    apply(*change);
  }

 private:
  ClockWatch watch_;
  uint64_t next_ns_ = 0;
};

// The protocols the agent detects, with HTTP/1 configured by --http-header / --raw-url-query.
const std::vector<const Protocol*>& agent_protocols(const Options& o) {
  static http1::Http1Options http_options;  // referenced by every HTTP span: lives until exit
  static std::vector<const Protocol*> protocols;
  static std::unique_ptr<http1::Http1Protocol> http;
  if (http) return protocols;
  http1::make_http1_options(o.raw_url_query, o.http_headers, http_options);  // validated by parse_options
  http = std::make_unique<http1::Http1Protocol>(http_options);
  for (const Protocol* p : protocol_registry()) protocols.push_back(p == &http1::http1_protocol() ? http.get() : p);
  return protocols;
}

PipelineConfig pipeline_config(const Options& o, int64_t mono_to_unix) {
  PipelineConfig c;
  c.id_seed = o.seed;
  c.mono_to_unix_ns = mono_to_unix;
  c.max_connections = o.max_connections;
  c.max_pending_spans = o.max_pending_spans;
  c.trace_linger_ns = static_cast<uint64_t>(o.trace_linger_ms) * 1'000'000ULL;
  c.raw_query_text = o.raw_query_text;
  return c;
}

CaptureOptions capture_options(const Options& o) {
  CaptureOptions c;
  c.pids = o.pids;
  c.ports = o.ports;
  c.comms = o.comms;
  c.payload_bytes = o.payload_bytes;
  c.ringbuf_bytes = o.ringbuf_mb << 20;
  parse_capture_mode(o.capture_mode, c.mode);  // validated by the option parser
  return c;
}

std::unique_ptr<BpfCapture> open_capture(const Options& o) {
  std::string error;
  auto cap = BpfCapture::open(capture_options(o), error);
  if (!cap) {
    spdlog::error("{}", error);
    return nullptr;
  }
  std::string progs;
  for (const auto& p : cap->attached_programs()) progs += (progs.empty() ? "" : ",") + p;
  spdlog::info("attached {} BPF programs", cap->attached_programs().size());
  spdlog::debug("BPF programs: {}", progs);
  return cap;
}

// The Go runtime support of a capture (--go-probes): it shares the capture's ring buffer and cs_go_procs
// map, so its records (goroutine lineage, net/http hand-offs) reach the pipeline and the capture file in
// event order. Probes only what the goroutine rule reads (ROUNDTRIP and WRITE entries, newproc1).
class GoSupport {
 public:
  // false: --go-probes on and it cannot run (logged).
  bool open(const Options& o, BpfCapture& cap) {
    if (o.go_probes == "off") return true;
    go::GoRuntimeOptions g;
    g.ringbuf_map_fd = cap.ringbuf_map_fd();
    g.go_procs_map_fd = cap.go_procs_map_fd();
    g.http_probes = go::GoHttpProbes::kRequestOnly;
    g.attach_probes = o.go_probes != "ids";
    g.wakeup_bytes = std::max<uint64_t>(cap.ring_bytes() / 8, 4096);  // as each CPU's in the capture
    g.pids = o.pids;
    g.comms = o.comms;
    cap.enable_goroutine_ids();  // takes effect per process as it is registered
    std::string error;
    rt_ = go::GoRuntime::open(g, error);
    if (!rt_) {
      if (o.go_probes == "on") {
        spdlog::error("{} (--go-probes on)", error);
        return false;
      }
      spdlog::warn("no goroutine-aware chains: {}; Go processes get the generic rules (--go-probes off hides this)",
                   error);
      return true;
    }
    const go::GoRuntimeStats s = rt_->stats();
    spdlog::info("Go support ({}): {} Go processes registered, {} binaries", o.go_probes == "ids" ? "goroutine ids only" : "probes",
                 s.processes_registered, s.binaries_probed);
    return true;
  }

  // From the agent's loop: exec/exit notifications now, a /proc walk every few seconds.
  void poll(uint64_t now_ns) {
    if (!rt_) return;
    rt_->poll();
    if (now_ns >= next_rescan_ns_) {
      if (next_rescan_ns_ != 0) rt_->rescan();
      next_rescan_ns_ = now_ns + kRescanEveryNs;
    }
  }

  void log_stats() const {
    if (rt_) spdlog::info("{}", go::format_go_runtime_stats(rt_->stats()));
  }

  // Detaches every uprobe (before the capture goes) and logs the counters.
  void close() {
    if (!rt_) return;
    const go::GoRuntimeStats s = rt_->stats();
    rt_.reset();
    spdlog::info("{}", go::format_go_runtime_stats(s));
    if (s.kernel[CS_GO_STAT_RINGBUF_DROPS] > 0)
      spdlog::warn("{} Go runtime records were lost (ring buffer full): calls they concerned were left unlinked",
                   s.kernel[CS_GO_STAT_RINGBUF_DROPS]);
    if (s.kernel[CS_GO_STAT_TLS_MISMATCH] > 0)
      spdlog::warn("{} Go probe hits found the goroutine pointer elsewhere than computed: goroutine ids of those "
                   "processes may be wrong (please report the Go version)", s.kernel[CS_GO_STAT_TLS_MISMATCH]);
  }

 private:
  static constexpr uint64_t kRescanEveryNs = 5'000'000'000ULL;
  std::unique_ptr<go::GoRuntime> rt_;
  uint64_t next_rescan_ns_ = 0;
};

// Polls the ring buffer until stopped (signal or --duration), giving each record to `on_record` and
// calling `on_idle(now)` at least every 100 ms. Logs kernel losses as they happen.
int poll_loop(const Options& o, BpfCapture& cap, const std::function<void(const void*, size_t)>& on_record,
              const std::function<void(uint64_t)>& on_idle, const std::function<void()>& on_stats) {
  const uint64_t start = mono_now_ns();
  const uint64_t deadline = o.duration_s > 0 ? start + static_cast<uint64_t>(o.duration_s * 1e9) : 0;
  const uint64_t stats_every = static_cast<uint64_t>(o.stats_interval_s * 1e9);
  uint64_t next_stats = stats_every ? start + stats_every : 0;
  uint64_t drops_reported = 0;
  uint64_t next_drop_check = 0;
  int rc = 0;
  while (!g_stop.load()) {
    int n = cap.poll(100, on_record);
    if (n < 0 && n != -EINTR) {
      spdlog::error("reading the BPF ring buffer failed: {}", std::strerror(-n));
      rc = 1;
      break;
    }
    uint64_t now = mono_now_ns();
    on_idle(now);
    // The kernel counters cost a system call per counter: read every 100 ms, not at every wake-up.
    if (now >= next_drop_check) {
      next_drop_check = now + 100'000'000ULL;
      KernelStats k = cap.stats();
      if (k.ringbuf_drops > drops_reported) {
        spdlog::warn("kernel ring buffer full: {} events lost so far (raise --ringbuf-mb, narrow the filters)",
                     k.ringbuf_drops);
        drops_reported = k.ringbuf_drops;
      }
    }
    if (next_stats && now >= next_stats) {
      on_stats();
      next_stats = now + stats_every;
    }
    if (deadline && now >= deadline) break;
  }
  cap.drain_all(on_record);  // everything still in the ring buffers, the newest millisecond too
  return rc;
}

}  // namespace

int run_live(const Options& o) {
  std::string error;
  auto out = open_span_output(o, error);
  if (!out) {
    spdlog::error("{}", error);
    return 1;
  }
  auto telemetry = Telemetry::create(o, /*live=*/true, /*metrics=*/false, error);
  if (!telemetry) {
    spdlog::error("{}", error);
    return 1;
  }
  auto cap = open_capture(o);
  if (!cap) return 1;
  GoSupport go_support;
  if (!go_support.open(o, *cap)) return 1;
  install_signal_handlers();
  BpfSocketVerdicts verdicts(*cap);
  ClockCheck clock;
  PipelineConfig config = pipeline_config(o, clock.offset());
  config.identities = telemetry->identities();
  Pipeline pipeline(config, telemetry->sink(*out->sink), &verdicts, agent_protocols(o));
  telemetry->tick(pipeline.stats(), kernel_counters(cap->stats()), unix_now_ns());  // callscope_up 1 from now on
  uint64_t last_telemetry = mono_now_ns();
  spdlog::info("callscope ready: tracing (payload {} bytes per syscall)", o.payload_bytes);
  int rc = poll_loop(
      o, *cap,
      [&](const void* d, size_t s) {
        pipeline.on_record(d, s);
        telemetry->on_record(d, s);
      },
      [&](uint64_t now) {
        clock.poll(now, [&](const ClockChange& c) { pipeline.set_clock_offset(c.at_mono_ns, c.mono_to_unix_ns); });
        go_support.poll(now);
        pipeline.tick(now);
        if (now >= last_telemetry + 100'000'000ULL) {  // at most every 100 ms, however busy the ring buffer
          telemetry->tick(pipeline.stats(), kernel_counters(cap->stats()), unix_now_ns());
          last_telemetry = now;
        }
        // Spans reach a file or pipe within ~100 ms, not when a stdio buffer fills.
        out->sink->flush();
        if (std::ferror(out->file) && !g_stop.load()) {
          spdlog::error("cannot write spans ({}): output closed or full; stopping",
                        o.output.empty() ? "stdout" : o.output);
          g_stop.store(true);
        }
      },
      [&] {
        spdlog::info("{}", format_kernel_stats(cap->stats()));
        spdlog::info("{}", format_pipeline_stats(pipeline.stats()));
        go_support.log_stats();
      });
  pipeline.flush();
  go_support.close();
  KernelStats k = cap->stats();
  const uint64_t late = cap->late_records();
  cap.reset();  // detach before the report
  telemetry->finish(pipeline.stats(), kernel_counters(k));
  spdlog::info("stopped; {}", format_kernel_stats(k));
  if (late > 0)
    spdlog::info("{} records came out of a per-CPU ring after later-stamped ones from another (a producer "
                 "slower than 1 ms between stamping and committing); they were used, out of time order",
                 late);
  spdlog::info("{}", format_pipeline_stats(pipeline.stats()));
  if (k.ringbuf_drops > 0)
    spdlog::warn("{} kernel events were lost (ring buffer full); affected spans are missing or incomplete",
                 k.ringbuf_drops);
  return rc;
}

namespace {

// The terminal of `callscope top`: alternate screen, no cursor, keys without Enter; restored on exit.
class TopTerminal {
 public:
  TopTerminal() {
    tty_in_ = isatty(STDIN_FILENO) && tcgetattr(STDIN_FILENO, &saved_) == 0;
    if (tty_in_) {
      termios raw = saved_;
      raw.c_lflag &= static_cast<tcflag_t>(~(ICANON | ECHO));
      raw.c_cc[VMIN] = 0;
      raw.c_cc[VTIME] = 0;
      tcsetattr(STDIN_FILENO, TCSANOW, &raw);
    }
    std::fputs("\x1b[?1049h\x1b[?25l", stdout);
    std::fflush(stdout);
  }
  ~TopTerminal() {
    std::fputs("\x1b[?25h\x1b[?1049l", stdout);
    std::fflush(stdout);
    if (tty_in_) tcsetattr(STDIN_FILENO, TCSANOW, &saved_);
  }
  bool quit_pressed() {
    if (!tty_in_) return false;
    char c;
    while (read(STDIN_FILENO, &c, 1) == 1)
      if (c == 'q' || c == 'Q') return true;
    return false;
  }
  void draw(const std::string& text) {
    std::string frame = "\x1b[H\x1b[2J" + text;
    std::fwrite(frame.data(), 1, frame.size(), stdout);
    std::fflush(stdout);
  }
  static void size(int& width, int& height) {
    winsize ws{};
    if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0) {
      width = ws.ws_col;
      height = ws.ws_row;
    } else {
      width = 120;
      height = 40;
    }
  }

 private:
  bool tty_in_ = false;
  termios saved_{};
};

}  // namespace

int run_top(const Options& o) {
  std::string error;
  auto telemetry = Telemetry::create(o, /*live=*/true, /*metrics=*/false, error);
  if (!telemetry) {
    spdlog::error("{}", error);
    return 1;
  }
  auto cap = open_capture(o);
  if (!cap) return 1;
  install_signal_handlers();
  // Log lines would scroll the table away: only warnings and errors while the screen is up.
  if (spdlog::get_level() < spdlog::level::warn) spdlog::set_level(spdlog::level::warn);
  BpfSocketVerdicts verdicts(*cap);
  PipelineConfig config = pipeline_config(o, mono_to_unix_offset_ns());
  config.identities = telemetry->identities();
  TopModel model;
  Pipeline pipeline(config, telemetry->sink(model), &verdicts);
  TopTerminal term;
  const uint64_t every = static_cast<uint64_t>(o.top_interval_s * 1e9);
  uint64_t last_telemetry = 0;
  uint64_t last = mono_now_ns();
  auto draw = [&](uint64_t now) {
    int width, height;
    TopTerminal::size(width, height);
    TopStatus st;
    st.interval_s = static_cast<double>(now - last) / 1e9;
    time_t t = time(nullptr);
    char clock[16];
    strftime(clock, sizeof clock, "%H:%M:%S", localtime(&t));
    st.clock = clock;
    PipelineStats ps = pipeline.stats();
    st.spans = ps.spans;
    st.ringbuf_drops = cap->stats().ringbuf_drops;
    term.draw(render_top(model.window(st.interval_s), st, width, height));
    last = now;
  };
  draw(last);
  int rc = poll_loop(
      o, *cap,
      [&](const void* d, size_t s) {
        pipeline.on_record(d, s);
        telemetry->on_record(d, s);
      },
      [&](uint64_t now) {
        pipeline.tick(now);
        if (now >= last_telemetry + 100'000'000ULL) {  // at most every 100 ms, however busy the ring buffer
          telemetry->tick(pipeline.stats(), kernel_counters(cap->stats()), unix_now_ns());
          last_telemetry = now;
        }
        if (term.quit_pressed()) g_stop.store(true);
        if (now >= last + every) draw(now);
      },
      [] {});
  pipeline.flush();
  KernelStats k = cap->stats();
  cap.reset();
  telemetry->finish(pipeline.stats(), kernel_counters(k));
  return rc;
}

int run_identify(const Options& o) {
  IdentityConfig ic;
  ic.read_proc = o.proc_identity;
  std::string error;
  for (const auto& r : o.service_name_rules)
    if (!ic.rules.add(r, error)) {
      spdlog::error("{}", error);
      return 2;
    }
  IdentityResolver resolver(std::move(ic));
  int rc = 0;
  auto q = [](std::string_view s) {
    std::string out(json_quote_capacity(s.size()), '\0');
    out.resize(json_quote(s, out.data()));
    return out;
  };
  for (uint32_t pid : o.pids) {
    std::FILE* f = std::fopen(("/proc/" + std::to_string(pid) + "/comm").c_str(), "r");
    char comm[64] = {};
    if (f == nullptr || std::fgets(comm, sizeof comm, f) == nullptr) {
      if (f) std::fclose(f);
      spdlog::error("process {} does not exist", pid);
      rc = 1;
      continue;
    }
    std::fclose(f);
    std::string c(comm);
    while (!c.empty() && c.back() == '\n') c.pop_back();
    auto id = resolver.resolve(pid, c);
    std::string res;
    for (const auto& [k, v] : id->resource) res += (res.empty() ? "" : ",") + q(k) + ":" + q(v);
    std::printf("{\"process.pid\":%u,\"service.name\":%s,\"source\":%s,\"comm\":%s,\"service.instance.id\":%s,"
                "\"process.executable.name\":%s,\"process.command_line\":%s,\"systemd_unit\":%s,\"container.id\":%s,"
                "\"host.name\":%s,\"resource\":{%s}}\n",
                pid, q(id->service_name).c_str(), q(name_source_label(id->source)).c_str(), q(id->comm).c_str(),
                q(id->instance_id).c_str(), q(id->executable_name).c_str(), q(id->command_line).c_str(),
                q(id->systemd_unit).c_str(), q(id->container_id).c_str(), q(resolver.host_name()).c_str(), res.c_str());
  }
  return rc;
}

int run_record(const Options& o) {
  CaptureWriter writer;
  std::string error = writer.open(o.output);
  if (!error.empty()) {
    spdlog::error("{}", error);
    return 1;
  }
  auto cap = open_capture(o);
  if (!cap) return 1;
  GoSupport go_support;
  if (!go_support.open(o, *cap)) return 1;
  CaptureHeader header = capture_header_now(o.payload_bytes, CALLSCOPE_VERSION);
  ClockCheck clock;
  error = writer.write_header(header);
  if (!error.empty()) {
    spdlog::error("{}", error);
    return 1;
  }
  install_signal_handlers();
  spdlog::info("callscope ready: recording to {}", o.output);
  uint64_t last_flush = mono_now_ns();
  int rc = poll_loop(
      o, *cap,
      [&](const void* d, size_t s) {
        if (!writer.append(d, s) && !writer.error().empty() && !g_stop.load()) {
          spdlog::error("recording stopped: {}", writer.error());
          g_stop.store(true);
        }
      },
      [&](uint64_t now) {
        clock.poll(now, [&](const ClockChange& c) { writer.append_clock(c.at_mono_ns, c.mono_to_unix_ns); });
        go_support.poll(now);
        if (now - last_flush >= 1'000'000'000ULL) {
          writer.flush();
          last_flush = now;
        }
      },
      [&] {
        spdlog::info("recorded {} records, {} bytes; {}", writer.records(), writer.bytes(),
                     format_kernel_stats(cap->stats()));
        go_support.log_stats();
      });
  go_support.close();
  KernelStats k = cap->stats();
  cap.reset();
  CaptureTrailer trailer;
  put_counters(k, trailer.counters);
  error = writer.finish(trailer);
  if (!error.empty()) {
    spdlog::error("{}", error);
    return 1;
  }
  spdlog::info("stopped; wrote {} records ({} bytes) to {}; {}", writer.records(), writer.bytes(), o.output,
               format_kernel_stats(k));
  if (writer.rejected() > 0) spdlog::warn("{} malformed records were not written", writer.rejected());
  return rc;
}

int run_replay(const Options& o) {
  CaptureReader reader;
  std::string error;
  if (!reader.open(o.input, error)) {
    spdlog::error("{}", error);
    return 1;
  }
  const CaptureHeader& h = reader.header();
  spdlog::info("replaying {}: recorded on kernel {} by callscope {}, payload {} bytes", o.input,
               h.kernel_release, h.agent_version, h.payload_cap);
  auto out = open_span_output(o, error);
  if (!out) {
    spdlog::error("{}", error);
    return 1;
  }
  // A replay has no /proc of the recorded processes: service names fall back to the comm (and pid/comm rules).
  auto telemetry = Telemetry::create(o, /*live=*/false, /*metrics=*/false, error);
  if (!telemetry) {
    spdlog::error("{}", error);
    return 1;
  }
  PipelineConfig config = pipeline_config(o, h.mono_to_unix_ns);
  config.identities = telemetry->identities();
  Pipeline pipeline(config, telemetry->sink(*out->sink), nullptr, agent_protocols(o));
  reader.set_clock_handler([&](uint64_t at, int64_t offset) { pipeline.set_clock_offset(at, offset); });
  CaptureRecord rec;
  while (reader.next(rec)) {
    pipeline.on_record(rec.data, rec.size);
    telemetry->on_record(rec.data, rec.size);
  }
  if (reader.clock_records_read() > 0)
    spdlog::info("{} wall clock changes recorded in the capture were applied", reader.clock_records_read());
  pipeline.flush();
  KernelCounters recorded;
  if (reader.has_trailer()) recorded = kernel_counters(get_counters(reader.trailer().counters));
  telemetry->finish(pipeline.stats(), recorded);
  int rc = 0;
  if (!reader.error().empty()) {
    spdlog::error("{} (the {} records before it were replayed)", reader.error(), reader.records_read());
    rc = 1;
  }
  if (reader.has_trailer()) {
    KernelStats k = get_counters(reader.trailer().counters);
    spdlog::info("at record time, {}", format_kernel_stats(k));
    if (k.ringbuf_drops > 0) spdlog::warn("{} events were lost while recording", k.ringbuf_drops);
  } else if (reader.error().empty()) {
    spdlog::warn("capture has no trailer: the recorder did not stop cleanly; kernel loss counts unknown");
  }
  spdlog::info("{}", format_pipeline_stats(pipeline.stats()));
  return rc;
}

}  // namespace cs
