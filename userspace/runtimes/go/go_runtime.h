// GoRuntime: makes the agent goroutine-aware for the Go processes of the machine.
// It loads the Go probes object (bpf/go/go_probes.bpf.c), finds Go processes already running (/proc) and
// new ones when they exec (tp_btf/sched_process_exec), analyses each distinct binary once
// (go_binary.h), attaches its uprobes once per binary (pid -1: every process running it), and writes
// cs_go_procs[tgid] = {g_tls_offset, goid_offset} for each process, which lets the main object put
// goroutine ids on socket events and the Go probes report at all.
// Rules:
//  - A Go binary it cannot understand gets one info log line (why) and the generic rules; a non-Go
//    binary costs one stat() per exec after its first analysis (verdict cache by file identity).
//  - A binary's uprobes go when its last registered process exits; the destructor detaches everything
//    (no uprobe or link outlives the object) and removes the cs_go_procs entries it wrote.
//  - Single-threaded: call poll()/rescan() from one thread (the agent's loop).
#pragma once

#include <sys/types.h>

#include <array>
#include <cstdint>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "callscope/events.h"
#include "runtimes/go/go_binary.h"
#include "runtimes/go/go_processes.h"

struct go_probes_bpf;
struct ring_buffer;
struct bpf_link;

namespace cs::go {

enum class GoAttachMode {
  kAuto,         // one uprobe_multi link per binary where the kernel has them (>= 6.6), else kPerfUprobes
  kPerfUprobes,  // one perf-event uprobe per offset (any kernel with uprobes; slow to detach)
};

// Which net/http hand-offs are probed. Each probe hit costs a trap (measured ~20 us on the test VM, see
// README): kRequestOnly keeps what links a request to its caller (ROUNDTRIP and WRITE entries, 2 hits per
// request instead of 6); responses pair with requests by order on the connection anyway.
enum class GoHttpProbes {
  kFull,         // ROUNDTRIP, WRITE, READ and their *_DONE
  kRequestOnly,  // ROUNDTRIP and WRITE entries only
};

struct GoRuntimeOptions {
  int ringbuf_map_fd = -1;   // main object's "cs_events"; -1: the Go object's own ring buffer
  int go_procs_map_fd = -1;  // main object's "cs_go_procs"; -1: the Go object's own map
  uint32_t own_ringbuf_bytes = 4u << 20;  // size of the own ring buffer (power of two)
  bool scan_at_open = true;  // register the Go processes already running in open()
  GoAttachMode attach_mode = GoAttachMode::kAuto;
  GoHttpProbes http_probes = GoHttpProbes::kFull;
  // Records are written without waking the reader until this many bytes wait in the ring buffer (the main
  // object's policy: the agent reads on its own timer too); 0: every record may wake a waiting reader.
  uint64_t wakeup_bytes = 0;
  // false: no uprobes at all; processes are still analysed and registered in cs_go_procs, so socket events
  // carry goroutine ids (no lineage, no net/http hand-offs; no per-call cost).
  bool attach_probes = true;
  // Register only these processes (the agent's --pid / --comm filters; empty: every Go process).
  std::vector<uint32_t> pids;
  std::vector<std::string> comms;
};

struct GoRuntimeStats {
  uint64_t processes_registered = 0;  // now
  uint64_t binaries_probed = 0;       // now
  uint64_t binaries_not_understood = 0;  // Go binaries left to the generic rules (cumulative)
  uint64_t exec_notes = 0;
  uint64_t exit_notes = 0;
  uint64_t attach_failures = 0;
  std::array<uint64_t, CS_GO_STAT_MAX> kernel{};  // cs_go_stats summed over CPUs
};

// One log line of the counters (the agent's self-metrics and exit report).
std::string format_go_runtime_stats(const GoRuntimeStats& s);

struct GoProbedBinary {
  ExeIdentity identity;
  std::string first_path;  // the process path it was found through (for logs)
  GoBinaryInfo info;
  size_t uprobes = 0;       // probed offsets
  std::set<pid_t> pids;
};

class GoRuntime {
 public:
  // The API for the agent: reuse the main object's ring buffer and cs_go_procs maps.
  static std::unique_ptr<GoRuntime> open(int ringbuf_map_fd, int go_procs_map_fd, std::string& error);
  static std::unique_ptr<GoRuntime> open(const GoRuntimeOptions& options, std::string& error);
  ~GoRuntime();
  GoRuntime(const GoRuntime&) = delete;
  GoRuntime& operator=(const GoRuntime&) = delete;

  // Readable (epoll) when exec/exit notifications wait: call poll() then.
  int notify_fd() const;
  // Handles pending exec/exit notifications without blocking. Returns how many it handled.
  int poll();
  // Walks /proc: registers Go processes not known yet, drops the ones that are gone. Cheap enough to
  // call every few seconds (a stat per process); it covers notifications lost to a full buffer.
  void rescan();

  int events_map_fd() const;    // where the probes write (reused or own)
  int go_procs_map_fd() const;
  GoRuntimeStats stats() const;
  const std::map<ExeIdentity, GoProbedBinary>& probed_binaries() const { return binaries_; }
  bool registered(pid_t pid) const { return pids_.count(pid) != 0; }
  bool uses_uprobe_multi() const { return multi_; }
  // (program name, prog fd) of every loaded program, for run-time statistics.
  std::vector<std::pair<std::string, int>> programs() const;

 private:
  GoRuntime() = default;
  bool register_process(pid_t pid);  // false: not registered (not Go, not understood, filtered, gone)
  void unregister_process(pid_t pid, bool delete_entry = true);
  void forget_entry(pid_t pid);      // deletes its cs_go_procs entry (registered or pending)
  bool wanted(pid_t pid) const;  // passes the pid / comm filters
  bool attach(GoProbedBinary& bin, const std::string& path);
  void detach(const ExeIdentity& id);

  struct Links {
    int multi_fd = -1;                // uprobe_multi link
    std::vector<bpf_link*> perf;      // or one perf-event uprobe per offset
  };
  bool attach_multi(GoProbedBinary& bin, const std::string& path, Links& out);
  bool attach_perf(GoProbedBinary& bin, const std::string& path, Links& out);
  static void destroy(Links& links);

  go_probes_bpf* skel_ = nullptr;
  bool multi_ = false;
  ring_buffer* notes_ = nullptr;
  std::vector<bpf_link*> lifecycle_links_;
  std::map<ExeIdentity, GoProbedBinary> binaries_;
  std::map<ExeIdentity, Links> links_;
  std::map<ExeIdentity, bool> verdicts_;  // binaries not probed: true = Go but not understood
  std::map<pid_t, ExeIdentity> pids_;
  std::vector<std::pair<uint32_t, uint32_t>> pending_notes_;  // (kind, tgid), filled by the callback
  GoRuntimeStats counters_;
  pid_t self_ = 0;
  GoHttpProbes http_probes_ = GoHttpProbes::kFull;
  bool attach_probes_ = true;
  std::vector<uint32_t> pid_filter_;
  std::vector<std::string> comm_filter_;
};

}  // namespace cs::go
