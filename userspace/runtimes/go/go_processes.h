// The processes of the machine as the Go manager sees them: their pids (/proc) and the identity of the
// file each one runs (/proc/PID/exe: device, inode, size, mtime). Two processes with equal identities
// run the same binary: it is analysed and probed once.
// Rules: a process that vanished or a kernel thread (no exe) gives nullopt, never an error.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace cs::go {

struct ExeIdentity {
  uint64_t dev = 0;
  uint64_t ino = 0;
  uint64_t size = 0;
  int64_t mtime_ns = 0;
  auto operator<=>(const ExeIdentity&) const = default;
};

std::vector<pid_t> list_processes();
std::optional<ExeIdentity> exe_identity(pid_t pid);
// A path the kernel resolves to the process's binary, also across mount namespaces ("/proc/PID/exe").
std::string exe_path(pid_t pid);

}  // namespace cs::go
