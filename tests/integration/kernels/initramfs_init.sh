#!/bin/busybox sh
# shellcheck shell=dash
# /init of the guest's initramfs (busybox sh, PID 1). Rules:
# - Loads the modules listed in /modules/order (virtio PCI, 9p, overlayfs: Debian builds them as modules),
#   in that order; the host resolved their dependencies with modprobe --show-depends.
# - Mounts the host's root filesystem (9p tag "hostroot", read-only) under a writable overlay (tmpfs
#   upper), and the host's result directory (9p tag "csresults", writable, uncached) at /cs-results in it.
# - Hands over to the guest script named in /cs-results/guest_init.path (switch_root: it becomes PID 1).
# - Any failure prints "cs-initramfs: FAIL: ..." on the console and powers the guest off; the host sees no
#   status file and fails the test with the console log.
export PATH=/bin

fail() {
  echo "cs-initramfs: FAIL: $*"
  poweroff -f
  sleep 30
}

mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev

while read -r m; do
  insmod "/modules/$m" || fail "insmod $m"
done </modules/order

# The virtio devices are probed when their drivers load; give the 9p channels a moment all the same.
mount_9p() { # TAG DIR OPTIONS
  i=0
  while ! mount -t 9p -o "trans=virtio,version=9p2000.L,msize=262144,$3" "$1" "$2"; do
    i=$((i + 1))
    [ "$i" -lt 50 ] || fail "cannot mount 9p tag $1 (is the -virtfs device there?)"
    sleep 0.1
  done
}
mkdir -p /lower /rw /newroot /results
mount_9p hostroot /lower ro,cache=loose
mount_9p csresults /results cache=none
mount -t tmpfs -o mode=0755 rw /rw || fail "tmpfs for the overlay"
mkdir -p /rw/upper /rw/work
mount -t overlay -o lowerdir=/lower,upperdir=/rw/upper,workdir=/rw/work overlay /newroot ||
  fail "overlay of the host root (dmesg: $(dmesg | tail -n 3))"

mkdir -p /newroot/cs-results
mount --move /results /newroot/cs-results || fail "move /cs-results"
read -r GUEST_INIT </newroot/cs-results/guest_init.path || fail "no /cs-results/guest_init.path"
[ -f "/newroot$GUEST_INIT" ] || fail "guest script $GUEST_INIT not found in the host root"
for d in proc sys dev; do
  mount --move "/$d" "/newroot/$d" || fail "move /$d"
done
echo "cs-initramfs: host root mounted, starting $GUEST_INIT"
exec switch_root /newroot /bin/bash "$GUEST_INIT"
