#!/usr/bin/env bash
# Cost of the agent on a busy nginx, measured as a new user would run it: default options, every process
# traced, JSON spans to /dev/null. Rounds of every variant, interleaved (the order rotates each round),
# medians reported with the raw rounds and the noise (a second untraced variant against the first).
#
#   A  = no agent
#   A2 = no agent, again: A2/A is the noise of the machine, not a cost
#   B  = `callscope --format json --output /dev/null` (live agent, everything traced)
#   C  = `callscope record -o /dev/null` (kernel capture + ring buffer reading only)
#   D  = `callscope --pid 1 --format json --output /dev/null` (every hook attached, nothing traced)
#   B0 = B with BASELINE_BIN (another callscope binary), when set: before/after in the same run
#
# nginx: own config in a temp dir, 1 worker, keep-alive, a 1 KiB static file, access_log off.
# Throughput load: wrk -t$THREADS -c$CONNS -d${DURATION}s. Then, for the kernel's own accounting, one
# more B round (with BASELINE_BIN: 3 rounds each of B and B0, alternating) with kernel.bpf_stats_enabled=1
# (kept out of the A/B rounds: the accounting costs time).
# Latency: A and B again at half of the saturation rate measured above (median of A), with a
# rate-limited client (h2load --h1 --rps, per-request log), interleaved; p50/p99 of the requests.
#
# Env: ROUNDS (5) DURATION (10) CONNS (64) THREADS (1) PORT (18480) CALLSCOPE_BIN (else builds build-bench)
#      BASELINE_BIN (adds variant B0)
#      LAT_ROUNDS (3) LAT_DURATION (10) STATS_ROUNDS (1, 3 with BASELINE_BIN)
#      PIN (0: nothing pinned, as a user runs it; 1: nginx on CPU 0, load generator on CPU 1) FILE_BYTES (1024)
# Prints a markdown report on stdout; progress on stderr. Root needed. ~10 min with the defaults.
set -euo pipefail
source "$(dirname "$0")/bench_lib.sh"

ROUNDS=${ROUNDS:-5}
DURATION=${DURATION:-10}
CONNS=${CONNS:-64}
THREADS=${THREADS:-1}
PORT=${PORT:-18480}
PIN=${PIN:-0}
LAT_ROUNDS=${LAT_ROUNDS:-3}
STATS_ROUNDS=${STATS_ROUNDS:-}
if [ -z "$STATS_ROUNDS" ]; then if [ -n "${BASELINE_BIN:-}" ]; then STATS_ROUNDS=3; else STATS_ROUNDS=1; fi; fi
LAT_DURATION=${LAT_DURATION:-10}
FILE_BYTES=${FILE_BYTES:-1024}

bench_need_root
bench_need_tools nginx wrk h2load bpftool python3 taskset curl
BIN=$(bench_agent_bin)
BASELINE_BIN=${BASELINE_BIN:-}
[ -z "$BASELINE_BIN" ] || [ -x "$BASELINE_BIN" ] || bench_die "BASELINE_BIN=$BASELINE_BIN is not executable"
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

NGINX_PIN=() LOAD_PIN=()
if [ "$PIN" = 1 ]; then NGINX_PIN=(taskset -c 0) LOAD_PIN=(taskset -c 1); fi

bench_write_static_nginx "$WORK" "$PORT" "$FILE_BYTES"
nginx -t -q -p "$WORK" -c "$WORK/nginx.conf" || bench_die "nginx config test failed"
"${NGINX_PIN[@]}" nginx -p "$WORK" -c "$WORK/nginx.conf" &
NGINX_PID=$!
URL="http://127.0.0.1:$PORT/index.html"
for _ in $(seq 50); do curl -fs "$URL" >/dev/null 2>&1 && break; sleep 0.1; done
curl -fs "$URL" >/dev/null || bench_die "nginx does not answer on port $PORT"
bench_machine_summary >&2
echo "callscope: $BIN; file: $(stat -c %s "$WORK/www/index.html") bytes; wrk -t$THREADS -c$CONNS -d${DURATION}s; pin=$PIN" >&2

run_wrk() {  # $1 = output file -> "rps total p50 p90 p99"
  "${LOAD_PIN[@]}" wrk -t"$THREADS" -c"$CONNS" -d"${DURATION}s" --latency "$URL" >"$1"
  bench_parse_wrk "$1"
}

