// Resolves and remembers the identity of processes (process_identity.h has the naming order).
//
// Rules:
//  - resolve() reads /proc/PID/{environ,cmdline,exe,cgroup} (and, when port rules exist, the process's
//    listening sockets) once, when the process table first sees a process or its comm changes: never per
//    event. A file that cannot be read (process gone, no permission) just skips the step that needs it.
//  - Without /proc (read_proc false: replays, whose processes are not this machine's) only pid and comm
//    rules apply, then the comm.
//  - lookup() returns the identity last resolved for a pid, also after the process exited (spans and
//    metrics are emitted later); at most max_cached are kept, the ones nobody else holds go first.
//  - Not thread-safe: called from the pipeline thread. The identities themselves are immutable and may be
//    handed to other threads.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>

#include "identity/naming_rules.h"
#include "identity/process_identity.h"

namespace cs {

struct IdentityConfig {
  std::string proc_root = "/proc";
  bool read_proc = true;
  std::string host_name;                                  // "" -> gethostname()
  std::string docker_root = "/var/lib/docker/containers";  // <id>/config.v2.json holds a container's name
  NamingRules rules;
  size_t max_cached = 65536;
};

class IdentityResolver {
 public:
  explicit IdentityResolver(IdentityConfig config);

  std::shared_ptr<const ProcessIdentity> resolve(uint32_t pid, std::string_view comm);
  std::shared_ptr<const ProcessIdentity> lookup(uint32_t pid) const;

  const std::string& host_name() const { return config_.host_name; }
  uint64_t resolved() const { return resolved_; }

 private:
  std::string proc_file(uint32_t pid, const char* name) const;
  bool listens_on(uint32_t pid, uint16_t port) const;
  std::string container_name(const std::string& id) const;
  void bound_cache();

  IdentityConfig config_;
  std::unordered_map<uint32_t, std::shared_ptr<const ProcessIdentity>> by_pid_;
  uint64_t resolved_ = 0;
};

}  // namespace cs
