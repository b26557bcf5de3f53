/* SPDX-License-Identifier: GPL-2.0 */
/* Task filters, fd -> TCP socket resolution, socket tuples and event headers. */
#ifndef CS_SOCK_H
#define CS_SOCK_H

#include "cs_maps.h"

/* Agent, compat tasks and the pid/comm allow-lists. Cheap checks first. */
static __always_inline bool cs_task_wanted(__u64 pid_tgid)
{
	__u32 tgid = pid_tgid >> 32;

	if (tgid == cs_self_tgid)
		return false;
#if defined(__TARGET_ARCH_x86)
	{
		struct task_struct *task = bpf_get_current_task_btf();
		if (task->thread_info.status & CS_TS_COMPAT)
			return false; /* 32-bit syscall numbers: not the table the loader filled */
	}
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

/* Kernel pointers read as plain numbers become typed again with this kfunc (6.2+), so the fields behind
 * them are read with direct (fault-safe) loads instead of bpf_probe_read_kernel calls. */
extern void *bpf_rdonly_cast(const void *obj, __u32 btf_id) __ksym;

/* The struct sock behind fd if it is an IPv4/IPv6 TCP stream socket, else NULL. */
static __always_inline struct sock *cs_fd_to_tcp_sock(int fd)
{
	struct task_struct *task = bpf_get_current_task_btf();
	struct fdtable *fdt;
	struct file **fds;
	struct file *file = NULL;
	struct socket *sock;
	struct sock *sk;
	__u16 family;

	if (fd < 0)
		return NULL;
	fdt = task->files->fdt;
	if (!fdt || (__u32)fd >= fdt->max_fds)
		return NULL;
	fds = fdt->fd;
	if (bpf_probe_read_kernel(&file, sizeof(file), &fds[fd]) || !file)
		return NULL;
	file = bpf_rdonly_cast(file, bpf_core_type_id_kernel(struct file));
	if ((file->f_inode->i_mode & CS_S_IFMT) != CS_S_IFSOCK)
		return NULL;
	sock = bpf_rdonly_cast(file->private_data, bpf_core_type_id_kernel(struct socket));
	if (!sock || sock->type != SOCK_STREAM)
		return NULL;
	sk = sock->sk;
	if (!sk)
		return NULL;
	family = sk->__sk_common.skc_family;
	if (family != CS_AF_INET && family != CS_AF_INET6)
		return NULL;
	if (sk->sk_protocol != IPPROTO_TCP)
		return NULL;
	return sk;
}

static __always_inline bool cs_port_wanted(struct sock *sk)
{
	__u16 local, remote;

	if (!cs_filter_ports)
		return true;
	local = BPF_CORE_READ(sk, __sk_common.skc_num);
	remote = bpf_ntohs(BPF_CORE_READ(sk, __sk_common.skc_dport));
	return bpf_map_lookup_elem(&cs_port_filter, &local) || bpf_map_lookup_elem(&cs_port_filter, &remote);
}

static __always_inline bool cs_is_v4_mapped(const __u8 *a)
{
	const __u32 *w = (const __u32 *)a;
	return w[0] == 0 && w[1] == 0 && w[2] == bpf_htonl(0x0000ffff);
}

/* Local/remote address of sk. v4-mapped IPv6 (dual-stack sockets talking IPv4) is reported as AF_INET,
 * so both ends of one connection carry the same family. */
static __always_inline void cs_read_tuple(struct sock *sk, struct cs_tuple *t)
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

static __always_inline void cs_fill_header(struct cs_event_header *h, __u32 type, __u32 size, __u64 pid_tgid,
					   __u64 ts)
{
	h->type = type;
	h->size = size;
	h->ts_ns = ts;
	h->pid = pid_tgid >> 32;
	h->tid = (__u32)pid_tgid;
	h->cgroup_id = bpf_get_current_cgroup_id();
	bpf_get_current_comm(h->comm, sizeof(h->comm));
}

/* Remember that this thread group produced events, so its exit is reported. */
static __always_inline void cs_mark_traced(__u64 pid_tgid)
{
	__u32 tgid = pid_tgid >> 32;
	__u8 one = 1;

	if (!bpf_map_lookup_elem(&cs_traced, &tgid))
		bpf_map_update_elem(&cs_traced, &tgid, &one, BPF_ANY);
}

/* Tuple and role of sk into *t / *role: from cs_socks, or read now and remembered with role unknown. */
static __always_inline void cs_sock_lookup(struct sock *sk, struct cs_tuple *t, __u8 *role)
{
	__u64 key = (__u64)sk;
	struct cs_sock_info *info = bpf_map_lookup_elem(&cs_socks, &key);
	struct cs_sock_info fresh = {};

	if (info) {
		__builtin_memcpy(t, &info->tuple, sizeof(*t));
		*role = info->role;
		return;
	}
	cs_read_tuple(sk, &fresh.tuple);
	fresh.role = CS_ROLE_UNKNOWN;
	bpf_map_update_elem(&cs_socks, &key, &fresh, BPF_NOEXIST);
	__builtin_memcpy(t, &fresh.tuple, sizeof(*t));
	*role = CS_ROLE_UNKNOWN;
}

#endif /* CS_SOCK_H */
