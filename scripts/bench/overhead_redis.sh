#!/usr/bin/env bash
# Overhead of the agent on redis-server: A/B rounds, interleaved, over loopback.
#
#   A = no agent; A2 = no agent again (A2/A: the noise); B = `callscope --format json --output /dev/null`
#   (default options, every process traced), interleaved, the order alternating each round.
#   B0 = B with BASELINE_BIN (another callscope binary), when set: before/after in the same run.
# The agent sees every read/write of redis-server and redis-benchmark; the cost depends on whether the
# pipeline parses the protocol (then every command is copied and becomes spans) or classifies the
# connections as unknown (then the kernel stops copying them after the verdict). Load: redis-benchmark
# -q -n $REQUESTS -c $CONNS -P 1 -t get,set per round.
#
# Time bound: a warm-up run measures the rate first; if REQUESTS per test would take longer than
# MAX_TEST_SECONDS (8) at that rate, REQUESTS is lowered to fit (said in the report).
#
# Env: ROUNDS (5) REQUESTS (200000) CONNS (50) PORT (16479) CALLSCOPE_BIN (else builds build-bench)
#      BASELINE_BIN (adds variant B0)
#      PIN (0: nothing pinned, as a user runs it; 1: redis-server on CPU 0, redis-benchmark on CPU 1)
# Prints a markdown report on stdout; progress on stderr. Root needed. ~2-3 min with the defaults.
set -euo pipefail
source "$(dirname "$0")/bench_lib.sh"

ROUNDS=${ROUNDS:-5}
REQUESTS=${REQUESTS:-200000}
CONNS=${CONNS:-50}
PORT=${PORT:-16479}
PIN=${PIN:-0}

bench_need_root
bench_need_tools redis-server redis-benchmark redis-cli python3 taskset
BIN=$(bench_agent_bin)
BASELINE_BIN=${BASELINE_BIN:-}
[ -z "$BASELINE_BIN" ] || [ -x "$BASELINE_BIN" ] || bench_die "BASELINE_BIN=$BASELINE_BIN is not executable"
WORK=$(mktemp -d /tmp/callscope-bench-redis.XXXXXX)
REDIS_PID=""
AGENT_PID=""

cleanup() {
  [ -n "$AGENT_PID" ] && bench_stop_agent "$AGENT_PID"
  if [ -n "$REDIS_PID" ]; then kill -TERM "$REDIS_PID" 2>/dev/null || true; wait "$REDIS_PID" 2>/dev/null || true; fi
  rm -rf "$WORK"
}
trap cleanup EXIT

SERVER_PIN=() CLIENT_PIN=()
if [ "$PIN" = 1 ]; then SERVER_PIN=(taskset -c 0) CLIENT_PIN=(taskset -c 1); fi

"${SERVER_PIN[@]}" redis-server --port "$PORT" --bind 127.0.0.1 --save '' --appendonly no --daemonize no \
  --dir "$WORK" --logfile "$WORK/redis.log" &
REDIS_PID=$!
for _ in $(seq 50); do redis-cli -p "$PORT" ping >/dev/null 2>&1 && break; sleep 0.1; done
[ "$(redis-cli -p "$PORT" ping 2>/dev/null)" = PONG ] || bench_die "redis-server does not answer on port $PORT"
bench_machine_summary >&2
echo "callscope: $BIN; redis-benchmark -q -n $REQUESTS -c $CONNS -P 1 -t get,set; pin=$PIN" >&2

# Prints "set_ops_per_s get_ops_per_s seconds" for one redis-benchmark run.
run_load() {  # $1 = output file
  local t0 t1
  t0=$(date +%s.%N)
  "${CLIENT_PIN[@]}" redis-benchmark -h 127.0.0.1 -p "$PORT" -q -n "$REQUESTS" -c "$CONNS" -P 1 -t get,set \
    2>&1 | tr '\r' '\n' >"$1"
  t1=$(date +%s.%N)
  python3 - "$1" "$t0" "$t1" <<'EOF'
import re, sys
text = open(sys.argv[1]).read()
ops = dict(re.findall(r"^(SET|GET): ([\d.]+) requests per second", text, re.M))
if set(ops) != {"SET", "GET"}:
    sys.exit("cannot parse redis-benchmark output in " + sys.argv[1])
print(ops["SET"], ops["GET"], f"{float(sys.argv[3]) - float(sys.argv[2]):.2f}")
EOF
}

start_agent() {  # $1 = log file, $2 = binary
  "$2" --format json --output /dev/null --stats-interval 0 2>"$1" &
  AGENT_PID=$!
  bench_wait_ready "$1" "$AGENT_PID"
}

MAX_TEST_SECONDS=${MAX_TEST_SECONDS:-8}
REQUESTED=$REQUESTS
SAVE_REQUESTS=$REQUESTS
REQUESTS=20000
read -r wset wget _ < <(run_load "$WORK/load.warmup")
REQUESTS=$(python3 -c "print(min($SAVE_REQUESTS, max(10000, int(min($wset, $wget) * $MAX_TEST_SECONDS) // 10000 * 10000)))")
[ "$REQUESTS" -lt "$REQUESTED" ] && echo "warm-up: SET $wset GET $wget ops/s: -n lowered from $REQUESTED to $REQUESTS to stay within ${MAX_TEST_SECONDS}s per test" >&2

