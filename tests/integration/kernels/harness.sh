# shellcheck shell=bash
# Runs one integration test inside a QEMU guest booted on a Debian kernel. Source it from a test script:
#   source "$(dirname "$0")/kernels/harness.sh"
#   cs_kernel_test 6.12 tests/integration/test_flask_chain.sh "$@"    # $1 = path to the callscope binary
# Rules:
# - The kernel comes from Debian (fetch_kernel.sh: apt-get download + dpkg -x, cached); nothing of the
#   host's own kernel or /boot is used or changed.
# - The guest runs on this machine's userland: the host's / is shared read-only over virtio-9p under a
#   tmpfs overlay, so python3, flask, curl, the test scripts and the agent binary are the host's own.
# - TCG only (-accel tcg): CI has no KVM. One host thread runs all vCPUs (thread=single): with a thread per
#   vCPU, a vCPU could run a kernel text site another vCPU was patching (a static key flipped when a BPF
#   program attaches) and the 6.12 guest died of "Oops: int3" in syscall_exit_to_user_mode_prepare, once
#   in ~7 CI runs; the guest kernel's own patching protocol holds on real CPUs. The whole guest run is
#   bounded (CS_KERNEL_TIMEOUT, default 400 s); a guest that hangs is killed and the test fails with the
#   console log.
# - The test passes only if the guest ran the wanted kernel (uname -r), has BTF, and the test inside exited
#   0. Otherwise it fails with the test's own output, the agent log and the end of the console log.
# Env: CS_KERNEL_TIMEOUT (s), CS_KERNEL_GUEST_TEST_TIMEOUT (s, the test's bound inside the guest, default
# CS_KERNEL_TIMEOUT - 60), CS_KERNEL_SMP (vCPUs, default 2), CS_KERNEL_MEM (MiB, default 2048),
# CALLSCOPE_KERNEL_CACHE / CALLSCOPE_KERNEL_REFRESH (see fetch_kernel.sh), CS_KEEP_TMP=1 (keep the logs).

# shellcheck source=../lib/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/../lib/common.sh"
CS_KERNELS_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"

# The modules the initramfs loads, in load order, given the extracted package (ROOT) and the release.
cs_kernel_module_order() {
  local root="$1" release="$2" m
  for m in virtio_pci 9pnet_virtio 9p overlay; do
    modprobe -d "$root" -S "$release" --show-depends "$m" ||
      cs_fail "kernel $release: cannot resolve module $m (modprobe -d $root --show-depends $m)"
  done | awk '$1 == "insmod" && !seen[$2]++ { print $2 }'
}

# cs_kernel_initramfs KDIR OUT: busybox-static, the modules (decompressed) and initramfs_init.sh as /init.
cs_kernel_initramfs() {
  local kdir="$1" out="$2" release dir path name
  release="$(cat "$kdir/release")"
  dir="$CS_TMP/initramfs"
  mkdir -p "$dir"/{bin,dev,proc,sys,modules}
  cp /bin/busybox "$dir/bin/busybox"
  ln -s busybox "$dir/bin/sh"
  mknod -m 600 "$dir/dev/console" c 5 1
  cp "$CS_KERNELS_DIR/initramfs_init.sh" "$dir/init"
  chmod 755 "$dir/init"
  : >"$dir/modules/order"
  while read -r path; do
    name="$(basename "$path")"
    case "$name" in
      *.ko.xz) xz -dc "$path" >"$dir/modules/${name%.xz}" ;;
      *.ko) cp "$path" "$dir/modules/$name" ;;
      *) cs_fail "unexpected module file $path" ;;
    esac
    echo "${name%.ko*}.ko" >>"$dir/modules/order"
  done < <(cs_kernel_module_order "$kdir/root" "$release")
  [ -s "$dir/modules/order" ] || cs_fail "kernel $release: no module to load (is virtio/9p built in? then adapt the list)"
  # Busybox applets as links, so /init can call them by name.
  local applet
  for applet in $(/bin/busybox --list); do
    [ -e "$dir/bin/$applet" ] || ln -s busybox "$dir/bin/$applet"
  done
  (cd "$dir" && find . -print0 | cpio --null -o -H newc --quiet | gzip -1 >"$out")
}

