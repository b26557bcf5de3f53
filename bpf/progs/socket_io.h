/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Data capture on the socket tracepoints (Linux 6.3+): sock_send_length / sock_recv_length fire once per
 * send/receive call on a socket, in the calling thread, after the bytes moved, and for nothing else — so
 * processes that do no socket I/O never run a callscope program, and untraced ones leave after the task
 * filter. The call's user buffer is found in the system call arguments the thread entered the kernel
 * with (bpf_task_pt_regs); the bytes are still there when the call returns. The TCP sequence number of
 * the first byte is write_seq / copied_seq now minus the bytes moved.
 *
 * Calls that are not a decoded system call (io_uring, splice, kernel-internal users, *mmsg) are still
 * reported, with their length and sequence but no payload (CS_DATA_F_NO_PAYLOAD).
 */
#ifndef CS_PROGS_SOCKET_IO_H
#define CS_PROGS_SOCKET_IO_H

#include "../cs_emit.h"

/* Where the current system call keeps the bytes of a call in direction dir. */
static __always_inline void cs_decode_syscall(struct task_struct *task, __u8 dir, struct cs_user_buf *b)
{
	struct pt_regs *regs;
	__u64 nr;
	bool in = dir == CS_DIR_INGRESS;

	b->kind = CS_KIND_NONE;
	b->sys = CS_SYS_UNKNOWN;
	b->fd = -1;
	b->count = 0;
	b->addr = 0;
	if (task->flags & CS_PF_IO_WORKER)
		return;
	regs = (struct pt_regs *)bpf_task_pt_regs(task);
	if (!regs)
		return;
	nr = CS_SYSNO(regs);
	switch (nr) {
	case CS_NR_READ:
		if (!in)
			return;
		b->sys = CS_SYS_READ;
		b->kind = CS_KIND_BUF;
		break;
	case CS_NR_RECVFROM:
		if (!in)
			return;
		b->sys = CS_SYS_RECVFROM;
		b->kind = CS_KIND_BUF;
		break;
	case CS_NR_WRITE:
		if (in)
			return;
		b->sys = CS_SYS_WRITE;
		b->kind = CS_KIND_BUF;
		break;
	case CS_NR_SENDTO:
		if (in)
			return;
		b->sys = CS_SYS_SENDTO;
		b->kind = CS_KIND_BUF;
		break;
	case CS_NR_READV:
		if (!in)
			return;
		b->sys = CS_SYS_READV;
		b->kind = CS_KIND_IOV;
		break;
	case CS_NR_WRITEV:
		if (in)
			return;
		b->sys = CS_SYS_WRITEV;
		b->kind = CS_KIND_IOV;
		break;
	case CS_NR_RECVMSG:
		if (!in)
			return;
		b->sys = CS_SYS_RECVMSG;
		b->kind = CS_KIND_MSG;
		break;
	case CS_NR_SENDMSG:
		if (in)
			return;
		b->sys = CS_SYS_SENDMSG;
		b->kind = CS_KIND_MSG;
		break;
	case CS_NR_SENDFILE:
		if (in)
			return;
		b->sys = CS_SYS_SENDFILE;
		b->fd = (int)CS_ARG1(regs);
		return;
	case CS_NR_SENDMMSG:
		if (in)
			return;
		b->sys = CS_SYS_SENDMMSG; /* which of the messages this is is not known here: no payload */
		b->fd = (int)CS_ARG1(regs);
		return;
	case CS_NR_RECVMMSG:
		if (!in)
			return;
		b->sys = CS_SYS_RECVMMSG;
		b->fd = (int)CS_ARG1(regs);
		return;
	default:
		return;
	}
	b->fd = (int)CS_ARG1(regs);
	b->addr = CS_ARG2(regs);
	b->count = (__u32)CS_ARG3(regs);
	if (b->count > CS_MAX_IOV)
		b->count = CS_MAX_IOV;
}

static __always_inline int cs_sock_io(struct sock *sk, int ret, __u8 dir)
{
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	struct cs_sock_state *st;
	struct task_struct *task;
	struct tcp_sock *tp;
	struct cs_call c = {};
	__u16 family;

	if (!sk)
		return 0;
	family = sk->__sk_common.skc_family;
	if (family != CS_AF_INET && family != CS_AF_INET6)
		return 0;
	if (sk->sk_protocol != IPPROTO_TCP || sk->sk_type != SOCK_STREAM)
		return 0;
	if (!cs_task_wanted(pid_tgid))
		return 0;
	if (BPF_CORE_READ_BITFIELD(sk, sk_kern_sock))
		return 0; /* a kernel user's socket (NFS, ...): the thread's system call is about something else */
	st = cs_state_get(sk, true);
	if (!st)
		return 0;
	cs_state_complete_tuple(sk, st);
	if (st->filtered || !cs_state_verdict_allows(sk, st))
		return 0;

	task = bpf_get_current_task_btf();
	cs_decode_syscall(task, dir, &c.buf);
	c.len = (__u32)ret;
	c.dir = dir;
	tp = bpf_skc_to_tcp_sock(sk);
	if (!tp) {
		c.flags |= CS_DATA_F_NO_SEQ;
	} else if (dir == CS_DIR_EGRESS) {
		c.seq = tp->write_seq - (__u32)ret;
	} else {
		c.seq = tp->copied_seq - (__u32)ret;
		/* A read that reached the peer's FIN also consumed its sequence number (copied_seq + 1): after
		 * the FIN arrived (RCV_SHUTDOWN) and with nothing left unread, this read took the FIN. */
		if ((BPF_CORE_READ_BITFIELD(sk, sk_shutdown) & CS_RCV_SHUTDOWN) && tp->copied_seq == tp->rcv_nxt)
			c.seq -= 1;
	}
	return cs_emit_data(sk, st, &c, pid_tgid);
}

SEC("tp_btf/sock_send_length")
int BPF_PROG(cs_sock_send, struct sock *sk, int ret, int flags)
{
	if (ret <= 0)
		return 0;
	return cs_sock_io(sk, ret, CS_DIR_EGRESS);
}

SEC("tp_btf/sock_recv_length")
int BPF_PROG(cs_sock_recv, struct sock *sk, int ret, int flags)
{
	if (ret <= 0 || (flags & CS_MSG_PEEK))
		return 0; /* a peek does not consume: the same bytes come again */
	return cs_sock_io(sk, ret, CS_DIR_INGRESS);
}

#endif /* CS_PROGS_SOCKET_IO_H */
