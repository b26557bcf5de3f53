/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Which tasks and sockets are traced, and what the kernel side remembers of a socket.
 *
 * Rules:
 *  - Never the agent itself, never kernel threads, never 32-bit (compat) tasks; then the pid and comm
 *    allow-lists. These depend on the task, so they run on every call (cheapest checks first).
 *  - Only IPv4/IPv6 TCP sockets of user space. The port allow-list depends only on the socket: it is
 *    decided once, when the socket's tuple is first complete, and remembered (filtered).
 *  - A socket's state is created when a traced task first uses it (or at connect / passive open) and
 *    dies with the socket (socket local storage) or at its close (hash, syscall fallback).
 *  - A verdict from user space (ignore) stops a socket's data events for good.
 */
#ifndef CS_SOCK_H
#define CS_SOCK_H

#include "cs_maps.h"

/* Agent, kernel threads, compat tasks and the pid/comm allow-lists. Cheap checks first. */
static __always_inline bool cs_task_wanted(__u64 pid_tgid)
{
	__u32 tgid = pid_tgid >> 32;
	struct task_struct *task;

	if (tgid == cs_self_tgid)
		return false;
	task = bpf_get_current_task_btf();
	if (task->flags & CS_PF_KTHREAD)
		return false;
#if defined(__TARGET_ARCH_x86)
	if (task->thread_info.status & CS_TS_COMPAT)
		return false; /* 32-bit system call numbers and layouts */
#endif
	if (cs_filter_pids && !bpf_map_lookup_elem(&cs_pid_filter, &tgid))
		return false;
	if (cs_filter_comms) {
		struct cs_comm_key key = {};
		bpf_get_current_comm(key.comm, sizeof(key.comm));
		if (!bpf_map_lookup_elem(&cs_comm_filter, &key))
			return false;
	}
	return true;
}

static __always_inline bool cs_is_v4_mapped(const __u8 *a)
{
	const __u32 *w = (const __u32 *)a;
	return w[0] == 0 && w[1] == 0 && w[2] == bpf_htonl(0x0000ffff);
}

/* Local/remote address of sk. v4-mapped IPv6 (dual-stack sockets talking IPv4) is reported as AF_INET,
 * so both ends of one connection carry the same family. Works on typed and untyped socket pointers. */
static __always_inline void cs_read_tuple(const struct sock *sk, struct cs_tuple *t)
{
	__u16 family = BPF_CORE_READ(sk, __sk_common.skc_family);

	__builtin_memset(t, 0, sizeof(*t));
	t->local.port = BPF_CORE_READ(sk, __sk_common.skc_num);
	t->remote.port = bpf_ntohs(BPF_CORE_READ(sk, __sk_common.skc_dport));
	if (family == CS_AF_INET) {
		t->local.family = CS_AF_INET;
		t->remote.family = CS_AF_INET;
		bpf_core_read(t->local.addr, 4, &sk->__sk_common.skc_rcv_saddr);
		bpf_core_read(t->remote.addr, 4, &sk->__sk_common.skc_daddr);
		return;
	}
	bpf_core_read(t->local.addr, 16, &sk->__sk_common.skc_v6_rcv_saddr);
	bpf_core_read(t->remote.addr, 16, &sk->__sk_common.skc_v6_daddr);
	if (cs_is_v4_mapped(t->remote.addr)) {
		t->local.family = CS_AF_INET;
		t->remote.family = CS_AF_INET;
		__builtin_memcpy(t->local.addr, t->local.addr + 12, 4);
		__builtin_memcpy(t->remote.addr, t->remote.addr + 12, 4);
		__builtin_memset(t->local.addr + 4, 0, 12);
		__builtin_memset(t->remote.addr + 4, 0, 12);
		return;
	}
	t->local.family = CS_AF_INET6;
	t->remote.family = CS_AF_INET6;
}

