/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Records into the ring buffer: data events (with up to cs_payload_cap bytes of payload copied from the
 * caller's user memory), connection open/close and process exit.
 *
 * Rules: a record is complete or not written at all (a full ring buffer drops it and counts the drop);
 * nothing blocks; the agent is woken only when a batch is waiting (cs_rb_flags).
 */
#ifndef CS_EMIT_H
#define CS_EMIT_H

#include "cs_sock.h"

/* One socket call to report. */
struct cs_call {
	__u64 enter_ns; /* syscall entry, 0 if unknown */
	__u32 len;      /* bytes moved (> 0) */
	__u32 seq;      /* TCP sequence number of the first byte */
	__u8 dir;       /* enum cs_direction */
	__u8 flags;     /* CS_DATA_F_NO_SEQ */
	__u8 pad[2];
	struct cs_user_buf buf;
};

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
		barrier_var(off);
		barrier_var(chunk);
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

/* Resolves a msghdr into its iovec array (CS_KIND_MSG -> CS_KIND_IOV). False if it cannot be read. */
static __always_inline bool cs_resolve_msghdr(struct cs_user_buf *b)
{
	struct cs_user_msghdr mh;

	if (b->kind != CS_KIND_MSG)
		return true;
	if (bpf_probe_read_user(&mh, sizeof(mh), (const void *)b->addr)) {
		cs_stat_add(CS_STAT_READ_ERRORS, 1);
		b->kind = CS_KIND_NONE;
		return false;
	}
	b->kind = CS_KIND_IOV;
	b->addr = mh.iov;
	b->count = mh.iovlen > CS_MAX_IOV ? CS_MAX_IOV : (__u32)mh.iovlen;
	return true;
}

/* Everything of a data event but its payload; the payload's length is `got`. */
static __always_inline void cs_fill_data(struct cs_data_event *e, __u32 size, const struct sock *sk,
					 struct cs_sock_state *st, const struct cs_call *c, __u64 pid_tgid, __u32 cap,
					 __u32 got)
{
	cs_fill_data_header(&e->hdr, size, pid_tgid, bpf_ktime_get_ns(), st);
	cs_fill_sock_ref(&e->sock, sk, st, c->buf.fd);
	e->enter_ns = c->enter_ns;
	e->goid = cs_current_goid(pid_tgid);
	e->direction = c->dir;
	e->syscall = c->buf.sys;
	e->flags = c->flags;
	e->pad = 0;
	e->seq = c->seq;
	e->len = c->len;
	e->captured = got;
	if (c->buf.kind == CS_KIND_NONE && cap > 0) {
		e->flags |= CS_DATA_F_NO_PAYLOAD;
		cs_stat_add(CS_STAT_NO_PAYLOAD, 1);
	} else if (got < c->len) {
		e->flags |= CS_DATA_F_TRUNCATED;
		cs_stat_add(CS_STAT_TRUNCATED, 1);
		cs_stat_add(CS_STAT_TRUNCATED_BYTES, c->len - got);
	}
}

/*
 * A record with room for `want` payload bytes is reserved in the ring buffer in one of a few fixed slot
 * sizes (the verifier needs a constant size) and the single user buffer is copied straight into it: no
 * staging copy. The slot may be up to twice the bytes used; hdr.size says the slot, captured the bytes.
 */
#define CS_DIRECT_SLOT(B)                                                                             \
	if (want <= (B)) {                                                                            \
		e = bpf_ringbuf_reserve(rb, sizeof(*e) + (B), 0);                                     \
		if (!e)                                                                               \
			goto full;                                                                    \
		n = want;                                                                             \
		barrier_var(n);                                                                       \
		if (n > (B))                                                                          \
			n = (B);                                                                      \
		if (n > 0 && bpf_probe_read_user(e->payload, n, (const void *)c->buf.addr)) {         \
			cs_stat_add(CS_STAT_READ_ERRORS, 1);                                          \
			n = 0;                                                                        \
		}                                                                                     \
		size = sizeof(*e) + (B);                                                              \
		goto fill;                                                                            \
	}

static __always_inline int cs_emit_data_direct(const struct sock *sk, struct cs_sock_state *st,
					       const struct cs_call *c, __u64 pid_tgid, __u32 cap, __u32 want_cap)
{
	struct cs_data_event *e;
	/* 64-bit lengths: the verifier must see the clamp on the very register passed to the helper. */
	__u64 want = want_cap, n = 0;
	__u32 size = 0;
	void *rb = cs_ring();

	if (!rb)
		goto full;
	if (want > CS_MAX_PAYLOAD)
		want = CS_MAX_PAYLOAD;
	CS_DIRECT_SLOT(0)
	CS_DIRECT_SLOT(256)
	CS_DIRECT_SLOT(1024)
	CS_DIRECT_SLOT(2048)
	CS_DIRECT_SLOT(4096)
	CS_DIRECT_SLOT(8192)
	CS_DIRECT_SLOT(CS_MAX_PAYLOAD)
	return 0;
fill:
	cs_fill_data(e, size, sk, st, c, pid_tgid, cap, n);
	cs_mark_traced(st, pid_tgid);
	bpf_ringbuf_submit(e, cs_rb_flags(size));
	st->announced = 1;
	cs_stat_add(CS_STAT_EVENTS, 1);
	return 0;
full:
	cs_stat_add(CS_STAT_RINGBUF_DROPS, 1);
	return 0;
}

/* One data event for call c on socket sk (state st). */
static __always_inline int cs_emit_data(const struct sock *sk, struct cs_sock_state *st, struct cs_call *c,
					__u64 pid_tgid)
{
	struct cs_data_event *e;
	__u32 cpu, cap, got = 0, size;
	void *rb;

	cap = cs_payload_cap;
	if (cap > CS_MAX_PAYLOAD)
		cap = CS_MAX_PAYLOAD;
	cap = cs_min_u32(cap, c->len);
	cs_resolve_msghdr(&c->buf);
	if (c->buf.kind != CS_KIND_IOV)
		return cs_emit_data_direct(sk, st, c, pid_tgid, cap, c->buf.kind == CS_KIND_BUF ? cap : 0);

	/* Several user buffers: gathered in the per-CPU scratch slot, then copied into the ring buffer. */
	cpu = bpf_get_smp_processor_id();
	e = bpf_map_lookup_elem(&cs_scratch, &cpu);
	if (!e)
		return 0;
	rb = cs_ring();
	if (!rb) {
		cs_stat_add(CS_STAT_RINGBUF_DROPS, 1);
		return 0;
	}
	got = cs_copy_iov(e->payload, c->buf.addr, c->buf.count, cap);
	if (got > CS_MAX_PAYLOAD)
		got = CS_MAX_PAYLOAD;
	got &= CS_LEN_MASK;
	size = sizeof(*e) + got;
	cs_fill_data(e, size, sk, st, c, pid_tgid, cap, got);
	cs_mark_traced(st, pid_tgid);
	if (bpf_ringbuf_output(rb, e, size, cs_rb_flags(size))) {
		cs_stat_add(CS_STAT_RINGBUF_DROPS, 1);
		return 0;
	}
	st->announced = 1;
	cs_stat_add(CS_STAT_EVENTS, 1);
	return 0;
}

/* CS_EV_CONN_OPEN for a socket a traced thread is connecting. */
static __always_inline void cs_emit_open(const struct sock *sk, struct cs_sock_state *st, __u64 pid_tgid, int fd)
{
	struct cs_conn_event *e;
	void *rb = cs_ring();

	cs_mark_traced(st, pid_tgid);
	e = rb ? bpf_ringbuf_reserve(rb, sizeof(*e), 0) : NULL;
	if (!e) {
		cs_stat_add(CS_STAT_RINGBUF_DROPS, 1);
		return;
	}
	cs_fill_header(&e->hdr, CS_EV_CONN_OPEN, sizeof(*e), pid_tgid, bpf_ktime_get_ns());
	cs_fill_sock_ref(&e->sock, sk, st, fd);
	e->goid = cs_current_goid(pid_tgid);
	bpf_ringbuf_submit(e, cs_rb_flags(sizeof(*e)));
	st->announced = 1;
	cs_stat_add(CS_STAT_EVENTS, 1);
}

/* CS_EV_CONN_CLOSE for a socket whose events reached user space. */
static __always_inline void cs_emit_close(const struct sock *sk, struct cs_sock_state *st, __u64 pid_tgid)
{
	void *rb = cs_ring();
	struct cs_close_event *e = rb ? bpf_ringbuf_reserve(rb, sizeof(*e), 0) : NULL;

	if (!e) {
		cs_stat_add(CS_STAT_RINGBUF_DROPS, 1);
		return;
	}
	cs_fill_header(&e->hdr, CS_EV_CONN_CLOSE, sizeof(*e), pid_tgid, bpf_ktime_get_ns());
	cs_fill_sock_ref(&e->sock, sk, st, -1);
	e->connect_ns = st->connect_ns;
	e->bytes_acked = BPF_CORE_READ((struct tcp_sock *)sk, bytes_acked);
	e->bytes_received = BPF_CORE_READ((struct tcp_sock *)sk, bytes_received);
	e->srtt_us = BPF_CORE_READ((struct tcp_sock *)sk, srtt_us) >> 3;
	e->retransmits = st->retransmits;
	e->flags = st->close_flags;
	if (st->role == CS_ROLE_CLIENT && st->syn_sent_ns && !st->connect_ns)
		e->flags |= CS_CLOSE_F_CONNECT_FAILED;
	e->pad = 0;
	bpf_ringbuf_submit(e, cs_rb_flags(sizeof(*e)));
	cs_stat_add(CS_STAT_EVENTS, 1);
}

#endif /* CS_EMIT_H */
