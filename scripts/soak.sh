#!/usr/bin/env bash
# Soak: mixed HTTP traffic through the three-tier topology of tests/integration/test_three_tier.sh
# (curl-like clients -> nginx (event loop, upstream keepalive) -> service A on gunicorn (2 processes x 4
# threads) -> service B on Werkzeug), plus direct calls to A and B, errors, 404s, cut requests and idle
# connections (tests/integration/lib/soak_traffic.py), for a long time with the agent attached. Every
# interval it samples the agent's resident memory (VmRSS) and CPU (utime+stime) from /proc, and the
# requests and spans done so far; it prints a table and a verdict:
#   PASS when the agent stayed up, exited 0 on SIGINT, kept emitting spans in every interval after the
#   warm-up, the traffic had no error, and RSS grew by at most --max-growth-mb after the warm-up
#   (growth = highest RSS after the warm-up minus the RSS at the end of the warm-up).
# Only the agent's command line and /proc are used (no counters or log lines beyond "callscope ready").
#
# Usage: scripts/soak.sh [--agent PATH] [--minutes M | --seconds S] [--interval S] [--warmup S]
#                        [--max-growth-mb MB] [--rate REQ_PER_S] [--out DIR]
#   defaults: build/userspace/callscope, 30 minutes, 10 s, warm-up 1/6 of the run (at least 2 intervals,
#   at most 300 s), 8 MB, 60 requests/s, results in /tmp/callscope-soak-<date>/ (samples.tsv, summary.txt,
#   agent.log). Ports: SOAK_PORTS="nginx A B" (default "18185 18186 18189").
# Needs root (loads BPF): re-runs itself under sudo for another user. Run it alone (`flock
# /tmp/cs-root.lock scripts/soak.sh` on a shared machine). tests/integration/test_soak.sh is the
# 2-minute CI version.
set -euo pipefail
REPO="$(cd "$(dirname "$0")/.." && pwd)"
source "$REPO/scripts/lib/as_root.sh"
cs_as_root "$0" "$@"

AGENT="${BUILD_DIR:-$REPO/build}/userspace/callscope"
SECONDS_TOTAL=$((${SOAK_MINUTES:-30} * 60))
INTERVAL="${SOAK_INTERVAL:-10}"
WARMUP="${SOAK_WARMUP:-}"
MAX_GROWTH_MB="${SOAK_MAX_GROWTH_MB:-8}"
RATE=60
OUT=""
usage() { sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//' >&2; exit 2; }
while [ $# -gt 0 ]; do
  case "$1" in
    --agent) AGENT="${2:?}"; shift 2 ;;
    --minutes) SECONDS_TOTAL=$((${2:?} * 60)); shift 2 ;;
    --seconds) SECONDS_TOTAL="${2:?}"; shift 2 ;;
    --interval) INTERVAL="${2:?}"; shift 2 ;;
    --warmup) WARMUP="${2:?}"; shift 2 ;;
    --max-growth-mb) MAX_GROWTH_MB="${2:?}"; shift 2 ;;
    --rate) RATE="${2:?}"; shift 2 ;;
    --out) OUT="${2:?}"; shift 2 ;;
    -h | --help) usage ;;
    *) echo "soak.sh: unknown argument $1" >&2; usage ;;
  esac
done
for v in SECONDS_TOTAL INTERVAL MAX_GROWTH_MB; do
  case "${!v}" in '' | *[!0-9]*) echo "soak.sh: $v must be a whole number (got '${!v}')" >&2; exit 2 ;; esac
done
if [ -z "$WARMUP" ]; then
  WARMUP=$((SECONDS_TOTAL / 6))
  [ "$WARMUP" -le 300 ] || WARMUP=300
  [ "$WARMUP" -ge $((2 * INTERVAL)) ] || WARMUP=$((2 * INTERVAL))
fi
[ "$SECONDS_TOTAL" -ge $((WARMUP + 3 * INTERVAL)) ] ||
  { echo "soak.sh: the run ($SECONDS_TOTAL s) must last at least the warm-up ($WARMUP s) + 3 intervals" >&2; exit 2; }
read -r NGINX_PORT A_PORT B_PORT <<<"${SOAK_PORTS:-18185 18186 18189}"
OUT="${OUT:-/tmp/callscope-soak-$(date +%Y%m%d-%H%M%S)}"

# Process handling (start, wait, stop everything on exit, fail loudly) is the integration tests' own.
source "$REPO/tests/integration/lib/common.sh"
cs_init "$AGENT"
mkdir -p "$OUT"
chmod 700 "$OUT"
cs_start_three_tier "$NGINX_PORT" "$A_PORT" "$B_PORT" SERVICE_B_DELAY_MS=2

# The agent, its spans counted (not kept: a 30-minute run makes hundreds of MB of them).
SPANS_COUNT="$CS_TMP/spans.count"
echo 0 >"$SPANS_COUNT"
CS_AGENT_LOG="$CS_TMP/agent.log"
: >"$CS_AGENT_LOG"  # exists before the first grep below
env --default-signal=INT,QUIT "$CS_BIN" --format json --log-level info \
  --port "$NGINX_PORT" --port "$A_PORT" --port "$B_PORT" \
  > >(awk -v f="$SPANS_COUNT" '{ n++ } n % 50 == 0 { print n > f; close(f) } END { print n + 0 > f; close(f) }') \
  2>"$CS_AGENT_LOG" &
