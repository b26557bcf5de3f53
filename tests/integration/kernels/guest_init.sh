#!/bin/bash
# PID 1 of the QEMU guest after switch_root (the host's userland, read-only, under a tmpfs overlay).
# Rules:
# - Sets up what the agent and the tests need: proc, sys, dev, /run, debugfs, tracefs, bpffs, cgroup2,
#   loopback up.
# - Runs one integration test (CS_GUEST_TEST, a path inside the repo, given the agent CS_GUEST_AGENT; both
#   from /cs-results/job.env, written by the host) with its temp dir kept.
# - Writes everything the host checks into /cs-results (the host's result directory over 9p): uname (the
#   running kernel), btf (size of /sys/kernel/btf/vmlinux or "missing"), test.log (the test's output),
#   test-tmp/ (the test's logs and spans) and, last, status (the test's exit status). No status file means
#   the guest died or hung: the host fails the test.
# - Powers the guest off (sysrq), whatever happened.
set -u
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
R=/cs-results
exec </dev/null >/dev/console 2>&1

log() { echo "cs-guest: $*"; }

power_off() {
  sync
  echo o >/proc/sysrq-trigger
  # Wait with builtins only (the root filesystem goes away during the power-off): a FIFO opened for
  # reading and writing never delivers anything, so read -t waits its full time.
  mkfifo /run/cs-halt 2>/dev/null
  read -r -t 30 <>/run/cs-halt
  exit 1 # not reached; if it were, the kernel panics and QEMU (-no-reboot, panic=-1) exits
}
trap power_off EXIT

mnt() { # TYPE DIR [OPTIONS]
  mkdir -p "$2"
  mountpoint -q "$2" || mount -t "$1" ${3:+-o "$3"} "$1" "$2" || log "WARNING: cannot mount $1 on $2"
}
mnt tmpfs /run mode=0755
mnt devpts /dev/pts
mnt tmpfs /dev/shm mode=1777
mnt debugfs /sys/kernel/debug
mnt tracefs /sys/kernel/tracing
mnt bpf /sys/fs/bpf
mnt cgroup2 /sys/fs/cgroup
ip link set lo up || log "WARNING: cannot bring up loopback"
hostname "cs-guest" 2>/dev/null || true

# shellcheck source=/dev/null
source "$R/job.env" # CS_GUEST_REPO, CS_GUEST_AGENT, CS_GUEST_TEST, CS_GUEST_TEST_TIMEOUT

uname -r >"$R/uname"
cut -d' ' -f1 /proc/uptime >"$R/boot_seconds"
if [ -f /sys/kernel/btf/vmlinux ]; then
  stat -c %s /sys/kernel/btf/vmlinux >"$R/btf"
else
  echo missing >"$R/btf"
fi
log "kernel $(uname -r), $(nproc) CPU(s), BTF $(cat "$R/btf"), up $(cut -d' ' -f1 /proc/uptime)s"
log "running $CS_GUEST_TEST $CS_GUEST_AGENT"

start=$(cut -d' ' -f1 /proc/uptime)
rc=0
# The output goes straight to the host (uncached 9p), so even a guest that hangs leaves it behind.
CS_KEEP_TMP=1 timeout -k 5 "$CS_GUEST_TEST_TIMEOUT" bash "$CS_GUEST_REPO/$CS_GUEST_TEST" "$CS_GUEST_AGENT" \
  >"$R/test.log" 2>&1 || rc=$?
end=$(cut -d' ' -f1 /proc/uptime)
log "test exited with status $rc after $(awk -v a="$start" -v b="$end" 'BEGIN { printf "%.1f", b - a }')s"

# The test's temp dir (its logs and spans): the path it logged at start ("temp dir DIR, binary ...").
tmp="$(sed -n 's/.*temp dir \(.*\), binary .*/\1/p' "$R/test.log" | head -n 1)"
if [ -n "$tmp" ] && [ -d "$tmp" ]; then
  cp -r "$tmp" "$R/test-tmp"
fi
dmesg >"$R/dmesg.txt" 2>/dev/null || true
echo "$rc" >"$R/status"
log "done"
