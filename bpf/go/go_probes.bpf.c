/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Go runtime probes: goroutine lineage (runtime.newproc1) and net/http client hand-offs
 * (persistConn.roundTrip in the caller, Request.write in writeLoop, persistConn.readResponse in readLoop).
 *
 * Rules:
 *  - Only uprobes at offsets user space computed from the binary (userspace/runtimes/go/): the entry
 *    probe sits after the stack-growth check (so a call that grows its stack is reported once) and one
 *    uprobe per RET instruction replaces a uretprobe (Go moves stacks; uretprobes patch return addresses
 *    on them and crash or lose the return).
 *  - Go register ABI (ABIInternal, Go >= 1.17, amd64): integer arguments and results in RAX, RBX, RCX,
 *    RDI, RSI, R8..R11; the current g in R14 (in every Go function except on the system stack).
 *  - A probe reports only for a process user space registered in cs_go_procs (goid offset known);
 *    otherwise (no entry, or a pending one) it counts CS_GO_STAT_NO_PROC and does nothing.
 *  - Every exec writes a pending entry (goid_offset 0, events.h) for the new image until user space has
 *    analysed it (the exec notification): meanwhile the main object marks the process's socket events
 *    CS_GOID_PENDING instead of passing a Go thread off as a plain thread.
 *  - Records go to "cs_events" (in the agent, the main object's ring for Go records, which user space
 *    merges by time stamp with the per-CPU rings of the socket events), with the main object's wake-up
 *    policy when user space sets cs_go_wakeup_bytes: no wake-up until that many bytes wait (the agent also
 *    reads on its own timer); 0: the ring buffer's default (wake a waiting reader).
 *  - The net/http probes also check cs_go_proc.g_tls_offset (g in TLS == g in R14) and count the result
 *    (CS_GO_STAT_TLS_CHECKS / _MISMATCH): a wrong offset would give socket events wrong goroutine ids.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>

#include "callscope/events.h"
#include "go_notes.h"

char LICENSE[] SEC("license") = "GPL";

#define CS_GO_MAX_PROCS 16384

/* Set by user space before load: see the rules above. */
const volatile __u64 cs_go_wakeup_bytes = 0;

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 1 << 20); /* replaced by the main object's map (bpf_map__reuse_fd) in the agent */
} cs_events SEC(".maps");

/* tgid -> offsets; written by user space. Replaced by the main object's map in the agent. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, CS_GO_MAX_PROCS);
	__type(key, __u32);
	__type(value, struct cs_go_proc);
} cs_go_procs SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, CS_GO_STAT_MAX);
	__type(key, __u32);
	__type(value, __u64);
} cs_go_stats SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 64 << 10);
} cs_go_notes SEC(".maps");

/* newproc1 in flight on a thread (it runs on the system stack: no goroutine switch before it returns):
 * pid_tgid -> goid of the calling goroutine. LRU: a thread that dies inside leaves no leak. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 4096);
	__type(key, __u64);
	__type(value, __u64);
} cs_go_newproc_parent SEC(".maps");

static __always_inline __u64 rb_flags(void)
{
	if (!cs_go_wakeup_bytes)
		return 0;
	return bpf_ringbuf_query(&cs_events, BPF_RB_AVAIL_DATA) >= cs_go_wakeup_bytes ? BPF_RB_FORCE_WAKEUP
										       : BPF_RB_NO_WAKEUP;
}

static __always_inline void stat_inc(__u32 idx)
{
	__u64 *v = bpf_map_lookup_elem(&cs_go_stats, &idx);
	if (v)
		*v += 1;
}

static __always_inline void fill_header(struct cs_event_header *h, __u32 type, __u32 size)
{
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	h->type = type;
	h->size = size;
	h->ts_ns = bpf_ktime_get_ns();
	h->pid = pid_tgid >> 32;
	h->tid = (__u32)pid_tgid;
	h->cgroup_id = bpf_get_current_cgroup_id();
	bpf_get_current_comm(h->comm, sizeof(h->comm));
}

static __always_inline const struct cs_go_proc *current_go_proc(void)
{
	__u32 tgid = bpf_get_current_pid_tgid() >> 32;
	const struct cs_go_proc *proc = bpf_map_lookup_elem(&cs_go_procs, &tgid);
	if (!proc || !proc->goid_offset) {
		stat_inc(CS_GO_STAT_NO_PROC);
		return NULL;
	}
	return proc;
}

/* goid of the goroutine whose g is at `g` (0 when it cannot be read). */
static __always_inline __u64 goid_of(__u64 g, const struct cs_go_proc *proc)
{
	__u64 goid = 0;
	if (!g || bpf_probe_read_user(&goid, sizeof(goid), (const void *)(g + proc->goid_offset)) != 0) {
		stat_inc(CS_GO_STAT_READ_ERRORS);
		return 0;
	}
	return goid;
}

/* Self-check of the TLS offset user space computed (what the main object uses to find g on socket
 * events): in a Go function on a goroutine stack, g is in R14 and in the thread's TLS slot. */
