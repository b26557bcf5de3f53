// SPDX-License-Identifier: GPL-2.0
/*
 * callscope kernel side: TCP payload capture on syscall tracepoints.
 *
 * Two dispatchers are attached (tp_btf sys_enter / sys_exit). They do nothing but a tail call into
 * cs_enter_progs / cs_exit_progs indexed by syscall number; every syscall we do not handle hits an
 * empty slot and returns at once. The loader fills the slots with the per-syscall programs below
 * (same program type and attach point as the dispatchers, so the tail calls are allowed).
 *
 * sys_enter: filters (agent, pid, comm), fd -> TCP socket, port filter, then the arguments and the TCP
 *            sequence at enter are saved per thread in cs_inflight.
 * sys_exit:  if the syscall moved bytes, one cs_data_event with up to cs_payload_cap payload bytes.
 */
#include "cs_sock.h"

char LICENSE[] SEC("license") = "GPL";

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

/* Fills *a (zeroed by the caller) for a syscall on fd if the task is wanted and fd is a wanted TCP
 * socket; the TCP sequence is read now. Returns false when there is nothing to trace. */
static __always_inline bool cs_build_inflight(struct cs_inflight *a, __u64 id, __u64 sysno, __u8 sys, __u8 dir,
					      __u8 kind, int fd, __u64 buf, __u64 count)
{
	struct tcp_sock *tp;
	struct sock *sk;

	if (!cs_task_wanted(id))
		return false;
	sk = cs_fd_to_tcp_sock(fd);
	if (!sk)
		return false;
	/* connect(): the remote port is not set yet; the port filter runs at exit. */
	if (kind != CS_KIND_CONNECT && !cs_port_wanted(sk))
		return false;

	if (kind == CS_KIND_MSG || kind == CS_KIND_MMSG) {
		/* buf points at a msghdr (sendmsg/recvmsg) or at the first mmsghdr. */
		struct cs_user_msghdr mh;
		if (bpf_probe_read_user(&mh, sizeof(mh), (const void *)buf)) {
			cs_stat_add(CS_STAT_READ_ERRORS, 1);
			return false;
		}
		if (kind == CS_KIND_MMSG)
			a->aux = buf + CS_MMSG_LEN_OFFSET;
		else
			kind = CS_KIND_IOV;
		buf = mh.iov;
		count = mh.iovlen;
	}
	a->enter_ns = bpf_ktime_get_ns();
	a->sk = (__u64)sk;
	a->buf = buf;
	a->sysno = sysno;
	a->count = count > CS_MAX_IOV ? CS_MAX_IOV : (__u32)count;
	a->fd = fd;
	a->sys = sys;
	a->dir = dir;
	a->kind = kind;
	tp = (struct tcp_sock *)sk;
	if (dir == CS_DIR_EGRESS) {
		if (bpf_core_read(&a->seq, sizeof(a->seq), &tp->write_seq))
			a->flags |= CS_DATA_F_NO_SEQ;
	} else if (dir == CS_DIR_INGRESS) {
		if (bpf_core_read(&a->seq, sizeof(a->seq), &tp->copied_seq))
			a->flags |= CS_DATA_F_NO_SEQ;
	}
	return true;
}

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

/* iov-style handlers pass a msghdr/mmsghdr pointer; cs_save_enter turns it into the iovec array. */
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
CS_ENTER(cs_enter_sendmmsg, CS_SYS_SENDMMSG, CS_DIR_EGRESS, CS_KIND_MMSG, CS_ARG2(regs), 0)
CS_ENTER(cs_enter_sendfile, CS_SYS_SENDFILE, CS_DIR_EGRESS, CS_KIND_NONE, 0, 0)
CS_ENTER(cs_enter_connect, CS_SYS_CONNECT, 0, CS_KIND_CONNECT, 0, 0)

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
CS_ENTER_RECV(cs_enter_recvmmsg, CS_SYS_RECVMMSG, CS_KIND_MMSG, CS_ARG4(regs))

SEC("tp_btf/sys_enter")
int BPF_PROG(cs_enter_close, struct pt_regs *regs, long id)
{
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	int fd = (int)CS_ARG1(regs);
	struct cs_sock_info *info;
	struct cs_close_event *e;
	struct sock *sk;
	__u64 key;

	if (!cs_task_wanted(pid_tgid))
		return 0;
	sk = cs_fd_to_tcp_sock(fd);
	if (!sk)
		return 0;
	key = (__u64)sk;
	/* A socket we traced passed the port filter already; its local port may read 0 by now. */
	info = bpf_map_lookup_elem(&cs_socks, &key);
	if (!info && !cs_port_wanted(sk))
		return 0;
	e = bpf_ringbuf_reserve(&cs_events, sizeof(*e), 0);
	if (!e) {
		cs_stat_add(CS_STAT_RINGBUF_DROPS, 1);
		return 0;
	}
	cs_fill_header(&e->hdr, CS_EV_CONN_CLOSE, sizeof(*e), pid_tgid, bpf_ktime_get_ns());
	e->sock_id = key;
	e->fd = fd;
	e->pad = 0;
	if (info)
		__builtin_memcpy(&e->tuple, &info->tuple, sizeof(e->tuple));
	else
		cs_read_tuple(sk, &e->tuple);
	bpf_ringbuf_submit(e, 0);
	bpf_map_delete_elem(&cs_socks, &key);
	cs_stat_add(CS_STAT_EVENTS, 1);
	return 0;
}

