#!/usr/bin/env bash
# Agent restart: BPF objects are owned by the agent's file descriptors and go away with it, and a new
# agent picks up connections that stayed open across the restart.
#   1. agent #1 runs while a keep-alive client opens connections to A (gunicorn, HTTP/1.1) and sends one
#      request on each: agent #1 traces those chains
#   2. SIGINT: agent #1 exits 0; none of its BPF programs, links or maps remain (bpftool), nothing
#      callscope-related is pinned under /sys/fs/bpf
#   3. agent #2 starts; the client sends more requests on the SAME open connections: agent #2 traces
#      them as complete chains (client -> A server -> A client -> B server)
#   4. agent #3 is killed with SIGKILL (no cleanup code runs): its programs, links and maps are gone once
#      the process is (within 10 s)
# Usage: bash test_agent_restart.sh /path/to/callscope   (root)
set -euo pipefail
source "$(dirname "$0")/lib/common.sh"
cs_init "$@"

A_PORT=18191
B_PORT=18192
CONNECTIONS=3
REQUESTS_PER_CONN=2
command -v bpftool >/dev/null || cs_fail "bpftool missing (apt-get install bpftool)"
command -v gunicorn >/dev/null || cs_fail "gunicorn missing (run scripts/install-deps.sh)"
cs_port_free "$A_PORT"
cs_port_free "$B_PORT"

# bpf_ids KIND: sorted ids of every loaded BPF program/map/link (KIND = prog|map|link).
bpf_ids() {
  bpftool -j "$1" show 2>/dev/null | "$PY" -c '
import json, sys
try:
    items = json.load(sys.stdin)
except ValueError:
    sys.exit("bpftool gave no JSON")
for it in items:
    print(it["id"])' | sort -n || cs_fail "bpftool $1 show failed"
}

