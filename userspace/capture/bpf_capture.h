// Loads the callscope BPF programs, attaches them and reads their ring buffer.
//
// At start the kernel's BTF says which data path it can run (capture/kernel_features.h):
//   socket  - sock_send_length / sock_recv_length tracepoints (6.3+): only socket I/O runs a program.
//   syscall - raw sys_enter / sys_exit tracepoints (older kernels): every system call runs a dispatcher.
// Both write the same records, each CPU into its own ring buffer (read back in time order, ring_set.h).
// The agent is woken only when a batch waits in a ring (or by its own timer), never per record.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "callscope/events.h"
#include "capture/kernel_features.h"

struct callscope_bpf;

namespace cs {

class RingSet;

enum class CaptureMode { Auto, Socket, Syscall };

// "auto" | "socket" | "syscall"; false if the text is none of them.
bool parse_capture_mode(const std::string& text, CaptureMode& out);
const char* capture_mode_name(CaptureMode m);

struct CaptureOptions {
  std::vector<uint32_t> pids;        // thread-group ids to trace; empty = all
  std::vector<uint16_t> ports;       // local or remote TCP port; empty = all
  std::vector<std::string> comms;    // process names (first 15 chars); empty = all
  uint32_t payload_bytes = CS_DEFAULT_PAYLOAD;  // copied per socket call, 0..CS_MAX_PAYLOAD
  uint32_t ringbuf_bytes = 8u << 20;            // power of two: all per-CPU rings together
  CaptureMode mode = CaptureMode::Auto;         // Auto: socket if the kernel has it, else syscall
};

struct KernelStats {
  uint64_t events = 0;           // records written into the ring buffer
  uint64_t ringbuf_drops = 0;    // records lost because the ring buffer was full
  uint64_t truncated = 0;        // data events whose payload was cut
  uint64_t truncated_bytes = 0;  // bytes not copied because of the cut
  uint64_t read_errors = 0;      // bpf_probe_read failures
  uint64_t no_payload = 0;       // data events whose bytes were not in readable user memory
  uint64_t ignored_calls = 0;    // socket calls skipped because user space said "ignore"
};

class BpfCapture {
 public:
  // Preflight + feature probe + open + load + attach. On failure returns nullptr and a message a person
  // can act on.
  static std::unique_ptr<BpfCapture> open(const CaptureOptions& opts, std::string& error);
  ~BpfCapture();  // detaches everything; nothing stays attached or pinned

  BpfCapture(const BpfCapture&) = delete;
  BpfCapture& operator=(const BpfCapture&) = delete;

  // Waits up to timeout_ms for a batch (or the timeout), then calls cb(data, size) for every record
  // waiting. Returns records consumed or -errno (-EINTR when a signal interrupted the wait).
  // Records reach cb in time order across the per-CPU rings; the newest millisecond waits for the next
  // poll (capture/ring_set.h).
  int poll(int timeout_ms, const std::function<void(const void*, size_t)>& cb);
  // Every record waiting, the newest too (at stop). Returns records consumed.
  int drain_all(const std::function<void(const void*, size_t)>& cb);
  // Records handed out behind an earlier poll's time order (late producers; capture/ring_set.h).
  uint64_t late_records() const;

  KernelStats stats() const;                            // summed over CPUs
  std::vector<std::string> attached_programs() const;   // for logs
  CaptureMode mode() const { return mode_; }            // Socket or Syscall
  const KernelFeatures& features() const { return features_; }

  // Tells the kernel side what user space decided about a socket (enum cs_verdict).
  void set_verdict(uint64_t sock_id, uint8_t verdict);

  // For the Go runtime support: the ring buffer and cs_go_procs maps (to share with its own BPF object),
  // and the switch that makes socket events carry goroutine ids.
  int ringbuf_map_fd() const;       // the Go probes' ring (merged with the per-CPU ones)
  uint32_t ring_bytes() const { return ring_bytes_; }  // of each ring
  int go_procs_map_fd() const;
  void enable_goroutine_ids();

 private:
  BpfCapture() = default;

  callscope_bpf* skel_ = nullptr;
  std::unique_ptr<RingSet> rings_;
  std::vector<int> ring_fds_;  // the per-CPU rings (cs_rings slots)
  uint32_t ring_bytes_ = 0;    // of each
  std::vector<std::string> attached_;
  CaptureMode mode_ = CaptureMode::Socket;
  KernelFeatures features_;
  uint64_t verdict_errors_ = 0;
};

// CLOCK_REALTIME - CLOCK_MONOTONIC now: add to a record's ts_ns to get Unix time in ns.
int64_t mono_to_unix_offset_ns();

}  // namespace cs
