/* SPDX-License-Identifier: GPL-2.0 */
/* Maps and load-time settings of the callscope BPF object. Included once, by callscope.bpf.c. */
#ifndef CS_MAPS_H
#define CS_MAPS_H

#include "cs_common.h"

/* Load-time settings (.rodata), written by the loader between open and load. */
const volatile __u32 cs_self_tgid = 0;      /* the agent: never traced */
const volatile __u32 cs_payload_cap = CS_DEFAULT_PAYLOAD;
const volatile bool cs_filter_pids = false;  /* cs_pid_filter holds the allow-list */
const volatile bool cs_filter_ports = false; /* cs_port_filter holds the allow-list (local or remote) */
const volatile bool cs_filter_comms = false; /* cs_comm_filter holds the allow-list */

#define CS_MAX_SYSCALL_NR 512
#define CS_MAX_PID_FILTER 1024
#define CS_MAX_PORT_FILTER 1024
#define CS_MAX_INFLIGHT 16384
#define CS_MAX_SOCKETS 65536
#define CS_MAX_TRACED 16384

/* What the exit handler has to read, saved at sys_enter. */
enum cs_buf_kind {
	CS_KIND_NONE = 0,    /* nothing to copy (sendfile) */
	CS_KIND_BUF = 1,     /* one user buffer */
	CS_KIND_IOV = 2,     /* iovec array */
	CS_KIND_MMSG = 3,    /* iovec array of the first mmsghdr; length in its msg_len */
	CS_KIND_CONNECT = 4, /* connect(): no data, emits a conn event */
	CS_KIND_MSG = 5,     /* at enter only: a msghdr, saved as CS_KIND_IOV */
};

struct cs_inflight {
	__u64 enter_ns;
	__u64 sk;
	__u64 buf;     /* user buffer or iovec array */
	__u64 aux;     /* mmsg: user address of the first msg_len */
	__u64 sysno;   /* raw syscall number, checked again at exit */
	__u32 count;   /* iovec entries */
	__s32 fd;
	__u32 seq;
	__u8 sys;      /* enum cs_syscall */
	__u8 dir;      /* enum cs_direction */
	__u8 kind;     /* enum cs_buf_kind */
	__u8 flags;    /* CS_DATA_F_NO_SEQ */
};

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 8 << 20); /* the loader overrides it */
} cs_events SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, CS_STAT_MAX);
	__type(key, __u32);
	__type(value, __u64);
} cs_stats SEC(".maps");

/* Per-syscall handlers, indexed by syscall number; filled by the loader. */
struct {
	__uint(type, BPF_MAP_TYPE_PROG_ARRAY);
	__uint(max_entries, CS_MAX_SYSCALL_NR);
	__type(key, __u32);
	__type(value, __u32);
} cs_enter_progs SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PROG_ARRAY);
	__uint(max_entries, CS_MAX_SYSCALL_NR);
	__type(key, __u32);
	__type(value, __u32);
} cs_exit_progs SEC(".maps");

/* Arguments of syscalls in flight, by pid_tgid. LRU: a thread killed inside a syscall leaves no leak. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, CS_MAX_INFLIGHT);
	__type(key, __u64);
	__type(value, struct cs_inflight);
} cs_inflight SEC(".maps");

/* Last handled sys_enter on each CPU. A read exit without saved arguments whose thread and syscall
 * match this slot was entered after the attach on a socket we do not trace: no need to look again. */
struct cs_last_enter {
	__u64 pid_tgid;
	__u64 sysno;
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct cs_last_enter);
} cs_last_enter SEC(".maps");

/* What we know of a traced socket (key: struct sock address): its role (connect/accept seen, else
 * unknown) and its tuple as first seen. The kernel zeroes the local port once a connection is fully
 * closed, so close() and the tuple of later events rely on this copy. Deleted at close(). */
struct cs_sock_info {
	struct cs_tuple tuple;
	__u8 role;
	__u8 pad[3];
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, CS_MAX_SOCKETS);
	__type(key, __u64);
	__type(value, struct cs_sock_info);
} cs_socks SEC(".maps");

/* Thread groups that produced at least one event: their exit is reported. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, CS_MAX_TRACED);
	__type(key, __u32);
	__type(value, __u8);
} cs_traced SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, CS_MAX_PID_FILTER);
	__type(key, __u32);
	__type(value, __u8);
} cs_pid_filter SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, CS_MAX_PORT_FILTER);
	__type(key, __u16);
	__type(value, __u8);
} cs_port_filter SEC(".maps");

struct cs_comm_key {
	char comm[CS_COMM_LEN];
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, CS_MAX_FILTER);
	__type(key, struct cs_comm_key);
	__type(value, __u8);
} cs_comm_filter SEC(".maps");

/* Data event under construction, one slot per CPU. Lengths are bounded for the verifier with masks that
 * are no-ops on real values (offset & (CAP-1), length & (2*CAP-1)), so the payload area has room for
 * three caps: offset + length stays inside the value. A plain array indexed by CPU (the loader sets max_entries to the number of possible CPUs):
 * per-CPU map values are limited to 32 KiB, this is more. */
#define CS_LEN_MASK (2 * CS_MAX_PAYLOAD - 1)
#define CS_SCRATCH_SIZE (sizeof(struct cs_data_event) + 3 * CS_MAX_PAYLOAD)
struct cs_scratch {
	__u8 bytes[CS_SCRATCH_SIZE];
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1); /* the loader sets the number of possible CPUs */
	__type(key, __u32);
	__type(value, struct cs_scratch);
} cs_scratch SEC(".maps");

static __always_inline void cs_stat_add(__u32 idx, __u64 n)
{
	__u64 *v = bpf_map_lookup_elem(&cs_stats, &idx);
	if (v)
		*v += n;
}

#endif /* CS_MAPS_H */
