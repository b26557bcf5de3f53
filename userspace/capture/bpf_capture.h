// Loads the callscope BPF programs, attaches them to the syscall tracepoints and reads their ring buffer.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "callscope/events.h"

struct callscope_bpf;
struct ring_buffer;

namespace cs {

struct CaptureOptions {
  std::vector<uint32_t> pids;        // thread-group ids to trace; empty = all
  std::vector<uint16_t> ports;       // local or remote TCP port; empty = all
  std::vector<std::string> comms;    // process names (first 15 chars); empty = all
  uint32_t payload_bytes = CS_DEFAULT_PAYLOAD;  // copied per syscall, 0..CS_MAX_PAYLOAD
  uint32_t ringbuf_bytes = 8u << 20;            // power of two
};

struct KernelStats {
  uint64_t events = 0;           // records written into the ring buffer
  uint64_t ringbuf_drops = 0;    // records lost because the ring buffer was full
  uint64_t truncated = 0;        // data events whose payload was cut
  uint64_t truncated_bytes = 0;  // bytes not copied because of the cut
  uint64_t read_errors = 0;      // bpf_probe_read failures
};

class BpfCapture {
 public:
  // Preflight + open + load + attach. On failure returns nullptr and a message a person can act on.
  static std::unique_ptr<BpfCapture> open(const CaptureOptions& opts, std::string& error);
  ~BpfCapture();  // detaches everything; nothing stays attached or pinned

  BpfCapture(const BpfCapture&) = delete;
  BpfCapture& operator=(const BpfCapture&) = delete;

  // Waits up to timeout_ms, calls cb(data, size) for each record. Returns records consumed or -errno
  // (-EINTR when a signal interrupted the wait).
  int poll(int timeout_ms, const std::function<void(const void*, size_t)>& cb);

  KernelStats stats() const;                            // summed over CPUs
  std::vector<std::string> attached_programs() const;   // for logs

 private:
  BpfCapture() = default;
  static int on_record(void* self, void* data, size_t size);

  callscope_bpf* skel_ = nullptr;
  ring_buffer* ring_ = nullptr;
  const std::function<void(const void*, size_t)>* cb_ = nullptr;
  std::vector<std::string> attached_;
};

// CLOCK_REALTIME - CLOCK_MONOTONIC now: add to a record's ts_ns to get Unix time in ns.
int64_t mono_to_unix_offset_ns();

}  // namespace cs
