#!/usr/bin/env bash
# Smoke test of the kernel side, once per data path (socket tracepoints and the syscall fallback): loads
# the real BPF programs (via tests/integration/capture/capture_dump), drives HTTP over loopback TCP and
# checks the raw records: connect (client role) and passive open (server role on the data), close of
# every socket, data events on both sides with equal TCP sequence numbers, payload "GET /", IPv4 and
# IPv6, a keep-alive connection opened BEFORE the capture that must still produce data events (role 0),
# and a socket user space marked "ignore" that stops producing data events.
# A second part checks the filters: with a pid filter that matches nothing, traffic of other processes
# must not produce a single kernel event.
# Fails (exit 1) when BPF cannot be loaded: never skips.
# Usage: bash test_capture_smoke.sh <path-to-callscope-binary>   (root; capture_dump is found next to it
#        in the build tree, or set CAPTURE_DUMP=/path/to/capture_dump)
set -euo pipefail

HERE="$(cd "$(dirname "$0")" && pwd)"
PY=/usr/bin/python3
fail() { echo "test_capture_smoke: FAIL: $*" >&2; exit 1; }

[ "$(id -u)" -eq 0 ] || fail "must run as root (loads BPF programs)"
[ -x "$PY" ] || fail "$PY missing (apt-get install python3)"
command -v curl >/dev/null || fail "curl missing (apt-get install curl)"

