#include "capture/kernel_features.h"

#include <bpf/btf.h>
#include <linux/btf.h>
#include <bpf/libbpf.h>
#include <sys/utsname.h>

#include <cerrno>
#include <cstring>
#include <vector>

namespace cs {

namespace {

bool has_tracepoint(const btf* b, const char* name) {
  std::string type = std::string("btf_trace_") + name;
  return btf__find_by_name_kind(b, type.c_str(), BTF_KIND_TYPEDEF) > 0;
}

// True if `enum_name` of the kernel's BTF has a value named `value`.
bool has_enum_value(const btf* b, const char* enum_name, const char* value) {
  int id = btf__find_by_name_kind(b, enum_name, BTF_KIND_ENUM);
  if (id <= 0) return false;
  const btf_type* t = btf__type_by_id(b, static_cast<__u32>(id));
  const struct btf_enum* e = btf_enum(t);
  for (int i = 0; i < btf_vlen(t); ++i)
    if (std::strcmp(btf__name_by_offset(b, e[i].name_off), value) == 0) return true;
  return false;
}

std::string join_missing(const std::vector<std::pair<bool, const char*>>& needs) {
  std::string out;
  for (const auto& [have, what] : needs)
    if (!have) out += (out.empty() ? "" : ", ") + std::string(what);
  return out;
}

}  // namespace

bool KernelFeatures::socket_capture() const { return missing_for_socket_capture().empty(); }
bool KernelFeatures::syscall_capture() const { return missing_for_syscall_capture().empty(); }

std::string KernelFeatures::missing_for_socket_capture() const {
  return join_missing({{tp_sock_send_length, "tracepoint sock_send_length (6.3+)"},
                       {tp_sock_recv_length, "tracepoint sock_recv_length (6.3+)"},
                       {tp_inet_sock_set_state, "tracepoint inet_sock_set_state (4.16+)"},
                       {tp_sched_process_exit, "tracepoint sched_process_exit"},
                       {helper_task_pt_regs, "BPF helper bpf_task_pt_regs (5.15+)"},
                       {helper_get_current_task_btf, "BPF helper bpf_get_current_task_btf (5.11+)"},
                       {helper_sk_storage_get, "BPF helper bpf_sk_storage_get"},
                       {helper_ringbuf_query, "BPF ring buffers (5.8+)"},
                       {map_ringbuf, "BPF ring buffer maps (5.8+)"},
                       {map_sk_storage, "BPF socket storage maps"}});
}

std::string KernelFeatures::missing_for_syscall_capture() const {
  return join_missing({{tp_sys_enter, "tracepoint sys_enter"},
                       {tp_sys_exit, "tracepoint sys_exit"},
                       {tp_inet_sock_set_state, "tracepoint inet_sock_set_state (4.16+)"},
                       {tp_sched_process_exit, "tracepoint sched_process_exit"},
                       {helper_get_current_task_btf, "BPF helper bpf_get_current_task_btf (5.11+)"},
                       {helper_ringbuf_query, "BPF ring buffers (5.8+)"},
                       {map_ringbuf, "BPF ring buffer maps (5.8+)"},
                       {map_sk_storage, "BPF socket storage maps"}});
}

bool probe_kernel_features(KernelFeatures& f, std::string& error) {
  utsname u{};
  if (uname(&u) == 0) f.release = u.release;
  btf* b = btf__load_vmlinux_btf();
  if (b == nullptr) {
    int err = errno;
    error = std::string("cannot read the kernel's BTF (/sys/kernel/btf/vmlinux): ") + std::strerror(err) +
            "; callscope needs a kernel built with CONFIG_DEBUG_INFO_BTF=y";
    return false;
  }
  f.tp_sock_send_length = has_tracepoint(b, "sock_send_length");
  f.tp_sock_recv_length = has_tracepoint(b, "sock_recv_length");
  f.tp_sys_enter = has_tracepoint(b, "sys_enter");
  f.tp_sys_exit = has_tracepoint(b, "sys_exit");
  f.tp_inet_sock_set_state = has_tracepoint(b, "inet_sock_set_state");
  f.tp_sched_process_exit = has_tracepoint(b, "sched_process_exit");
  f.tp_tcp_retransmit_skb = has_tracepoint(b, "tcp_retransmit_skb");
  f.tp_tcp_send_reset = has_tracepoint(b, "tcp_send_reset");
  f.tp_tcp_receive_reset = has_tracepoint(b, "tcp_receive_reset");
  f.helper_task_pt_regs = has_enum_value(b, "bpf_func_id", "BPF_FUNC_task_pt_regs");
  f.helper_get_current_task_btf = has_enum_value(b, "bpf_func_id", "BPF_FUNC_get_current_task_btf");
  f.helper_sk_storage_get = has_enum_value(b, "bpf_func_id", "BPF_FUNC_sk_storage_get");
  f.helper_ringbuf_query = has_enum_value(b, "bpf_func_id", "BPF_FUNC_ringbuf_query");
  f.map_ringbuf = has_enum_value(b, "bpf_map_type", "BPF_MAP_TYPE_RINGBUF");
  f.map_sk_storage = has_enum_value(b, "bpf_map_type", "BPF_MAP_TYPE_SK_STORAGE");
  btf__free(b);
  return true;
}

}  // namespace cs
