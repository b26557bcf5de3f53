#!/usr/bin/env bash
# Smoke test of the kernel side: loads the real BPF programs (via tests/integration/capture/capture_dump),
# drives HTTP over loopback TCP and checks the raw records: connect/accept/close with roles, data events
# on both sides with equal TCP sequence numbers, payload "GET /", IPv4 and IPv6, and a keep-alive
# connection opened BEFORE the capture that must still produce data events (role 0).
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

V4_PORT="$(free_port)"
V6_PORT="$(free_port)"
KA_PORT="$(free_port)"
while [ "$V6_PORT" = "$V4_PORT" ]; do V6_PORT="$(free_port)"; done
while [ "$KA_PORT" = "$V4_PORT" ] || [ "$KA_PORT" = "$V6_PORT" ]; do KA_PORT="$(free_port)"; done

# Servers and the keep-alive connection all exist before the capture starts.
(cd "$TMP" && exec "$PY" -m http.server "$V4_PORT" --bind 127.0.0.1) >"$TMP/v4_server.log" 2>&1 &
PIDS+=($!)
(cd "$TMP" && exec "$PY" -m http.server "$V6_PORT" --bind ::1) >"$TMP/v6_server.log" 2>&1 &
PIDS+=($!)
"$PY" "$HERE/capture/keepalive_http.py" server "$KA_PORT" >"$TMP/ka_server.log" 2>&1 &
PIDS+=($!)
wait_port 127.0.0.1 "$V4_PORT"
wait_port "[::1]" "$V6_PORT"
wait_port 127.0.0.1 "$KA_PORT"

"$PY" "$HERE/capture/keepalive_http.py" client "$KA_PORT" "$TMP/go" "$TMP/ready" >"$TMP/ka_client.log" 2>&1 &
KA_CLIENT=$!
PIDS+=($KA_CLIENT)
for _ in $(seq 1 100); do [ -f "$TMP/ready" ] && break; sleep 0.1; done
[ -f "$TMP/ready" ] || fail "keep-alive client did not finish its first request: $(cat "$TMP/ka_client.log")"

"$DUMP" --seconds 60 --port "$V4_PORT" --port "$V6_PORT" --port "$KA_PORT" >"$TMP/capture.log" 2>"$TMP/capture.err" &
DUMP_PID=$!
PIDS+=($DUMP_PID)
for _ in $(seq 1 300); do
  grep -q '^READY' "$TMP/capture.log" 2>/dev/null && break
  kill -0 "$DUMP_PID" 2>/dev/null || break
  sleep 0.1
done
if ! grep -q '^READY' "$TMP/capture.log"; then
  echo "---- capture_dump stderr (last 60 lines)" >&2
  tail -n 60 "$TMP/capture.err" >&2 || true
  fail "BPF capture could not be loaded/attached (see above)"
fi

CURLS=3
for i in $(seq 1 "$CURLS"); do
  curl -sf -o /dev/null "http://127.0.0.1:$V4_PORT/" || fail "curl IPv4 #$i failed"
  curl -sf -o /dev/null -g "http://[::1]:$V6_PORT/" || fail "curl IPv6 #$i failed"
done
touch "$TMP/go"
wait "$KA_CLIENT" || fail "keep-alive client failed: $(cat "$TMP/ka_client.log")"
sleep 1
kill -INT "$DUMP_PID"
wait "$DUMP_PID" || fail "capture_dump exited with an error: $(tail -n 20 "$TMP/capture.err")"
grep -q '^STATS' "$TMP/capture.log" || fail "capture_dump printed no STATS line"

echo "---- capture: $(grep -c '^DATA' "$TMP/capture.log") data, $(grep -c '^CONN' "$TMP/capture.log") conn, $(grep -c '^CLOSE' "$TMP/capture.log") close, $(grep -c '^EXIT' "$TMP/capture.log") exit records; $(grep '^STATS' "$TMP/capture.log")"
if ! "$PY" "$HERE/capture/check_capture.py" "$TMP/capture.log" --v4-port "$V4_PORT" --v6-port "$V6_PORT" \
    --ka-port "$KA_PORT" --ka-client-pid "$KA_CLIENT" --curls "$CURLS"; then
  echo "---- capture log" >&2
  cut -c1-220 "$TMP/capture.log" >&2
  fail "capture records do not meet the expectations above"
fi
echo "test_capture_smoke: PASS"