# owned_ids PID KIND: ids of the BPF programs/maps/links the process holds file descriptors to (from
# /proc/PID/fdinfo: prog_id / map_id / link_id). Exact even when other agents run on the machine.
owned_ids() {
  local pid="$1" kind="$2"
  grep -h "^${kind}_id:" /proc/"$pid"/fdinfo/* 2>/dev/null | awk '{print $2}' | sort -un
}

snapshot() {  # snapshot NAME: prog/map/link ids into $CS_TMP/NAME.{prog,map,link}
  local k
  for k in prog map link; do bpf_ids "$k" >"$CS_TMP/$1.$k"; done
}

# expect_gone PHASE SECONDS: every program/map/link that appeared with the agent is gone within SECONDS.
expect_gone() {
  local phase="$1" secs="$2" k i left
  for ((i = 0; i < secs * 10; i++)); do
    left=0
    snapshot "$phase-after"
    for k in prog map link; do
      left=$((left + $(comm -12 <(sort "$CS_TMP/$phase-owned.$k") <(sort "$CS_TMP/$phase-after.$k") | wc -l)))
    done
    [ "$left" -eq 0 ] && break
    sleep 0.1
  done
  for k in prog map link; do
    local still
    still="$(comm -12 <(sort "$CS_TMP/$phase-owned.$k") <(sort "$CS_TMP/$phase-after.$k") | tr '\n' ' ')"
    [ -z "$still" ] || cs_fail "$phase: BPF ${k}s of the stopped agent still loaded after ${secs}s: ids $still"
  done
  if [ -d /sys/fs/bpf ]; then
    local pinned
    pinned="$(find /sys/fs/bpf -iname '*cs_*' -o -iname '*callscope*' 2>/dev/null | head -n 5)"
    [ -z "$pinned" ] || cs_fail "$phase: callscope objects pinned under /sys/fs/bpf: $pinned"
  fi
  cs_log "$phase: all $(cat "$CS_TMP/$phase-owned.prog" | wc -l) programs, $(cat "$CS_TMP/$phase-owned.map" | wc -l) maps, $(cat "$CS_TMP/$phase-owned.link" | wc -l) links of the agent are gone"
}

# agent_phase NAME ARGS...: starts the agent, records which BPF objects it owns (and that bpftool sees them).
agent_phase() {
  local name="$1" k
  shift
  CS_PHASE="$name" cs_start_agent "$@"
  snapshot "$name-running"
  for k in prog map link; do
    owned_ids "$CS_AGENT_PID" "$k" >"$CS_TMP/$name-owned.$k"
    [ -s "$CS_TMP/$name-owned.$k" ] || cs_fail "$name: the agent holds no BPF $k file descriptor (/proc/$CS_AGENT_PID/fdinfo)"
    local unseen
    unseen="$(comm -23 <(sort "$CS_TMP/$name-owned.$k") <(sort "$CS_TMP/$name-running.$k") | tr '\n' ' ')"
    [ -z "$unseen" ] || cs_fail "$name: bpftool $k show does not list the agent's ${k}s $unseen"
  done
}

cs_bg service_b "$PY" "$CS_DEMO_DIR/service_b.py" "$B_PORT"
B_PID=$CS_LAST_PID
cs_bg service_a env SERVICE_B_PORT="$B_PORT" gunicorn --chdir "$CS_DEMO_DIR" --workers 1 \
  --worker-class gthread --threads 8 --keep-alive 300 --bind "127.0.0.1:$A_PORT" service_a:app
A_PID="$(cs_only_child "$CS_LAST_PID")"
cs_wait_http "http://127.0.0.1:$B_PORT/healthz"
cs_wait_http "http://127.0.0.1:$A_PORT/healthz"
A_COMM="$(cs_comm "$A_PID")"
B_COMM="$(cs_comm "$B_PID")"
CHAIN="python3:client:GET /a/{id}:code=200,port=$A_PORT"
CHAIN+=">$A_COMM:server:GET /a/{id}:code=200,port=$A_PORT,pid=$A_PID"
CHAIN+=">$A_COMM:client:GET /b/{id}:code=200,port=$B_PORT,pid=$A_PID"
CHAIN+=">$B_COMM:server:GET /b/{id}:code=200,port=$B_PORT,pid=$B_PID"

# --- 1. agent #1 sees the connections open and their first request --------------------------------------
agent_phase first --port "$A_PORT" --port "$B_PORT"
cs_start_keepalive_client "$A_PORT" "$CONNECTIONS" "$REQUESTS_PER_CONN"
sleep 1

# --- 2. SIGINT: clean exit, nothing left behind ------------------------------------------------------------
cs_stop_agent
cs_check --expect "$CONNECTIONS" "$CHAIN"
expect_gone first 10

# --- 3. agent #2 traces the connections that stayed open -------------------------------------------------
agent_phase second --port "$A_PORT" --port "$B_PORT"
touch "$GO"
timeout 120 tail --pid="$CLIENT_PID" -f /dev/null || cs_fail "keep-alive client did not finish within 120s"
rc=0
wait "$CLIENT_PID" || rc=$?
[ "$rc" -eq 0 ] || cs_fail "keep-alive client failed (status $rc; connections reopened?), see client.log"
sleep 1
cs_stop_agent
cs_check --expect "$((CONNECTIONS * REQUESTS_PER_CONN))" "$CHAIN"
grep -q '"/a/pre' "$CS_SPANS" && cs_fail "agent #2 reports requests sent before it started"
expect_gone second 10

# --- 4. SIGKILL: the kernel releases everything with the process ------------------------------------------
agent_phase killed --port "$A_PORT" --port "$B_PORT"
kill -KILL "$CS_AGENT_PID"
timeout 10 tail --pid="$CS_AGENT_PID" -f /dev/null || cs_fail "the agent survived SIGKILL for 10s"
wait "$CS_AGENT_PID" 2>/dev/null || true
CS_AGENT_PID=""
expect_gone killed 10
cs_curl "http://127.0.0.1:$A_PORT/a/after-kill" 200
cs_log "PASS"
