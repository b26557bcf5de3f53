#!/usr/bin/env bash
# What a QEMU guest runs on another kernel (one boot for all, boots are slow under TCG): the kernel-side
# smoke test (test_capture_smoke.sh: raw records of the data path the kernel offers, filters, verdicts,
# TCP health) and a whole chain through the agent (test_flask_chain.sh). Logs "[guest_suite] PASS" only
# if both passed. Usage: bash guest_suite.sh /path/to/callscope
set -uo pipefail
HERE="$(cd "$(dirname "$0")/.." && pwd)"
rc=0
for t in test_capture_smoke.sh test_flask_chain.sh; do
  echo "[guest_suite] ---- $t"
  if bash "$HERE/$t" "$@"; then
    echo "[guest_suite] $t passed"
  else
    echo "[guest_suite] $t FAILED"
    rc=1
  fi
done
[ "$rc" = 0 ] && echo "[guest_suite] PASS"
exit "$rc"
