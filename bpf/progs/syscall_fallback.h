/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Data capture on the raw system call tracepoints, for kernels without the socket tracepoints (< 6.3,
 * e.g. Debian 12's 6.1). Costlier: every system call of every task runs the dispatcher.
 *
 * Two dispatchers (tp_btf sys_enter / sys_exit) do nothing but a tail call into cs_enter_progs /
 * cs_exit_progs indexed by system call number; the loader fills the slots of the calls we handle.
 * sys_enter: filters, fd -> TCP socket, then the arguments and the TCP sequence at entry are saved per
 *            thread in cs_inflight.
 * sys_exit:  if the call moved bytes, one data event (the same record as the socket-tracepoint path).
 * Connection life comes from lifecycle.h, as on every kernel.
 */
#ifndef CS_PROGS_SYSCALL_FALLBACK_H
#define CS_PROGS_SYSCALL_FALLBACK_H

#include "../cs_emit.h"

/* The struct sock behind fd if it is an IPv4/IPv6 TCP stream socket, else NULL (untyped pointer). */
static __always_inline struct sock *cs_fd_to_tcp_sock(int fd)
{
	struct task_struct *task = bpf_get_current_task_btf();
	struct file **fds;
	struct file *file = NULL;
	struct socket *sock;
	struct sock *sk;
	__u32 max_fds;
	__u16 family, type, protocol;
	umode_t mode;

	if (fd < 0)
		return NULL;
	max_fds = BPF_CORE_READ(task, files, fdt, max_fds);
	if ((__u32)fd >= max_fds)
		return NULL;
	fds = BPF_CORE_READ(task, files, fdt, fd);
	if (bpf_probe_read_kernel(&file, sizeof(file), &fds[fd]) || !file)
		return NULL;
	mode = BPF_CORE_READ(file, f_inode, i_mode);
	if ((mode & CS_S_IFMT) != CS_S_IFSOCK)
		return NULL;
	sock = BPF_CORE_READ(file, private_data);
	if (!sock)
		return NULL;
	type = BPF_CORE_READ(sock, type);
	if (type != SOCK_STREAM)
		return NULL;
	sk = BPF_CORE_READ(sock, sk);
	if (!sk)
		return NULL;
	family = BPF_CORE_READ(sk, __sk_common.skc_family);
	if (family != CS_AF_INET && family != CS_AF_INET6)
		return NULL;
	protocol = BPF_CORE_READ(sk, sk_protocol);
	if (protocol != IPPROTO_TCP)
		return NULL;
	return sk;
}

/* Fills *a (zeroed by the caller) for a call on fd if the task is wanted and fd is a traced TCP socket;
 * the TCP sequence is read now. Returns false when there is nothing to trace. */
static __always_inline bool cs_build_inflight(struct cs_inflight *a, __u64 id, __u64 sysno, __u8 sys, __u8 dir,
					      __u8 kind, int fd, __u64 buf, __u64 count)
{
	struct cs_sock_state *st;
	struct sock *sk;

	if (!cs_task_wanted(id))
		return false;
	sk = cs_fd_to_tcp_sock(fd);
	if (!sk)
		return false;
	st = cs_state_get(sk, true);
	if (!st)
		return false;
	cs_state_complete_tuple(sk, st);
	if (st->filtered || !cs_state_verdict_allows(sk, st))
		return false;

	a->enter_ns = bpf_ktime_get_ns();
	a->sk = (__u64)sk;
	a->sysno = sysno;
	a->buf.addr = buf;
	a->buf.count = count > CS_MAX_IOV ? CS_MAX_IOV : (__u32)count;
	a->buf.kind = kind;
	a->buf.sys = sys;
	a->buf.fd = fd;
	a->dir = dir;
	if (dir == CS_DIR_EGRESS) {
		if (bpf_core_read(&a->seq, sizeof(a->seq), &((struct tcp_sock *)sk)->write_seq))
			a->flags |= CS_DATA_F_NO_SEQ;
	} else {
		if (bpf_core_read(&a->seq, sizeof(a->seq), &((struct tcp_sock *)sk)->copied_seq))
			a->flags |= CS_DATA_F_NO_SEQ;
	}
	return true;
}

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

static __always_inline int cs_save_enter(__u64 sysno, __u8 sys, __u8 dir, __u8 kind, int fd, __u64 buf,
					 __u64 count)
{
	__u64 id = bpf_get_current_pid_tgid();
	struct cs_inflight a = {};
	__u32 zero = 0;
	struct cs_last_enter *last = bpf_map_lookup_elem(&cs_last_enter, &zero);

	if (last) {
		last->pid_tgid = id;
		last->sysno = sysno;
	}
	if (cs_build_inflight(&a, id, sysno, sys, dir, kind, fd, buf, count))
		bpf_map_update_elem(&cs_inflight, &id, &a, BPF_ANY);
	return 0;
}

/* The socket call a->sk moved ret bytes. */
static __always_inline int cs_fallback_emit(struct cs_inflight *a, __u64 pid_tgid, long ret)
{
	const struct sock *sk = (const struct sock *)a->sk;
	struct cs_sock_state *st;
	struct cs_call c = {};

	if (ret <= 0)
		return 0;
	st = cs_state_get(sk, true);
	if (!st)
		return 0;
	c.enter_ns = a->enter_ns;
	c.len = ret > 0xffffffffL ? 0xffffffffU : (__u32)ret;
	c.seq = a->seq;
	c.dir = a->dir;
	c.flags = a->flags;
	c.buf = a->buf;
	return cs_emit_data(sk, st, &c, pid_tgid);
}

/* ---------------------------------------------------------------- dispatchers */

SEC("tp_btf/sys_enter")
int BPF_PROG(cs_sys_enter, struct pt_regs *regs, long id)
{
	bpf_tail_call(ctx, &cs_enter_progs, (__u32)id);
	return 0;
}

SEC("tp_btf/sys_exit")
int BPF_PROG(cs_sys_exit, struct pt_regs *regs, long ret)
{
	bpf_tail_call(ctx, &cs_exit_progs, (__u32)CS_SYSNO(regs));
	return 0;
}

/* ---------------------------------------------------------------- sys_enter handlers */

#define CS_ENTER(name, sys, dir, kind, bufarg, countarg)                                              \
	SEC("tp_btf/sys_enter")                                                                       \
	int BPF_PROG(name, struct pt_regs *regs, long id)                                             \
	{                                                                                             \
		return cs_save_enter(id, sys, dir, kind, (int)CS_ARG1(regs), bufarg, countarg);       \
	}

CS_ENTER(cs_enter_read, CS_SYS_READ, CS_DIR_INGRESS, CS_KIND_BUF, CS_ARG2(regs), CS_ARG3(regs))
CS_ENTER(cs_enter_write, CS_SYS_WRITE, CS_DIR_EGRESS, CS_KIND_BUF, CS_ARG2(regs), CS_ARG3(regs))
CS_ENTER(cs_enter_readv, CS_SYS_READV, CS_DIR_INGRESS, CS_KIND_IOV, CS_ARG2(regs), CS_ARG3(regs))
CS_ENTER(cs_enter_writev, CS_SYS_WRITEV, CS_DIR_EGRESS, CS_KIND_IOV, CS_ARG2(regs), CS_ARG3(regs))
CS_ENTER(cs_enter_sendto, CS_SYS_SENDTO, CS_DIR_EGRESS, CS_KIND_BUF, CS_ARG2(regs), CS_ARG3(regs))
CS_ENTER(cs_enter_sendmsg, CS_SYS_SENDMSG, CS_DIR_EGRESS, CS_KIND_MSG, CS_ARG2(regs), 0)
CS_ENTER(cs_enter_sendmmsg, CS_SYS_SENDMMSG, CS_DIR_EGRESS, CS_KIND_NONE, 0, 0)
CS_ENTER(cs_enter_sendfile, CS_SYS_SENDFILE, CS_DIR_EGRESS, CS_KIND_NONE, 0, 0)

/* MSG_PEEK reads do not consume: the same bytes come again in the real read, so they are skipped. */
#define CS_ENTER_RECV(name, sys, kind, flagsarg)                                                      \
	SEC("tp_btf/sys_enter")                                                                       \
	int BPF_PROG(name, struct pt_regs *regs, long id)                                             \
	{                                                                                             \
		if ((flagsarg) & CS_MSG_PEEK)                                                         \
			return 0;                                                                     \
		return cs_save_enter(id, sys, CS_DIR_INGRESS, kind, (int)CS_ARG1(regs), CS_ARG2(regs), \
				     CS_ARG3(regs));                                                  \
	}

CS_ENTER_RECV(cs_enter_recvfrom, CS_SYS_RECVFROM, CS_KIND_BUF, CS_ARG4(regs))
CS_ENTER_RECV(cs_enter_recvmsg, CS_SYS_RECVMSG, CS_KIND_MSG, CS_ARG3(regs))
CS_ENTER_RECV(cs_enter_recvmmsg, CS_SYS_RECVMMSG, CS_KIND_NONE, CS_ARG4(regs))

/* ---------------------------------------------------------------- sys_exit handlers */

/* Exit of a syscall whose arguments were saved at enter. Returns -1 if none were. */
static __always_inline int cs_exit_saved(struct pt_regs *regs, long ret, __u64 pid_tgid)
{
	struct cs_inflight *in = bpf_map_lookup_elem(&cs_inflight, &pid_tgid);
	struct cs_inflight a;

	if (!in)
		return -1;
	a = *in;
	bpf_map_delete_elem(&cs_inflight, &pid_tgid);
	if (a.sysno != CS_SYSNO(regs))
		return 0; /* stale entry of another syscall */
	return cs_fallback_emit(&a, pid_tgid, ret);
}

SEC("tp_btf/sys_exit")
int BPF_PROG(cs_exit_data, struct pt_regs *regs, long ret)
{
	cs_exit_saved(regs, ret, bpf_get_current_pid_tgid());
	return 0;
}

/* *mmsg return a message count; the bytes of each message are not known here: reported as no payload
 * with the first message's length would be a guess, so only the call is counted. */
SEC("tp_btf/sys_exit")
int BPF_PROG(cs_exit_mmsg, struct pt_regs *regs, long ret)
{
	__u64 pid_tgid = bpf_get_current_pid_tgid();

	bpf_map_delete_elem(&cs_inflight, &pid_tgid);
	if (ret > 0)
		cs_stat_add(CS_STAT_NO_PAYLOAD, 1);
	return 0;
}

/* True if this thread's current syscall went through a sys_enter handler on this CPU. */
static __always_inline bool cs_enter_seen(__u64 pid_tgid, __u64 sysno)
{
	__u32 zero = 0;
	struct cs_last_enter *last = bpf_map_lookup_elem(&cs_last_enter, &zero);

	return last && last->pid_tgid == pid_tgid && last->sysno == sysno;
}

/*
 * Reads that began before the capture was attached (a server thread idle in read() on a keep-alive
 * connection) have no saved enter. The syscall arguments are still in the saved user registers at exit,
 * and the sequence at enter is copied_seq now minus the bytes read; enter_ns is then the exit time.
 * Exits whose enter we saw (cs_enter_seen) were not TCP: skipped without a second fd lookup.
 */
#define CS_EXIT_RECV(name, sys, kind, flagsarg)                                                       \
	SEC("tp_btf/sys_exit")                                                                        \
	int BPF_PROG(name, struct pt_regs *regs, long ret)                                            \
	{                                                                                             \
		__u64 id = bpf_get_current_pid_tgid();                                                \
		struct cs_inflight a = {};                                                            \
		if (cs_exit_saved(regs, ret, id) >= 0 || ret <= 0 || ((flagsarg) & CS_MSG_PEEK))     \
			return 0;                                                                     \
		if (cs_enter_seen(id, CS_SYSNO(regs)))                                                \
			return 0;                                                                     \
		if (!cs_build_inflight(&a, id, CS_SYSNO(regs), sys, CS_DIR_INGRESS, kind,             \
				       (int)CS_ARG1(regs), CS_ARG2(regs), CS_ARG3(regs)))             \
			return 0;                                                                     \
		a.seq -= (__u32)ret;                                                                  \
		a.enter_ns = 0;                                                                       \
		return cs_fallback_emit(&a, id, ret);                                                 \
	}

CS_EXIT_RECV(cs_exit_read, CS_SYS_READ, CS_KIND_BUF, 0)
CS_EXIT_RECV(cs_exit_readv, CS_SYS_READV, CS_KIND_IOV, 0)
CS_EXIT_RECV(cs_exit_recvfrom, CS_SYS_RECVFROM, CS_KIND_BUF, CS_ARG4(regs))
CS_EXIT_RECV(cs_exit_recvmsg, CS_SYS_RECVMSG, CS_KIND_MSG, CS_ARG3(regs))

#endif /* CS_PROGS_SYSCALL_FALLBACK_H */
