// What the running kernel offers the capture, read from its BTF (/sys/kernel/btf/vmlinux) at start:
// which tracepoints exist (a tp_btf program needs the kernel's "btf_trace_<name>" type), which BPF
// helpers and map types it knows (enum bpf_func_id / bpf_map_type). Nothing is loaded to find out.
#pragma once

#include <string>

namespace cs {

struct KernelFeatures {
  std::string release;              // uname -r
  bool tp_sock_send_length = false;  // 6.3+: socket-level data capture
  bool tp_sock_recv_length = false;
  bool tp_sys_enter = false;         // raw syscall tracepoints: the fallback data capture
  bool tp_sys_exit = false;
  bool tp_inet_sock_set_state = false;  // 4.16+: connect, passive open, close
  bool tp_sched_process_exit = false;
  bool tp_tcp_retransmit_skb = false;   // TCP health counters (optional)
  bool tp_tcp_send_reset = false;
  bool tp_tcp_receive_reset = false;
  bool helper_task_pt_regs = false;     // 5.15+
  bool helper_get_current_task_btf = false;  // 5.11+
  bool helper_sk_storage_get = false;
  bool helper_ringbuf_query = false;    // 5.8+
  bool map_ringbuf = false;             // 5.8+
  bool map_sk_storage = false;

  // The socket-tracepoint capture can run.
  bool socket_capture() const;
  // The syscall fallback capture can run.
  bool syscall_capture() const;
  // What is missing for either, for a start error ("" if nothing).
  std::string missing_for_socket_capture() const;
  std::string missing_for_syscall_capture() const;
};

// Reads the features from the kernel's BTF. On failure returns false and a message a person can act on.
bool probe_kernel_features(KernelFeatures& out, std::string& error);

}  // namespace cs