# start_agent BIN LOG ARGS...: starts agent binary BIN with ARGS, waits for "callscope ready"; sets AGENT_PID.
start_agent() {
  local bin=$1 log=$2
  shift 2
  "$bin" "$@" --stats-interval 0 2>"$log" &
  AGENT_PID=$!
  bench_wait_ready "$log" "$AGENT_PID"
}

bin_of() {  # $1 = variant -> the agent binary it runs
  if [ "$1" = B0 ]; then echo "$BASELINE_BIN"; else echo "$BIN"; fi
}

variant_args() {  # $1 = variant -> agent arguments (empty: no agent)
  case $1 in
    B | B0) echo "--format json --output /dev/null" ;;
    C) echo "record -o /dev/null" ;;
    D) echo "--pid 1 --format json --output /dev/null" ;;
    *) echo "" ;;
  esac
}

HZ=$(bench_hz)
VARIANTS=(A A2 B C D)
[ -n "$BASELINE_BIN" ] && VARIANTS=(A A2 B B0 C D)
declare -A RPS P99 CPU WAKE
ROWS=""
B_HWM=0
B_DROPS=0
B_SPANS=()
for ((r = 1; r <= ROUNDS; r++)); do
  # Rotate the order so that no variant always runs first or after the same neighbour.
  order=("${VARIANTS[@]:$(((r - 1) % ${#VARIANTS[@]}))}" "${VARIANTS[@]:0:$(((r - 1) % ${#VARIANTS[@]}))}")
  for v in "${order[@]}"; do
    args=$(variant_args "$v")
    cpu="-" wake="-"
    if [ -n "$args" ]; then
      # shellcheck disable=SC2086 # args is a list on purpose
      start_agent "$(bin_of "$v")" "$WORK/agent.$v.$r.log" $args
      c0=$(bench_cpu_ticks "$AGENT_PID") w0=$(bench_wakeups "$AGENT_PID")
    fi
    read -r rps total p50 p90 p99 < <(run_wrk "$WORK/wrk.$v.$r")
    if [ -n "$args" ]; then
      sleep 1  # let the agent drain the ring buffer before reading its CPU time
      c1=$(bench_cpu_ticks "$AGENT_PID") w1=$(bench_wakeups "$AGENT_PID")
      cpu=$(python3 -c "print(f'{1e6 * ($c1 - $c0) / $HZ / $total:.2f}')")
      wake=$(python3 -c "print(f'{($w1 - $w0) / ($total / 1000):.1f}')")
      if [ "$v" = B ]; then
        hwm=$(bench_hwm_kb "$AGENT_PID")
        ((hwm > B_HWM)) && B_HWM=$hwm
      fi
      bench_stop_agent "$AGENT_PID"
      AGENT_PID=""
      if [ "$v" = B ]; then
        spans=$(bench_log_value "$WORK/agent.$v.$r.log" spans)
        drops=$(bench_log_value "$WORK/agent.$v.$r.log" ringbuf_drops)
        B_DROPS=$((B_DROPS + ${drops:-0}))
        B_SPANS+=("$(python3 -c "print(f'{${spans:-0} / $total:.3f}')")")
      fi
    fi
    RPS[$v]+="$rps " P99[$v]+="$p99 " CPU[$v]+="$cpu " WAKE[$v]+="$wake "
    ROWS+="| $r | $v | $rps | $p50 | $p90 | $p99 | $cpu | $wake |"$'\n'
    echo "round $r $v: $rps req/s, p99 $p99 us, agent CPU $cpu us/request" >&2
  done
done

