/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Connection and process life, on every kernel: inet_sock_set_state (4.16+) and sched_process_exit.
 *
 *  SYN_SENT  (in the thread calling connect()): the socket's role is client; CS_EV_CONN_OPEN tells user
 *            space which thread connected (rule 2 of the correlator uses it).
 *  SYN_RECV  (softirq, for the new child of a listening socket): the socket's role is server. No event.
 *  ESTABLISHED after SYN_SENT (softirq): how long the connect took.
 *  CLOSE     (any context): CS_EV_CONN_CLOSE if the socket was ever reported, with its TCP health
 *            (connect time, failed connect, RTT, retransmits, resets), then its state is dropped.
 * tcp_retransmit_skb / tcp_send_reset / tcp_receive_reset (any context) count into the state of traced
 * sockets only.
 * State changes of other protocols and of sockets nobody traces cost one map lookup and nothing else.
 */
#ifndef CS_PROGS_LIFECYCLE_H
#define CS_PROGS_LIFECYCLE_H

#include "../cs_emit.h"

/* fd of the socket the current system call works on, if it is one that takes it as first argument. */
static __always_inline int cs_connect_fd(void)
{
	struct task_struct *task;
	struct pt_regs *regs;
	__u64 nr;

	if (!cs_have_task_regs)
		return -1;
	task = bpf_get_current_task_btf();
	regs = (struct pt_regs *)bpf_task_pt_regs(task);
	if (!regs)
		return -1;
	nr = CS_SYSNO(regs);
	if (nr == CS_NR_CONNECT || nr == CS_NR_SENDTO || nr == CS_NR_SENDMSG)
		return (int)CS_ARG1(regs);
	return -1;
}

SEC("tp_btf/inet_sock_set_state")
int BPF_PROG(cs_sock_state_change, const struct sock *sk, const int oldstate, const int newstate)
{
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	struct cs_sock_state *st;

	if (!sk || sk->sk_protocol != IPPROTO_TCP)
		return 0;
	switch (newstate) {
	case CS_TCP_SYN_SENT:
		if (!cs_task_wanted(pid_tgid))
			return 0;
		st = cs_state_get(sk, true);
		if (!st)
			return 0;
		st->role = CS_ROLE_CLIENT;
		st->syn_sent_ns = bpf_ktime_get_ns();
		/* The local port is chosen after this point: only the remote port can be filtered now. A client
		 * wanted only by its local port is traced from its first data event on, without the open. */
		if (cs_filter_ports && !cs_ports_wanted(&st->tuple))
			return 0;
		cs_emit_open(sk, st, pid_tgid, cs_connect_fd());
		return 0;
	case CS_TCP_ESTABLISHED:
		if (oldstate != CS_TCP_SYN_SENT)
			return 0;
		st = cs_state_get(sk, false);
		if (st && st->syn_sent_ns)
			st->connect_ns = bpf_ktime_get_ns() - st->syn_sent_ns;
		return 0;
	case CS_TCP_SYN_RECV:
		st = cs_state_get(sk, true);
		if (st)
			st->role = CS_ROLE_SERVER;
		return 0;
	case CS_TCP_CLOSE:
		st = cs_state_get(sk, false);
		if (!st)
			return 0;
		if (st->announced)
			cs_emit_close(sk, st, pid_tgid);
		cs_state_delete(sk);
		{
			__u64 key = (__u64)sk;
			bpf_map_delete_elem(&cs_sock_verdict, &key);
		}
		return 0;
	default:
		return 0;
	}
}

/* TCP health of traced sockets (sockets without state cost one lookup). */
SEC("tp_btf/tcp_retransmit_skb")
int BPF_PROG(cs_tcp_retransmit, const struct sock *sk)
{
	struct cs_sock_state *st = sk ? cs_state_get(sk, false) : NULL;

	if (st)
		st->retransmits++;
	return 0;
}

SEC("tp_btf/tcp_send_reset")
int BPF_PROG(cs_tcp_send_reset, const struct sock *sk)
{
	struct cs_sock_state *st = sk ? cs_state_get(sk, false) : NULL;

	if (st)
		st->close_flags |= CS_CLOSE_F_RESET_SENT;
	return 0;
}

SEC("tp_btf/tcp_receive_reset")
int BPF_PROG(cs_tcp_receive_reset, struct sock *sk)
{
	struct cs_sock_state *st = sk ? cs_state_get(sk, false) : NULL;

	if (st)
		st->close_flags |= CS_CLOSE_F_RESET_RECEIVED;
	return 0;
}

SEC("tp_btf/sched_process_exit")
int BPF_PROG(cs_proc_exit, struct task_struct *p)
{
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	__u32 tgid = pid_tgid >> 32;
	struct cs_proc_exit_event *e;
	void *rb;

	if ((__u32)pid_tgid != tgid)
		return 0; /* not the thread-group leader */
	if (!bpf_map_lookup_elem(&cs_traced, &tgid))
		return 0;
	bpf_map_delete_elem(&cs_traced, &tgid);
	rb = cs_ring();
	e = rb ? bpf_ringbuf_reserve(rb, sizeof(*e), 0) : NULL;
	if (!e) {
		cs_stat_add(CS_STAT_RINGBUF_DROPS, 1);
		return 0;
	}
	cs_fill_header(&e->hdr, CS_EV_PROC_EXIT, sizeof(*e), pid_tgid, bpf_ktime_get_ns());
	e->exit_code = BPF_CORE_READ(p, exit_code);
	e->pad = 0;
	bpf_ringbuf_submit(e, cs_rb_flags(sizeof(*e)));
	cs_stat_add(CS_STAT_EVENTS, 1);
	return 0;
}

#endif /* CS_PROGS_LIFECYCLE_H */
