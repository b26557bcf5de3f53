#!/usr/bin/env bash
# callscope demo on a fresh Debian 12 machine (needs root: re-runs itself under sudo for another user):
#   installs the dependencies, builds, starts two Flask services on loopback (A calls B), starts the
#   agent, sends a few requests with curl to A, stops the agent and prints the call trees it saw:
#   curl (client) -> A (server) -> A (client) -> B (server), with timings; services are named service_a and
#   service_b (the scripts the Python interpreters run), then a few of the Prometheus metrics it served.
# Env: DEMO_A_PORT (18081), DEMO_B_PORT (18082), DEMO_METRICS_PORT (18080), DEMO_SKIP_BUILD=1 to use an
#   existing ./build.
set -euo pipefail
REPO="$(cd "$(dirname "$0")/.." && pwd)"
PY=/usr/bin/python3
A_PORT="${DEMO_A_PORT:-18081}"
B_PORT="${DEMO_B_PORT:-18082}"
M_PORT="${DEMO_METRICS_PORT:-18080}"
BIN="${BUILD_DIR:-$REPO/build}/userspace/callscope"

say() { echo -e "\n==> $*"; }
die() { echo "demo.sh: $*" >&2; exit 1; }

source "$REPO/scripts/lib/as_root.sh"
cs_as_root "$0" "$@"

if [ "${DEMO_SKIP_BUILD:-0}" != 1 ]; then
  say "Installing dependencies"
  bash "$REPO/scripts/install-deps.sh"
  say "Building"
  bash "$REPO/scripts/build.sh"
fi
[ -x "$BIN" ] || die "$BIN was not built"

TMP="$(mktemp -d /tmp/callscope-demo.XXXXXX)"
PIDS=()
AGENT_PID=""
cleanup() {
  set +e
  [ -n "$AGENT_PID" ] && kill -INT "$AGENT_PID" 2>/dev/null
  for p in "${PIDS[@]}"; do kill -TERM "$p" 2>/dev/null; done
  for p in "${PIDS[@]}" $AGENT_PID; do
    timeout 5 tail --pid="$p" -f /dev/null 2>/dev/null || kill -KILL "$p" 2>/dev/null
  done
  rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

wait_http() {
  local i
  for ((i = 0; i < 200; i++)); do
    curl -s -o /dev/null --max-time 2 "$1" && return 0
    sleep 0.1
  done
  die "$1 did not answer within 20s; log: $(tail -n 5 "$2")"
}

for port in "$A_PORT" "$B_PORT" "$M_PORT"; do
  if ss -Htln "sport = :$port" | grep -q .; then die "port $port is in use (set DEMO_A_PORT / DEMO_B_PORT / DEMO_METRICS_PORT)"; fi
done

say "Starting service B on 127.0.0.1:$B_PORT and service A on 127.0.0.1:$A_PORT (Flask, threaded)"
"$PY" "$REPO/scripts/demo/service_b.py" "$B_PORT" >"$TMP/service_b.log" 2>&1 &
PIDS+=($!)
"$PY" "$REPO/scripts/demo/service_a.py" "$A_PORT" "$B_PORT" >"$TMP/service_a.log" 2>&1 &
PIDS+=($!)
wait_http "http://127.0.0.1:$B_PORT/healthz" "$TMP/service_b.log"
wait_http "http://127.0.0.1:$A_PORT/healthz" "$TMP/service_a.log"

say "Starting: callscope --format tree --port $A_PORT --port $B_PORT --metrics-listen 127.0.0.1:$M_PORT"
# A background job of a script starts with SIGINT ignored; give the agent the default back.
env --default-signal=INT "$BIN" --format tree --port "$A_PORT" --port "$B_PORT" --metrics-listen "127.0.0.1:$M_PORT" \
  >"$TMP/tree.txt" 2>"$TMP/agent.log" &
AGENT_PID=$!
for ((i = 0; i < 300; i++)); do
  grep -q "callscope ready" "$TMP/agent.log" && break
  kill -0 "$AGENT_PID" 2>/dev/null || { cat "$TMP/agent.log" >&2; die "callscope exited before it was ready"; }
  sleep 0.1
done
grep -q "callscope ready" "$TMP/agent.log" || { cat "$TMP/agent.log" >&2; die "callscope not ready after 30s"; }

say "Sending requests with curl"
for path in /a /a/42 /err; do
  printf '  curl http://127.0.0.1:%s%s -> ' "$A_PORT" "$path"
  curl -s --max-time 10 -w ' (HTTP %{http_code})\n' "http://127.0.0.1:$A_PORT$path" || echo "(curl failed)"
  sleep 0.2
done
sleep 1

say "Some of the metrics on http://127.0.0.1:$M_PORT/metrics (Prometheus format)"
curl -s --max-time 5 "http://127.0.0.1:$M_PORT/metrics" |
  grep -E '^(traces_service_graph_request_total|http_server_request_duration_seconds_count)' | sed 's/^/  /' ||
  echo "  (no metrics answer)"

say "Stopping callscope (SIGINT flushes pending spans)"
kill -INT "$AGENT_PID"
timeout 20 tail --pid="$AGENT_PID" -f /dev/null || die "callscope did not exit within 20s"
rc=0
wait "$AGENT_PID" || rc=$?
AGENT_PID=""
echo "  agent exit status $rc; its log:"
sed 's/^/    /' "$TMP/agent.log"

say "Traces seen by callscope"
cat "$TMP/tree.txt"
[ -s "$TMP/tree.txt" ] || die "the agent printed no traces"
[ "$rc" -eq 0 ] || die "callscope exited with status $rc"