static __always_inline void check_g_tls(__u64 g, const struct cs_go_proc *proc)
{
	struct task_struct *task = bpf_get_current_task_btf();
	__u64 fsbase = BPF_CORE_READ(task, thread.fsbase);
	__u64 tls_g = 0;
	if (bpf_probe_read_user(&tls_g, sizeof(tls_g), (const void *)(fsbase + (__s64)proc->g_tls_offset)) != 0) {
		stat_inc(CS_GO_STAT_READ_ERRORS);
		return;
	}
	stat_inc(CS_GO_STAT_TLS_CHECKS);
	if (tls_g != g)
		stat_inc(CS_GO_STAT_TLS_MISMATCH);
}

/* ---- goroutine lineage ---- */

/* newproc1(fn *funcval, callergp *g, callerpc uintptr, ...) *g: callergp in RBX. */
static __always_inline int on_newproc1_enter(struct pt_regs *ctx)
{
	const struct cs_go_proc *proc = current_go_proc();
	if (!proc)
		return 0;
	__u64 parent = goid_of(ctx->bx, proc);
	__u64 key = bpf_get_current_pid_tgid();
	bpf_map_update_elem(&cs_go_newproc_parent, &key, &parent, BPF_ANY);
	return 0;
}

/* At each RET of newproc1: the new g in RAX, its goid already assigned. */
static __always_inline int on_newproc1_ret(struct pt_regs *ctx)
{
	__u64 key = bpf_get_current_pid_tgid();
	__u64 *parent = bpf_map_lookup_elem(&cs_go_newproc_parent, &key);
	if (!parent) {
		stat_inc(CS_GO_STAT_NO_ENTRY);
		return 0;
	}
	__u64 parent_goid = *parent;
	bpf_map_delete_elem(&cs_go_newproc_parent, &key);
	const struct cs_go_proc *proc = current_go_proc();
	if (!proc)
		return 0;
	struct cs_go_newproc_event *ev = bpf_ringbuf_reserve(&cs_events, sizeof(*ev), 0);
	if (!ev) {
		stat_inc(CS_GO_STAT_RINGBUF_DROPS);
		return 0;
	}
	fill_header(&ev->hdr, CS_EV_GO_NEWPROC, sizeof(*ev));
	ev->parent_goid = parent_goid;
	ev->child_goid = goid_of(ctx->ax, proc);
	bpf_ringbuf_submit(ev, rb_flags());
	stat_inc(CS_GO_STAT_EVENTS);
	return 0;
}

/* ---- net/http client hand-offs ---- */

static __always_inline int emit_http(struct pt_regs *ctx, __u32 type, __u64 request, __u64 pconn,
				     __u64 response, __u8 error)
{
	const struct cs_go_proc *proc = current_go_proc();
	if (!proc)
		return 0;
	struct cs_go_http_event *ev = bpf_ringbuf_reserve(&cs_events, sizeof(*ev), 0);
	if (!ev) {
		stat_inc(CS_GO_STAT_RINGBUF_DROPS);
		return 0;
	}
	fill_header(&ev->hdr, type, sizeof(*ev));
	ev->goid = goid_of(ctx->r14, proc);
	check_g_tls(ctx->r14, proc);
	ev->request = request;
	ev->pconn = pconn;
	ev->response = response;
	ev->error = error;
	__builtin_memset(ev->pad, 0, sizeof(ev->pad));
	bpf_ringbuf_submit(ev, rb_flags());
	stat_inc(CS_GO_STAT_EVENTS);
	return 0;
}

/* (pc *persistConn) roundTrip(req *transportRequest): pc in RAX, req in RBX; transportRequest embeds
 * *Request as its first field. */
static __always_inline int on_http_roundtrip_enter(struct pt_regs *ctx)
{
	__u64 request = 0;
	if (ctx->bx && bpf_probe_read_user(&request, sizeof(request), (const void *)ctx->bx) != 0)
		stat_inc(CS_GO_STAT_READ_ERRORS);
	return emit_http(ctx, CS_EV_GO_HTTP_ROUNDTRIP, request, ctx->ax, 0, 0);
}

/* returns (resp *Response, err error): resp in RAX, err's type word in RBX. */
static __always_inline int on_http_roundtrip_ret(struct pt_regs *ctx)
{
	return emit_http(ctx, CS_EV_GO_HTTP_ROUNDTRIP_DONE, 0, 0, ctx->ax, ctx->bx != 0);
}

/* (r *Request) write(w io.Writer, ...) (err error): r in RAX. */
static __always_inline int on_http_write_enter(struct pt_regs *ctx)
{
	return emit_http(ctx, CS_EV_GO_HTTP_WRITE, ctx->ax, 0, 0, 0);
}

/* returns err error: its type word in RAX. */
static __always_inline int on_http_write_ret(struct pt_regs *ctx)
{
	return emit_http(ctx, CS_EV_GO_HTTP_WRITE_DONE, 0, 0, 0, ctx->ax != 0);
}

