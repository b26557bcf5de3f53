#!/usr/bin/env bash
# Go runtime probes on real Go net/http services (Debian's golang-go, stdlib only; programs in
# tests/integration/go/callchain): goroutine lineage (runtime.newproc1) and the net/http client hand-offs
# (caller -> writeLoop -> readLoop), checked against the ground truth the Go programs log themselves
# (tests/integration/go/check_go_events.py). Topology, 16 concurrent clients each:
#   load(16) -> front_seq (cgo build) -> leaf_b then leaf_c     (sequential calls, one http.Client)
#   load(16) -> front_fan (same binary)  -> leaf_b || leaf_c    (one `go func` per downstream call)
# The leaves (stripped build) run before the manager starts (found in /proc); the fronts and the loads
# start after it (found at exec). Also checks that the uprobes exist while Go processes run, go when the
# last process of a binary exits, and none outlive the manager; and that a Go binary it cannot understand
# (build info broken) gets an info log line and no probes. Runs twice: with one uprobe_multi link per
# binary (kernels >= 6.6; the default), with one perf-event uprobe per offset (older kernels), and with
# the request-only net/http probes (ROUNDTRIP and WRITE entries: caller -> writeLoop only).
# Root; run it under `flock /tmp/cs-root.lock`. Fails (never skips) when BPF or Go is missing.
# Usage: bash test_go_runtime.sh <path-to-callscope-binary>  (the Go tools are found in its build tree)
set -euo pipefail

HERE="$(cd "$(dirname "$0")" && pwd)"
PY=/usr/bin/python3
fail() { echo "test_go_runtime: FAIL: $*" >&2; exit 1; }
log() { echo "[test_go_runtime +${SECONDS}s] $*" >&2; }

