/* SPDX-License-Identifier: GPL-2.0 */
/* Constants, user-space ABI structs and architecture glue shared by the callscope BPF programs. */
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
#define CS_RCV_SHUTDOWN 1
#define CS_TS_COMPAT 0x2 /* x86 thread_info.status: task is in a 32-bit compat syscall */
#define CS_PF_KTHREAD 0x00200000
#define CS_PF_IO_WORKER 0x00000010

/* TCP states (include/net/tcp_states.h). */
#define CS_TCP_ESTABLISHED 1
#define CS_TCP_SYN_SENT 2
#define CS_TCP_SYN_RECV 3
#define CS_TCP_CLOSE 7

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

/* System call numbers and arguments by position (syscall calling convention, not the C one). */
#if defined(__TARGET_ARCH_x86)
#define CS_ARG1(r) ((r)->di)
#define CS_ARG2(r) ((r)->si)
#define CS_ARG3(r) ((r)->dx)
#define CS_ARG4(r) ((r)->r10)
#define CS_SYSNO(r) ((r)->orig_ax)
#define CS_NR_READ 0
#define CS_NR_WRITE 1
#define CS_NR_CLOSE 3
#define CS_NR_READV 19
#define CS_NR_WRITEV 20
#define CS_NR_SENDFILE 40
#define CS_NR_CONNECT 42
#define CS_NR_ACCEPT 43
#define CS_NR_SENDTO 44
#define CS_NR_RECVFROM 45
#define CS_NR_SENDMSG 46
#define CS_NR_RECVMSG 47
#define CS_NR_ACCEPT4 288
#define CS_NR_RECVMMSG 299
#define CS_NR_SENDMMSG 307
#elif defined(__TARGET_ARCH_arm64)
#define CS_ARG1(r) ((r)->orig_x0)
#define CS_ARG2(r) ((r)->regs[1])
#define CS_ARG3(r) ((r)->regs[2])
#define CS_ARG4(r) ((r)->regs[3])
#define CS_SYSNO(r) ((r)->syscallno)
#define CS_NR_READ 63
#define CS_NR_WRITE 64
#define CS_NR_CLOSE 57
#define CS_NR_READV 65
#define CS_NR_WRITEV 66
#define CS_NR_SENDFILE 71
#define CS_NR_CONNECT 203
#define CS_NR_ACCEPT 202
#define CS_NR_SENDTO 206
#define CS_NR_RECVFROM 207
#define CS_NR_SENDMSG 211
#define CS_NR_RECVMSG 212
#define CS_NR_ACCEPT4 242
#define CS_NR_RECVMMSG 243
#define CS_NR_SENDMMSG 269
#else
#error "callscope BPF: unsupported architecture (x86_64 and arm64 only)"
#endif

static __always_inline __u32 cs_min_u32(__u32 a, __u32 b)
{
	return a < b ? a : b;
}

#endif /* CS_COMMON_H */