# Kernel time per request: more rounds with the kernel's per-program accounting on, B (and B0 when a
# baseline is given) alternating.
sysctl -qw kernel.bpf_stats_enabled=1
STATS_VARIANTS=(B)
[ -n "$BASELINE_BIN" ] && STATS_VARIANTS=(B B0)
declare -A KNS
KROWS=""
for ((r = 1; r <= STATS_ROUNDS; r++)); do
  for v in "${STATS_VARIANTS[@]}"; do
    bench_bpf_prog_ids >"$WORK/bpf.ids"
    start_agent "$(bin_of "$v")" "$WORK/agent.stats.$v.$r.log" --format json --output /dev/null
    bench_bpf_prog_stats "$WORK/bpf.ids" >"$WORK/bpf.before"
    read -r s_rps s_total _ _ _ < <(run_wrk "$WORK/wrk.stats.$v.$r")
    bench_bpf_prog_stats "$WORK/bpf.ids" >"$WORK/bpf.after"
    bench_stop_agent "$AGENT_PID"
    AGENT_PID=""
    # -> "ns per request (all programs)  ns per send call  ns per receive call"
    read -r k_req k_send k_recv < <(python3 - "$WORK/bpf.before" "$WORK/bpf.after" "$s_total" <<'EOF'
import sys
def load(p):
    d = {}
    for line in open(p):
        name, ns, cnt = line.split()
        a = d.setdefault(name, [0, 0]); a[0] += int(ns); a[1] += int(cnt)
    return d
b, a = load(sys.argv[1]), load(sys.argv[2])
delta = {k: (v[0] - b.get(k, [0, 0])[0], v[1] - b.get(k, [0, 0])[1]) for k, v in a.items()}
per_call = lambda k: f"{delta[k][0] / delta[k][1]:.0f}" if delta.get(k, (0, 0))[1] else "-"
print(f"{sum(ns for ns, _ in delta.values()) / int(sys.argv[3]):.0f} {per_call('cs_sock_send')} {per_call('cs_sock_recv')}")
EOF
)
    KNS[$v]+="$k_req "
    KROWS+="| $r | $v | $s_rps | $k_send | $k_recv | $k_req |"$'\n'
    echo "kernel round $r $v: $s_rps req/s, $k_req ns of BPF per request (send $k_send, receive $k_recv ns per call)" >&2
    if [ "$v" = B ]; then BPF_ROWS=$(bench_bpf_prog_table "$WORK/bpf.before" "$WORK/bpf.after"); fi
  done
done
sysctl -qw kernel.bpf_stats_enabled="$STATS_BEFORE"

# Latency at half of the saturation rate.
# shellcheck disable=SC2086 # word lists on purpose
mA=$(bench_median ${RPS[A]})
RATE=$(python3 -c "print(max(int($mA / 2), $CONNS))")
PER_CLIENT=$(python3 -c "print(max(1, round($RATE / $CONNS)))")
run_h2load() {  # $1 = log file -> "rps p50 p99 p999" (latency in us)
  "${LOAD_PIN[@]}" h2load --h1 -c "$CONNS" --rps "$PER_CLIENT" -D "$LAT_DURATION" --log-file "$1" "$URL" \
    >"$1.out" 2>&1 || { cat "$1.out" >&2; bench_die "h2load failed"; }
  python3 - "$1" "$LAT_DURATION" <<'EOF'
import statistics, sys
lat = []
for line in open(sys.argv[1]):
    f = line.split()
    if len(f) >= 3 and f[1] == "200":
        lat.append(int(f[2]))
if not lat:
    sys.exit("no successful request in the h2load log " + sys.argv[1])
lat.sort()
q = lambda p: lat[min(len(lat) - 1, int(p * len(lat)))]
print(f"{len(lat) / float(sys.argv[2]):.0f} {q(0.50)} {q(0.99)} {q(0.999)}")
EOF
}
declare -A LP50 LP99 LP999
LROWS=""
for ((r = 1; r <= LAT_ROUNDS; r++)); do
  order=(A B)
  ((r % 2 == 0)) && order=(B A)
  if [ -n "$BASELINE_BIN" ]; then
    order=(A B B0)
    order=("${order[@]:$(((r - 1) % 3))}" "${order[@]:0:$(((r - 1) % 3))}")
  fi
  for v in "${order[@]}"; do
    if [ "$v" != A ]; then start_agent "$(bin_of "$v")" "$WORK/agent.lat.$v.$r.log" --format json --output /dev/null; fi
    read -r lrps l50 l99 l999 < <(run_h2load "$WORK/h2load.$v.$r.log")
    if [ "$v" != A ]; then bench_stop_agent "$AGENT_PID"; AGENT_PID=""; fi
    LP50[$v]+="$l50 " LP99[$v]+="$l99 " LP999[$v]+="$l999 "
    LROWS+="| $r | $v | $lrps | $l50 | $l99 | $l999 |"$'\n'
    echo "latency round $r $v: $lrps req/s, p50 $l50 us, p99 $l99 us" >&2
  done
done