static __always_inline bool cs_ports_wanted(const struct cs_tuple *t)
{
	__u16 local = t->local.port, remote = t->remote.port;

	if (!cs_filter_ports)
		return true;
	return bpf_map_lookup_elem(&cs_port_filter, &local) || bpf_map_lookup_elem(&cs_port_filter, &remote);
}

/* Reads the tuple into st if it is not complete yet; decides the port filter once it is. */
static __always_inline void cs_state_complete_tuple(const struct sock *sk, struct cs_sock_state *st)
{
	if (st->tuple_ok)
		return;
	cs_read_tuple(sk, &st->tuple);
	if (st->tuple.local.port == 0 || st->tuple.remote.port == 0)
		return; /* connect() in progress: the local port is chosen after SYN_SENT */
	st->tuple_ok = 1;
	st->filtered = !cs_ports_wanted(&st->tuple);
}

/* The state of sk, created (zeroed, then tuple and netns filled) if `create`. sk is a typed pointer on
 * the socket-tracepoint path and an untyped address on the syscall fallback (cs_state_in_hash); the
 * verifier only sees the branch that the load-time setting leaves alive. */
static __always_inline struct cs_sock_state *cs_state_get(const struct sock *sk, bool create)
{
	struct cs_sock_state *st;
	__u64 key = (__u64)sk;

	if (cs_state_in_hash) {
		st = bpf_map_lookup_elem(&cs_socks, &key);
		if (st || !create)
			return st;
		struct cs_sock_state fresh = {};
		bpf_map_update_elem(&cs_socks, &key, &fresh, BPF_NOEXIST);
		st = bpf_map_lookup_elem(&cs_socks, &key);
	} else {
		st = bpf_sk_storage_get(&cs_sk_state, (void *)sk, 0, 0);
		if (st || !create)
			return st;
		st = bpf_sk_storage_get(&cs_sk_state, (void *)sk, 0, BPF_SK_STORAGE_GET_F_CREATE);
	}
	if (!st)
		return NULL;
	st->netns = BPF_CORE_READ(sk, __sk_common.skc_net.net, ns.inum);
	cs_state_complete_tuple(sk, st);
	return st;
}

static __always_inline void cs_state_delete(const struct sock *sk)
{
	__u64 key = (__u64)sk;

	if (cs_state_in_hash)
		bpf_map_delete_elem(&cs_socks, &key);
	else
		bpf_sk_storage_delete(&cs_sk_state, (void *)sk);
}

/* False when user space said to ignore the socket. While no verdict has come, looks for one. */
static __always_inline bool cs_state_verdict_allows(const struct sock *sk, struct cs_sock_state *st)
{
	__u64 key = (__u64)sk;
	__u8 *v;

	if (st->verdict == CS_VERDICT_NONE) {
		v = bpf_map_lookup_elem(&cs_sock_verdict, &key);
		if (v) {
			st->verdict = *v;
			bpf_map_delete_elem(&cs_sock_verdict, &key);
		}
	}
	if (st->verdict == CS_VERDICT_IGNORE) {
		cs_stat_add(CS_STAT_IGNORED_CALLS, 1);
		return false;
	}
	return true;
}

/* Remember that this thread group produced events, so its exit is reported (one map update per socket
 * and owner, not per event). */
static __always_inline void cs_mark_traced(struct cs_sock_state *st, __u64 pid_tgid)
{
	__u32 tgid = pid_tgid >> 32;
	__u8 one = 1;

	if (st && st->owner_tgid == tgid)
		return;
	if (!bpf_map_lookup_elem(&cs_traced, &tgid))
		bpf_map_update_elem(&cs_traced, &tgid, &one, BPF_ANY);
	if (st)
		st->owner_tgid = tgid;
}

/* Goroutine id of the current thread if its process is a registered Go process, CS_GOID_PENDING while
 * its binary is being analysed, else 0. */
