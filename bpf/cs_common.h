/* SPDX-License-Identifier: GPL-2.0 */
/* Constants, user-space ABI structs, counters and event-header helpers shared by the callscope BPF programs. */
#ifndef CS_COMMON_H
#define CS_COMMON_H

#include "vmlinux.h"
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#include "callscope/events.h"

/* Macros vmlinux.h does not carry. */
#define CS_AF_INET 2
#define CS_AF_INET6 10
#define CS_S_IFMT 00170000
#define CS_S_IFSOCK 0140000
#define CS_EINPROGRESS 115
#define CS_MSG_PEEK 0x2
#define CS_TS_COMPAT 0x2 /* x86 thread_info.status: task is in a 32-bit compat syscall */

/* User-space (LP64) layouts read with bpf_probe_read_user: not kernel types, so no CO-RE. */
struct cs_user_iovec {
	__u64 base;
	__u64 len;
};

struct cs_user_msghdr {
	__u64 name;
	__s32 namelen;
	__s32 pad0;
	__u64 iov;
	__u64 iovlen;
	__u64 control;
	__u64 controllen;
	__u32 flags;
	__u32 pad1;
};

/* struct mmsghdr = { struct msghdr msg_hdr; unsigned int msg_len; } */
#define CS_MMSG_LEN_OFFSET sizeof(struct cs_user_msghdr)

/* Syscall arguments by position (syscall calling convention, not the C one). */
#if defined(__TARGET_ARCH_x86)
#define CS_ARG1(r) ((r)->di)
#define CS_ARG2(r) ((r)->si)
#define CS_ARG3(r) ((r)->dx)
#define CS_ARG4(r) ((r)->r10)
#define CS_SYSNO(r) ((r)->orig_ax)
#elif defined(__TARGET_ARCH_arm64)
#define CS_ARG1(r) ((r)->orig_x0)
#define CS_ARG2(r) ((r)->regs[1])
#define CS_ARG3(r) ((r)->regs[2])
#define CS_ARG4(r) ((r)->regs[3])
#define CS_SYSNO(r) ((r)->syscallno)
#else
#error "callscope BPF: unsupported architecture (x86_64 and arm64 only)"
#endif

static __always_inline __u32 cs_min_u32(__u32 a, __u32 b)
{
	return a < b ? a : b;
}

#endif /* CS_COMMON_H */
