#!/usr/bin/env bash
# Go services get complete chains (issue 7, section 2): Go net/http services (tests/integration/go/chainsvc,
# stdlib only, Debian's go1.19; one http.Client with Go's default transport in each front), the load from
# truth_load.py (16 and 64 keep-alive clients, 1024 requests per phase), the agent with its defaults
# (goroutine-aware: goroutine ids on socket events, uprobes on runtime.newproc1 and net/http's client
# hand-offs). Topologies, ids hashed at every hop (so the agent cannot link by content):
#   ab    load -> A (Go) -> B (Go leaf)
#   seq   load -> A (Go) -> B then C, one after another, through one http.Client
#   fan   load -> A (Go) -> B || C, one `go func` per call
#   abc   load -> A (Go) -> B (Go, stripped: no DWARF) -> C (Go leaf)
# Must hold in every phase (check_chains.py --truth): 0 wrong edges, >= 99% of in-process edges right,
# every cross-process edge right. Also:
#   - record/replay: `callscope record` runs beside the live agent in one phase; the capture (which holds
#     the Go records) replayed gives chains just as right;
#   - late: in one phase the agent starts first and the Go services after it (found at their exec: pending
#     until analysed, then registered and probed); once the agent has registered them, same thresholds;
#   - late-now: the same with the load sent as soon as the services answer: requests that reach a service
#     before the agent has registered it abstain (process_starting); 0 wrong, the share right printed;
#   - ids: one phase with --go-probes ids (goroutine ids, no uprobes): 0 wrong; the net/http client calls
#     abstain (their writeLoop's origin is unknown), the share right is printed;
#   - the agent's exit report: Go records seen, no Go record lost, no TLS mismatch;
#   - the per-request cost printed: uprobe hits per front request (Go records, NEWPROC counted twice: its
#     entry probe writes none) and the services' CPU per request.
# Usage: bash test_go_chains.sh /path/to/callscope   (root; under flock /tmp/cs-root.lock)
set -euo pipefail
source "$(dirname "$0")/lib/common.sh"
cs_init "$@"
source "$(dirname "$0")/lib/truth.sh"

GO_DIR="$(cd "$(dirname "$CS_BIN")/.." && pwd)/tests/integration/go"
SVC="$GO_DIR/chainsvc"
SVC_STRIPPED="$GO_DIR/chainsvc_stripped"
for f in "$SVC" "$SVC_STRIPPED"; do
  [ -x "$f" ] || cs_fail "$f not built (cmake --build build --target go_test_binaries)"
done
A_PORT=18183
B_PORT=18184
C_PORT=18185
CS_TRUTH_PORTS="$A_PORT $B_PORT $C_PORT"
for p in $CS_TRUTH_PORTS; do cs_port_free "$p"; done
REQUESTS_PER_PHASE=1024
COSTS=()

# go_svc NAME BINARY ROLE PORT TRUTH [ARGS...]: starts a chainsvc, waits for it; sets SVC_PID.
go_svc() {
  local name="$1" bin="$2" role="$3" port="$4" truth="$5"
  shift 5
  cs_bg "$name" "$bin" "$role" -listen "127.0.0.1:$port" -truth "$truth" -service "$name" "$@"
  SVC_PID=$CS_LAST_PID
  cs_truth_wait "" 127.0.0.1 "$port"
}

cpu_ticks() {  # PID...: utime + stime of the processes, in clock ticks
  local sum=0 p
  for p in "$@"; do
    sum=$((sum + $(awk '{print $14 + $15}' "/proc/$p/stat")))
  done
  echo "$sum"
}

