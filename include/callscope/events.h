/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * callscope kernel <-> user space contract.
 *
 * Every record the BPF side writes into the ring buffer starts with struct cs_event_header.
 * Records are plain, fixed-layout C structs (no pointers), so user space can decode them from the
 * live ring buffer or from a recorded capture file alike. Change this file only together with
 * CS_ABI_VERSION.
 *
 * Rules the records follow (ABI 2):
 *  - A socket is identified by sock_id (the kernel address of its struct sock) for as long as it lives.
 *    The byte streams belong to the socket, not to a process: several processes (fork) or threads may
 *    read and write one socket, and every data event says which one did (hdr.pid / hdr.tid).
 *  - A socket's life ends with one CS_EV_CONN_CLOSE (the TCP state reached CLOSE). It may be reported
 *    from any context (softirq, another process): its hdr.pid/tid say nothing about the owner. After it,
 *    the same sock_id may name a new socket.
 *  - Data events are emitted when the bytes have moved (the socket call returned). seq is the TCP
 *    sequence number of the first byte moved, so both ends of one connection report equal seq for the
 *    same bytes. Events of one socket and direction are in stream order by hdr.ts_ns (the order the
 *    agent reads the per-CPU rings in), except when two threads use the same socket at the same moment.
 *  - hdr.size may be larger than the bytes used (fixed-size ring buffer slots): a data event's payload
 *    is exactly `captured` bytes after the struct; anything after that is unspecified.
 */
#ifndef CALLSCOPE_EVENTS_H
#define CALLSCOPE_EVENTS_H

#ifndef __VMLINUX_H__
#include <linux/types.h>
#endif

#define CS_ABI_VERSION 2

#define CS_COMM_LEN 16
/* Hard cap of payload bytes copied per socket call (power of two: the BPF side masks with it). */
#define CS_MAX_PAYLOAD 16384
/* Default of --payload-bytes. */
#define CS_DEFAULT_PAYLOAD 4096
/* iovec entries inspected per readv/writev/sendmsg/recvmsg; data in later entries counts as uncaptured. */
#define CS_MAX_IOV 16
/* Maximum entries in the comm filter map. */
#define CS_MAX_FILTER 64

enum cs_event_type {
	CS_EV_DATA = 1,       /* bytes moved through a TCP socket by one socket call */
	CS_EV_CONN_OPEN = 2,  /* a thread started connect() on a TCP socket (state SYN_SENT) */
	CS_EV_CONN_CLOSE = 3, /* a traced TCP socket reached state CLOSE: its life is over */
	CS_EV_PROC_EXIT = 4,  /* a traced process (thread group) exited */
};

enum cs_role {
	CS_ROLE_UNKNOWN = 0, /* socket existed before the agent, role inferred in user space */
	CS_ROLE_CLIENT = 1,  /* this side called connect() */
	CS_ROLE_SERVER = 2,  /* this side was accepted from a listening socket (passive open) */
};

enum cs_direction {
	CS_DIR_EGRESS = 1,  /* write/send: bytes leave the process */
	CS_DIR_INGRESS = 2, /* read/recv: bytes enter the process */
};

/* The system call that moved the bytes, as far as the kernel side could tell. */
enum cs_syscall {
	CS_SYS_UNKNOWN = 0, /* not a system call the agent decodes (io_uring, splice, kernel thread, ...) */
	CS_SYS_READ = 1,
	CS_SYS_WRITE,
	CS_SYS_READV,
	CS_SYS_WRITEV,
	CS_SYS_SENDTO,
	CS_SYS_RECVFROM,
	CS_SYS_SENDMSG,
	CS_SYS_RECVMSG,
	CS_SYS_SENDMMSG,
	CS_SYS_RECVMMSG,
	CS_SYS_SENDFILE,
	CS_SYS_CONNECT,
	CS_SYS_ACCEPT,
	CS_SYS_ACCEPT4,
	CS_SYS_CLOSE,
};