/* ---------------------------------------------------------------- sys_exit handlers */

static __always_inline int cs_emit_conn(__u64 pid_tgid, struct sock *sk, int fd, __u8 role, __u8 sys, long ret)
{
	struct cs_sock_info info = {};
	__u64 key = (__u64)sk;
	struct cs_conn_event *e;

	cs_read_tuple(sk, &info.tuple);
	info.role = role;
	bpf_map_update_elem(&cs_socks, &key, &info, BPF_ANY);
	cs_mark_traced(pid_tgid);
	e = bpf_ringbuf_reserve(&cs_events, sizeof(*e), 0);
	if (!e) {
		cs_stat_add(CS_STAT_RINGBUF_DROPS, 1);
		return 0;
	}
	cs_fill_header(&e->hdr, CS_EV_CONN_OPEN, sizeof(*e), pid_tgid, bpf_ktime_get_ns());
	e->sock_id = key;
	e->fd = fd;
	e->role = role;
	e->syscall = sys;
	e->pad[0] = 0;
	e->pad[1] = 0;
	e->ret = ret;
	__builtin_memcpy(&e->tuple, &info.tuple, sizeof(e->tuple));
	bpf_ringbuf_submit(e, 0);
	cs_stat_add(CS_STAT_EVENTS, 1);
	return 0;
}

static __always_inline int cs_accept_exit(long ret, __u8 sys)
{
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	struct sock *sk;

	if (ret < 0 || !cs_task_wanted(pid_tgid))
		return 0;
	sk = cs_fd_to_tcp_sock((int)ret);
	if (!sk || !cs_port_wanted(sk))
		return 0;
	return cs_emit_conn(pid_tgid, sk, (int)ret, CS_ROLE_SERVER, sys, ret);
}

SEC("tp_btf/sys_exit")
int BPF_PROG(cs_exit_accept, struct pt_regs *regs, long ret)
{
	return cs_accept_exit(ret, CS_SYS_ACCEPT);
}

SEC("tp_btf/sys_exit")
int BPF_PROG(cs_exit_accept4, struct pt_regs *regs, long ret)
{
	return cs_accept_exit(ret, CS_SYS_ACCEPT4);
}

SEC("tp_btf/sys_exit")
int BPF_PROG(cs_exit_connect, struct pt_regs *regs, long ret)
{
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	struct cs_inflight *in = bpf_map_lookup_elem(&cs_inflight, &pid_tgid);
	struct sock *sk;
	__u64 sysno;
	int fd;

	if (!in)
		return 0;
	sk = (struct sock *)in->sk;
	fd = in->fd;
	sysno = in->sysno;
	bpf_map_delete_elem(&cs_inflight, &pid_tgid);
	if (sysno != CS_SYSNO(regs))
		return 0; /* stale entry of another syscall */
	if (ret != 0 && ret != -CS_EINPROGRESS)
		return 0;
	if (!cs_port_wanted(sk))
		return 0;
	return cs_emit_conn(pid_tgid, sk, fd, CS_ROLE_CLIENT, CS_SYS_CONNECT, ret);
}

/* Copies up to `want` bytes from a user buffer. Returns bytes copied. */
static __always_inline __u32 cs_copy_buf(__u8 *dst, __u64 src, __u32 want)
{
	if (want > CS_MAX_PAYLOAD)
		want = CS_MAX_PAYLOAD;
	want &= CS_LEN_MASK; /* no-op: for the verifier */
	if (want == 0)
		return 0;
	if (bpf_probe_read_user(dst, want, (const void *)src)) {
		cs_stat_add(CS_STAT_READ_ERRORS, 1);
		return 0;
	}
	return want;
}

/* Copies up to `want` bytes from the first `count` iovecs, in order. Returns bytes copied. */
static __always_inline __u32 cs_copy_iov(__u8 *dst, __u64 iovp, __u32 count, __u32 want)
{
	struct cs_user_iovec iov;
	__u32 off = 0, chunk;

	if (want > CS_MAX_PAYLOAD)
		want = CS_MAX_PAYLOAD;
	for (int i = 0; i < CS_MAX_IOV; i++) {
		if (i >= count || off >= want)
			break;
		if (bpf_probe_read_user(&iov, sizeof(iov), (const void *)(iovp + i * sizeof(iov)))) {
			cs_stat_add(CS_STAT_READ_ERRORS, 1);
			break;
		}
		chunk = iov.len > (__u64)(want - off) ? want - off : (__u32)iov.len;
		/* No-ops (off < want <= CS_MAX_PAYLOAD, chunk <= want - off) that bound both for the verifier. */
		off &= CS_MAX_PAYLOAD - 1;
		chunk &= CS_LEN_MASK;
		if (chunk == 0)
			continue;
		if (bpf_probe_read_user(dst + off, chunk, (const void *)iov.base)) {
			cs_stat_add(CS_STAT_READ_ERRORS, 1);
			break;
		}
		off += chunk;
	}
	return off;
}

