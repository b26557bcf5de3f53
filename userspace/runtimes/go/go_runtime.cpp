#include "runtimes/go/go_runtime.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <fcntl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>

#include <spdlog/spdlog.h>

#include "go_notes.h"
#include "go_probes.skel.h"

namespace cs::go {
namespace {

constexpr size_t kMaxVerdicts = 4096;
// Kernel ABI (>= 6.6), absent from the libbpf 1.1 headers Debian 12 ships.
constexpr auto kBpfTraceUprobeMulti = static_cast<enum bpf_attach_type>(48);  // BPF_TRACE_UPROBE_MULTI
struct LinkCreateUprobeMulti {  // union bpf_attr, link_create with its uprobe_multi member
  uint32_t prog_fd;
  uint32_t target_fd;
  uint32_t attach_type;
  uint32_t flags;
  uint64_t path;
  uint64_t offsets;
  uint64_t ref_ctr_offsets;
  uint64_t cookies;
  uint32_t cnt;
  uint32_t uprobe_flags;
  uint32_t pid;
  uint32_t pad;
};
static_assert(sizeof(LinkCreateUprobeMulti) == 64);

std::string join(const std::vector<std::string>& v) {
  std::string out;
  for (const auto& s : v) out += (out.empty() ? "" : ", ") + s;
  return out;
}

}  // namespace

std::unique_ptr<GoRuntime> GoRuntime::open(int ringbuf_map_fd, int go_procs_map_fd, std::string& error) {
  GoRuntimeOptions o;
  o.ringbuf_map_fd = ringbuf_map_fd;
  o.go_procs_map_fd = go_procs_map_fd;
  return open(o, error);
}

std::unique_ptr<GoRuntime> GoRuntime::open(const GoRuntimeOptions& options, std::string& error) {
  std::unique_ptr<GoRuntime> rt(new GoRuntime());
  rt->self_ = getpid();
  rt->http_probes_ = options.http_probes;
  rt->attach_probes_ = options.attach_probes;
  rt->pid_filter_ = options.pids;
  rt->comm_filter_ = options.comms;
  // Load with the uprobe_multi program when asked; a kernel that refuses it gets the object without it.
  bool want_multi = options.attach_mode == GoAttachMode::kAuto;
  int err = 0;
  for (int attempt = 0; attempt < 2; ++attempt) {
    rt->skel_ = go_probes_bpf__open();
    if (!rt->skel_) {
      error = std::string("cannot open the Go probes BPF object: ") + std::strerror(errno);
      return nullptr;
    }
    if (options.ringbuf_map_fd >= 0)
      err = bpf_map__reuse_fd(rt->skel_->maps.cs_events, options.ringbuf_map_fd);
    else
      err = bpf_map__set_max_entries(rt->skel_->maps.cs_events, options.own_ringbuf_bytes);
    if (!err && options.go_procs_map_fd >= 0)
      err = bpf_map__reuse_fd(rt->skel_->maps.cs_go_procs, options.go_procs_map_fd);
    if (err) {
      error = std::string("Go probes: cannot reuse the main object's maps: ") + std::strerror(-err);
      return nullptr;
    }
    rt->skel_->rodata->cs_go_wakeup_bytes = options.wakeup_bytes;
    if (want_multi)
      bpf_program__set_expected_attach_type(rt->skel_->progs.go_uprobe_multi, kBpfTraceUprobeMulti);
    else
      bpf_program__set_autoload(rt->skel_->progs.go_uprobe_multi, false);
    err = go_probes_bpf__load(rt->skel_);
    if (!err || !want_multi) break;
    go_probes_bpf__destroy(rt->skel_);
    rt->skel_ = nullptr;
    want_multi = false;
  }
  if (err) {
    error = std::string("Go probes: the kernel refused the BPF object (") + std::strerror(-err) +
            "); run as root on a kernel with BTF and uprobes";
    return nullptr;
  }
  rt->multi_ = want_multi;
  for (bpf_program* prog : {rt->skel_->progs.go_process_exec, rt->skel_->progs.go_process_exit}) {
    bpf_link* link = bpf_program__attach(prog);
    if (!link) {
      error = std::string("Go probes: cannot attach ") + bpf_program__name(prog) + ": " + std::strerror(errno);
      return nullptr;
    }
    rt->lifecycle_links_.push_back(link);
  }
  auto on_note = [](void* ctx, void* data, size_t size) -> int {
    if (size < sizeof(cs_go_note)) return 0;
    const auto* n = static_cast<const cs_go_note*>(data);
    static_cast<GoRuntime*>(ctx)->pending_notes_.emplace_back(n->kind, n->tgid);
    return 0;
  };
  rt->notes_ = ring_buffer__new(bpf_map__fd(rt->skel_->maps.cs_go_notes), on_note, rt.get(), nullptr);
  if (!rt->notes_) {
    error = std::string("Go probes: cannot open the notification ring buffer: ") + std::strerror(errno);
    return nullptr;
  }
  if (options.scan_at_open) rt->rescan();
  return rt;
}

GoRuntime::~GoRuntime() {
  if (notes_) ring_buffer__free(notes_);
  for (bpf_link* l : lifecycle_links_) bpf_link__destroy(l);
  // Entries we (or our exec hook: pending ones) wrote into a map that may outlive us (the main object's).
  if (skel_) {
    int fd = bpf_map__fd(skel_->maps.cs_go_procs);
    for (const auto& [pid, id] : pids_) {
      uint32_t key = static_cast<uint32_t>(pid);
      bpf_map_delete_elem(fd, &key);
    }
    std::vector<uint32_t> pending;
    uint32_t key = 0, next = 0;
    for (uint32_t* at = nullptr; bpf_map_get_next_key(fd, at, &next) == 0; at = &key) {
      key = next;
      cs_go_proc value{};
      if (bpf_map_lookup_elem(fd, &key, &value) == 0 && value.goid_offset == 0) pending.push_back(key);
    }
    for (uint32_t k : pending) bpf_map_delete_elem(fd, &k);
  }
  for (auto& [id, links] : links_) destroy(links);
  if (skel_) go_probes_bpf__destroy(skel_);
}

int GoRuntime::notify_fd() const { return ring_buffer__epoll_fd(notes_); }
int GoRuntime::events_map_fd() const { return bpf_map__fd(skel_->maps.cs_events); }
int GoRuntime::go_procs_map_fd() const { return bpf_map__fd(skel_->maps.cs_go_procs); }

int GoRuntime::poll() {
  pending_notes_.clear();
  ring_buffer__consume(notes_);
  for (auto [kind, tgid] : pending_notes_) {
    pid_t pid = static_cast<pid_t>(tgid);
    if (kind == CS_GO_NOTE_EXEC) {
      // The exec left a pending entry (events.h): replace it with the offsets, or delete it.
      ++counters_.exec_notes;
      if (pids_.count(pid)) unregister_process(pid, false);  // a registered process replaced its image
      if (!register_process(pid)) forget_entry(pid);
    } else if (kind == CS_GO_NOTE_EXIT) {
      ++counters_.exit_notes;
      unregister_process(pid);
      forget_entry(pid);  // also one this manager did not write (pending)
    }
  }
  return static_cast<int>(pending_notes_.size());
}

void GoRuntime::rescan() {
  // Drop what is gone or runs another binary now (a lost exit notification, a reused pid).
  std::vector<pid_t> stale;
  for (const auto& [pid, id] : pids_) {
    auto now = exe_identity(pid);
    if (!now || *now != id) stale.push_back(pid);
  }
  for (pid_t pid : stale) unregister_process(pid);
  for (pid_t pid : list_processes())
    if (!pids_.count(pid)) register_process(pid);
  // Pending entries whose EXEC note was lost (notification buffer full): decide them now.
  std::vector<pid_t> pending;
  const int fd = go_procs_map_fd();
  uint32_t key = 0, next = 0;
  for (uint32_t* at = nullptr; bpf_map_get_next_key(fd, at, &next) == 0; at = &key) {
    key = next;
    cs_go_proc value{};
    if (bpf_map_lookup_elem(fd, &key, &value) == 0 && value.goid_offset == 0 && !pids_.count(static_cast<pid_t>(key)))
      pending.push_back(static_cast<pid_t>(key));
  }
  for (pid_t pid : pending)
    if (!register_process(pid)) forget_entry(pid);
}

void GoRuntime::forget_entry(pid_t pid) {
  uint32_t key = static_cast<uint32_t>(pid);
  bpf_map_delete_elem(go_procs_map_fd(), &key);
}

bool GoRuntime::wanted(pid_t pid) const {
  if (!pid_filter_.empty() &&
      std::find(pid_filter_.begin(), pid_filter_.end(), static_cast<uint32_t>(pid)) == pid_filter_.end())
    return false;
  if (comm_filter_.empty()) return true;
  std::ifstream f("/proc/" + std::to_string(pid) + "/comm");
  std::string comm;
  std::getline(f, comm);
  return std::find(comm_filter_.begin(), comm_filter_.end(), comm) != comm_filter_.end();
}

bool GoRuntime::register_process(pid_t pid) {
  if (pid == self_ || !wanted(pid)) return false;
  auto id = exe_identity(pid);
  if (!id) return false;  // gone, or a kernel thread
  if (verdicts_.count(*id)) return false;
  auto it = binaries_.find(*id);
  if (it == binaries_.end()) {
    // Hold the binary open: analysis and attach go through /proc/self/fd/N, which stays valid when the
    // process exits meanwhile (short-lived processes), and names the same inode the process runs.
    int fd = ::open(exe_path(pid).c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return false;  // gone already
    std::string path = "/proc/self/fd/" + std::to_string(fd);
    GoBinaryInfo info = analyse_go_binary(path);
    struct FdCloser {
      int fd;
      ~FdCloser() { ::close(fd); }
    } closer{fd};
    if (!info.understood) {
      if (verdicts_.size() >= kMaxVerdicts) verdicts_.clear();
      verdicts_[*id] = info.is_go;
      if (info.is_go) {
        ++counters_.binaries_not_understood;
        spdlog::info("Go binary of pid {} ({}) not probed: {}; the generic rules apply to it", pid,
                     info.version.text.empty() ? "unknown version" : info.version.text, info.reason);
      }
      return false;
    }
    GoProbedBinary bin;
    bin.identity = *id;
    bin.first_path = exe_path(pid);
    bin.info = std::move(info);
    if (attach_probes_ && !attach(bin, path)) {
      ++counters_.attach_failures;
      verdicts_[*id] = true;
      return false;
    }
    spdlog::info("Go probes on {} (pid {}, {}): {} uprobes ({}), goid at +{} ({}), g at fs{:+} ({}){}",
                 bin.first_path, pid, bin.info.version.text, bin.uprobes,
                 !attach_probes_ ? "goroutine ids only" : multi_ ? "one uprobe_multi link" : "perf events",
                 bin.info.goid_offset, bin.info.goid_offset_source,
                 bin.info.g_tls_offset, bin.info.g_tls_source,
                 bin.info.absent.empty() ? "" : "; absent: " + join(bin.info.absent));
    it = binaries_.emplace(*id, std::move(bin)).first;
  }
  cs_go_proc value{it->second.info.g_tls_offset, it->second.info.goid_offset};
  uint32_t key = static_cast<uint32_t>(pid);
  if (bpf_map_update_elem(go_procs_map_fd(), &key, &value, BPF_ANY) != 0) {
    spdlog::warn("Go probes: cannot register pid {} in cs_go_procs: {}", pid, std::strerror(errno));
    if (it->second.pids.empty()) detach(*id);
    return false;
  }
  it->second.pids.insert(pid);
  pids_[pid] = *id;
  spdlog::debug("Go process {} registered ({})", pid, it->second.info.version.text);
  return true;
}

void GoRuntime::unregister_process(pid_t pid, bool delete_entry) {
  auto p = pids_.find(pid);
  if (p == pids_.end()) return;
  if (delete_entry) forget_entry(pid);
  ExeIdentity id = p->second;
  pids_.erase(p);
  auto b = binaries_.find(id);
  if (b == binaries_.end()) return;
  b->second.pids.erase(pid);
  if (b->second.pids.empty()) detach(id);
}

namespace {

// (cookie/handler, offset) pairs of a binary: returns first (an entry without its return would leave
// newproc1's parent slot to the LRU).
std::vector<std::pair<cs_go_probe, uint64_t>> probe_points(const GoBinaryInfo& info, GoHttpProbes which) {
  std::vector<std::pair<cs_go_probe, uint64_t>> out;
  for (const GoProbeSite& site : info.probes) {
    if (which == GoHttpProbes::kRequestOnly && site.kind != GoProbeKind::kNewproc1) {
      if (site.kind == GoProbeKind::kHttpRoundTrip) out.emplace_back(CS_GO_PROBE_ROUNDTRIP_ENTER, site.probe_offset);
      if (site.kind == GoProbeKind::kHttpRequestWrite) out.emplace_back(CS_GO_PROBE_WRITE_ENTER, site.probe_offset);
      continue;
    }
    cs_go_probe enter{}, ret{};
    switch (site.kind) {
      case GoProbeKind::kNewproc1:
        enter = CS_GO_PROBE_NEWPROC1_ENTER;
        ret = CS_GO_PROBE_NEWPROC1_RET;
        break;
      case GoProbeKind::kHttpRoundTrip:
        enter = CS_GO_PROBE_ROUNDTRIP_ENTER;
        ret = CS_GO_PROBE_ROUNDTRIP_RET;
        break;
      case GoProbeKind::kHttpRequestWrite:
        enter = CS_GO_PROBE_WRITE_ENTER;
        ret = CS_GO_PROBE_WRITE_RET;
        break;
      case GoProbeKind::kHttpReadResponse:
        enter = info.read_response_has_request ? CS_GO_PROBE_READ_ENTER_REQ : CS_GO_PROBE_READ_ENTER;
        ret = CS_GO_PROBE_READ_RET;
        break;
    }
    for (uint64_t off : site.ret_offsets) out.emplace_back(ret, off);
    out.emplace_back(enter, site.probe_offset);
  }
  return out;
}

}  // namespace

bool GoRuntime::attach(GoProbedBinary& bin, const std::string& path) {
  Links links;
  bool ok = false;
  if (multi_) {
    ok = attach_multi(bin, path, links);
    if (!ok && (errno == EINVAL || errno == EOPNOTSUPP || errno == ENOSYS)) {
      spdlog::info("Go probes: the kernel has no uprobe_multi links ({}); one uprobe per offset from now on",
                   std::strerror(errno));
      multi_ = false;
    }
  }
  if (!multi_) ok = attach_perf(bin, path, links);
  if (!ok) return false;
  bin.uprobes = probe_points(bin.info, http_probes_).size();
  links_[bin.identity] = std::move(links);
  return true;
}

bool GoRuntime::attach_multi(GoProbedBinary& bin, const std::string& path, Links& out) {
  auto points = probe_points(bin.info, http_probes_);
  std::vector<uint64_t> offsets, cookies;
  for (auto [probe, off] : points) {
    cookies.push_back(probe);
    offsets.push_back(off);
  }
  LinkCreateUprobeMulti attr{};
  attr.prog_fd = static_cast<uint32_t>(bpf_program__fd(skel_->progs.go_uprobe_multi));
  attr.attach_type = kBpfTraceUprobeMulti;
  attr.path = reinterpret_cast<uint64_t>(path.c_str());
  attr.offsets = reinterpret_cast<uint64_t>(offsets.data());
  attr.cookies = reinterpret_cast<uint64_t>(cookies.data());
  attr.cnt = static_cast<uint32_t>(offsets.size());
  attr.pid = 0;  // every process that runs the binary
  int fd = static_cast<int>(syscall(__NR_bpf, BPF_LINK_CREATE, &attr, sizeof(attr)));
  if (fd < 0) {
    int saved = errno;
    spdlog::warn("Go probes: cannot attach {} uprobes to {}: {}", offsets.size(), path, std::strerror(saved));
    errno = saved;
    return false;
  }
  out.multi_fd = fd;
  return true;
}

bool GoRuntime::attach_perf(GoProbedBinary& bin, const std::string& path, Links& out) {
  auto program = [this](cs_go_probe p) -> bpf_program* {
    switch (p) {
      case CS_GO_PROBE_NEWPROC1_ENTER: return skel_->progs.go_newproc1_enter;
      case CS_GO_PROBE_NEWPROC1_RET: return skel_->progs.go_newproc1_ret;
      case CS_GO_PROBE_ROUNDTRIP_ENTER: return skel_->progs.go_http_roundtrip_enter;
      case CS_GO_PROBE_ROUNDTRIP_RET: return skel_->progs.go_http_roundtrip_ret;
      case CS_GO_PROBE_WRITE_ENTER: return skel_->progs.go_http_write_enter;
      case CS_GO_PROBE_WRITE_RET: return skel_->progs.go_http_write_ret;
      case CS_GO_PROBE_READ_ENTER_REQ: return skel_->progs.go_http_read_enter_req;
      case CS_GO_PROBE_READ_ENTER: return skel_->progs.go_http_read_enter;
      case CS_GO_PROBE_READ_RET: return skel_->progs.go_http_read_ret;
    }
    return nullptr;
  };
  for (auto [probe, off] : probe_points(bin.info, http_probes_)) {
    bpf_program* prog = program(probe);
    bpf_link* l = bpf_program__attach_uprobe(prog, false, -1, path.c_str(), static_cast<size_t>(off));
    if (!l) {
      spdlog::warn("Go probes: cannot attach {} at {:#x} of {}: {}", bpf_program__name(prog), off, path,
                   std::strerror(errno));
      destroy(out);
      return false;
    }
    out.perf.push_back(l);
  }
  return true;
}

void GoRuntime::destroy(Links& links) {
  if (links.multi_fd >= 0) ::close(links.multi_fd);
  links.multi_fd = -1;
  for (bpf_link* l : links.perf) bpf_link__destroy(l);
  links.perf.clear();
}

void GoRuntime::detach(const ExeIdentity& id) {
  auto l = links_.find(id);
  if (l != links_.end()) {
    destroy(l->second);
    links_.erase(l);
  }
  binaries_.erase(id);
}

GoRuntimeStats GoRuntime::stats() const {
  GoRuntimeStats s = counters_;
  s.processes_registered = pids_.size();
  s.binaries_probed = binaries_.size();
  int fd = bpf_map__fd(skel_->maps.cs_go_stats);
  int ncpu = libbpf_num_possible_cpus();
  if (ncpu <= 0) return s;
  std::vector<uint64_t> per_cpu(static_cast<size_t>(ncpu));
  for (uint32_t i = 0; i < CS_GO_STAT_MAX; ++i) {
    if (bpf_map_lookup_elem(fd, &i, per_cpu.data()) != 0) continue;
    for (uint64_t v : per_cpu) s.kernel[i] += v;
  }
  return s;
}

std::string format_go_runtime_stats(const GoRuntimeStats& s) {
  const auto& k = s.kernel;
  return fmt::format(
      "go: processes={} binaries_probed={} binaries_not_understood={} attach_failures={} exec_notes={} "
      "exit_notes={} | kernel: records={} ringbuf_drops={} unregistered_hits={} read_errors={} no_entry={} "
      "note_drops={} pending_full={} tls_checks={} tls_mismatch={}",
      s.processes_registered, s.binaries_probed, s.binaries_not_understood, s.attach_failures, s.exec_notes,
      s.exit_notes, k[CS_GO_STAT_EVENTS], k[CS_GO_STAT_RINGBUF_DROPS], k[CS_GO_STAT_NO_PROC],
      k[CS_GO_STAT_READ_ERRORS], k[CS_GO_STAT_NO_ENTRY], k[CS_GO_STAT_NOTE_DROPS], k[CS_GO_STAT_PENDING_FULL],
      k[CS_GO_STAT_TLS_CHECKS],
      k[CS_GO_STAT_TLS_MISMATCH]);
}

std::vector<std::pair<std::string, int>> GoRuntime::programs() const {
  std::vector<std::pair<std::string, int>> out;
  bpf_program* prog = nullptr;
  bpf_object__for_each_program(prog, skel_->obj) {
    if (bpf_program__fd(prog) >= 0) out.emplace_back(bpf_program__name(prog), bpf_program__fd(prog));
  }
  return out;
}

}  // namespace cs::go
