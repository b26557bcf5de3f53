#include "capture/preflight.h"

#include <bpf/libbpf.h>
#include <linux/capability.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstdarg>
#include <cstdio>
#include <cstring>
#include <mutex>

#include <spdlog/spdlog.h>

#include "callscope/events.h"

namespace cs {
namespace {

#ifndef CAP_PERFMON
constexpr int kCapPerfmon = 38;
#else
constexpr int kCapPerfmon = CAP_PERFMON;
#endif
#ifndef CAP_BPF
constexpr int kCapBpf = 39;
#else
constexpr int kCapBpf = CAP_BPF;
#endif

bool has_effective_cap(const __user_cap_data_struct (&data)[2], int cap) {
  return (data[cap / 32].effective & (1u << (cap % 32))) != 0;
}

// libbpf hands over whole verifier logs in one message: format into a growing buffer, keep every line.
int libbpf_to_spdlog(enum libbpf_print_level level, const char* fmt, va_list args) {
  va_list copy;
  va_copy(copy, args);
  int n = vsnprintf(nullptr, 0, fmt, copy);
  va_end(copy);
  if (n <= 0) return n;
  std::string text(static_cast<size_t>(n) + 1, '\0');
  vsnprintf(text.data(), text.size(), fmt, args);
  text.resize(static_cast<size_t>(n));
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.pop_back();
  if (level == LIBBPF_WARN)
    spdlog::warn("libbpf: {}", text);
  else
    spdlog::debug("libbpf: {}", text);
  return n;
}

}  // namespace

std::string check_bpf_privileges() {
  if (geteuid() == 0) return {};
  __user_cap_header_struct hdr{};
  __user_cap_data_struct data[2]{};
  hdr.version = _LINUX_CAPABILITY_VERSION_3;
  hdr.pid = 0;
  if (syscall(SYS_capget, &hdr, data) != 0)
    return std::string("cannot read process capabilities (capget: ") + strerror(errno) +
           "); run callscope as root";
  if (has_effective_cap(data, kCapBpf) && has_effective_cap(data, kCapPerfmon)) return {};
  return "insufficient privileges to load BPF programs: run as root, or grant the binary "
         "CAP_BPF and CAP_PERFMON (e.g. `setcap cap_bpf,cap_perfmon+ep <binary>`)";
}

std::string check_kernel_btf() {
  const char* path = "/sys/kernel/btf/vmlinux";
  if (access(path, R_OK) == 0) return {};
  return std::string("kernel lacks BTF: ") + path + " is " + (errno == ENOENT ? "missing" : "unreadable") +
         " (" + strerror(errno) + "); CONFIG_DEBUG_INFO_BTF=y needed (kernel 5.8+ built with BTF)";
}

std::string check_payload_bytes(uint32_t payload_bytes) {
  if (payload_bytes <= CS_MAX_PAYLOAD) return {};
  return "payload bytes " + std::to_string(payload_bytes) + " out of range: use 0.." +
         std::to_string(CS_MAX_PAYLOAD) + " (bytes copied per syscall)";
}

std::string check_ringbuf_bytes(uint32_t ringbuf_bytes) {
  const uint32_t page = static_cast<uint32_t>(sysconf(_SC_PAGESIZE));
  const bool pow2 = ringbuf_bytes != 0 && (ringbuf_bytes & (ringbuf_bytes - 1)) == 0;
  if (pow2 && ringbuf_bytes >= page && ringbuf_bytes <= (1u << 30)) return {};
  return "ring buffer size " + std::to_string(ringbuf_bytes) + " invalid: use a power of two between " +
         std::to_string(page) + " and 1073741824 bytes (e.g. 8388608 for 8 MiB)";
}

void setup_libbpf() {
  static std::once_flag once;
  std::call_once(once, [] {
    libbpf_set_strict_mode(LIBBPF_STRICT_ALL);
    libbpf_set_print(libbpf_to_spdlog);
  });
}

}  // namespace cs