# truth_run LABEL CLIENTS CHECK_ARGS...: cs_truth_phase with the agent already started (CS_PHASE=LABEL):
# the load, the agent stopped, its spans checked against the truth logs.
truth_run() {
  local label="$1" clients="$2"
  shift 2
  timeout 300 "$PY" "$CS_CHAINS_DIR/truth_load.py" 127.0.0.1 "$A_PORT" "$clients" $((REQUESTS_PER_PHASE / clients)) \
    "${label//[^0-9A-Za-z]/}" >>"$CS_TMP/load.log" 2>&1 || cs_fail "load $label failed (see load.log)"
  sleep 1
  cs_stop_agent
  local checks=() t report="$CS_TMP/report-$label.txt"
  for t in "$CS_TMP"/truth-"$label"-*.jsonl; do checks+=(--truth "$t"); done
  if ! timeout 120 "$PY" "$CS_LIB_DIR/check_chains.py" "$CS_SPANS" "${checks[@]}" --label "$label" "$@" 2>"$report"; then
    cat "$report" >&2
    cs_fail "chains of phase $label are not right (report above)"
  fi
  CS_TRUTH_RESULTS+=("$(grep '^truth' "$report") | agent: $(grep -o 'ambiguous_client=[0-9]* ([^)]*)' "$CS_AGENT_LOG" | tail -n 1)")
  cs_log "$(grep '^truth' "$report")"
}

