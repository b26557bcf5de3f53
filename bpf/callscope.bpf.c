// SPDX-License-Identifier: GPL-2.0
/*
 * callscope kernel side: TCP payload capture.
 *
 * The loader probes the running kernel and loads one of two data paths, plus what every kernel gets:
 *  - progs/socket_io.h        sock_send_length / sock_recv_length tracepoints (6.3+): only socket I/O
 *                             runs a program; the default.
 *  - progs/syscall_fallback.h raw sys_enter / sys_exit with per-syscall tail calls: older kernels.
 *  - progs/lifecycle.h        inet_sock_set_state (connect, passive open, close), sched_process_exit.
 * Both data paths write the same records (include/callscope/events.h).
 */
#include "cs_emit.h"

char LICENSE[] SEC("license") = "GPL";

#include "progs/socket_io.h"
#include "progs/lifecycle.h"
#include "progs/syscall_fallback.h"
