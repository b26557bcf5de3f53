// Start-up checks for the BPF capture: privileges, kernel BTF, settings. Each failure comes with a message
// that tells a person what to do.
#pragma once

#include <cstdint>
#include <string>

namespace cs {

// Effective root, or CAP_BPF + CAP_PERFMON in the effective set. Empty string when fine.
std::string check_bpf_privileges();

// /sys/kernel/btf/vmlinux readable (CO-RE and tp_btf need it). Empty string when fine.
std::string check_kernel_btf();

// 0..CS_MAX_PAYLOAD. Empty string when fine.
std::string check_payload_bytes(uint32_t payload_bytes);

// Power of two, at least one page, at most 1 GiB. Empty string when fine.
std::string check_ringbuf_bytes(uint32_t ringbuf_bytes);

// libbpf strict mode (errors as negative errno; RLIMIT_MEMLOCK raised where the kernel still charges
// BPF memory to it) and libbpf's messages routed into spdlog. Idempotent.
void setup_libbpf();

}  // namespace cs