/* (pc *persistConn) readResponse(rc requestAndChan, trace *httptrace.ClientTrace): pc in RAX; rc is
 * passed in registers field by field, and where user space verified that its first non-empty field is
 * `req *Request` (go_http_read_enter_req), that pointer is in RBX. */
static __always_inline int on_http_read_enter_req(struct pt_regs *ctx)
{
	return emit_http(ctx, CS_EV_GO_HTTP_READ, ctx->bx, ctx->ax, 0, 0);
}

/* The same where the layout of requestAndChan is not known: the connection only. */
static __always_inline int on_http_read_enter(struct pt_regs *ctx)
{
	return emit_http(ctx, CS_EV_GO_HTTP_READ, 0, ctx->ax, 0, 0);
}

/* returns (resp *Response, err error): resp in RAX, err's type word in RBX. */
static __always_inline int on_http_read_ret(struct pt_regs *ctx)
{
	return emit_http(ctx, CS_EV_GO_HTTP_READ_DONE, 0, 0, ctx->ax, ctx->bx != 0);
}

/* ---- programs ----
 * Two ways to attach the same handlers, chosen by user space at load time:
 *  - go_uprobe_multi: one uprobe_multi link per binary (kernel >= 6.6) with every offset, the handler
 *    chosen by the link's cookie (enum cs_go_probe in go_notes.h). One link = one teardown: removing
 *    uprobes waits for an RCU grace period per link, ~0.1 s each, so 36 single uprobes take seconds.
 *  - one program per handler, one perf-event uprobe per offset (older kernels).
 */
SEC("uprobe")
int go_uprobe_multi(struct pt_regs *ctx)
{
	switch (bpf_get_attach_cookie(ctx)) {
	case CS_GO_PROBE_NEWPROC1_ENTER: return on_newproc1_enter(ctx);
	case CS_GO_PROBE_NEWPROC1_RET: return on_newproc1_ret(ctx);
	case CS_GO_PROBE_ROUNDTRIP_ENTER: return on_http_roundtrip_enter(ctx);
	case CS_GO_PROBE_ROUNDTRIP_RET: return on_http_roundtrip_ret(ctx);
	case CS_GO_PROBE_WRITE_ENTER: return on_http_write_enter(ctx);
	case CS_GO_PROBE_WRITE_RET: return on_http_write_ret(ctx);
	case CS_GO_PROBE_READ_ENTER_REQ: return on_http_read_enter_req(ctx);
	case CS_GO_PROBE_READ_ENTER: return on_http_read_enter(ctx);
	case CS_GO_PROBE_READ_RET: return on_http_read_ret(ctx);
	}
	return 0;
}

#define CS_GO_SINGLE(name)                                                                            \
	SEC("uprobe")                                                                                 \
	int go_##name(struct pt_regs *ctx) { return on_##name(ctx); }

CS_GO_SINGLE(newproc1_enter)
CS_GO_SINGLE(newproc1_ret)
CS_GO_SINGLE(http_roundtrip_enter)
CS_GO_SINGLE(http_roundtrip_ret)
CS_GO_SINGLE(http_write_enter)
CS_GO_SINGLE(http_write_ret)
CS_GO_SINGLE(http_read_enter_req)
CS_GO_SINGLE(http_read_enter)
CS_GO_SINGLE(http_read_ret)

/* ---- process lifecycle, for the manager ---- */

static __always_inline void note(__u32 kind, __u32 tgid)
{
	struct cs_go_note *n = bpf_ringbuf_reserve(&cs_go_notes, sizeof(*n), 0);
	if (!n) {
		stat_inc(CS_GO_STAT_NOTE_DROPS);
		return;
	}
	n->kind = kind;
	n->tgid = tgid;
	bpf_ringbuf_submit(n, 0);
}

SEC("tp_btf/sched_process_exec")
int BPF_PROG(go_process_exec, struct task_struct *p, pid_t old_pid, struct linux_binprm *bprm)
{
	__u32 tgid = BPF_CORE_READ(p, tgid);
	struct cs_go_proc pending = {}; /* goid_offset 0: pending until user space has analysed the image */

	if (bpf_map_update_elem(&cs_go_procs, &tgid, &pending, BPF_ANY) != 0)
		stat_inc(CS_GO_STAT_PENDING_FULL);
	note(CS_GO_NOTE_EXEC, tgid);
	return 0;
}

SEC("tp_btf/sched_process_exit")
int BPF_PROG(go_process_exit, struct task_struct *p)
{
	__u32 tgid = BPF_CORE_READ(p, tgid);
	const struct cs_go_proc *proc;

	if (BPF_CORE_READ(p, pid) != tgid)
		return 0; /* a thread, not the group leader */
	proc = bpf_map_lookup_elem(&cs_go_procs, &tgid);
	if (!proc)
		return 0;
	if (!proc->goid_offset)
		bpf_map_delete_elem(&cs_go_procs, &tgid); /* pending: nobody else will */
	/* Also for a pending entry: user space may be registering the process right now (its EXEC note comes
	 * first), and deletes whatever it wrote when it reads this one. */
	note(CS_GO_NOTE_EXIT, tgid);
	return 0;
}
