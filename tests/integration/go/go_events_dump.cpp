// go_events_dump: runs the Go runtime manager standalone (its own ring buffer and cs_go_procs map) and
// prints every Go event as one JSON line on stdout, for tests/integration/test_go_runtime.sh.
// Prints "ready" on stderr once the processes already running are registered; on SIGINT/SIGTERM it
// drains the ring buffer, prints a {"type":"stats",...} line and one {"type":"prog_stats",...} line per
// BPF program (run count and time, with kernel.bpf_stats_enabled=1), and exits (its uprobes go with it).
// Usage: go_events_dump [--rescan-ms N] [--perf-uprobes] [--request-only]
//   --perf-uprobes: no uprobe_multi links; --request-only: net/http ROUNDTRIP and WRITE entries only.
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <sys/epoll.h>

#include <csignal>
#include <cstdio>
#include <cstring>
#include <string>

#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include "callscope/events.h"
#include "runtimes/go/go_runtime.h"

using cs::go::GoRuntime;
using cs::go::GoAttachMode;
using cs::go::GoHttpProbes;
using cs::go::GoRuntimeOptions;

namespace {

volatile std::sig_atomic_t g_stop = 0;

const char* http_type_name(uint32_t t) {
  switch (t) {
    case CS_EV_GO_HTTP_ROUNDTRIP: return "roundtrip";
    case CS_EV_GO_HTTP_ROUNDTRIP_DONE: return "roundtrip_done";
    case CS_EV_GO_HTTP_WRITE: return "write";
    case CS_EV_GO_HTTP_WRITE_DONE: return "write_done";
    case CS_EV_GO_HTTP_READ: return "read";
    case CS_EV_GO_HTTP_READ_DONE: return "read_done";
  }
  return nullptr;
}

int on_event(void*, void* data, size_t size) {
  if (size < sizeof(cs_event_header)) return 0;
  const auto* h = static_cast<const cs_event_header*>(data);
  if (h->type == CS_EV_GO_NEWPROC && size >= sizeof(cs_go_newproc_event)) {
    const auto* e = static_cast<const cs_go_newproc_event*>(data);
    std::printf("{\"type\":\"newproc\",\"ts\":%llu,\"pid\":%u,\"tid\":%u,\"parent\":%llu,\"child\":%llu}\n",
                (unsigned long long)h->ts_ns, h->pid, h->tid, (unsigned long long)e->parent_goid,
                (unsigned long long)e->child_goid);
  } else if (const char* name = http_type_name(h->type); name && size >= sizeof(cs_go_http_event)) {
    const auto* e = static_cast<const cs_go_http_event*>(data);
    std::printf("{\"type\":\"%s\",\"ts\":%llu,\"pid\":%u,\"tid\":%u,\"goid\":%llu,\"req\":%llu,\"pconn\":%llu,"
                "\"resp\":%llu,\"error\":%u}\n",
                name, (unsigned long long)h->ts_ns, h->pid, h->tid, (unsigned long long)e->goid,
                (unsigned long long)e->request, (unsigned long long)e->pconn, (unsigned long long)e->response,
                e->error);
  } else {
    std::printf("{\"type\":\"unknown\",\"code\":%u,\"size\":%zu}\n", h->type, size);
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  int rescan_ms = 1000;
  GoRuntimeOptions opts;
  for (int i = 1; i < argc; ++i) {
    if (!std::strcmp(argv[i], "--rescan-ms") && i + 1 < argc) rescan_ms = std::atoi(argv[++i]);
    else if (!std::strcmp(argv[i], "--perf-uprobes")) opts.attach_mode = GoAttachMode::kPerfUprobes;
    else if (!std::strcmp(argv[i], "--request-only")) opts.http_probes = GoHttpProbes::kRequestOnly;
    else {
      std::fprintf(stderr, "usage: %s [--rescan-ms N] [--perf-uprobes] [--request-only]\n", argv[0]);
      return 2;
    }
  }
  spdlog::set_default_logger(spdlog::stderr_color_mt("go_events_dump"));  // stdout carries the events
  spdlog::set_level(spdlog::level::debug);  // per-process registrations (the test waits for them)
  std::signal(SIGINT, [](int) { g_stop = 1; });
  std::signal(SIGTERM, [](int) { g_stop = 1; });

  std::string error;
  auto rt = GoRuntime::open(opts, error);
  if (!rt) {
    std::fprintf(stderr, "go_events_dump: %s\n", error.c_str());
    return 1;
  }
  ring_buffer* rb = ring_buffer__new(rt->events_map_fd(), on_event, nullptr, nullptr);
  if (!rb) {
    std::fprintf(stderr, "go_events_dump: cannot open the event ring buffer\n");
    return 1;
  }
  int ep = epoll_create1(EPOLL_CLOEXEC);
  epoll_event ev{};
  ev.events = EPOLLIN;
  epoll_ctl(ep, EPOLL_CTL_ADD, rt->notify_fd(), &ev);
  std::fprintf(stderr, "ready (%s)\n", rt->uses_uprobe_multi() ? "uprobe_multi" : "perf uprobes");
  std::fflush(stderr);

  int since_rescan = 0;
  while (!g_stop) {
    epoll_event out;
    epoll_wait(ep, &out, 1, 10);
    rt->poll();
    ring_buffer__consume(rb);
    since_rescan += 10;
    if (since_rescan >= rescan_ms) {
      rt->rescan();
      since_rescan = 0;
    }
    std::fflush(stdout);
  }
  rt->poll();
  ring_buffer__consume(rb);
  auto s = rt->stats();
  std::printf("{\"type\":\"stats\",\"registered\":%llu,\"binaries\":%llu,\"not_understood\":%llu,"
              "\"exec_notes\":%llu,\"exit_notes\":%llu,\"attach_failures\":%llu,\"events\":%llu,"
              "\"drops\":%llu,\"no_proc\":%llu,\"read_errors\":%llu,\"no_entry\":%llu,\"note_drops\":%llu,"
              "\"tls_checks\":%llu,\"tls_mismatch\":%llu}\n",
              (unsigned long long)s.processes_registered, (unsigned long long)s.binaries_probed,
              (unsigned long long)s.binaries_not_understood, (unsigned long long)s.exec_notes,
              (unsigned long long)s.exit_notes, (unsigned long long)s.attach_failures,
              (unsigned long long)s.kernel[CS_GO_STAT_EVENTS], (unsigned long long)s.kernel[CS_GO_STAT_RINGBUF_DROPS],
              (unsigned long long)s.kernel[CS_GO_STAT_NO_PROC], (unsigned long long)s.kernel[CS_GO_STAT_READ_ERRORS],
              (unsigned long long)s.kernel[CS_GO_STAT_NO_ENTRY], (unsigned long long)s.kernel[CS_GO_STAT_NOTE_DROPS],
              (unsigned long long)s.kernel[CS_GO_STAT_TLS_CHECKS], (unsigned long long)s.kernel[CS_GO_STAT_TLS_MISMATCH]);
  // Run-time statistics of each program (non-zero with sysctl kernel.bpf_stats_enabled=1).
  for (const auto& [name, fd] : rt->programs()) {
    bpf_prog_info info{};
    uint32_t len = sizeof(info);
    if (bpf_obj_get_info_by_fd(fd, &info, &len) != 0) continue;
    std::printf("{\"type\":\"prog_stats\",\"name\":\"%s\",\"run_cnt\":%llu,\"run_time_ns\":%llu}\n", name.c_str(),
                (unsigned long long)info.run_cnt, (unsigned long long)info.run_time_ns);
  }
  std::fflush(stdout);
  ring_buffer__free(rb);
  rt.reset();
  return 0;
}
