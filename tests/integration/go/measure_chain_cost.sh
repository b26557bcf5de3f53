#!/usr/bin/env bash
# What goroutine-aware chains cost the traced Go services, end to end: load (16 keep-alive clients) ->
# A (chainsvc, calls B then C through one http.Client) -> B, C (chainsvc leaves), with no agent, and with
# the agent at --go-probes off, ids and auto, alternating, ROUNDS times. Prints per front request: the CPU
# (user+sys) of the three Go services, the agent's CPU, and the wall time of the load. Not a test: figures
# on a shared 2-core machine are noisy (compare medians). Root; run under `flock /tmp/cs-root.lock`.
# Usage: bash measure_chain_cost.sh <path-to-callscope-binary> [ROUNDS] [REQUESTS]
set -euo pipefail
CS_BIN="$(realpath "$1")"
ROUNDS="${2:-3}"
REQUESTS="${3:-2048}"
CLIENTS=16
GO_DIR="$(cd "$(dirname "$CS_BIN")/.." && pwd)/tests/integration/go"
LOAD="$(cd "$(dirname "$0")/../chains" && pwd)/truth_load.py"
SVC="$GO_DIR/chainsvc"
[ -x "$SVC" ] || { echo "$SVC not built" >&2; exit 1; }
TMP="$(mktemp -d /tmp/cs_go_chain_cost.XXXXXX)"
PIDS=()
AGENT=""
cleanup() {
  [ -n "$AGENT" ] && kill -INT "$AGENT" 2>/dev/null
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  [ -n "${KEEP_TMP:-}" ] && echo "kept $TMP" >&2 || rm -rf "$TMP"
}
trap cleanup EXIT

ticks() { local s=0 p; for p in "$@"; do s=$((s + $(awk '{print $14 + $15}' "/proc/$p/stat"))); done; echo "$s"; }
wait_http() { for _ in $(seq 200); do curl -s -o /dev/null --max-time 2 "http://127.0.0.1:$1/healthz" && return 0; sleep 0.1; done; echo "port $1 not up" >&2; exit 1; }

"$SVC" leaf -listen 127.0.0.1:18184 -truth "$TMP/b.jsonl" -service b >"$TMP/b.log" 2>&1 & PIDS+=($!)
"$SVC" leaf -listen 127.0.0.1:18185 -truth "$TMP/c.jsonl" -service c >"$TMP/c.log" 2>&1 & PIDS+=($!)
"$SVC" front -listen 127.0.0.1:18183 -truth "$TMP/a.jsonl" -service a \
  -downstream http://127.0.0.1:18184,http://127.0.0.1:18185 -mode seq >"$TMP/a.log" 2>&1 & PIDS+=($!)
for p in 18183 18184 18185; do wait_http "$p"; done
SVCS=("${PIDS[@]}")
hz="$(getconf CLK_TCK)"

for round in $(seq "$ROUNDS"); do
  for mode in none off ids auto; do
    AGENT=""
    if [ "$mode" != none ]; then
      env --default-signal=INT "$CS_BIN" --go-probes "$mode" --port 18183 --port 18184 --port 18185 --format json \
        --output /dev/null 2>"$TMP/agent.log" &
      AGENT=$!
      for _ in $(seq 300); do grep -q "callscope ready" "$TMP/agent.log" && break; sleep 0.1; done
      grep -q "callscope ready" "$TMP/agent.log" || { cat "$TMP/agent.log" >&2; exit 1; }
      sleep 1  # the first rescan / exec notes settle
    fi
    s0=$(ticks "${SVCS[@]}")
    a0=0
    [ -n "$AGENT" ] && a0=$(ticks "$AGENT")
    t0=$(date +%s%N)
    python3 "$LOAD" 127.0.0.1 18183 "$CLIENTS" $((REQUESTS / CLIENTS)) "cost${round}${mode}" 2>>"$TMP/load.log" ||
      { echo "load failed (round $round, $mode):" >&2; tail -n 3 "$TMP/load.log" >&2; exit 1; }
    if [ -n "$AGENT" ] && ! kill -0 "$AGENT" 2>/dev/null; then
      echo "the agent (--go-probes $mode) died:" >&2; tail -n 20 "$TMP/agent.log" >&2; exit 1
    fi
    t1=$(date +%s%N)
    s1=$(ticks "${SVCS[@]}")
    a1=0
    [ -n "$AGENT" ] && a1=$(ticks "$AGENT")
    if [ -n "$AGENT" ]; then
      kill -INT "$AGENT"
      wait "$AGENT" || true
      AGENT=""
    fi
    awk -v r="$round" -v m="$mode" -v s=$((s1 - s0)) -v a=$((a1 - a0)) -v w=$((t1 - t0)) -v n="$REQUESTS" -v hz="$hz" \
      'BEGIN { printf "round %d %-4s: Go services CPU %4.0f us, agent CPU %4.0f us, wall %4.0f us per front request\n", r, m, s * 1e6 / hz / n, a * 1e6 / hz / n, w / 1e3 / n }'
  done
done