HZ=$(bench_hz)
OPS=$((2 * REQUESTS))
declare -a A_SET A_GET A2_SET A2_GET B_SET B_GET B_CPU B0_SET B0_GET B0_CPU
B_HWM=0
B_DROPS=0
ROWS=""
run_untraced() {  # $1 = variant name (A or A2)
  read -r set get _ < <(run_load "$WORK/load.$1.$r")
  if [ "$1" = A ]; then A_SET+=("$set") A_GET+=("$get"); else A2_SET+=("$set") A2_GET+=("$get"); fi
  ROWS+="| $r | $1 (no agent) | $set | $get | - | - |"$'\n'
  echo "round $r $1: SET $set GET $get ops/s" >&2
}
run_traced() {  # $1 = variant name (B or B0), $2 = binary
  start_agent "$WORK/agent.$1.$r.log" "$2"
  c0=$(bench_cpu_ticks "$AGENT_PID")
  read -r set get _ < <(run_load "$WORK/load.$1.$r")
  sleep 1  # let the agent drain the ring buffer before reading its CPU time
  c1=$(bench_cpu_ticks "$AGENT_PID")
  hwm=$(bench_hwm_kb "$AGENT_PID")
  bench_stop_agent "$AGENT_PID"
  AGENT_PID=""
  records=$(bench_log_value "$WORK/agent.$1.$r.log" records)
  drops=$(bench_log_value "$WORK/agent.$1.$r.log" ringbuf_drops)
  cpu_per_k=$(python3 -c "print(f'{1e6 * ($c1 - $c0) / $HZ / $OPS:.2f}')")
  if [ "$1" = B ]; then
    B_SET+=("$set") B_GET+=("$get") B_CPU+=("$cpu_per_k")
    ((hwm > B_HWM)) && B_HWM=$hwm
    B_DROPS=$((B_DROPS + ${drops:-0}))
  else
    B0_SET+=("$set") B0_GET+=("$get") B0_CPU+=("$cpu_per_k")
  fi
  local label="agent"
  [ "$1" = B0 ] && label="agent, baseline"
  ROWS+="| $r | $1 ($label) | $set | $get | $cpu_per_k | ${records:-?} |"$'\n'
  echo "round $r $1: SET $set GET $get ops/s, agent CPU ${cpu_per_k} us per op, records ${records:-?}, drops ${drops:-?}" >&2
}
for ((r = 1; r <= ROUNDS; r++)); do
  if ((r % 2 == 1)); then run_untraced A; run_untraced A2; fi
  if [ -n "$BASELINE_BIN" ] && ((r % 2 == 0)); then run_traced B0 "$BASELINE_BIN"; fi
  run_traced B "$BIN"
  if [ -n "$BASELINE_BIN" ] && ((r % 2 == 1)); then run_traced B0 "$BASELINE_BIN"; fi
  if ((r % 2 == 0)); then run_untraced A2; run_untraced A; fi
done

mAs=$(bench_median "${A_SET[@]}") mAg=$(bench_median "${A_GET[@]}")
mBs=$(bench_median "${B_SET[@]}") mBg=$(bench_median "${B_GET[@]}")
cat <<EOF
## redis-server, redis-benchmark -q -n $REQUESTS -c $CONNS -P 1 -t get,set, $ROUNDS rounds each (A/B interleaved)

$(bench_machine_summary | sed 's/load average before/load average at start/')
Pinning: $([ "$PIN" = 1 ] && echo "redis-server on CPU 0, redis-benchmark on CPU 1, agent not pinned" || echo "none")

| round | variant | SET ops/s | GET ops/s | agent CPU us / op | records seen by the agent |
|---|---|---|---|---|---|
$ROWS
| median | SET ops/s | GET ops/s |
|---|---|---|
| A (no agent) | $mAs | $mAg |
| A2 (no agent, again: noise) | $(bench_median "${A2_SET[@]}") | $(bench_median "${A2_GET[@]}") |
| B (agent) | $mBs | $mBg |
$([ -n "$BASELINE_BIN" ] && echo "| B0 (agent of BASELINE_BIN: $BASELINE_BIN) | $(bench_median "${B0_SET[@]}") | $(bench_median "${B0_GET[@]}") |")

- throughput with agent (median B / median A): SET $(python3 -c "print(f'{$mBs / $mAs:.3f}')"), GET $(python3 -c "print(f'{$mBg / $mAg:.3f}')")
- noise (median A2 / median A): SET $(python3 -c "print(f'{$(bench_median "${A2_SET[@]}") / $mAs:.3f}')"), GET $(python3 -c "print(f'{$(bench_median "${A2_GET[@]}") / $mAg:.3f}')")
- agent CPU per operation (median of B rounds): $(bench_median "${B_CPU[@]}") us
$([ -n "$BASELINE_BIN" ] && echo "- baseline (B0): SET $(python3 -c "print(f'{$(bench_median "${B0_SET[@]}") / $mAs:.3f}')"), GET $(python3 -c "print(f'{$(bench_median "${B0_GET[@]}") / $mAg:.3f}')") of A; agent CPU per operation $(bench_median "${B0_CPU[@]}") us")
- agent peak RSS (max VmHWM over B rounds): $((B_HWM / 1024)) MiB
- ring buffer drops over all B rounds: $B_DROPS
$([ "$REQUESTS" -lt "$REQUESTED" ] && echo "- -n was lowered from $REQUESTED to $REQUESTS after a warm-up run (SET $wset, GET $wget ops/s) to keep each test within ${MAX_TEST_SECONDS}s")
EOF
