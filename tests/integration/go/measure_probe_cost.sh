#!/usr/bin/env bash
# Cost of the Go probes, two ways:
#  1. per BPF program (bpf_stats: run_time_ns / run_cnt) on the topology of test_go_runtime.sh, both attach
#     modes. This is the program only: the uprobe trap itself (int3, the kernel's uprobe dispatch) is not
#     in it.
#  2. end to end: a Go client (16 goroutines, one http.Client) against a Go leaf, without probes, with all
#     of them, and with the request-only net/http probes (uprobe_multi), alternating, ROUNDS times: wall
#     time and CPU (user+sys) of both processes, per request.
# Turns kernel.bpf_stats_enabled on for part 1 and restores it. Root; run under
# `flock /tmp/cs-root.lock`. Figures on a shared 2-core machine are noisy: compare medians.
# Usage: bash measure_probe_cost.sh <path-to-callscope-binary> [ROUNDS] [REQUESTS_PER_CLIENT]
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
GO_BIN_DIR="$(cd "$(dirname "$1")/.." && pwd)/tests/integration/go"
ROUNDS="${2:-3}"
PER_CLIENT="${3:-1000}"
PY=/usr/bin/python3

echo "== 1. per-program cost (bpf_stats)"
before="$(sysctl -n kernel.bpf_stats_enabled)"
trap 'sysctl -q -w kernel.bpf_stats_enabled="$before"' EXIT
sysctl -q -w kernel.bpf_stats_enabled=1
bash "$HERE/../test_go_runtime.sh" "$1" 2>&1 | grep -E "cost |PASS|FAIL"
sysctl -q -w kernel.bpf_stats_enabled="$before"

echo "== 2. end to end: 16 clients x $PER_CLIENT requests, Go client -> Go leaf"
TMP="$(mktemp -d /tmp/cs_go_cost.XXXXXX)"
PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$TMP"; }
trap 'cleanup; sysctl -q -w kernel.bpf_stats_enabled="$before"' EXIT
PORT="$("$PY" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"

one_run() {  # label
  "$GO_BIN_DIR/callchain_nocgo" leaf -listen "127.0.0.1:$PORT" >"$TMP/leaf.out" 2>&1 &
  local leaf=$!
  for _ in $(seq 1 100); do grep -q ready "$TMP/leaf.out" && break; sleep 0.05; done
  if [ "$1" != none ]; then
    local flags=""
    [ "$1" = request-only ] && flags="--request-only"
    # shellcheck disable=SC2086
    "$GO_BIN_DIR/go_events_dump" $flags >/dev/null 2>"$TMP/dump.err" &
    DUMP=$!
    for _ in $(seq 1 100); do grep -q "^ready" "$TMP/dump.err" && break; sleep 0.05; done
  fi
  local t0 t1
  t0=$(date +%s%N)
  /usr/bin/time -f "%U %S" -o "$TMP/load.time" "$GO_BIN_DIR/callchain_nocgo" load \
    -url "http://127.0.0.1:$PORT/x" -clients 16 -requests "$PER_CLIENT" -wait-file /dev/null >/dev/null
  t1=$(date +%s%N)
  local leaf_cpu
  leaf_cpu=$(awk '{print ($14 + $15) / 100}' "/proc/$leaf/stat")
  kill "$leaf"; wait "$leaf" 2>/dev/null || true
  if [ "$1" != none ]; then kill -INT "$DUMP"; wait "$DUMP" || true; fi
  read -r u s <"$TMP/load.time"
  "$PY" -c "import sys; n=16*$PER_CLIENT; w=($t1-$t0)/1e9; c=$u+$s+$leaf_cpu; print(f'$1: {w:.2f} s wall, {w/n*1e6:.1f} us/request; client+leaf CPU {c:.2f} s, {c/n*1e6:.1f} us/request')"
}
for r in $(seq 1 "$ROUNDS"); do
  one_run none
  one_run probes
  one_run request-only
done
