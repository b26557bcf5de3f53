/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * callscope kernel <-> user space contract.
 *
 * Every record the BPF side writes into the ring buffer starts with struct cs_event_header.
 * Records are plain, fixed-layout C structs (no pointers), so user space can decode them from the
 * live ring buffer or from a recorded capture file alike. Change this file only together with
 * CS_ABI_VERSION.
 */
#ifndef CALLSCOPE_EVENTS_H
#define CALLSCOPE_EVENTS_H

#ifndef __VMLINUX_H__
#include <linux/types.h>
#endif

#define CS_ABI_VERSION 1

#define CS_COMM_LEN 16
/* Hard cap of payload bytes copied per syscall (power of two: the BPF side masks offsets with it). */
#define CS_MAX_PAYLOAD 16384
/* Default of --payload-bytes. */
#define CS_DEFAULT_PAYLOAD 4096
/* iovec entries inspected per readv/writev/sendmsg/recvmsg; data in later entries counts as uncaptured. */
#define CS_MAX_IOV 16
/* Maximum entries in the comm filter map. */
#define CS_MAX_FILTER 64

enum cs_event_type {
	CS_EV_DATA = 1,       /* bytes moved through a TCP socket by one syscall */
	CS_EV_CONN_OPEN = 2,  /* connect() or accept() on a TCP socket returned */
	CS_EV_CONN_CLOSE = 3, /* close() of a TCP socket fd */
	CS_EV_PROC_EXIT = 4,  /* a traced process (thread group) exited */
};

enum cs_role {
	CS_ROLE_UNKNOWN = 0, /* socket existed before the agent, role inferred in user space */
	CS_ROLE_CLIENT = 1,  /* this side called connect() */
	CS_ROLE_SERVER = 2,  /* this side got the socket from accept() */
};

enum cs_direction {
	CS_DIR_EGRESS = 1,  /* write/send: bytes leave the process */
	CS_DIR_INGRESS = 2, /* read/recv: bytes enter the process */
};

enum cs_syscall {
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
#define CS_DATA_F_TRUNCATED 0x1 /* len > captured: payload cut at --payload-bytes or iovec limit */
#define CS_DATA_F_NO_SEQ 0x2    /* tcp sequence could not be read; seq is 0 */

/* Counters in the per-CPU "cs_stats" array map (index = enum value). */
enum cs_stat {
	CS_STAT_EVENTS = 0,        /* records written into the ring buffer */
	CS_STAT_RINGBUF_DROPS,     /* records lost because the ring buffer was full */
	CS_STAT_TRUNCATED,         /* data events whose payload was cut */
	CS_STAT_TRUNCATED_BYTES,   /* bytes not copied because of the cut */
	CS_STAT_READ_ERRORS,       /* bpf_probe_read failures (payload or socket) */
	CS_STAT_MAX,
};

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
	__u32 size; /* whole record in bytes, header and payload included */
	__u64 ts_ns;     /* CLOCK_MONOTONIC (bpf_ktime_get_ns) when the event happened (syscall exit) */
	__u32 pid;       /* thread group id */
	__u32 tid;       /* thread id */
	__u64 cgroup_id;
	char comm[CS_COMM_LEN];
};

struct cs_conn_event {
	struct cs_event_header hdr;
	__u64 sock_id; /* kernel address of struct sock: identifies the socket while it lives */
	__s32 fd;
	__u8 role;    /* enum cs_role */
	__u8 syscall; /* enum cs_syscall */
	__u8 pad[2];
	__s64 ret;    /* syscall return value (connect: 0 or -EINPROGRESS) */
	struct cs_tuple tuple;
};

struct cs_data_event {
	struct cs_event_header hdr; /* hdr.ts_ns = syscall exit */
	__u64 enter_ns;             /* syscall enter */
	__u64 sock_id;
	__s32 fd;
	__u8 role;      /* enum cs_role as known by the kernel */
	__u8 direction; /* enum cs_direction */
	__u8 syscall;   /* enum cs_syscall */
	__u8 flags;     /* CS_DATA_F_* */
	__u32 seq;      /* TCP sequence number of the first byte: write_seq (egress) / copied_seq (ingress) at enter */
	__u32 len;      /* bytes moved by the syscall (its return value, > 0) */
	__u32 captured; /* payload bytes that follow this struct, <= len */
	__u32 pad;
	struct cs_tuple tuple;
	__u8 payload[];
};

struct cs_close_event {
	struct cs_event_header hdr;
	__u64 sock_id;
	__s32 fd;
	__u32 pad;
	struct cs_tuple tuple;
};

struct cs_proc_exit_event {
	struct cs_event_header hdr;
	__s32 exit_code;
	__u32 pad;
};

#endif /* CALLSCOPE_EVENTS_H */