/* Data event flags. */
#define CS_DATA_F_TRUNCATED 0x1  /* len > captured: payload cut at --payload-bytes or the iovec limit */
#define CS_DATA_F_NO_SEQ 0x2     /* tcp sequence could not be read; seq is 0 */
#define CS_DATA_F_NO_PAYLOAD 0x4 /* the bytes were not in user memory the kernel side can read
				  * (sendfile, splice, io_uring, *mmsg): captured is 0 */

/* Counters in the per-CPU "cs_stats" array map (index = enum value). */
enum cs_stat {
	CS_STAT_EVENTS = 0,        /* records written into the ring buffer */
	CS_STAT_RINGBUF_DROPS,     /* records lost because the ring buffer was full */
	CS_STAT_TRUNCATED,         /* data events whose payload was cut */
	CS_STAT_TRUNCATED_BYTES,   /* bytes not copied because of the cut */
	CS_STAT_READ_ERRORS,       /* bpf_probe_read failures (payload or socket) */
	CS_STAT_NO_PAYLOAD,        /* data events with CS_DATA_F_NO_PAYLOAD */
	CS_STAT_IGNORED_CALLS,     /* socket calls on sockets user space marked CS_VERDICT_IGNORE */
	CS_STAT_MAX,
};

/*
 * Verdicts user space writes into the "cs_sock_verdict" hash map (key: __u64 sock_id, value: __u8)
 * once it has classified a connection. The kernel side moves the verdict into its own per-socket state
 * and deletes the map entry; an ignored socket costs no more ring buffer records (only its close).
 */
enum cs_verdict {
	CS_VERDICT_NONE = 0,
	CS_VERDICT_TRACE = 1,  /* a protocol user space parses: keep sending its bytes */
	CS_VERDICT_IGNORE = 2, /* no protocol user space knows: stop sending its bytes */
};

/*
 * Go processes, written by user space into the "cs_go_procs" hash map (key: __u32 tgid) once it has
 * analysed the binary. With an entry, socket events of the process carry the goroutine id of the
 * current thread: g = *(u64 *)(fsbase + g_tls_offset), goid = *(u64 *)(g + goid_offset).
 * An entry with goid_offset 0 is pending: the Go probes object writes one at every exec (the new image
 * may be Go) and user space replaces it with the offsets or deletes it once it has analysed the binary.
 * Until then the process's socket events carry goid CS_GOID_PENDING: a Go thread's events must not be
 * taken for a plain thread's while nobody knows which goroutine made them.
 */
struct cs_go_proc {
	__s32 g_tls_offset; /* offset of the g pointer from the thread pointer (fsbase), e.g. -8 */
	__u32 goid_offset;  /* offset of goid in runtime.g; 0: pending */
};
#define CS_GOID_PENDING 0xffffffffffffffffULL

/* An IPv4 or IPv6 socket address. IPv4 uses addr[0..3]; port in host byte order. */
struct cs_addr {
	__u16 family; /* AF_INET (2) or AF_INET6 (10) */
	__u16 port;
	__u8 addr[16];
};

struct cs_tuple {
	struct cs_addr local;
	struct cs_addr remote;
};

struct cs_event_header {
	__u32 type; /* enum cs_event_type */
	__u32 size; /* bytes of the record, header included (>= the bytes it uses) */
	__u64 ts_ns;     /* CLOCK_MONOTONIC (bpf_ktime_get_ns) when the event happened */
	__u32 pid;       /* thread group id of the current task */
	__u32 tid;       /* thread id of the current task */
	__u64 cgroup_id; /* data events: 0 unless comm is set */
	char comm[CS_COMM_LEN]; /* data events: set on a socket's first event and when another process
				 * uses the socket, else empty (the process's comm is the one last set) */
};

