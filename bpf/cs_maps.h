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
/* true: sockets' state lives in cs_socks (hash) because the syscall fallback only has socket addresses,
 * not typed socket pointers; false: in cs_sk_state (socket local storage, freed with the socket). */
const volatile bool cs_state_in_hash = false;
/* bpf_task_pt_regs exists (5.15+): the fd of a connecting socket is read from the syscall arguments. */
const volatile bool cs_have_task_regs = true;
/* Each CPU wakes the agent once per this many bytes it wrote into the ring buffer; records in between are
 * written without a wake-up and the agent collects them then or on its own timer (one wake-up per batch,
 * not per record). */
const volatile __u64 cs_wakeup_bytes = 256 * 1024;

/* Set by user space (.bss) when the first Go process is registered in cs_go_procs. */
bool cs_go_enabled = false;

#define CS_MAX_SYSCALL_NR 512
#define CS_MAX_PID_FILTER 1024
#define CS_MAX_PORT_FILTER 1024
#define CS_MAX_INFLIGHT 16384
#define CS_MAX_SOCKETS 65536
#define CS_MAX_TRACED 16384
#define CS_MAX_VERDICTS 65536
#define CS_MAX_GO_PROCS 16384 /* registered Go processes + processes exec'd moments ago (pending) */

/* One ring buffer per CPU: a program never shares a ring's lock and positions with another CPU (with one
 * shared ring, every reserve moved those cache lines between the CPUs, a third of the programs' time).
 * The loader creates the rings (one per possible CPU, all the same size) and puts them in the slots; user
 * space merges them in time order (userspace/capture/ring_set.h). */
struct cs_cpu_ring {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 1 << 20); /* template only: the loader creates the real rings */
};
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY_OF_MAPS);
	__uint(max_entries, 1); /* the loader sets the number of possible CPUs */
	__type(key, __u32);
	__array(values, struct cs_cpu_ring);
} cs_rings SEC(".maps");

/* The ring buffer the Go probes (bpf/go/) write into, shared with their object; the main programs do not
 * write here. One of the rings user space merges. */
struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 1 << 20); /* the loader overrides it */
} cs_events SEC(".maps");

/* Bytes this CPU wrote into the ring buffer since it last woke the agent. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} cs_wake_bytes SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, CS_STAT_MAX);
	__type(key, __u32);
	__type(value, __u64);
} cs_stats SEC(".maps");

/* What the kernel side knows of a socket it has seen. */
struct cs_sock_state {
	struct cs_tuple tuple; /* as first seen complete (the kernel zeroes the local port at close) */
	__u32 netns;
	__u32 owner_tgid; /* last thread group marked traced because of this socket */
	__u8 role;        /* enum cs_role */
	__u8 verdict;     /* enum cs_verdict */
	__u8 tuple_ok;    /* tuple read with both ports set */
	__u8 announced;   /* an event of this socket reached the ring buffer: its close is reported */
	__u8 filtered;    /* fails the port filter: never traced */
	__u8 close_flags; /* CS_CLOSE_F_* seen so far */
	__u8 pad[2];
	__u32 retransmits;
	__u64 syn_sent_ns; /* client: when connect() began */
	__u64 connect_ns;  /* client: SYN_SENT -> ESTABLISHED */
};

/* Socket state on the socket-tracepoint path: freed by the kernel together with the socket. */
struct {
	__uint(type, BPF_MAP_TYPE_SK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct cs_sock_state);
} cs_sk_state SEC(".maps");

/* Socket state on the syscall fallback path, by struct sock address. LRU: a socket whose close was
 * missed cannot leak an entry for ever. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, CS_MAX_SOCKETS);
	__type(key, __u64);
	__type(value, struct cs_sock_state);
} cs_socks SEC(".maps");

/* Verdicts from user space (enum cs_verdict by sock_id); moved into the socket state, then deleted. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, CS_MAX_VERDICTS);
	__type(key, __u64);
	__type(value, __u8);
} cs_sock_verdict SEC(".maps");

/* Thread groups that produced at least one event: their exit is reported. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, CS_MAX_TRACED);
	__type(key, __u32);
	__type(value, __u8);
} cs_traced SEC(".maps");

/* Go processes (filled by user space): where a thread's goroutine id is. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, CS_MAX_GO_PROCS);
	__type(key, __u32);
	__type(value, struct cs_go_proc);
} cs_go_procs SEC(".maps");

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

/*
 * Data event under construction, one slot per CPU; bpf_ringbuf_output copies the used part into the ring
 * buffer. The programs that fill it run on tracepoints that are not faultable, so with preemption off:
 * nothing else on the CPU can use the slot meanwhile (a nested run of the same program is refused by
 * the kernel). Lengths are bounded for the verifier with masks that are no-ops on real values
 * (offset & (CAP-1), length & (2*CAP-1)), so the payload area has room for three caps. A plain array
 * indexed by CPU (the loader sets max_entries to the number of possible CPUs): per-CPU map values are
 * limited to 32 KiB, this is more.
 */
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

/* ---- syscall fallback only (kernels without the socket tracepoints) */

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

/* How to find a call's bytes in user memory. */
enum cs_buf_kind {
	CS_KIND_NONE = 0, /* nothing to copy (sendfile, *mmsg, unknown call) */
	CS_KIND_BUF = 1,  /* one user buffer */
	CS_KIND_IOV = 2,  /* iovec array */
	CS_KIND_MSG = 3,  /* a msghdr: resolved into CS_KIND_IOV */
};

struct cs_user_buf {
	__u64 addr;  /* user buffer or iovec array */
	__u32 count; /* iovec entries */
	__u8 kind;   /* enum cs_buf_kind */
	__u8 sys;    /* enum cs_syscall */
	__u8 pad[2];
	__s32 fd;
};

/* Arguments of syscalls in flight, by pid_tgid (fallback). LRU: a thread killed inside a syscall leaves
 * no leak. */
struct cs_inflight {
	__u64 enter_ns;
	__u64 sk;
	__u64 sysno;   /* raw syscall number, checked again at exit */
	struct cs_user_buf buf;
	__u32 seq;
	__u8 dir;      /* enum cs_direction */
	__u8 flags;    /* CS_DATA_F_NO_SEQ */
	__u8 pad[2];
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, CS_MAX_INFLIGHT);
	__type(key, __u64);
	__type(value, struct cs_inflight);
} cs_inflight SEC(".maps");

static __always_inline void cs_stat_add(__u32 idx, __u64 n)
{
	__u64 *v = bpf_map_lookup_elem(&cs_stats, &idx);
	if (v)
		*v += n;
}

#endif /* CS_MAPS_H */