# cs_kernel_test LABEL TEST_SCRIPT CALLSCOPE_BINARY
#   LABEL: 6.1 | 6.12 (fetch_kernel.sh); TEST_SCRIPT: path inside the repo of the test the guest runs.
cs_kernel_test() {
  local label="$1" guest_test="$2"
  shift 2
  cs_init "$@"
  local tool
  for tool in qemu-system-x86_64 cpio gzip xz modprobe depmod; do
    command -v "$tool" >/dev/null || cs_fail "$tool missing (run scripts/install-deps.sh)"
  done
  /bin/busybox --list 2>/dev/null | grep -qx switch_root ||
    cs_fail "/bin/busybox (busybox-static) missing or without switch_root (run scripts/install-deps.sh)"
  { LC_ALL=C ldd /bin/busybox 2>&1 || true; } | grep -q "not a dynamic executable" ||
    cs_fail "/bin/busybox is not statically linked (install busybox-static: run scripts/install-deps.sh)"
  [ -f "$CS_REPO_DIR/$guest_test" ] || cs_fail "no test $CS_REPO_DIR/$guest_test"
  local p
  for p in "$CS_REPO_DIR" "$CS_BIN"; do
    case "$p" in
      /proc/* | /sys/* | /dev/* | /run/*)
        cs_fail "$p is hidden inside the guest (it mounts its own /proc, /sys, /dev, /run): use another path" ;;
    esac
  done

  local kdir
  kdir="$(bash "$CS_KERNELS_DIR/fetch_kernel.sh" "$label")" || cs_fail "could not fetch the Debian $label kernel"
  local release package
  release="$(cat "$kdir/release")"
  package="$(cat "$kdir/package")"
  cs_log "kernel $package (uname -r $release)"

  cs_kernel_initramfs "$kdir" "$CS_TMP/initramfs.cpio.gz"
  cs_log "initramfs: $(tr '\n' ' ' <"$CS_TMP/initramfs/modules/order")"

  local results="$CS_TMP/guest"
  mkdir -p "$results"
  echo "$CS_KERNELS_DIR/guest_init.sh" >"$results/guest_init.path"
  local timeout="${CS_KERNEL_TIMEOUT:-400}" guest_timeout
  # The test's own bound inside the guest leaves a minute for the boot and the power-off.
  guest_timeout=$((timeout > 120 ? timeout - 60 : timeout / 2))
  guest_timeout="${CS_KERNEL_GUEST_TEST_TIMEOUT:-$guest_timeout}"
  {
    printf 'CS_GUEST_REPO=%q\n' "$CS_REPO_DIR"
    printf 'CS_GUEST_AGENT=%q\n' "$CS_BIN"
    printf 'CS_GUEST_TEST=%q\n' "$guest_test"
    printf 'CS_GUEST_TEST_TIMEOUT=%q\n' "$guest_timeout"
  } >"$results/job.env"

  local console="$CS_TMP/console.txt" rc=0 t0=$SECONDS
  cs_log "booting $release under qemu-system-x86_64 (TCG, ${CS_KERNEL_SMP:-2} vCPUs, ${CS_KERNEL_MEM:-2048} MiB), at most ${timeout}s"
  timeout -k 10 "$timeout" qemu-system-x86_64 \
    -accel tcg,thread=single -cpu max -smp "${CS_KERNEL_SMP:-2}" -m "${CS_KERNEL_MEM:-2048}" \
    -nodefaults -no-user-config -display none -no-reboot \
    -kernel "$kdir/vmlinuz" -initrd "$CS_TMP/initramfs.cpio.gz" \
    -append "console=ttyS0 panic=-1 quiet" \
    -serial "file:$console" \
    -virtfs "local,path=/,mount_tag=hostroot,security_model=none,readonly=on,multidevs=remap" \
    -virtfs "local,path=$results,mount_tag=csresults,security_model=none,multidevs=remap" \
    >"$CS_TMP/qemu.txt" 2>&1 || rc=$?
  local took=$((SECONDS - t0))
  if [ "$rc" -eq 124 ] || [ "$rc" -eq 137 ]; then
    cs_kernel_fail "the guest did not finish within ${timeout}s (killed)"
  fi
  [ "$rc" -eq 0 ] || cs_kernel_fail "qemu-system-x86_64 exited with status $rc"
  [ -f "$results/status" ] || cs_kernel_fail "the guest stopped without a test status (crash or boot failure)"
  [ "$(cat "$results/uname")" = "$release" ] ||
    cs_kernel_fail "the guest ran kernel '$(cat "$results/uname")', expected $release"
  [ "$(cat "$results/btf")" != missing ] || cs_kernel_fail "kernel $release has no /sys/kernel/btf/vmlinux"

  local status
  status="$(cat "$results/status")"
  [ "$status" = 0 ] || cs_kernel_fail "$guest_test failed inside the guest on $release (exit status $status)"
  grep -q '\] PASS$' "$results/test.log" ||
    cs_kernel_fail "$guest_test exited 0 inside the guest on $release without logging PASS"
  cs_log "test output inside the guest:"
  sed 's/^/    | /' "$results/test.log" >&2
  cs_log "PASS on $release ($package): guest at init after $(cat "$results/boot_seconds")s, boot + test ${took}s"
}

# Prints what the guest left (the test's output, agent log, end of the console), then fails through
# cs_fail. (Named *.txt, not *.log, so cs_fail does not print them a second time.)
cs_kernel_fail() {
  local results="$CS_TMP/guest" f
  if [ -f "$results/test.log" ]; then
    echo "----- test output inside the guest -----" >&2
    cat "$results/test.log" >&2
  fi
  for f in "$results"/test-tmp/agent*.log; do
    [ -f "$f" ] || continue
    # The test's own failure report already holds the end of its logs.
    ! grep -q -- "----- $(basename "$f") " "$results/test.log" 2>/dev/null || continue
    echo "----- guest $(basename "$f") (last 60 lines) -----" >&2
    tail -n 60 "$f" >&2
  done
  if [ -f "$CS_TMP/console.txt" ]; then
    echo "----- serial console (last 80 lines) -----" >&2
    tail -n 80 "$CS_TMP/console.txt" >&2
  fi
  if [ -s "$CS_TMP/qemu.txt" ]; then
    echo "----- qemu -----" >&2
    cat "$CS_TMP/qemu.txt" >&2
  fi
  cs_fail "$*"
}