CS_AGENT_PID=$!
cs_wait_ready "$CS_AGENT_PID" "$CS_AGENT_LOG" callscope
AGENT_PID=$CS_AGENT_PID
cs_log "agent ready (pid $AGENT_PID); soak: $SECONDS_TOTAL s, sample every $INTERVAL s, warm-up $WARMUP s," \
  "bound +$MAX_GROWTH_MB MB, $RATE requests/s; results in $OUT"

TRAFFIC_STATS="$CS_TMP/traffic.stats"
cs_bg traffic "$PY" "$CS_LIB_DIR/soak_traffic.py" --nginx-port "$NGINX_PORT" --a-port "$A_PORT" \
  --b-port "$B_PORT" --rate "$RATE" --threads 8 --seconds "$SECONDS_TOTAL" --stats "$TRAFFIC_STATS"
TRAFFIC_PID=$CS_LAST_PID

HZ="$(getconf CLK_TCK)"
SAMPLES="$OUT/samples.tsv"
printf 'elapsed_s\trss_kb\thwm_kb\tcpu_ticks\trequests\terrors\tspans\n' >"$SAMPLES"
# Elapsed seconds on CLOCK_BOOTTIME (/proc/uptime): bash's SECONDS follows the wall clock, which NTP or a
# person may step during a 30-minute run.
uptime_cs() { local u; read -r u _ </proc/uptime; u="${u/./}"; echo "$((10#$u))"; }  # centiseconds
elapsed() { echo "$((($(uptime_cs) - T0_CS) / 100))"; }
# agent_gone WHEN: fails with what is known of the agent (alive, zombie, or its exit status).
agent_gone() {
  local state rc=0
  state="$(awk '{print $3}' "/proc/$AGENT_PID/stat" 2>/dev/null)" || state=""
  if [ -n "$state" ] && [ "$state" != Z ]; then
    cs_fail "cannot read /proc/$AGENT_PID (state $state) $1"
  fi
  wait "$AGENT_PID" || rc=$?
  CS_AGENT_PID=""
  cs_fail "the agent exited (status $rc) $1"
}
sample() {  # one row: /proc of the agent + the traffic and span counters
  local t rss hwm ticks req err spans
  t="$(elapsed)"
  rss="$(awk '/^VmRSS:/ {print $2}' "/proc/$AGENT_PID/status" 2>/dev/null)" || return 1
  hwm="$(awk '/^VmHWM:/ {print $2}' "/proc/$AGENT_PID/status" 2>/dev/null)" || return 1
  ticks="$(awk '{print $14 + $15}' "/proc/$AGENT_PID/stat" 2>/dev/null)" || return 1
  [ -n "$rss" ] && [ -n "$ticks" ] || return 1
  req=0 err=0
  [ ! -s "$TRAFFIC_STATS" ] || read -r _ req err _ <"$TRAFFIC_STATS" || true
  # The counter rewrites its file in place: an empty read is the instant between truncate and write.
  for _ in 1 2 3 4 5; do
    spans="$(cat "$SPANS_COUNT")"
    [ -z "$spans" ] || break
    sleep 0.05
  done
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$t" "$rss" "$hwm" "$ticks" "${req:-0}" "${err:-0}" "${spans:-0}" >>"$SAMPLES"
  printf '%8s s  rss %6s MB  cpu %5s%%  requests %8s  errors %4s  spans %9s\n' "$t" "$((rss / 1024))" \
    "$(tail -n 2 "$SAMPLES" | awk -v hz="$HZ" 'NR == 1 && $1 ~ /^[0-9]+$/ { t = $1; c = $4; ok = 1 } NR == 2 && ok && $1 > t { printf "%.1f", ($4 - c) / hz / ($1 - t) * 100 }')" \
    "${req:-0}" "${err:-0}" "${spans:-0}" >&2
  return 0
}
T0_CS="$(uptime_cs)"
sample || agent_gone "at the start"
# Sample i is due at T0 + i * INTERVAL; the last one at SECONDS_TOTAL.
for ((i = 1; i * INTERVAL <= SECONDS_TOTAL; i++)); do
  wait_cs=$((T0_CS + i * INTERVAL * 100 - $(uptime_cs)))
  [ "$wait_cs" -le 0 ] || sleep "$((wait_cs / 100)).$(printf '%02d' $((wait_cs % 100)))"
  kill -0 "$AGENT_PID" 2>/dev/null || agent_gone "after $(elapsed) s"
  sample || agent_gone "after $(elapsed) s"
