/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Notifications from the Go probes object to its manager (userspace/runtimes/go/go_runtime.cpp), through
 * the object's own small "cs_go_notes" ring buffer. Not part of the capture contract (events.h): nothing
 * records or replays them.
 *  - EXEC: a process replaced its image (every exec on the machine: the manager decides whether it is Go).
 *  - EXIT: a thread group with a cs_go_procs entry ended (its leader exited): the entry can go.
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

struct cs_go_note {
	__u32 kind; /* enum cs_go_note_kind */
	__u32 tgid;
};

#endif /* CALLSCOPE_GO_NOTES_H */