DUMP="${CAPTURE_DUMP:-}"
if [ -z "$DUMP" ] && [ $# -ge 1 ]; then
  # build/userspace/callscope -> build/tests/integration/capture/capture_dump
  DUMP="$(cd "$(dirname "$1")/.." 2>/dev/null && pwd)/tests/integration/capture/capture_dump"
fi
[ -n "$DUMP" ] && [ -x "$DUMP" ] || fail "capture_dump not found (looked for '${DUMP}'); build it: cmake --build build --target capture_dump, or set CAPTURE_DUMP"

TMP="$(mktemp -d /tmp/cs_capture_smoke.XXXXXX)"
PIDS=()
cleanup() {
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null || true; done
  if [ "${KEEP_TMP:-0}" = 1 ]; then echo "logs kept in $TMP"; else rm -rf "$TMP"; fi
}
trap cleanup EXIT

free_port() {
  "$PY" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}
wait_port() {  # host port
  for _ in $(seq 1 100); do
    curl -s -o /dev/null -g "http://$1:$2/" && return 0
    sleep 0.1
  done
  fail "server on $1:$2 did not come up"
}
# start_dump LOG ERR ARGS...: starts capture_dump, waits for READY; sets DUMP_PID.
start_dump() {
  local log=$1 err=$2
  shift 2
  "$DUMP" --seconds 120 "$@" >"$log" 2>"$err" &
  DUMP_PID=$!
  PIDS+=($DUMP_PID)
  for _ in $(seq 1 300); do
    grep -q '^READY' "$log" 2>/dev/null && return 0
    kill -0 "$DUMP_PID" 2>/dev/null || break
    sleep 0.1
  done
  echo "---- capture_dump stderr (last 60 lines)" >&2
  tail -n 60 "$err" >&2 || true
  fail "BPF capture could not be loaded/attached (see above)"
}
stop_dump() {  # LOG ERR
  kill -INT "$DUMP_PID"
  wait "$DUMP_PID" || fail "capture_dump exited with an error: $(tail -n 20 "$2")"
  grep -q '^STATS' "$1" || fail "capture_dump printed no STATS line"
}

V4_PORT="$(free_port)"
V6_PORT="$(free_port)"
KA_PORT="$(free_port)"
IGN_PORT="$(free_port)"
REFUSED_PORT="$(free_port)"  # nothing listens there
SF_PORT="$(free_port)"       # answers GET /sendfile with sendfile(2)

# Servers exist before any capture starts.
(cd "$TMP" && exec "$PY" -m http.server "$V4_PORT" --bind 127.0.0.1) >"$TMP/v4_server.log" 2>&1 &
PIDS+=($!)
(cd "$TMP" && exec "$PY" -m http.server "$V6_PORT" --bind ::1) >"$TMP/v6_server.log" 2>&1 &
PIDS+=($!)
"$PY" "$HERE/capture/keepalive_http.py" server "$KA_PORT" >"$TMP/ka_server.log" 2>&1 &
PIDS+=($!)
"$PY" "$HERE/capture/keepalive_http.py" server "$IGN_PORT" >"$TMP/ign_server.log" 2>&1 &
PIDS+=($!)
"$PY" "$HERE/capture/keepalive_http.py" server "$SF_PORT" >"$TMP/sf_server.log" 2>&1 &
PIDS+=($!)
wait_port 127.0.0.1 "$V4_PORT"
wait_port "[::1]" "$V6_PORT"
wait_port 127.0.0.1 "$KA_PORT"
wait_port 127.0.0.1 "$IGN_PORT"
wait_port 127.0.0.1 "$SF_PORT"

# Kernels with the socket tracepoints (6.3+) run both data paths; older ones must refuse the socket path
# with a message naming what is missing, and pick the syscall fallback on their own.
KVER="$(uname -r)"
if "$PY" -c 'import sys; v = tuple(int(x) for x in sys.argv[1].split("-")[0].split(".")[:2]); sys.exit(0 if v >= (6, 3) else 1)' "$KVER"; then
  RUNS=("socket:socket" "syscall:syscall")
else
  RUNS=("auto:syscall")
  if "$DUMP" --seconds 1 --mode socket >"$TMP/refused.log" 2>&1; then
    fail "kernel $KVER: --mode socket should be refused (no sock_send_length tracepoint)"
  fi
  grep -q "lacks tracepoint sock_send_length" "$TMP/refused.log" ||
    fail "kernel $KVER: --mode socket refused without naming the missing tracepoint: $(tail -n 3 "$TMP/refused.log")"
  echo "ok    kernel $KVER: --mode socket refused: $(grep -o 'lacks.*' "$TMP/refused.log" | head -n 1 | cut -c1-120)"
fi

CURLS=3
BURST=30
for RUN in "${RUNS[@]}"; do
  REQ_MODE="${RUN%%:*}" MODE="${RUN##*:}"
  rm -f "$TMP/go" "$TMP/ready"
  # The keep-alive connection exists before the capture starts.
  "$PY" "$HERE/capture/keepalive_http.py" client "$KA_PORT" "$TMP/go" "$TMP/ready" >"$TMP/ka_client.$MODE.log" 2>&1 &
  KA_CLIENT=$!
  PIDS+=($KA_CLIENT)
  for _ in $(seq 1 100); do [ -f "$TMP/ready" ] && break; sleep 0.1; done
  [ -f "$TMP/ready" ] || fail "keep-alive client did not finish its first request: $(cat "$TMP/ka_client.$MODE.log")"

  LOG="$TMP/capture.$MODE.log" ERR="$TMP/capture.$MODE.err"
  start_dump "$LOG" "$ERR" --mode "$REQ_MODE" --port "$V4_PORT" --port "$V6_PORT" --port "$KA_PORT" \
    --port "$IGN_PORT" --ignore-port "$IGN_PORT" --port "$REFUSED_PORT" --port "$SF_PORT"
  grep -q "^MODE $MODE\$" "$LOG" || fail "capture_dump did not run the $MODE capture: $(head -n 3 "$LOG")"
  for i in $(seq 1 "$CURLS"); do
    curl -sf -o /dev/null "http://127.0.0.1:$V4_PORT/" || fail "curl IPv4 #$i failed"
    curl -sf -o /dev/null -g "http://[::1]:$V6_PORT/" || fail "curl IPv6 #$i failed"
  done
  if curl -s -o /dev/null "http://127.0.0.1:$REFUSED_PORT/"; then fail "something listens on $REFUSED_PORT"; fi
  [ "$(curl -sf "http://127.0.0.1:$SF_PORT/sendfile" | wc -c)" = 1216 ] || fail "GET /sendfile did not return 1216 bytes"
  touch "$TMP/go"
  wait "$KA_CLIENT" || fail "keep-alive client failed: $(cat "$TMP/ka_client.$MODE.log")"
  # 30 requests 50 ms apart on one connection: the verdict sent after the first event must stop the rest.
  "$PY" "$HERE/capture/keepalive_http.py" burst "$IGN_PORT" "$BURST" 50 || fail "burst client failed"
  sleep 1
  stop_dump "$LOG" "$ERR"

  echo "---- $MODE capture: $(grep -c '^DATA' "$LOG") data, $(grep -c '^CONN' "$LOG") conn, $(grep -c '^CLOSE' "$LOG") close, $(grep -c '^EXIT' "$LOG") exit records; $(grep '^STATS' "$LOG")"
  if ! "$PY" "$HERE/capture/check_capture.py" "$LOG" --mode "$MODE" --v4-port "$V4_PORT" --v6-port "$V6_PORT" \
      --ka-port "$KA_PORT" --ka-client-pid "$KA_CLIENT" --curls "$CURLS" --ignore-port "$IGN_PORT" --burst "$BURST" --refused-port "$REFUSED_PORT" --sendfile-port "$SF_PORT"; then
    echo "---- $MODE capture log" >&2
    cut -c1-220 "$LOG" >&2
    fail "$MODE capture: records do not meet the expectations above"
  fi

  # Filters: a pid allow-list that matches nothing (pid 1, init, does no TCP here) and a comm allow-list
  # that matches nothing. Traffic of other processes must produce no kernel event at all.
  for FILTER in "--pid 1" "--comm no-such-comm"; do
    FLOG="$TMP/filter.$MODE.log" FERR="$TMP/filter.$MODE.err"
    # shellcheck disable=SC2086 # FILTER is two words on purpose
    start_dump "$FLOG" "$FERR" --mode "$REQ_MODE" $FILTER
    for i in $(seq 1 "$CURLS"); do
      curl -sf -o /dev/null "http://127.0.0.1:$V4_PORT/" || fail "curl IPv4 #$i failed"
    done
    "$PY" "$HERE/capture/keepalive_http.py" burst "$KA_PORT" 5 10 || fail "burst client failed"
    sleep 0.5
    stop_dump "$FLOG" "$FERR"
    events="$(sed -n 's/^STATS events=\([0-9]*\).*/\1/p' "$FLOG")"
    [ "$events" = 0 ] || { grep -v '^STATS' "$FLOG" | head -n 20 | cut -c1-200 >&2;
      fail "$MODE capture with $FILTER: untraced processes produced $events kernel events (expected 0)"; }
    echo "ok    $MODE capture with $FILTER: 0 kernel events from untraced processes"
  done
done
echo "[test_capture_smoke] PASS"
