#include "runtimes/go/go_processes.h"

#include <dirent.h>
#include <sys/stat.h>

#include <cstdlib>

namespace cs::go {

std::vector<pid_t> list_processes() {
  std::vector<pid_t> pids;
  DIR* d = opendir("/proc");
  if (!d) return pids;
  while (dirent* e = readdir(d)) {
    char* end = nullptr;
    long v = std::strtol(e->d_name, &end, 10);
    if (end != e->d_name && *end == '\0' && v > 0) pids.push_back(static_cast<pid_t>(v));
  }
  closedir(d);
  return pids;
}

std::optional<ExeIdentity> exe_identity(pid_t pid) {
  struct stat st {};
  if (stat(exe_path(pid).c_str(), &st) != 0 || !S_ISREG(st.st_mode)) return std::nullopt;
  return ExeIdentity{static_cast<uint64_t>(st.st_dev), static_cast<uint64_t>(st.st_ino),
                     static_cast<uint64_t>(st.st_size),
                     static_cast<int64_t>(st.st_mtim.tv_sec) * 1000000000 + st.st_mtim.tv_nsec};
}

std::string exe_path(pid_t pid) { return "/proc/" + std::to_string(pid) + "/exe"; }

}  // namespace cs::go
