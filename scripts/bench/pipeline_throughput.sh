#!/usr/bin/env bash
# Userspace throughput of `callscope replay` (decode + parse + pair + correlate + JSON to /dev/null) on
#   1. a generated capture: keep-alive HTTP/1.1, 400 connections, 30% of requests chained client->A->B,
#      1-20 KB responses captured up to 4096 bytes per syscall (`callscope_bench --generate`);
#   2. a capture recorded from real traffic: nginx (600-byte file) + wrk for RECORD_SECONDS under
#      `callscope record --port` (needs root; left out with a message otherwise).
# Each replay runs under /usr/bin/time -v: wall and CPU time, peak RSS; prints HTTP requests/s.
#
# Env: REQUESTS (20000, generated) RECORD_SECONDS (5) PORT (18481) REPEAT (3: replays per capture,
#      the fastest is reported). Builds build-bench (Release). Prints markdown on stdout.
set -euo pipefail
source "$(dirname "$0")/bench_lib.sh"

REQUESTS=${REQUESTS:-20000}
RECORD_SECONDS=${RECORD_SECONDS:-5}
PORT=${PORT:-18481}
REPEAT=${REPEAT:-3}

bench_need_tools cmake python3 /usr/bin/time
BUILD="$BENCH_ROOT/build-bench"
cmake -S "$BENCH_ROOT" -B "$BUILD" -DCMAKE_BUILD_TYPE=Release -DCALLSCOPE_BUILD_BENCH=ON >/tmp/callscope-bench-build.log 2>&1 \
  || { cat /tmp/callscope-bench-build.log >&2; bench_die "cmake configure failed"; }
cmake --build "$BUILD" -j2 --target callscope callscope_bench >>/tmp/callscope-bench-build.log 2>&1 \
  || { tail -40 /tmp/callscope-bench-build.log >&2; bench_die "build failed (log: /tmp/callscope-bench-build.log)"; }
BIN="$BUILD/userspace/callscope"
GEN="$BUILD/tests/callscope_bench"
WORK=$(mktemp -d /tmp/callscope-bench-replay.XXXXXX)
NGINX_PID=""
AGENT_PID=""
cleanup() {
  [ -n "$AGENT_PID" ] && bench_stop_agent "$AGENT_PID"
  if [ -n "$NGINX_PID" ]; then kill -QUIT "$NGINX_PID" 2>/dev/null || true; wait "$NGINX_PID" 2>/dev/null || true; fi
  rm -rf "$WORK"
}
trap cleanup EXIT

# Replays capture $1 REPEAT times; prints "| label | requests | records | MB | wall s | cpu s | req/s wall |
# req/s cpu | max RSS MiB | spans |" for the fastest run. $2 = label, $3 = HTTP requests in the capture.
replay_row() {
  local cap=$1 label=$2 requests=$3 best="" i
  for ((i = 1; i <= REPEAT; i++)); do
    /usr/bin/time -v -o "$WORK/time.$i" "$BIN" replay "$cap" --format json --output /dev/null --seed 1 \
      2>"$WORK/replay.$i.log" || { cat "$WORK/replay.$i.log" >&2; bench_die "replay of $cap failed"; }
    python3 - "$WORK/time.$i" "$WORK/replay.$i.log" >"$WORK/res.$i" <<'EOF'
import re, sys
t = open(sys.argv[1]).read()
def field(name):
    return re.search(re.escape(name) + r":\s*(\S+)", t).group(1)
wall = field("Elapsed (wall clock) time (h:mm:ss or m:ss)").split(":")
wall_s = sum(float(x) * 60 ** i for i, x in enumerate(reversed(wall)))
cpu = float(field("User time (seconds)")) + float(field("System time (seconds)"))
rss = int(field("Maximum resident set size (kbytes)")) / 1024
log = open(sys.argv[2], errors="replace").read()
rec = re.findall(r"\brecords=(\d+)", log)
spans = re.findall(r"\bspans=(\d+) \(server", log)
print(f"{wall_s:.3f} {cpu:.3f} {rss:.1f} {rec[-1] if rec else '?'} {spans[-1] if spans else '?'}")
EOF
    if [ -z "$best" ] || python3 -c "import sys; sys.exit(0 if float('$(cut -d' ' -f2 "$WORK/res.$i")') < float('$(cut -d' ' -f2 "$best")') else 1)"; then
      best="$WORK/res.$i"
    fi
  done
  read -r wall cpu rss records spans <"$best"
  local mb
  mb=$(python3 -c "print(f'{$(stat -c %s "$cap") / 1e6:.1f}')")
  echo "| $label | $requests | $records | $mb | $wall | $cpu | $(python3 -c "print(f'{$requests / $wall:,.0f}')") |" \
       "$(python3 -c "print(f'{$requests / $cpu:,.0f}')") | $rss | $spans |"
}

bench_machine_summary >&2
ROWS=""

# 1. Generated capture.
"$GEN" --generate "$WORK/generated.cscap" "$REQUESTS" >"$WORK/gen.txt" || bench_die "generator failed"
cat "$WORK/gen.txt" >&2
GEN_REQ=$(grep -o 'http_requests=[0-9]*' "$WORK/gen.txt" | cut -d= -f2)
ROWS+="$(replay_row "$WORK/generated.cscap" "generated (400 conns, 30% chained)" "$GEN_REQ")"$'\n'

# 2. Recorded from real traffic.
REAL_NOTE=""
if [ "$(id -u)" -eq 0 ] && command -v nginx >/dev/null && command -v wrk >/dev/null; then
  bench_write_static_nginx "$WORK" "$PORT"
  nginx -p "$WORK" -c "$WORK/nginx.conf" &
  NGINX_PID=$!
  for _ in $(seq 50); do curl -fs "http://127.0.0.1:$PORT/index.html" >/dev/null 2>&1 && break; sleep 0.1; done
  "$BIN" record -o "$WORK/real.cscap" --port "$PORT" --ringbuf-mb 64 --stats-interval 0 2>"$WORK/record.log" &
  AGENT_PID=$!
  bench_wait_ready "$WORK/record.log" "$AGENT_PID"
  wrk -t2 -c32 -d"${RECORD_SECONDS}s" "http://127.0.0.1:$PORT/index.html" >"$WORK/wrk.txt"
  sleep 1
  bench_stop_agent "$AGENT_PID"
  AGENT_PID=""
  REAL_REQ=$(grep -o '[0-9]* requests in' "$WORK/wrk.txt" | cut -d' ' -f1)
  DROPS=$(bench_log_value "$WORK/record.log" ringbuf_drops)
  echo "recorded $REAL_REQ wrk requests; ring buffer drops while recording: ${DROPS:-?}" >&2
  ROWS+="$(replay_row "$WORK/real.cscap" "recorded nginx+wrk ${RECORD_SECONDS}s" "$REAL_REQ")"$'\n'
  REAL_NOTE="Recorded capture: ring buffer drops while recording: ${DROPS:-?} (requests = wrk's count)."
else
  REAL_NOTE="Recorded capture: left out (needs root, nginx and wrk)."
fi

cat <<EOF
## callscope replay throughput (fastest of $REPEAT runs each, --format json --output /dev/null)

| capture | HTTP requests | records | file MB | wall s | CPU s | req/s (wall) | req/s (CPU) | max RSS MiB | spans |
|---|---|---|---|---|---|---|---|---|---|
$ROWS
$REAL_NOTE
EOF
