/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Shared by the Go probes object and its manager (userspace/runtimes/go/go_runtime.cpp): the cookies of
 * uprobe_multi offsets, and the notifications sent through
 * the object's own small "cs_go_notes" ring buffer. Not part of the capture contract (events.h): nothing
 * records or replays them.
 *  - EXEC: a process replaced its image (every exec on the machine; its cs_go_procs entry is pending now,
 *    events.h): the manager decides whether it is Go and replaces the entry with the offsets or deletes it.
 *  - EXIT: a thread group with a cs_go_procs entry ended (its leader exited): the entry can go (a pending
 *    one is deleted by the BPF side already).
 */
#ifndef CALLSCOPE_GO_NOTES_H
#define CALLSCOPE_GO_NOTES_H

#ifndef __VMLINUX_H__
#include <linux/types.h>
#endif

enum cs_go_note_kind {
	CS_GO_NOTE_EXEC = 1,
	CS_GO_NOTE_EXIT = 2,
};

/* What a uprobe_multi offset is (its cookie): the handler go_uprobe_multi runs there. */
enum cs_go_probe {
	CS_GO_PROBE_NEWPROC1_ENTER = 1,
	CS_GO_PROBE_NEWPROC1_RET,
	CS_GO_PROBE_ROUNDTRIP_ENTER,
	CS_GO_PROBE_ROUNDTRIP_RET,
	CS_GO_PROBE_WRITE_ENTER,
	CS_GO_PROBE_WRITE_RET,
	CS_GO_PROBE_READ_ENTER_REQ, /* readResponse with requestAndChan.req in RBX */
	CS_GO_PROBE_READ_ENTER,     /* readResponse, layout unknown: the connection only */
	CS_GO_PROBE_READ_RET,
};

struct cs_go_note {
	__u32 kind; /* enum cs_go_note_kind */
	__u32 tgid;
};

#endif /* CALLSCOPE_GO_NOTES_H */