# phase TOPOLOGY CLIENTS [record|late|late-now|ids]
phase() {
  local topo="$1" clients="$2" variant="${3:-}" label pids=() a_args=() agent_args=() p
  label="go-$topo-$clients${variant:+-$variant}"
  local t="$CS_TMP/truth-$label"
  for p in $CS_TRUTH_PORTS; do agent_args+=(--port "$p"); done
  [ "$variant" = ids ] && agent_args+=(--go-probes ids)
  local late=""
  [[ "$variant" == late* ]] && late=1
  if [ -n "$late" ]; then
    CS_AGENT_LOG_LEVEL=debug CS_PHASE="$label" cs_start_agent "${agent_args[@]}"  # "Go process N registered"
  fi
  case "$topo" in
    ab) go_svc b "$SVC" leaf "$B_PORT" "$t-b.jsonl"; pids+=("$SVC_PID")
        a_args=(-downstream "http://127.0.0.1:$B_PORT" -mode seq) ;;
    seq|fan)
        go_svc b "$SVC" leaf "$B_PORT" "$t-b.jsonl"; pids+=("$SVC_PID")
        go_svc c "$SVC_STRIPPED" leaf "$C_PORT" "$t-c.jsonl"; pids+=("$SVC_PID")
        local mode=seq
        [ "$topo" = fan ] && mode=fanout
        a_args=(-downstream "http://127.0.0.1:$B_PORT,http://127.0.0.1:$C_PORT" -mode "$mode") ;;
    abc) go_svc c "$SVC" leaf "$C_PORT" "$t-c.jsonl"; pids+=("$SVC_PID")
        go_svc b "$SVC_STRIPPED" front "$B_PORT" "$t-b.jsonl" -downstream "http://127.0.0.1:$C_PORT" -mode seq
        pids+=("$SVC_PID")
        a_args=(-downstream "http://127.0.0.1:$B_PORT" -mode seq) ;;
    *) cs_fail "unknown topology $topo" ;;
  esac
  go_svc a "$SVC" front "$A_PORT" "$t-a.jsonl" "${a_args[@]}"
  pids+=("$SVC_PID")

  local rec_pid="" cap="$CS_TMP/$label.cscap" rec_log="$CS_TMP/recorder-$label.log" i
  if [ "$variant" = record ]; then
    env --default-signal=INT,QUIT "$CS_BIN" record -o "$cap" --port "$A_PORT" --port "$B_PORT" --port "$C_PORT" \
      >/dev/null 2>"$rec_log" &
    rec_pid=$!
    CS_PIDS+=("$rec_pid")
    cs_wait_ready "$rec_pid" "$rec_log" "callscope record"
  fi

  [ -n "$late" ] || CS_PHASE="$label" cs_start_agent "${agent_args[@]}"
  if [ "$variant" = late ]; then
    for p in "${pids[@]}"; do
      for ((i = 0; i < 100; i++)); do
        grep -q "Go process $p registered" "$CS_AGENT_LOG" && break
        sleep 0.1
      done
      grep -q "Go process $p registered" "$CS_AGENT_LOG" || cs_fail "$label: Go service $p not registered within 10s"
    done
  fi
  local cpu0 min_right=0.99
  [ "$variant" = ids ] || [ "$variant" = late-now ] && min_right=0
  cpu0=$(cpu_ticks "${pids[@]}")
  truth_run "$label" "$clients" --min-right-in "$min_right"
  local cpu1
  cpu1=$(cpu_ticks "${pids[@]}")

  # The exit report: Go records arrived, none lost, goroutine pointers where computed.
  local go_line rr gc mode="probes"
  [ "$variant" = ids ] && mode="goroutine ids only"
  grep -q "Go support ($mode): " "$CS_AGENT_LOG" || cs_fail "$label: the agent did not start its Go support ($mode)"
  go_line="$(grep -E '\] go: processes=' "$CS_AGENT_LOG" | tail -n 1)"
  [ -n "$go_line" ] || cs_fail "$label: no Go counters in the agent's exit report"
  [[ "$go_line" == *" ringbuf_drops=0 "* ]] || cs_fail "$label: Go records lost: $go_line"
  [[ "$go_line" == *" tls_mismatch=0"* ]] || cs_fail "$label: goroutine pointer not where computed: $go_line"
  [[ "$go_line" =~ processes=([0-9]+) ]] && [ "${BASH_REMATCH[1]}" -ge "${#pids[@]}" ] ||
    cs_fail "$label: not every Go service was registered: $go_line"
  rr="$(grep -o 'runtime_records=[0-9]*' "$CS_AGENT_LOG" | tail -n 1 | cut -d= -f2)"
  gc="$(grep -o 'goroutines_created=[0-9]*' "$CS_AGENT_LOG" | tail -n 1 | cut -d= -f2)"
  if [ "$variant" = ids ]; then
    [ "${rr:-0}" -eq 0 ] || cs_fail "$label: Go records with --go-probes ids (no uprobes): $rr"
  else
    [ "${rr:-0}" -gt 0 ] || cs_fail "$label: the pipeline saw no Go records"
  fi
  COSTS+=("$(awk -v l="$label" -v rr="$rr" -v gc="$gc" -v n="$REQUESTS_PER_PHASE" -v ticks=$((cpu1 - cpu0)) \
    -v hz="$(getconf CLK_TCK)" 'BEGIN { printf "%s: uprobe hits per front request %.1f (goroutines created %.1f, net/http hand-off records %.1f); Go services CPU %.0f us per front request (all hops, noisy)", l, (rr + gc) / n, gc / n, (rr - gc) / n, ticks * 1e6 / hz / n }')")

  if [ -n "$rec_pid" ]; then
    kill -INT "$rec_pid"
    timeout 20 tail --pid="$rec_pid" -f /dev/null || cs_fail "recorder did not exit within 20s of SIGINT"
    local rc=0
    wait "$rec_pid" || rc=$?
    [ "$rc" -eq 0 ] || cs_fail "callscope record exited with status $rc"
    local replayed="$CS_TMP/replay-$label.jsonl" checks=() f
    "$CS_BIN" replay "$cap" --format json --output "$replayed" 2>"$CS_TMP/replay-$label.log" ||
      cs_fail "replay of $cap failed"
    grep -q "runtime_records=[1-9]" "$CS_TMP/replay-$label.log" || cs_fail "the capture holds no Go records"
    for f in "$t"-*.jsonl; do checks+=(--truth "$f"); done
    if ! timeout 120 "$PY" "$CS_LIB_DIR/check_chains.py" "$replayed" "${checks[@]}" --label "$label replayed" \
        --min-right-in 0.99 2>"$CS_TMP/report-$label-replayed.txt"; then
      cat "$CS_TMP/report-$label-replayed.txt" >&2
      cs_fail "chains replayed from the capture of $label are not right"
    fi
    CS_TRUTH_RESULTS+=("$(grep '^truth' "$CS_TMP/report-$label-replayed.txt")")
    cs_log "$(grep '^truth' "$CS_TMP/report-$label-replayed.txt")"
  fi

  local p
  for p in "${pids[@]}"; do cs_stop "$p" "Go service ($label)"; done
}

for clients in 16 64; do
  phase ab "$clients"
  phase seq "$clients"
  if [ "$clients" = 16 ]; then phase fan "$clients" record; else phase fan "$clients"; fi
  phase abc "$clients"
done
phase seq 16 late
phase seq 16 late-now
phase fan 16 ids
cs_truth_summary
echo "===== $CS_TEST_NAME: cost =====" >&2
for line in "${COSTS[@]}"; do echo "$line" >&2; done
cs_log "PASS"
