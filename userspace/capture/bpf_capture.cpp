#include "capture/bpf_capture.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include <spdlog/spdlog.h>

#include "callscope.skel.h"
#include "capture/preflight.h"
#include "capture/ring_set.h"
#include "capture/syscall_handlers.h"

namespace cs {
namespace {

constexpr size_t kMaxPidFilter = 1024;   // CS_MAX_PID_FILTER in bpf/cs_maps.h
constexpr size_t kMaxPortFilter = 1024;  // CS_MAX_PORT_FILTER in bpf/cs_maps.h

// " id=N verified_insns=M" of a loaded program (kernel id as `bpftool prog show id N` takes it, and the
// instructions the verifier processed), or "".
std::string prog_id_text(const bpf_program* prog) {
  bpf_prog_info info{};
  uint32_t len = sizeof info;
  if (bpf_obj_get_info_by_fd(bpf_program__fd(prog), &info, &len) != 0) return {};
  return " id=" + std::to_string(info.id) + " verified_insns=" + std::to_string(info.verified_insns);
}

// Bytes of each per-CPU ring: the total split over the CPUs (rounded up to a power of two), at least 1 MiB:
// a busy CPU's ring must absorb a few milliseconds of the agent not reading (~12 ms at 80 MB/s) whatever
// the number of CPUs (64 MiB on a 64-CPU node).
uint32_t per_cpu_ring_bytes(uint32_t total, uint32_t cpus) {
  uint32_t slots = 1;
  while (slots < cpus) slots <<= 1;
  return std::max<uint32_t>(total / slots, 1u << 20);
}

std::string errno_text(int err) {
  err = err < 0 ? -err : err;
  return std::string(strerror(err)) + " (errno " + std::to_string(err) + ")";
}

std::string check_options(const CaptureOptions& o) {
  if (auto e = check_payload_bytes(o.payload_bytes); !e.empty()) return e;
  if (auto e = check_ringbuf_bytes(o.ringbuf_bytes); !e.empty()) return e;
  if (o.pids.size() > kMaxPidFilter) return "too many pids in the filter (max " + std::to_string(kMaxPidFilter) + ")";
  if (o.ports.size() > kMaxPortFilter)
    return "too many ports in the filter (max " + std::to_string(kMaxPortFilter) + ")";
  if (o.comms.size() > CS_MAX_FILTER) return "too many process names in the filter (max " + std::to_string(CS_MAX_FILTER) + ")";
  for (const auto& c : o.comms)
    if (c.empty()) return "empty process name in the comm filter";
  return {};
}

// Writes one key -> 1 entry. Returns empty string or an error message.
std::string put_filter(bpf_map* map, const void* key, size_t key_size, const char* what) {
  uint8_t one = 1;
  if (int err = bpf_map__update_elem(map, key, key_size, &one, sizeof one, BPF_ANY); err != 0)
    return std::string("cannot fill the ") + what + " filter map: " + errno_text(err);
  return {};
}

// Picks the data path: the socket tracepoints where the kernel has them, else the syscall fallback.
std::string choose_mode(const CaptureOptions& o, const KernelFeatures& f, CaptureMode& mode) {
  const std::string kernel = "kernel " + f.release;
  switch (o.mode) {
    case CaptureMode::Socket:
      if (!f.socket_capture())
        return "--capture-mode socket: " + kernel + " lacks " + f.missing_for_socket_capture() +
               " (use --capture-mode auto to fall back to the syscall capture)";
      mode = CaptureMode::Socket;
      return {};
    case CaptureMode::Syscall:
      if (!f.syscall_capture())
        return "--capture-mode syscall: " + kernel + " lacks " + f.missing_for_syscall_capture();
      mode = CaptureMode::Syscall;
      return {};
    case CaptureMode::Auto:
      break;
  }
  if (f.socket_capture()) {
    mode = CaptureMode::Socket;
    return {};
  }
  if (f.syscall_capture()) {
    mode = CaptureMode::Syscall;
    spdlog::warn("{} lacks {}: using the syscall capture, which costs more per system call of every "
                 "process (Linux 6.3+ has the socket tracepoints)",
                 kernel, f.missing_for_socket_capture());
    return {};
  }
  return "callscope needs Linux 5.11+ with BTF (6.3+ for the low-overhead socket capture); " + kernel +
         " lacks " + f.missing_for_syscall_capture();
}

}  // namespace

bool parse_capture_mode(const std::string& text, CaptureMode& out) {
  if (text == "auto") out = CaptureMode::Auto;
  else if (text == "socket") out = CaptureMode::Socket;
  else if (text == "syscall") out = CaptureMode::Syscall;
  else return false;
  return true;
}

const char* capture_mode_name(CaptureMode m) {
  switch (m) {
    case CaptureMode::Auto: return "auto";
    case CaptureMode::Socket: return "socket";
    case CaptureMode::Syscall: return "syscall";
  }
  return "?";
}

std::unique_ptr<BpfCapture> BpfCapture::open(const CaptureOptions& opts, std::string& error) {
  error.clear();
  if (error = check_options(opts); !error.empty()) return nullptr;
  if (error = check_bpf_privileges(); !error.empty()) return nullptr;
  if (error = check_kernel_btf(); !error.empty()) return nullptr;
  setup_libbpf();

  std::unique_ptr<BpfCapture> cap(new BpfCapture());
  if (!probe_kernel_features(cap->features_, error)) return nullptr;
  if (error = choose_mode(opts, cap->features_, cap->mode_); !error.empty()) return nullptr;
  const bool socket_mode = cap->mode_ == CaptureMode::Socket;

  cap->skel_ = callscope_bpf__open();
  if (!cap->skel_) {
    error = "cannot open the embedded BPF object: " + errno_text(errno);
    return nullptr;
  }
  callscope_bpf* s = cap->skel_;

  s->rodata->cs_self_tgid = static_cast<uint32_t>(getpid());
  s->rodata->cs_payload_cap = opts.payload_bytes;
  s->rodata->cs_filter_pids = !opts.pids.empty();
  s->rodata->cs_filter_ports = !opts.ports.empty();
  s->rodata->cs_filter_comms = !opts.comms.empty();
  s->rodata->cs_state_in_hash = !socket_mode;
  s->rodata->cs_have_task_regs = cap->features_.helper_task_pt_regs;
  const int ncpu = libbpf_num_possible_cpus();
  if (ncpu <= 0) {
    error = "cannot read the number of possible CPUs (/sys/devices/system/cpu/possible): " + errno_text(ncpu);
    return nullptr;
  }
  // One ring per CPU (bpf/cs_maps.h, cs_rings): --ringbuf-mb split over them, each a power of two. Each CPU
  // wakes the agent once per eighth of its ring it wrote; the agent's 100 ms timer collects smaller batches.
  // The Go probes' shared ring (cs_events) gets the same size.
  cap->ring_bytes_ = per_cpu_ring_bytes(opts.ringbuf_bytes, static_cast<uint32_t>(ncpu));
  s->rodata->cs_wakeup_bytes = std::max<uint64_t>(cap->ring_bytes_ / 8, 4096);
  if (int err = bpf_map__set_max_entries(s->maps.cs_events, cap->ring_bytes_); err != 0) {
    error = "cannot set the ring buffer size: " + errno_text(err);
    return nullptr;
  }
  if (int err = bpf_map__set_max_entries(s->maps.cs_rings, static_cast<uint32_t>(ncpu)); err != 0) {
    error = "cannot size the per-CPU ring buffer table: " + errno_text(err);
    return nullptr;
  }
  if (int err = bpf_map__set_max_entries(s->maps.cs_scratch, static_cast<uint32_t>(ncpu)); err != 0) {
    error = "cannot size the per-CPU scratch map: " + errno_text(err);
    return nullptr;
  }

  // Only the chosen data path is loaded: the other's tracepoints may not exist on this kernel.
  bpf_program* prog;
  bpf_object__for_each_program(prog, s->obj) {
    const std::string name = bpf_program__name(prog);
    const bool socket_prog = name == "cs_sock_send" || name == "cs_sock_recv";
    const bool syscall_prog = name.rfind("cs_sys_", 0) == 0 || name.rfind("cs_enter_", 0) == 0 ||
                              name.rfind("cs_exit_", 0) == 0;
    if ((socket_prog && !socket_mode) || (syscall_prog && socket_mode)) bpf_program__set_autoload(prog, false);
  }
  // TCP health counters: only where the kernel has their tracepoints (the close event then reports 0).
  const KernelFeatures& kf = cap->features_;
  if (!kf.tp_tcp_retransmit_skb) bpf_program__set_autoload(s->progs.cs_tcp_retransmit, false);
  if (!kf.tp_tcp_send_reset) bpf_program__set_autoload(s->progs.cs_tcp_send_reset, false);
  if (!kf.tp_tcp_receive_reset) bpf_program__set_autoload(s->progs.cs_tcp_receive_reset, false);
  if (socket_mode) {
    // Maps only the fallback uses: the smallest size the kernel accepts.
    bpf_map__set_max_entries(s->maps.cs_inflight, 1);
    bpf_map__set_max_entries(s->maps.cs_socks, 1);
  }

  if (int err = callscope_bpf__load(s); err != 0) {
    error = "loading the BPF programs into the kernel failed: " + errno_text(err) +
            ". The libbpf/verifier messages logged above say which program and why (kernel " +
            cap->features_.release + ", " + capture_mode_name(cap->mode_) + " capture)";
    return nullptr;
  }

  // The per-CPU rings, in place before any program is attached.
  for (uint32_t cpu = 0; cpu < static_cast<uint32_t>(ncpu); ++cpu) {
    const int fd = bpf_map_create(BPF_MAP_TYPE_RINGBUF, "cs_cpu_ring", 0, 0, cap->ring_bytes_, nullptr);
    if (fd < 0) {
      error = "cannot create the ring buffer of CPU " + std::to_string(cpu) + " (" +
              std::to_string(cap->ring_bytes_ >> 10) + " KiB): " + errno_text(errno) +
              (errno == ENOMEM || errno == EPERM ? "; try a smaller --ringbuf-mb" : "");
      return nullptr;
    }
    cap->ring_fds_.push_back(fd);
    if (bpf_map_update_elem(bpf_map__fd(s->maps.cs_rings), &cpu, &fd, BPF_ANY) != 0) {
      error = "cannot install the ring buffer of CPU " + std::to_string(cpu) + ": " + errno_text(errno);
      return nullptr;
    }
  }

  if (!socket_mode) {
    // Tail-call tables: syscall number -> handler program.
    const int enter_table = bpf_map__fd(s->maps.cs_enter_progs);
    const int exit_table = bpf_map__fd(s->maps.cs_exit_progs);
    for (const SyscallHandler& h : syscall_handlers()) {
      const std::pair<const char*, int> slots[] = {{h.enter_prog, enter_table}, {h.exit_prog, exit_table}};
      for (auto [prog_name, table] : slots) {
        if (!prog_name) continue;
        bpf_program* p = bpf_object__find_program_by_name(s->obj, prog_name);
        if (!p) {
          error = std::string("internal error: BPF program ") + prog_name + " missing from the object";
          return nullptr;
        }
        uint32_t key = static_cast<uint32_t>(h.nr);
        int fd = bpf_program__fd(p);
        if (bpf_map_update_elem(table, &key, &fd, BPF_ANY) != 0) {
          error = std::string("cannot install ") + prog_name + " for syscall " + h.name + ": " + errno_text(errno) +
                  " (the kernel refused the tail call; program type or attach point mismatch)";
          return nullptr;
        }
        cap->attached_.push_back(std::string(prog_name) + " (tail call, " +
                                 (table == enter_table ? "enter " : "exit ") + h.name + ")" + prog_id_text(p));
      }
    }
  }

  // Filters, before anything is attached.
  for (uint32_t pid : opts.pids)
    if (error = put_filter(s->maps.cs_pid_filter, &pid, sizeof pid, "pid"); !error.empty()) return nullptr;
  for (uint16_t port : opts.ports)
    if (error = put_filter(s->maps.cs_port_filter, &port, sizeof port, "port"); !error.empty()) return nullptr;
  for (const std::string& comm : opts.comms) {
    char key[CS_COMM_LEN] = {};
    std::memcpy(key, comm.data(), std::min(comm.size(), sizeof key - 1));
    if (error = put_filter(s->maps.cs_comm_filter, key, sizeof key, "comm"); !error.empty()) return nullptr;
  }

  struct Attach {
    bpf_program* prog;
    bpf_link** link;
    const char* what;
  };
  std::vector<Attach> attaches = {
      {s->progs.cs_sock_state_change, &s->links.cs_sock_state_change, "tp_btf/inet_sock_set_state"},
      {s->progs.cs_proc_exit, &s->links.cs_proc_exit, "tp_btf/sched_process_exit"},
  };
  if (kf.tp_tcp_retransmit_skb)
    attaches.push_back({s->progs.cs_tcp_retransmit, &s->links.cs_tcp_retransmit, "tp_btf/tcp_retransmit_skb"});
  if (kf.tp_tcp_send_reset)
    attaches.push_back({s->progs.cs_tcp_send_reset, &s->links.cs_tcp_send_reset, "tp_btf/tcp_send_reset"});
  if (kf.tp_tcp_receive_reset)
    attaches.push_back({s->progs.cs_tcp_receive_reset, &s->links.cs_tcp_receive_reset, "tp_btf/tcp_receive_reset"});
  if (socket_mode) {
    attaches.push_back({s->progs.cs_sock_send, &s->links.cs_sock_send, "tp_btf/sock_send_length"});
    attaches.push_back({s->progs.cs_sock_recv, &s->links.cs_sock_recv, "tp_btf/sock_recv_length"});
  } else {
    attaches.push_back({s->progs.cs_sys_enter, &s->links.cs_sys_enter, "tp_btf/sys_enter"});
    attaches.push_back({s->progs.cs_sys_exit, &s->links.cs_sys_exit, "tp_btf/sys_exit"});
  }
  for (const Attach& a : attaches) {
    *a.link = bpf_program__attach(a.prog);
    if (!*a.link) {
      error = std::string("cannot attach ") + bpf_program__name(a.prog) + " to " + a.what + ": " +
              errno_text(errno) + " (kernel " + cap->features_.release + ")";
      return nullptr;
    }
    cap->attached_.insert(cap->attached_.begin(), std::string(bpf_program__name(a.prog)) + " (" + a.what + ")" +
                                                         prog_id_text(a.prog));
  }

  std::vector<int> ring_fds = cap->ring_fds_;
  ring_fds.push_back(bpf_map__fd(s->maps.cs_events));
  cap->rings_ = RingSet::open(ring_fds, error);
  if (!cap->rings_) {
    error = "cannot map the BPF ring buffers: " + error;
    return nullptr;
  }
  spdlog::info("capture: {} (kernel {}), payload {} bytes per socket call, ring buffers {} x {} KiB (one per CPU) "
               "+ {} KiB (Go probes)",
               socket_mode ? "socket tracepoints (sock_send_length, sock_recv_length)"
                           : "syscall tracepoints (sys_enter, sys_exit): fallback for kernels before 6.3",
               cap->features_.release, opts.payload_bytes, ncpu, cap->ring_bytes_ >> 10, cap->ring_bytes_ >> 10);
  spdlog::debug("filters: {} pid / {} port / {} comm", opts.pids.size(), opts.ports.size(), opts.comms.size());
  return cap;
}

BpfCapture::~BpfCapture() {
  rings_.reset();  // unmapped before the maps go
  for (int fd : ring_fds_) close(fd);
  if (skel_) callscope_bpf__destroy(skel_);  // destroys the links: detaches everything
  if (verdict_errors_ > 0) spdlog::debug("{} socket verdicts could not be written", verdict_errors_);
}

int BpfCapture::poll(int timeout_ms, const std::function<void(const void*, size_t)>& cb) {
  // Records are written without a wake-up until a batch waits, so after the wait (woken or timed out)
  // everything waiting is consumed.
  const int w = rings_->wait(timeout_ms);
  if (w < 0 && w != -EINTR) return w;
  return static_cast<int>(rings_->drain(rings_->kernel_now_ns() - RingSet::kSlackNs, cb));
}

int BpfCapture::drain_all(const std::function<void(const void*, size_t)>& cb) {
  return static_cast<int>(rings_->drain(RingSet::kAll, cb));
}

KernelStats BpfCapture::stats() const {
  KernelStats out;
  const int ncpu = libbpf_num_possible_cpus();
  if (ncpu <= 0) return out;
  std::vector<uint64_t> per_cpu(static_cast<size_t>(ncpu));
  uint64_t totals[CS_STAT_MAX] = {};
  for (uint32_t key = 0; key < CS_STAT_MAX; ++key) {
    if (bpf_map__lookup_elem(skel_->maps.cs_stats, &key, sizeof key, per_cpu.data(),
                             per_cpu.size() * sizeof(uint64_t), 0) != 0)
      continue;
    for (uint64_t v : per_cpu) totals[key] += v;
  }
  out.events = totals[CS_STAT_EVENTS];
  out.ringbuf_drops = totals[CS_STAT_RINGBUF_DROPS];
  out.truncated = totals[CS_STAT_TRUNCATED];
  out.truncated_bytes = totals[CS_STAT_TRUNCATED_BYTES];
  out.read_errors = totals[CS_STAT_READ_ERRORS];
  out.no_payload = totals[CS_STAT_NO_PAYLOAD];
  out.ignored_calls = totals[CS_STAT_IGNORED_CALLS];
  return out;
}

std::vector<std::string> BpfCapture::attached_programs() const { return attached_; }

void BpfCapture::set_verdict(uint64_t sock_id, uint8_t verdict) {
  if (bpf_map__update_elem(skel_->maps.cs_sock_verdict, &sock_id, sizeof sock_id, &verdict, sizeof verdict,
                           BPF_ANY) != 0)
    ++verdict_errors_;
}

uint64_t BpfCapture::late_records() const { return rings_ ? rings_->late() : 0; }

int BpfCapture::ringbuf_map_fd() const { return bpf_map__fd(skel_->maps.cs_events); }
int BpfCapture::go_procs_map_fd() const { return bpf_map__fd(skel_->maps.cs_go_procs); }
void BpfCapture::enable_goroutine_ids() { skel_->bss->cs_go_enabled = true; }

int64_t mono_to_unix_offset_ns() {
  timespec mono{}, real{};
  clock_gettime(CLOCK_MONOTONIC, &mono);
  clock_gettime(CLOCK_REALTIME, &real);
  return (static_cast<int64_t>(real.tv_sec) - mono.tv_sec) * 1000000000LL + (real.tv_nsec - mono.tv_nsec);
}

}  // namespace cs
