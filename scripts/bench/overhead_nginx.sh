#!/usr/bin/env bash
# Overhead of the agent on nginx: A/B rounds, interleaved, over loopback keep-alive connections.
#
#   A = no agent; B = `callscope --port PORT --format json --output /dev/null` attached.
# nginx: own config in a temp dir, 1 worker, keep-alive, a 600-byte static file, access_log off.
# Load: wrk -t$THREADS -c$CONNS -d${DURATION}s --latency. After the A/B rounds one more agent round runs
# with kernel.bpf_stats_enabled=1 to read the per-program BPF cost (kept out of the A/B rounds, since
# the accounting itself costs time); the sysctl is restored afterwards.
#
# With CAPTURE_ONLY=1 (default) two more variants run in each round, to split the cost:
#   C = `callscope record -o /dev/null --port PORT` (BPF capture + ring buffer reading, no pipeline)
#   D = `callscope --port 1 ...` (all hooks attached, the filter matches nothing: no event is produced)
#
# Env: ROUNDS (5) DURATION (10) CONNS (32) THREADS (2) PORT (18480) CALLSCOPE_BIN (else builds
#      build-bench) PIN (1: nginx on CPU 0, wrk on CPU 1, agent not pinned; 0: nothing pinned)
# Prints a markdown report on stdout; progress on stderr. Root needed. ~4.5 min with the defaults.
set -euo pipefail
source "$(dirname "$0")/bench_lib.sh"

ROUNDS=${ROUNDS:-5}
DURATION=${DURATION:-10}
CONNS=${CONNS:-32}
THREADS=${THREADS:-2}
PORT=${PORT:-18480}
PIN=${PIN:-1}
CAPTURE_ONLY=${CAPTURE_ONLY:-1}

bench_need_root
bench_need_tools nginx wrk bpftool python3 taskset
BIN=$(bench_agent_bin)
WORK=$(mktemp -d /tmp/callscope-bench-nginx.XXXXXX)
NGINX_PID=""
AGENT_PID=""
STATS_BEFORE=$(sysctl -n kernel.bpf_stats_enabled)

cleanup() {
  [ -n "$AGENT_PID" ] && bench_stop_agent "$AGENT_PID"
  if [ -n "$NGINX_PID" ]; then kill -QUIT "$NGINX_PID" 2>/dev/null || true; wait "$NGINX_PID" 2>/dev/null || true; fi
  sysctl -qw kernel.bpf_stats_enabled="$STATS_BEFORE" || true
  rm -rf "$WORK"
}
trap cleanup EXIT

NGINX_PIN=() WRK_PIN=()
if [ "$PIN" = 1 ]; then NGINX_PIN=(taskset -c 0) WRK_PIN=(taskset -c 1); fi

bench_write_static_nginx "$WORK" "$PORT"
nginx -t -q -p "$WORK" -c "$WORK/nginx.conf" || bench_die "nginx config test failed"
"${NGINX_PIN[@]}" nginx -p "$WORK" -c "$WORK/nginx.conf" &
NGINX_PID=$!
for _ in $(seq 50); do curl -fs "http://127.0.0.1:$PORT/index.html" >/dev/null 2>&1 && break; sleep 0.1; done
curl -fs "http://127.0.0.1:$PORT/index.html" >/dev/null || bench_die "nginx does not answer on port $PORT"
bench_machine_summary >&2
echo "callscope: $BIN; file: $(stat -c %s "$WORK/www/index.html") bytes; wrk -t$THREADS -c$CONNS -d${DURATION}s; pin=$PIN" >&2

run_wrk() {  # $1 = output file
  "${WRK_PIN[@]}" wrk -t"$THREADS" -c"$CONNS" -d"${DURATION}s" --latency "http://127.0.0.1:$PORT/index.html" >"$1"
  bench_parse_wrk "$1"
}

start_agent() {  # $1 = log file
  "$BIN" --port "$PORT" --format json --output /dev/null --stats-interval 0 2>"$1" &
  AGENT_PID=$!
  bench_wait_ready "$1" "$AGENT_PID"
}