/* What every socket event says of the socket. */
struct cs_sock_ref {
	__u64 sock_id; /* kernel address of struct sock: identifies the socket while it lives */
	__u32 netns;   /* network namespace (inode number of /proc/PID/ns/net) the socket lives in */
	__s32 fd;      /* file descriptor in hdr.pid, -1 if unknown (not from a decoded system call) */
	__u8 role;     /* enum cs_role as known by the kernel */
	__u8 pad[7];
	struct cs_tuple tuple; /* local/remote as first seen; local port may be 0 in a CONN_OPEN */
};

struct cs_conn_event {
	struct cs_event_header hdr; /* pid/tid: the thread that called connect() */
	struct cs_sock_ref sock;
	__u64 goid;   /* goroutine id of a Go thread (0: not Go or unknown) */
};

struct cs_data_event {
	struct cs_event_header hdr; /* hdr.ts_ns: the socket call returned (bytes moved) */
	struct cs_sock_ref sock;
	__u64 enter_ns;  /* system call entry if known (syscall-hook capture), else 0 */
	__u64 goid;      /* goroutine id of a Go thread (0: not Go or unknown) */
	__u8 direction;  /* enum cs_direction */
	__u8 syscall;    /* enum cs_syscall */
	__u8 flags;      /* CS_DATA_F_* */
	__u8 pad;
	__u32 seq;       /* TCP sequence number of the first byte moved */
	__u32 len;       /* bytes moved by the call (> 0) */
	__u32 captured;  /* payload bytes that follow this struct, <= len */
	__u8 payload[];
};

/* Close flags. */
#define CS_CLOSE_F_CONNECT_FAILED 0x1 /* connect() never reached ESTABLISHED (refused, timed out, reset) */
#define CS_CLOSE_F_RESET_SENT 0x2     /* this side sent a RST on the connection */
#define CS_CLOSE_F_RESET_RECEIVED 0x4 /* the peer reset the connection */

/* A socket's TCP health, as far as the kernel side saw it while the socket was traced. */
struct cs_close_event {
	struct cs_event_header hdr; /* any context: not the owner */
	struct cs_sock_ref sock;
	__u64 connect_ns;  /* client: SYN_SENT -> ESTABLISHED duration, 0 if not seen */
	__u64 bytes_acked; /* bytes this side sent that the peer acknowledged (tcp_sock.bytes_acked) */
	__u64 bytes_received; /* bytes received (tcp_sock.bytes_received) */
	__u32 srtt_us;     /* smoothed round-trip time at close, microseconds (0: never measured) */
	__u32 retransmits; /* segments retransmitted (tcp_retransmit_skb) */
	__u32 flags;       /* CS_CLOSE_F_* */
	__u32 pad;
};

struct cs_proc_exit_event {
	struct cs_event_header hdr;
	__s32 exit_code;
	__u32 pad;
};

/*
 * Go runtime events (bpf/go/go_probes.bpf.c; the analysis and attachment live in userspace/runtimes/go/).
 * Appended to ABI 2: existing records are unchanged. Their types start at 64 so that core event types
 * (1..63) can grow without a clash. They go to their own ring buffer ("cs_events"), which the agent merges
 * with the socket events' per-CPU rings by hdr.ts_ns: their order against socket events of the same thread
 * is the order things happened on that thread.
 * Goroutine ids are the runtime's own (runtime.g.goid): unique within a process for its whole life
 * (never reused), 0 never names a goroutine. Pointers (request, pconn, response) are addresses in the Go
 * heap of hdr.pid: they identify an object only while it lives (the GC may reuse an address later), so
 * match them in time order (a ROUNDTRIP, then the next WRITE of the same request pointer).
 */
