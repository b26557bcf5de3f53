#!/usr/bin/env bash
# Userspace throughput of `callscope replay` (decode + parse + pair + correlate + JSON to /dev/null, default
# options) on
#   1. a generated capture: keep-alive HTTP/1.1, 400 connections, 30% of requests chained client->A->B,
#      1-20 KB responses captured up to 4096 bytes per syscall (`callscope_bench --generate`);
#   2. a capture recorded from real traffic, as scripts/bench/overhead_nginx.sh drives it: nginx serving a
#      1 KiB file, wrk -t1 -c64 for RECORD_SECONDS under `callscope record --port` (needs root; left out
#      with a message otherwise). Or an existing capture: RECORDED=FILE.
# Each replay runs under /usr/bin/time: CPU time (user + sys) and peak RSS. REPEAT replays per capture;
# the median is reported with the spread (min..max) as the noise of this shared machine.
# With BASELINE_BIN=<another callscope>, every round replays with both binaries, interleaved (same
# captures, same machine state), and the report has a row for each: before/after figures from one run.
#
# Env: REQUESTS (20000, generated) RECORD_SECONDS (5) PORT (18481) REPEAT (5) CALLSCOPE_BIN (else builds
#      build-bench, Release) BASELINE_BIN RECORDED KEEP_CAPTURES (a directory to keep the captures in).
# Prints markdown on stdout.
set -euo pipefail
source "$(dirname "$0")/bench_lib.sh"

REQUESTS=${REQUESTS:-20000}
RECORD_SECONDS=${RECORD_SECONDS:-5}
PORT=${PORT:-18481}
REPEAT=${REPEAT:-5}

bench_need_tools cmake python3 /usr/bin/time
BUILD="$BENCH_ROOT/build-bench"
cmake -S "$BENCH_ROOT" -B "$BUILD" -DCMAKE_BUILD_TYPE=Release -DCALLSCOPE_BUILD_BENCH=ON >/tmp/callscope-bench-build.log 2>&1 \
  || { cat /tmp/callscope-bench-build.log >&2; bench_die "cmake configure failed"; }
cmake --build "$BUILD" -j2 --target callscope callscope_bench >>/tmp/callscope-bench-build.log 2>&1 \
  || { tail -40 /tmp/callscope-bench-build.log >&2; bench_die "build failed (log: /tmp/callscope-bench-build.log)"; }
BIN=${CALLSCOPE_BIN:-"$BUILD/userspace/callscope"}
GEN="$BUILD/tests/callscope_bench"
[ -z "${BASELINE_BIN:-}" ] || [ -x "$BASELINE_BIN" ] || bench_die "BASELINE_BIN=$BASELINE_BIN is not executable"
WORK=$(mktemp -d /tmp/callscope-bench-replay.XXXXXX)
NGINX_PID=""
AGENT_PID=""
cleanup() {
  [ -n "$AGENT_PID" ] && bench_stop_agent "$AGENT_PID"
  if [ -n "$NGINX_PID" ]; then kill -QUIT "$NGINX_PID" 2>/dev/null || true; wait "$NGINX_PID" 2>/dev/null || true; fi
  rm -rf "$WORK"
}
trap cleanup EXIT

# replay_once BIN CAPTURE OUT: one timed replay; appends "cpu_s rss_kib records spans" to OUT.
replay_once() {
  local bin=$1 cap=$2 out=$3
  /usr/bin/time -f "%U %S %M" -o "$WORK/time" "$bin" replay "$cap" --format json --output /dev/null --seed 1 \
    2>"$WORK/replay.log" || { cat "$WORK/replay.log" >&2; bench_die "replay of $cap with $bin failed"; }
  python3 - "$WORK/time" "$WORK/replay.log" >>"$out" <<'EOF'
import re, sys
u, s, m = open(sys.argv[1]).read().split()[-3:]
log = open(sys.argv[2], errors="replace").read()
rec = re.findall(r"\brecords=(\d+)", log)
spans = re.findall(r"\bspans=(\d+) \(server", log)
print(f"{float(u) + float(s):.3f} {m} {rec[-1] if rec else '?'} {spans[-1] if spans else '?'}")
EOF
}