HZ=$(bench_hz)
declare -a D_RPS B_WAKE C_WAKE C_RPS C_CPU A_RPS B_RPS A_P50 A_P90 A_P99 B_P50 B_P90 B_P99 B_CPU B_SPANS
B_HWM=0
B_DROPS=0
ROWS=""
for ((r = 1; r <= ROUNDS; r++)); do
  # A: no agent.
  read -r rps total p50 p90 p99 < <(run_wrk "$WORK/wrk.A.$r")
  A_RPS+=("$rps") A_P50+=("$p50") A_P90+=("$p90") A_P99+=("$p99")
  ROWS+="| $r | A (no agent) | $rps | $p50 | $p90 | $p99 | - | - |"$'\n'
  echo "round $r A: $rps req/s" >&2
  # B: agent attached.
  start_agent "$WORK/agent.$r.log"
  c0=$(bench_cpu_ticks "$AGENT_PID") w0=$(bench_wakeups "$AGENT_PID")
  read -r rps total p50 p90 p99 < <(run_wrk "$WORK/wrk.B.$r")
  sleep 1  # let the agent drain the ring buffer before reading its CPU time
  c1=$(bench_cpu_ticks "$AGENT_PID") w1=$(bench_wakeups "$AGENT_PID")
  B_WAKE+=("$(python3 -c "print(f'{($w1 - $w0) / ($total / 1000):.0f}')")")
  hwm=$(bench_hwm_kb "$AGENT_PID")
  bench_stop_agent "$AGENT_PID"
  AGENT_PID=""
  spans=$(bench_log_value "$WORK/agent.$r.log" spans)
  drops=$(bench_log_value "$WORK/agent.$r.log" ringbuf_drops)
  cpu_per_k=$(python3 -c "print(f'{($c1 - $c0) / $HZ / ($total / 1000):.4f}')")
  B_RPS+=("$rps") B_P50+=("$p50") B_P90+=("$p90") B_P99+=("$p99") B_CPU+=("$cpu_per_k")
  B_SPANS+=("$(python3 -c "print(f'{${spans:-0} / $total:.3f}')")")
  ((hwm > B_HWM)) && B_HWM=$hwm
  B_DROPS=$((B_DROPS + ${drops:-0}))
  ROWS+="| $r | B (agent) | $rps | $p50 | $p90 | $p99 | $cpu_per_k | ${spans:-?} spans / $total req |"$'\n'
  echo "round $r B: $rps req/s, agent CPU ${cpu_per_k}s per 1000 req, spans ${spans:-?}, drops ${drops:-?}" >&2
  # C: kernel capture only (`callscope record -o /dev/null`: BPF + ring buffer, no pipeline).
  [ "$CAPTURE_ONLY" = 1 ] || continue
  "$BIN" record -o /dev/null --port "$PORT" --stats-interval 0 2>"$WORK/record.$r.log" &
  AGENT_PID=$!
  bench_wait_ready "$WORK/record.$r.log" "$AGENT_PID"
  c0=$(bench_cpu_ticks "$AGENT_PID") w0=$(bench_wakeups "$AGENT_PID")
  read -r rps total p50 p90 p99 < <(run_wrk "$WORK/wrk.C.$r")
  sleep 1
  c1=$(bench_cpu_ticks "$AGENT_PID") w1=$(bench_wakeups "$AGENT_PID")
  C_WAKE+=("$(python3 -c "print(f'{($w1 - $w0) / ($total / 1000):.0f}')")")
  bench_stop_agent "$AGENT_PID"
  AGENT_PID=""
  cpu_per_k=$(python3 -c "print(f'{($c1 - $c0) / $HZ / ($total / 1000):.4f}')")
  C_RPS+=("$rps") C_CPU+=("$cpu_per_k")
  ROWS+="| $r | C (record to /dev/null) | $rps | $p50 | $p90 | $p99 | $cpu_per_k | - |"$'\n'
  echo "round $r C: $rps req/s, recorder CPU ${cpu_per_k}s per 1000 req" >&2
  # D: hooks attached, nothing traced (`callscope --port 1`): the cost every untraced syscall pays.
  "$BIN" --port 1 --format json --output /dev/null --stats-interval 0 2>"$WORK/idle.$r.log" &
  AGENT_PID=$!
  bench_wait_ready "$WORK/idle.$r.log" "$AGENT_PID"
  read -r rps total p50 p90 p99 < <(run_wrk "$WORK/wrk.D.$r")
  bench_stop_agent "$AGENT_PID"
  AGENT_PID=""
  D_RPS+=("$rps")
  ROWS+="| $r | D (agent, filter matches nothing) | $rps | $p50 | $p90 | $p99 | - | - |"$'\n'
  echo "round $r D: $rps req/s" >&2