enum cs_go_event_type {
	/* runtime.newproc1 returned: goroutine parent_goid created child_goid (a `go` statement). hdr.tid is
	 * the thread that ran the parent. */
	CS_EV_GO_NEWPROC = 64,
	/* net/http.(*persistConn).roundTrip entered: goroutine goid (the caller of Client.Do / Transport
	 * .RoundTrip) hands `request` (*http.Request) to the connection `pconn` (*persistConn). */
	CS_EV_GO_HTTP_ROUNDTRIP = 65,
	/* persistConn.roundTrip returned on goroutine goid: `response` (*http.Response, 0 on error), error
	 * set when it returned an error. The caller has the response head; its body may still be read. */
	CS_EV_GO_HTTP_ROUNDTRIP_DONE = 66,
	/* net/http.(*Request).write entered on goroutine goid: the connection's writeLoop, a goroutine
	 * dedicated to one persistConn (one socket) for its whole life. Every byte this goroutine writes to
	 * its socket from here until its next WRITE is `request`'s: Request.write fills the connection's
	 * bufio.Writer (socket writes inside only when the request outgrows it) and writeLoop flushes it
	 * right after WRITE_DONE. */
	CS_EV_GO_HTTP_WRITE = 67,
	/* (*Request).write returned on goroutine goid (error: it failed). The flush usually follows. */
	CS_EV_GO_HTTP_WRITE_DONE = 68,
	/* net/http.(*persistConn).readResponse entered on goroutine goid (the connection's readLoop, also
	 * dedicated to one persistConn) for `request` (0 when the binary's layout of requestAndChan is not
	 * known) on `pconn`. readLoop reads (peeks) the first response bytes BEFORE this event, when it does
	 * not know the request yet: the socket reads of this goroutine since its previous READ_DONE belong to
	 * this response. Body bytes beyond its buffer are read later by whoever reads resp.Body (usually
	 * the caller goroutine, after ROUNDTRIP_DONE). */
	CS_EV_GO_HTTP_READ = 69,
	/* readResponse returned on goroutine goid: `response` parsed (0 on error), error set on failure. */
	CS_EV_GO_HTTP_READ_DONE = 70,
};

struct cs_go_newproc_event {
	struct cs_event_header hdr;
	__u64 parent_goid; /* the goroutine that executed the go statement */
	__u64 child_goid;  /* the new goroutine */
};

/* All CS_EV_GO_HTTP_* records; fields a record type does not set are 0. */
struct cs_go_http_event {
	struct cs_event_header hdr;
	__u64 goid;     /* goroutine that entered/left the probed function */
	__u64 request;  /* *http.Request (ROUNDTRIP, WRITE, READ) */
	__u64 pconn;    /* *http.persistConn (ROUNDTRIP, READ) */
	__u64 response; /* *http.Response (ROUNDTRIP_DONE, READ_DONE) */
	__u8 error;     /* 1: the function returned a non-nil error (the *_DONE types) */
	__u8 pad[7];
};

/* Counters in the per-CPU "cs_go_stats" array map of the Go probes object (index = enum value). */
enum cs_go_stat {
	CS_GO_STAT_EVENTS = 0,    /* records written into the ring buffer */
	CS_GO_STAT_RINGBUF_DROPS, /* records lost because the ring buffer was full */
	CS_GO_STAT_NO_PROC,       /* probe hit in a process without a cs_go_procs entry (not yet registered) */
	CS_GO_STAT_READ_ERRORS,   /* bpf_probe_read_user failures (g, goid, request) */
	CS_GO_STAT_NO_ENTRY,      /* newproc1 return without its entry (probe attached mid-call) */
	CS_GO_STAT_NOTE_DROPS,    /* exec/exit notifications lost (manager's notification ring buffer full) */
	CS_GO_STAT_TLS_CHECKS,    /* net/http probes that compared g in R14 with g read at cs_go_proc's TLS offset */
	CS_GO_STAT_TLS_MISMATCH,  /* ... and found them different: g_tls_offset is wrong for that process */
	CS_GO_STAT_PENDING_FULL,  /* execs that could not be marked pending in cs_go_procs (map full) */
	CS_GO_STAT_MAX,
};

#endif /* CALLSCOPE_EVENTS_H */