med() { bench_median "$@"; }
ratio() { python3 -c "print(f'{$1 / $2:.3f}')"; }
# shellcheck disable=SC2086 # word lists on purpose
{
mA2=$(med ${RPS[A2]}); mB=$(med ${RPS[B]}); mC=$(med ${RPS[C]}); mD=$(med ${RPS[D]})
spreadA=$(python3 -c "v=[float(x) for x in '${RPS[A]}'.split()]; print(f'{100 * (max(v) - min(v)) / (sum(v) / len(v)):.1f}')")
cat <<EOF
## nginx, ${FILE_BYTES}-byte static file, wrk -t$THREADS -c$CONNS -d${DURATION}s, $ROUNDS interleaved rounds of each variant

$(bench_machine_summary | sed 's/load average before/load average at start/')
Pinning: $([ "$PIN" = 1 ] && echo "nginx (master+worker) on CPU 0, load generator on CPU 1, agent not pinned" || echo "none")

| round | variant | req/s | p50 us | p90 us | p99 us | agent CPU us/request | agent wake-ups / 1000 req |
|---|---|---|---|---|---|---|---|
$ROWS
| variant | median req/s | vs. A | median p99 us |
|---|---|---|---|
| A (no agent) | $mA | 1.000 | $(med ${P99[A]}) |
| A2 (no agent, again: noise) | $mA2 | $(ratio "$mA2" "$mA") | $(med ${P99[A2]}) |
| B (live agent, everything traced) | $mB | $(ratio "$mB" "$mA") | $(med ${P99[B]}) |
| C (record -o /dev/null) | $mC | $(ratio "$mC" "$mA") | $(med ${P99[C]}) |
| D (hooks attached, nothing traced) | $mD | $(ratio "$mD" "$mA") | $(med ${P99[D]}) |
$([ -n "$BASELINE_BIN" ] && echo "| B0 (live agent of BASELINE_BIN: $BASELINE_BIN) | $(med ${RPS[B0]}) | $(ratio "$(med ${RPS[B0]})" "$mA") | $(med ${P99[B0]}) |")

- noise: A2/A = $(ratio "$mA2" "$mA"); spread of the A rounds (max - min) / mean = ${spreadA}%
- agent CPU per request, median of the B rounds: $(med ${CPU[B]}) us (record only, C: $(med ${CPU[C]}) us)$([ -n "$BASELINE_BIN" ] && echo "; B0 (baseline): $(med ${CPU[B0]}) us (rounds: ${CPU[B0]}; B: ${CPU[B]})")
- agent wake-ups per 1000 requests, median of the B rounds: $(med ${WAKE[B]})
- agent peak RSS (max VmHWM over B rounds): $((B_HWM / 1024)) MiB
- spans per request (median of B rounds; 2 expected: wrk client span + nginx server span): $(med "${B_SPANS[@]}")
- ring buffer drops over all B rounds: $B_DROPS

### Kernel time (kernel.bpf_stats_enabled=1, $STATS_ROUNDS extra round(s) of ${STATS_VARIANTS[*]}, alternating)

| round | variant | req/s | ns per send call | ns per receive call | BPF ns per HTTP request (all programs) |
|---|---|---|---|---|---|
$KROWS
- BPF time per HTTP request, median: B $(med ${KNS[B]}) ns$([ -n "$BASELINE_BIN" ] && echo "; B0 (baseline): $(med ${KNS[B0]}) ns")

Per program, the last B round:

| program | calls | ns per call |
|---|---|---|
$BPF_ROWS

### Latency at half of the saturation rate ($RATE req/s: h2load --h1 -c $CONNS --rps $PER_CLIENT -D $LAT_DURATION)

| round | variant | req/s | p50 us | p99 us | p99.9 us |
|---|---|---|---|---|---|
$LROWS
- median p50: A $(med ${LP50[A]}) us, B $(med ${LP50[B]}) us; median p99: A $(med ${LP99[A]}) us, B $(med ${LP99[B]}) us
- p99 added by the agent: $(python3 -c "print(f'{$(med ${LP99[B]}) - $(med ${LP99[A]}):.0f}')") us$([ -n "$BASELINE_BIN" ] && echo "; by the baseline (B0): $(python3 -c "print(f'{$(med ${LP99[B0]}) - $(med ${LP99[A]}):.0f}')") us")
EOF
}