done
traffic_rc=0
timeout 60 tail --pid="$TRAFFIC_PID" -f /dev/null || cs_fail "the traffic generator did not stop"
wait "$TRAFFIC_PID" || traffic_rc=$?
sleep 2
sample || agent_gone "at the end of the traffic"
cs_stop_agent_rc=0
kill -INT "$AGENT_PID"
timeout 30 tail --pid="$AGENT_PID" -f /dev/null || cs_fail "the agent did not exit within 30 s of SIGINT"
wait "$AGENT_PID" || cs_stop_agent_rc=$?
CS_AGENT_PID=""
sleep 0.5  # the span counter writes its last count when the agent's stdout closes
cp "$CS_AGENT_LOG" "$OUT/agent.log"
cp "$CS_TMP/traffic.log" "$OUT/traffic.log"

verdict=0
"$PY" - "$SAMPLES" "$HZ" "$WARMUP" "$MAX_GROWTH_MB" "$cs_stop_agent_rc" "$traffic_rc" "$(cat "$SPANS_COUNT")" \
  "$(uname -r)" "$("$CS_BIN" --version 2>/dev/null | head -n 1)" "$RATE" "$SECONDS_TOTAL" <<'PY' | tee "$OUT/summary.txt" || verdict=$?
import sys
path, hz, warmup, bound_mb, agent_rc, traffic_rc, final_spans, kernel, version, rate, duration = sys.argv[1:]
duration = int(duration)
hz, warmup, bound_mb, agent_rc, traffic_rc = float(hz), float(warmup), float(bound_mb), int(agent_rc), int(traffic_rc)
rows = [list(map(int, l.split("\t"))) for l in open(path).read().splitlines()[1:]]
print(f"soak: {version or 'callscope'}, kernel {kernel}, {rate} requests/s offered, warm-up {warmup:.0f} s, "
      f"bound +{bound_mb:.0f} MB")
print(f"{'t (s)':>7} {'RSS MB':>7} {'peak MB':>7} {'CPU %':>6} {'req':>8} {'req/s':>6} {'err':>4} {'spans':>9} {'spans/s':>7}")
cpu = []
for prev, cur in zip([None] + rows, rows):
    c = r = s = ""
    if prev and cur[0] > prev[0]:
        dt = cur[0] - prev[0]
        c = (cur[3] - prev[3]) / hz / dt * 100
        r = (cur[4] - prev[4]) / dt
        s = (cur[6] - prev[6]) / dt
        if cur[0] > warmup:
            cpu.append(c)
        c, r, s = f"{c:.1f}", f"{r:.0f}", f"{s:.0f}"
    print(f"{cur[0]:>7} {cur[1] / 1024:>7.1f} {cur[2] / 1024:>7.1f} {c:>6} {cur[4]:>8} {r:>6} {cur[5]:>4} {cur[6]:>9} {s:>7}")
after = [r for r in rows if r[0] >= warmup]
base = after[0]
growth_mb = (max(r[1] for r in after) - base[1]) / 1024
# Least-squares slope of RSS after the warm-up, MB per hour (a leak shows as a steady slope).
n = len(after)
mx = sum(r[0] for r in after) / n
my = sum(r[1] for r in after) / n
sxx = sum((r[0] - mx) ** 2 for r in after)
slope = (sum((r[0] - mx) * (r[1] - my) for r in after) / sxx / 1024 * 3600) if sxx else 0.0
# Every interval while the traffic runs brings new spans (the last sample, after the traffic, may not).
stalled = [b[0] for a, b in zip(after, after[1:]) if b[0] <= duration and b[6] <= a[6]]
last = rows[-1]
problems = []
if agent_rc != 0:
    problems.append(f"agent exited with status {agent_rc} on SIGINT")
if traffic_rc != 0 or last[5] != 0:
    problems.append(f"{last[5]} traffic error(s) (traffic.log)")
if stalled:
    problems.append(f"no new span in the interval ending at t={stalled[0]} s")
if growth_mb > bound_mb:
    problems.append(f"RSS grew by {growth_mb:.1f} MB after the warm-up (bound {bound_mb:.0f} MB)")
cpu.sort()
req_after = max(last[4] - base[4], 1)
print(f"RSS: {rows[0][1] / 1024:.1f} MB at start, {base[1] / 1024:.1f} MB after the warm-up (t={base[0]} s), "
      f"{last[1] / 1024:.1f} MB at the end, peak {max(r[2] for r in rows) / 1024:.1f} MB; growth after the warm-up "
      f"{growth_mb:+.1f} MB ({growth_mb * 1048576 / req_after:.0f} bytes per request over {req_after} requests), "
      f"trend {slope:+.2f} MB/h")
if cpu:
    print(f"CPU after the warm-up: mean {sum(cpu) / len(cpu):.1f}%, median {cpu[len(cpu) // 2]:.1f}%, "
          f"max {cpu[-1]:.1f}% of one core")
print(f"traffic: {last[4]} requests ({last[4] / max(last[0], 1):.1f}/s), {last[5]} errors; spans: {final_spans} "
      f"({int(final_spans) / max(last[0], 1):.0f}/s); agent exit status {agent_rc}")
print("verdict: " + ("PASS" if not problems else "FAIL: " + "; ".join(problems)))
sys.exit(0 if not problems else 1)
PY
[ "$verdict" -eq 0 ] || cs_fail "soak verdict FAIL (table above; samples and logs in $OUT)"
cs_log "PASS (samples and logs in $OUT)"