/* One data event for the syscall described by *a that returned ret. */
static __always_inline int cs_emit_data(struct cs_inflight *a, __u64 pid_tgid, long ret)
{
	struct cs_data_event *e;
	__u32 cpu, len, cap, got = 0, size;

	if (ret <= 0)
		return 0;
	len = ret > 0xffffffffL ? 0xffffffffU : (__u32)ret;
	if (a->kind == CS_KIND_MMSG) {
		/* ret counts messages; the bytes of the first one are in its msg_len. */
		if (bpf_probe_read_user(&len, sizeof(len), (const void *)a->aux)) {
			cs_stat_add(CS_STAT_READ_ERRORS, 1);
			return 0;
		}
		if (len == 0)
			return 0;
	}

	cpu = bpf_get_smp_processor_id();
	e = bpf_map_lookup_elem(&cs_scratch, &cpu);
	if (!e)
		return 0;
	cap = cs_payload_cap;
	if (cap > CS_MAX_PAYLOAD)
		cap = CS_MAX_PAYLOAD;
	cap = cs_min_u32(cap, len);
	if (a->kind == CS_KIND_BUF)
		got = cs_copy_buf(e->payload, a->buf, cap);
	else if (a->kind == CS_KIND_IOV || a->kind == CS_KIND_MMSG)
		got = cs_copy_iov(e->payload, a->buf, a->count, cap);
	if (got > CS_MAX_PAYLOAD)
		got = CS_MAX_PAYLOAD;
	got &= CS_LEN_MASK;

	size = sizeof(*e) + got;
	cs_fill_header(&e->hdr, CS_EV_DATA, size, pid_tgid, bpf_ktime_get_ns());
	e->enter_ns = a->enter_ns;
	e->sock_id = a->sk;
	e->fd = a->fd;
	e->direction = a->dir;
	e->syscall = a->sys;
	e->flags = a->flags;
	e->seq = a->seq;
	e->len = len;
	e->captured = got;
	e->pad = 0;
	cs_sock_lookup((struct sock *)a->sk, &e->tuple, &e->role);
	if (got < len) {
		e->flags |= CS_DATA_F_TRUNCATED;
		cs_stat_add(CS_STAT_TRUNCATED, 1);
		cs_stat_add(CS_STAT_TRUNCATED_BYTES, len - got);
	}
	cs_mark_traced(pid_tgid);
	if (bpf_ringbuf_output(&cs_events, e, size, 0)) {
		cs_stat_add(CS_STAT_RINGBUF_DROPS, 1);
		return 0;
	}
	cs_stat_add(CS_STAT_EVENTS, 1);
	return 0;
}

/* Exit of a syscall whose arguments were saved at enter. */
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
	return cs_emit_data(&a, pid_tgid, ret);
}

SEC("tp_btf/sys_exit")
int BPF_PROG(cs_exit_data, struct pt_regs *regs, long ret)
{
	cs_exit_saved(regs, ret, bpf_get_current_pid_tgid());
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
		return cs_emit_data(&a, id, ret);                                                     \
	}

CS_EXIT_RECV(cs_exit_read, CS_SYS_READ, CS_KIND_BUF, 0)
CS_EXIT_RECV(cs_exit_readv, CS_SYS_READV, CS_KIND_IOV, 0)
CS_EXIT_RECV(cs_exit_recvfrom, CS_SYS_RECVFROM, CS_KIND_BUF, CS_ARG4(regs))
CS_EXIT_RECV(cs_exit_recvmsg, CS_SYS_RECVMSG, CS_KIND_MSG, CS_ARG3(regs))

/* ---------------------------------------------------------------- process exit */

SEC("tp_btf/sched_process_exit")
int BPF_PROG(cs_proc_exit, struct task_struct *p)
{
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	__u32 tgid = pid_tgid >> 32;
	struct cs_proc_exit_event *e;

	if ((__u32)pid_tgid != tgid)
		return 0; /* not the thread-group leader */
	if (!bpf_map_lookup_elem(&cs_traced, &tgid))
		return 0;
	bpf_map_delete_elem(&cs_traced, &tgid);
	e = bpf_ringbuf_reserve(&cs_events, sizeof(*e), 0);
	if (!e) {
		cs_stat_add(CS_STAT_RINGBUF_DROPS, 1);
		return 0;
	}
	cs_fill_header(&e->hdr, CS_EV_PROC_EXIT, sizeof(*e), pid_tgid, bpf_ktime_get_ns());
	e->exit_code = BPF_CORE_READ(p, exit_code);
	e->pad = 0;
	bpf_ringbuf_submit(e, 0);
	cs_stat_add(CS_STAT_EVENTS, 1);
	return 0;
}
