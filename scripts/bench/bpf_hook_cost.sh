#!/usr/bin/env bash
# Per-BPF-program cost from the kernel's own accounting (kernel.bpf_stats_enabled=1, restored after),
# under the same nginx + wrk load as overhead_nginx.sh, in two settings:
#   traced:   callscope --port PORT   (the nginx/wrk syscalls are captured)
#   filtered: callscope --port 1      (nothing matches: the cost every untraced syscall pays)
# The dispatchers (cs_sys_enter/cs_sys_exit) run on every syscall of every process and tail-call the
# per-syscall handlers; the kernel charges the handler's time to the dispatcher.
#
# Env: DURATION (8) PORT (18482) CALLSCOPE_BIN (else builds build-bench). Root. ~30 s.
set -euo pipefail
source "$(dirname "$0")/bench_lib.sh"

DURATION=${DURATION:-8}
PORT=${PORT:-18482}
bench_need_root
bench_need_tools nginx wrk bpftool python3 taskset
BIN=$(bench_agent_bin)
WORK=$(mktemp -d /tmp/callscope-bench-hooks.XXXXXX)
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

bench_write_static_nginx "$WORK" "$PORT"
taskset -c 0 nginx -p "$WORK" -c "$WORK/nginx.conf" &
NGINX_PID=$!
for _ in $(seq 50); do curl -fs "http://127.0.0.1:$PORT/index.html" >/dev/null 2>&1 && break; sleep 0.1; done
curl -fs "http://127.0.0.1:$PORT/index.html" >/dev/null || bench_die "nginx does not answer on port $PORT"
bench_machine_summary >&2

sysctl -qw kernel.bpf_stats_enabled=1
measure() {  # $1 = label, $2 = --port value
  bench_bpf_prog_ids >"$WORK/ids"
  "$BIN" --port "$2" --format json --output /dev/null --stats-interval 0 2>"$WORK/agent.log" &
  AGENT_PID=$!
  bench_wait_ready "$WORK/agent.log" "$AGENT_PID"
  bench_bpf_prog_stats "$WORK/ids" >"$WORK/before"
  taskset -c 1 wrk -t2 -c32 -d"${DURATION}s" --latency "http://127.0.0.1:$PORT/index.html" >"$WORK/wrk"
  bench_bpf_prog_stats "$WORK/ids" >"$WORK/after"
  bench_stop_agent "$AGENT_PID"
  AGENT_PID=""
  read -r rps total _ < <(bench_parse_wrk "$WORK/wrk")
  echo "### $1 (callscope --port $2): $rps req/s, $total requests"
  echo
  echo "| program | calls | ns per call | calls per request |"
  echo "|---|---|---|---|"
  bench_bpf_prog_table "$WORK/before" "$WORK/after" | while IFS='|' read -r _ name calls ns _; do
    echo "|$name|$calls|$ns| $(python3 -c "print(f'{$calls / $total:.2f}')") |"
  done
  echo
}
echo "## BPF program cost (kernel.bpf_stats_enabled=1), nginx + wrk -t2 -c32 -d${DURATION}s"
echo
bench_machine_summary | sed 's/load average before/load average at start/'
echo
measure "traced" "$PORT"
measure "filtered out" 1