done

# Per-program BPF cost: one more agent round with the kernel's accounting on.
sysctl -qw kernel.bpf_stats_enabled=1
bench_bpf_prog_ids >"$WORK/bpf.ids"
start_agent "$WORK/agent.stats.log"
bench_bpf_prog_stats "$WORK/bpf.ids" >"$WORK/bpf.before"
read -r s_rps s_total _ _ _ < <(run_wrk "$WORK/wrk.stats")
bench_bpf_prog_stats "$WORK/bpf.ids" >"$WORK/bpf.after"
bench_stop_agent "$AGENT_PID"
AGENT_PID=""
sysctl -qw kernel.bpf_stats_enabled="$STATS_BEFORE"
BPF_ROWS=$(bench_bpf_prog_table "$WORK/bpf.before" "$WORK/bpf.after")
BPF_NS_PER_REQ=$(python3 - "$WORK/bpf.before" "$WORK/bpf.after" "$s_total" <<'EOF'
import sys
def tot(p): return sum(int(l.split()[1]) for l in open(p))
print(f"{(tot(sys.argv[2]) - tot(sys.argv[1])) / int(sys.argv[3]):.0f}")
EOF
)

mA=$(bench_median "${A_RPS[@]}")
mB=$(bench_median "${B_RPS[@]}")
cat <<EOF
## nginx, 600-byte static file, wrk -t$THREADS -c$CONNS -d${DURATION}s, $ROUNDS rounds each (A/B interleaved)

$(bench_machine_summary | sed 's/load average before/load average at start/')
Pinning: $([ "$PIN" = 1 ] && echo "nginx (master+worker) on CPU 0, wrk on CPU 1, agent not pinned" || echo "none")

| round | variant | req/s | p50 us | p90 us | p99 us | agent CPU s / 1000 req | spans |
|---|---|---|---|---|---|---|---|
$ROWS
| median | req/s | p50 us | p90 us | p99 us |
|---|---|---|---|---|
| A (no agent) | $mA | $(bench_median "${A_P50[@]}") | $(bench_median "${A_P90[@]}") | $(bench_median "${A_P99[@]}") |
| B (agent) | $mB | $(bench_median "${B_P50[@]}") | $(bench_median "${B_P90[@]}") | $(bench_median "${B_P99[@]}") |

- throughput with agent (median B / median A): $(python3 -c "print(f'{100 * $mB / $mA:.1f}%')")
$([ "$CAPTURE_ONLY" = 1 ] && echo "- throughput with capture only (median C / median A): $(python3 -c "print(f'{100 * $(bench_median "${C_RPS[@]}") / $mA:.1f}%')"); recorder CPU per 1,000 requests (median): $(bench_median "${C_CPU[@]}") s; recorder wake-ups (voluntary context switches) per 1,000 requests (median): $(bench_median "${C_WAKE[@]}")")
$([ "$CAPTURE_ONLY" = 1 ] && echo "- throughput with hooks attached but nothing traced (median D / median A): $(python3 -c "print(f'{100 * $(bench_median "${D_RPS[@]}") / $mA:.1f}%')")")
- agent CPU per 1,000 requests (median of B rounds): $(bench_median "${B_CPU[@]}") s
- agent wake-ups (voluntary context switches) per 1,000 requests (median of B rounds): $(bench_median "${B_WAKE[@]}")
- agent peak RSS (max VmHWM over B rounds): $((B_HWM / 1024)) MiB
- spans emitted per request (median; 2 expected: wrk client span + nginx server span): $(bench_median "${B_SPANS[@]}")
- ring buffer drops over all B rounds: $B_DROPS

BPF programs (kernel.bpf_stats_enabled=1, one extra agent round: $s_rps req/s, $s_total requests).
The dispatchers run on every syscall of every process and tail-call the per-syscall handlers; the
kernel charges the tail-called handler's time to the dispatcher, so the handlers do not appear.

| program | calls | ns per call |
|---|---|---|
$BPF_ROWS

- BPF time per HTTP request (all programs, ns): $BPF_NS_PER_REQ
EOF