static __always_inline __u64 cs_current_goid(__u64 pid_tgid)
{
#if defined(__TARGET_ARCH_x86)
	__u32 tgid = pid_tgid >> 32;
	struct cs_go_proc *go;
	struct task_struct *task;
	__u64 g = 0, goid = 0;

	if (!cs_go_enabled)
		return 0;
	go = bpf_map_lookup_elem(&cs_go_procs, &tgid);
	if (!go)
		return 0;
	if (!go->goid_offset)
		return CS_GOID_PENDING; /* exec'd moments ago: not analysed yet (events.h) */
	task = bpf_get_current_task_btf();
	if (bpf_probe_read_user(&g, sizeof(g), (void *)(task->thread.fsbase + (__s64)go->g_tls_offset)) || !g)
		return 0;
	if (bpf_probe_read_user(&goid, sizeof(goid), (void *)(g + go->goid_offset)))
		return 0;
	return goid;
#else
	return 0;
#endif
}

/* The record header; `who` adds the writer's comm and cgroup (else they are left empty). */
static __always_inline void cs_fill_header_as(struct cs_event_header *h, __u32 type, __u32 size, __u64 pid_tgid,
					      __u64 ts, bool who)
{
	h->type = type;
	h->size = size;
	h->ts_ns = ts;
	h->pid = pid_tgid >> 32;
	h->tid = (__u32)pid_tgid;
	if (who) {
		h->cgroup_id = bpf_get_current_cgroup_id();
		bpf_get_current_comm(h->comm, sizeof(h->comm));
	} else {
		h->cgroup_id = 0;
		__builtin_memset(h->comm, 0, sizeof(h->comm));
	}
}

static __always_inline void cs_fill_header(struct cs_event_header *h, __u32 type, __u32 size, __u64 pid_tgid,
					   __u64 ts)
{
	cs_fill_header_as(h, type, size, pid_tgid, ts, true);
}

/* A data event says who wrote it (comm, cgroup) only on the socket's first event and when another
 * process uses the socket: user space keeps the last one per process, and reading them for every call
 * cost about a tenth of the program's time. */
static __always_inline void cs_fill_data_header(struct cs_event_header *h, __u32 size, __u64 pid_tgid, __u64 ts,
						const struct cs_sock_state *st)
{
	cs_fill_header_as(h, CS_EV_DATA, size, pid_tgid, ts,
			  !st->announced || st->owner_tgid != (__u32)(pid_tgid >> 32));
}

static __always_inline void cs_fill_sock_ref(struct cs_sock_ref *r, const struct sock *sk,
					     const struct cs_sock_state *st, int fd)
{
	r->sock_id = (__u64)sk;
	r->netns = st->netns;
	r->fd = fd;
	r->role = st->role;
	__builtin_memset(r->pad, 0, sizeof(r->pad));
	__builtin_memcpy(&r->tuple, &st->tuple, sizeof(r->tuple));
}

/* This CPU's ring buffer (cs_rings), or NULL if the loader made none for it (counted as a drop). */
static __always_inline void *cs_ring(void)
{
	__u32 cpu = bpf_get_smp_processor_id();

	return bpf_map_lookup_elem(&cs_rings, &cpu);
}

/* Ring buffer flags for a record of `size` bytes: each CPU wakes the agent once per cs_wakeup_bytes it
 * wrote into its ring (a wake-up is an inter-processor interrupt, costly in a VM); records in between are
 * written without one and collected by the agent's next wake-up or its own timer. */
static __always_inline __u64 cs_rb_flags(__u32 size)
{
	__u32 zero = 0;
	__u64 *pending = bpf_map_lookup_elem(&cs_wake_bytes, &zero);

	if (!pending)
		return 0;
	*pending += size + 8; /* + the ring buffer's record header */
	if (*pending < cs_wakeup_bytes)
		return BPF_RB_NO_WAKEUP;
	*pending = 0;
	return BPF_RB_FORCE_WAKEUP;
}

#endif /* CS_SOCK_H */