[ "$(id -u)" -eq 0 ] || fail "must run as root (loads BPF programs, attaches uprobes)"
[ -x "$PY" ] || fail "$PY missing (apt-get install python3)"
command -v bpftool >/dev/null || fail "bpftool missing (run scripts/install-deps.sh)"
[ $# -ge 1 ] || fail "usage: bash $0 <path-to-callscope-binary>"
GO_BIN_DIR="$(cd "$(dirname "$1")/.." 2>/dev/null && pwd)/tests/integration/go"
DUMP="$GO_BIN_DIR/go_events_dump"
for f in "$DUMP" "$GO_BIN_DIR/callchain_nocgo" "$GO_BIN_DIR/callchain_nocgo_stripped" "$GO_BIN_DIR/callchain_cgo"; do
  [ -x "$f" ] || fail "$f not built (cmake --build build --target go_events_dump)"
done
CLIENTS="${GO_TEST_CLIENTS:-16}"
REQUESTS="${GO_TEST_REQUESTS:-40}"

TMP="$(mktemp -d /tmp/cs_go_runtime.XXXXXX)"
PIDS=()
DUMP_PID=""
cleanup() {
  local rc=$?
  set +e
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done
  for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null; done
  if [ -n "$DUMP_PID" ]; then kill -INT "$DUMP_PID" 2>/dev/null; wait "$DUMP_PID" 2>/dev/null; fi
  if [ "$rc" -ne 0 ]; then
    for f in "$TMP"/*.err "$TMP"/*.out; do [ -f "$f" ] && { echo "----- $f"; tail -n 20 "$f"; } >&2; done
    echo "logs kept in $TMP" >&2
  elif [ "${KEEP_TMP:-0}" != 1 ]; then
    rm -rf "$TMP"
  fi
  exit "$rc"
}
trap cleanup EXIT

free_port() { "$PY" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
wait_line() {  # file pattern what
  for _ in $(seq 1 200); do grep -q -- "$2" "$1" 2>/dev/null && return 0; sleep 0.05; done
  fail "timed out waiting for $3 ($2 in $1)"
}
probe_links() {  # uprobe links (uprobe_multi links + perf-event uprobes) of the Go probe programs
  "$PY" - <<'PYEOF'
import json, subprocess
def bt(*a):
    return json.loads(subprocess.run(["bpftool", "-j", *a], capture_output=True, text=True, check=True).stdout or "[]")
ours = {p["id"] for p in bt("prog", "show") if p.get("name", "").startswith("go_") and p.get("type") == "kprobe"}
n = sum(1 for l in bt("link", "show") if l.get("prog_id") in ours and l.get("type") != "perf_event")
n += sum(1 for e in bt("perf", "show") if e.get("prog_id") in ours)
print(n)
PYEOF
}

run_mode() {  # MODE: auto (uprobe_multi where the kernel has it) | perf | request-only (fewer probes)
  MODE="$1"
  DUMP_FLAGS=""; READY="uprobe_multi"
  # Auto mode uses uprobe_multi links where the kernel has them (6.6+), else falls back.
  if ! "$PY" -c 'import os,sys; v=tuple(int(x) for x in os.uname().release.split("-")[0].split(".")[:2]); sys.exit(v < (6, 6))'; then
    READY="perf uprobes"
  fi
  CHECK_FLAGS=""
  if [ "$MODE" = perf ]; then DUMP_FLAGS="--perf-uprobes"; READY="perf uprobes"; fi
  if [ "$MODE" = request-only ]; then DUMP_FLAGS="--request-only"; CHECK_FLAGS="--request-only"; fi
  rm -f "$TMP"/*.truth "$TMP"/*.out "$TMP"/*.err "$TMP"/events.jsonl "$TMP"/go_seq "$TMP"/go_fan
  PORTS=()
  while [ "${#PORTS[@]}" -lt 5 ]; do
    p="$(free_port)"
    [[ " ${PORTS[*]} " == *" $p "* ]] || PORTS+=("$p")
  done
  B_PORT=${PORTS[0]}; C_PORT=${PORTS[1]}; SEQ_PORT=${PORTS[2]}; FAN_PORT=${PORTS[3]}; ODD_PORT=${PORTS[4]}

  start() {  # name cmd... ; sets LAST_PID
    local name="$1"; shift
    "$@" >"$TMP/$name.out" 2>"$TMP/$name.err" &
    LAST_PID=$!
    PIDS+=("$LAST_PID")
  }

  # 1. Leaves before the manager: it must find them in /proc.
  start leaf_b "$GO_BIN_DIR/callchain_nocgo_stripped" leaf -listen "127.0.0.1:$B_PORT"; LEAF_B=$LAST_PID
  start leaf_c "$GO_BIN_DIR/callchain_nocgo_stripped" leaf -listen "127.0.0.1:$C_PORT"; LEAF_C=$LAST_PID
  # A Go program the manager cannot understand: its build info magic is broken (it runs fine: only
  # tools read .go.buildinfo). It must get an info log line and no probes.
  "$PY" - "$GO_BIN_DIR/callchain_nocgo_stripped" "$TMP/odd_go" <<'PYEOF'
import sys
data = bytearray(open(sys.argv[1], "rb").read())
at = data.find(b"\xff Go buildinf:")
assert at >= 0, "no build info in the test binary"
data[at + 1:at + 3] = b"XX"
open(sys.argv[2], "wb").write(data)
PYEOF
  chmod 755 "$TMP/odd_go"
  start leaf_odd "$TMP/odd_go" leaf -listen "127.0.0.1:$ODD_PORT"; LEAF_ODD=$LAST_PID
  wait_line "$TMP/leaf_odd.out" ready "leaf_odd"
  wait_line "$TMP/leaf_b.out" ready "leaf_b"
  wait_line "$TMP/leaf_c.out" ready "leaf_c"

  "$DUMP" --rescan-ms 500 $DUMP_FLAGS >"$TMP/events.jsonl" 2>"$TMP/dump.err" &
  DUMP_PID=$!
  wait_line "$TMP/dump.err" "^ready" "go_events_dump to load (BPF)"
  grep -q "^ready ($READY)" "$TMP/dump.err" || fail "$MODE: expected attach mode $READY, got: $(grep ^ready "$TMP/dump.err")"
  grep -q "Go process $LEAF_B registered" "$TMP/dump.err" || fail "leaf $LEAF_B (running before the manager) not registered"
  grep -q "Go process $LEAF_C registered" "$TMP/dump.err" || fail "leaf $LEAF_C not registered"
  [ "$(probe_links)" -gt 0 ] || fail "no uprobes attached for the running Go leaves"
  grep -q "Go binary of pid $LEAF_ODD (unknown version) not probed: Go function table but no Go build info" \
    "$TMP/dump.err" || fail "no info log line for the Go binary without build info"
  if grep -q "Go process $LEAF_ODD registered" "$TMP/dump.err"; then fail "the ununderstood Go binary was registered"; fi

  # 2. Fronts after the manager: found at exec.
  DOWN="http://127.0.0.1:$B_PORT/b,http://127.0.0.1:$C_PORT/c"
  start front_seq "$GO_BIN_DIR/callchain_cgo" front -listen "127.0.0.1:$SEQ_PORT" -downstream "$DOWN" -mode seq \
    -log "$TMP/front_seq.truth"; FRONT_SEQ=$LAST_PID
  start front_fan "$GO_BIN_DIR/callchain_cgo" front -listen "127.0.0.1:$FAN_PORT" -downstream "$DOWN" -mode fanout \
    -log "$TMP/front_fan.truth"; FRONT_FAN=$LAST_PID
  wait_line "$TMP/dump.err" "Go process $FRONT_SEQ registered" "front_seq registration (exec)"
  wait_line "$TMP/dump.err" "Go process $FRONT_FAN registered" "front_fan registration (exec)"
  wait_line "$TMP/front_seq.out" ready "front_seq"
  wait_line "$TMP/front_fan.out" ready "front_fan"

  # 3. Loads: registered at exec, they wait for that before sending.
  start load_seq "$GO_BIN_DIR/callchain_nocgo" load -url "http://127.0.0.1:$SEQ_PORT/seq" -clients "$CLIENTS" \
    -requests "$REQUESTS" -log "$TMP/load_seq.truth" -wait-file "$TMP/go_seq"; LOAD_SEQ=$LAST_PID
  start load_fan "$GO_BIN_DIR/callchain_nocgo" load -url "http://127.0.0.1:$FAN_PORT/fan" -clients "$CLIENTS" \
    -requests "$REQUESTS" -log "$TMP/load_fan.truth" -wait-file "$TMP/go_fan"; LOAD_FAN=$LAST_PID
  wait_line "$TMP/dump.err" "Go process $LOAD_SEQ registered" "load_seq registration"
  wait_line "$TMP/dump.err" "Go process $LOAD_FAN registered" "load_fan registration"
  log "$MODE: 3 binaries, 6 processes registered; $(probe_links) uprobe links/events; $CLIENTS clients x $REQUESTS requests per front"
  touch "$TMP/go_seq" "$TMP/go_fan"
  for p in "$LOAD_SEQ" "$LOAD_FAN"; do
    wait "$p" || fail "load process $p failed (see load_*.err)"
  done

  # 4. Everything Go stops: the manager must drop the uprobes of each binary (exit notifications).
  for p in "$FRONT_SEQ" "$FRONT_FAN" "$LEAF_B" "$LEAF_C" "$LEAF_ODD"; do kill "$p"; wait "$p" 2>/dev/null || true; done
  PIDS=()
  # (Removing a uprobe waits for an RCU grace period in the kernel: ~tens of ms each, 108 here.)
  T0=$(date +%s%N)
  for _ in $(seq 1 600); do [ "$(probe_links)" -eq 0 ] && break; sleep 0.05; done
  [ "$(probe_links)" -eq 0 ] || fail "$(probe_links) uprobes still attached 30 s after every Go process exited"
  log "$MODE: uprobes of 3 binaries detached $(( ($(date +%s%N) - T0) / 1000000 )) ms after the last Go process exited"
  kill -INT "$DUMP_PID"
  wait "$DUMP_PID" || fail "go_events_dump exited with an error"
  DUMP_PID=""
  if bpftool prog show 2>/dev/null | grep -q "name go_newproc1_"; then fail "Go BPF programs outlive the manager"; fi

  "$PY" "$HERE/go/check_go_events.py" $CHECK_FLAGS "$TMP/events.jsonl" \
    "$FRONT_SEQ:$TMP/front_seq.truth" "$FRONT_FAN:$TMP/front_fan.truth" \
    "$LOAD_SEQ:$TMP/load_seq.truth" "$LOAD_FAN:$TMP/load_fan.truth" || fail "probe events do not match the ground truth"
  log "$MODE: PASS"
}

run_mode auto
run_mode perf
run_mode request-only