# rows CAPTURE LABEL REQUESTS: REPEAT rounds (both binaries interleaved if BASELINE_BIN); one table row
# per binary: | capture | binary | requests | records | MB | CPU s median (min..max) | req/s per CPU s | RSS |
rows() {
  local cap=$1 label=$2 requests=$3 i
  local bins=("$BIN") names=("this build")
  if [ -n "${BASELINE_BIN:-}" ]; then bins=("$BASELINE_BIN" "$BIN"); names=("baseline" "this build"); fi
  for ((i = 1; i <= REPEAT; i++)); do
    local k
    for k in "${!bins[@]}"; do replay_once "${bins[$k]}" "$cap" "$WORK/res.$k"; done
  done
  local mb
  mb=$(python3 -c "print(f'{$(stat -c %s "$cap") / 1e6:.1f}')")
  for k in "${!bins[@]}"; do
    python3 - "$WORK/res.$k" "$label" "${names[$k]}" "$requests" "$mb" <<'EOF'
import statistics, sys
rows = [l.split() for l in open(sys.argv[1])]
cpu = sorted(float(r[0]) for r in rows)
rss = max(int(r[1]) for r in rows) / 1024
med = statistics.median(cpu)
req = int(sys.argv[4])
print(f"| {sys.argv[2]} | {sys.argv[3]} | {req} | {rows[0][2]} | {sys.argv[5]} | {med:.3f} ({cpu[0]:.3f}..{cpu[-1]:.3f}) "
      f"| {req / med:,.0f} ({req / cpu[-1]:,.0f}..{req / cpu[0]:,.0f}) | {rss:.1f} | {rows[0][3]} |")
EOF
    rm -f "$WORK/res.$k"
  done
}

bench_machine_summary >&2
ROWS=""

# 1. Generated capture.
"$GEN" --generate "$WORK/generated.cscap" "$REQUESTS" >"$WORK/gen.txt" || bench_die "generator failed"
cat "$WORK/gen.txt" >&2
GEN_REQ=$(grep -o 'http_requests=[0-9]*' "$WORK/gen.txt" | cut -d= -f2)
ROWS+="$(rows "$WORK/generated.cscap" "generated (400 conns, 30% chained)" "$GEN_REQ")"$'\n'

# 2. Recorded from real traffic (or given).
REAL_NOTE=""
if [ -n "${RECORDED:-}" ]; then
  [ -r "$RECORDED" ] || bench_die "RECORDED=$RECORDED is not readable"
  REAL_REQ=$(python3 - "$BIN" "$RECORDED" <<'EOF'
import re, subprocess, sys
log = subprocess.run([sys.argv[1], "replay", sys.argv[2], "--format", "json", "--output", "/dev/null"],
                     capture_output=True, text=True).stderr
print(re.findall(r"\(server=(\d+)", log)[-1])
EOF
)
  ROWS+="$(rows "$RECORDED" "recorded nginx+wrk (given)" "$REAL_REQ")"$'\n'
  REAL_NOTE="Recorded capture: $RECORDED (requests = its server spans)."
elif [ "$(id -u)" -eq 0 ] && command -v nginx >/dev/null && command -v wrk >/dev/null; then
  bench_write_static_nginx "$WORK" "$PORT" 1024
  nginx -p "$WORK" -c "$WORK/nginx.conf" &
  NGINX_PID=$!
  for _ in $(seq 50); do curl -fs "http://127.0.0.1:$PORT/index.html" >/dev/null 2>&1 && break; sleep 0.1; done
  "$BIN" record -o "$WORK/real.cscap" --port "$PORT" --ringbuf-mb 64 --stats-interval 0 2>"$WORK/record.log" &
  AGENT_PID=$!
  bench_wait_ready "$WORK/record.log" "$AGENT_PID"
  wrk -t1 -c64 -d"${RECORD_SECONDS}s" "http://127.0.0.1:$PORT/index.html" >"$WORK/wrk.txt"
  sleep 1
  bench_stop_agent "$AGENT_PID"
  AGENT_PID=""
  REAL_REQ=$(grep -o '[0-9]* requests in' "$WORK/wrk.txt" | cut -d' ' -f1)
  DROPS=$(bench_log_value "$WORK/record.log" ringbuf_drops)
  echo "recorded $REAL_REQ wrk requests; ring buffer drops while recording: ${DROPS:-?}" >&2
  ROWS+="$(rows "$WORK/real.cscap" "recorded nginx (1 KiB) + wrk -t1 -c64 ${RECORD_SECONDS}s" "$REAL_REQ")"$'\n'
  REAL_NOTE="Recorded capture: ring buffer drops while recording: ${DROPS:-?} (requests = wrk's count)."
else
  REAL_NOTE="Recorded capture: left out (needs root, nginx and wrk; or RECORDED=FILE)."
fi
if [ -n "${KEEP_CAPTURES:-}" ]; then
  mkdir -p "$KEEP_CAPTURES"
  cp "$WORK"/*.cscap "$KEEP_CAPTURES"/ 2>/dev/null || true
fi

cat <<EOF
## callscope replay throughput ($REPEAT replays of each capture, --format json --output /dev/null)

CPU = user + sys of the whole replay (reading the file included); median, (min..max) over the replays.

| capture | binary | HTTP requests | records | file MB | CPU s | HTTP req/s per CPU second | max RSS MiB | spans |
|---|---|---|---|---|---|---|---|---|
$ROWS
$REAL_NOTE
EOF
