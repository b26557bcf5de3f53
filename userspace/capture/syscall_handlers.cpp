#include "capture/syscall_handlers.h"

#include <sys/syscall.h>

namespace cs {

std::span<const SyscallHandler> syscall_handlers() {
  static constexpr SyscallHandler kHandlers[] = {
      {SYS_read, "read", "cs_enter_read", "cs_exit_read"},
      {SYS_write, "write", "cs_enter_write", "cs_exit_data"},
      {SYS_readv, "readv", "cs_enter_readv", "cs_exit_readv"},
      {SYS_writev, "writev", "cs_enter_writev", "cs_exit_data"},
      {SYS_sendto, "sendto", "cs_enter_sendto", "cs_exit_data"},
      {SYS_recvfrom, "recvfrom", "cs_enter_recvfrom", "cs_exit_recvfrom"},
      {SYS_sendmsg, "sendmsg", "cs_enter_sendmsg", "cs_exit_data"},
      {SYS_recvmsg, "recvmsg", "cs_enter_recvmsg", "cs_exit_recvmsg"},
      {SYS_sendmmsg, "sendmmsg", "cs_enter_sendmmsg", "cs_exit_mmsg"},
      {SYS_recvmmsg, "recvmmsg", "cs_enter_recvmmsg", "cs_exit_mmsg"},
      {SYS_sendfile, "sendfile", "cs_enter_sendfile", "cs_exit_data"},
  };
  return kHandlers;
}

}  // namespace cs
