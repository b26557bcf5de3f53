// Syscall fallback capture (kernels without the socket tracepoints): which BPF program handles which
// syscall at enter and exit. The loader puts these programs into the cs_enter_progs / cs_exit_progs
// tail-call tables at the index of the native syscall number. Connect, accept and close need no
// handler: connection life comes from the inet_sock_set_state tracepoint on every kernel.
#pragma once

#include <span>

namespace cs {

struct SyscallHandler {
  long nr;                 // native syscall number (SYS_*)
  const char* name;        // for logs
  const char* enter_prog;  // BPF program name, or nullptr
  const char* exit_prog;   // BPF program name, or nullptr
};

std::span<const SyscallHandler> syscall_handlers();

}  // namespace cs
