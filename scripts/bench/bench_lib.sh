# Helpers shared by the benchmark scripts in scripts/bench/ (sourced, not run).
# Needs: bash, python3, coreutils.

BENCH_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)

bench_die() { echo "$(basename "$0"): $*" >&2; exit 1; }

bench_need_root() { [ "$(id -u)" -eq 0 ] || bench_die "run as root (the agent loads BPF programs)"; }

bench_need_tools() {
  local t
  for t in "$@"; do
    command -v "$t" >/dev/null 2>&1 || bench_die "'$t' not found; run scripts/install-deps.sh"
  done
}

# Builds the agent (Release) in build-bench unless CALLSCOPE_BIN points at one.
bench_agent_bin() {
  if [ -n "${CALLSCOPE_BIN:-}" ]; then
    [ -x "$CALLSCOPE_BIN" ] || bench_die "CALLSCOPE_BIN=$CALLSCOPE_BIN is not executable"
    echo "$CALLSCOPE_BIN"
    return
  fi
  local dir="$BENCH_ROOT/build-bench"
  cmake -S "$BENCH_ROOT" -B "$dir" -DCMAKE_BUILD_TYPE=Release >/tmp/callscope-bench-build.log 2>&1 \
    || { cat /tmp/callscope-bench-build.log >&2; bench_die "cmake configure failed"; }
  cmake --build "$dir" -j2 --target callscope >>/tmp/callscope-bench-build.log 2>&1 \
    || { tail -40 /tmp/callscope-bench-build.log >&2; bench_die "building callscope failed (log: /tmp/callscope-bench-build.log)"; }
  echo "$dir/userspace/callscope"
}

# utime+stime of a process in clock ticks.
bench_cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
bench_hz() { getconf CLK_TCK; }
# Peak resident set (VmHWM) in KiB.
bench_hwm_kb() { awk '/^VmHWM:/ {print $2}' "/proc/$1/status"; }

# Median of the numbers given as arguments.
bench_median() { python3 -c 'import statistics,sys; print(statistics.median(float(x) for x in sys.argv[1:]))' "$@"; }

# Waits until the agent's log (file $1) says "callscope ready", or the agent (pid $2) died, max $3 s.
bench_wait_ready() {
  local log=$1 pid=$2 limit=${3:-30} i
  for ((i = 0; i < limit * 10; i++)); do
    grep -q "callscope ready" "$log" 2>/dev/null && return 0
    kill -0 "$pid" 2>/dev/null || { cat "$log" >&2; bench_die "the agent exited before it was ready"; }
    sleep 0.1
  done
  cat "$log" >&2
  bench_die "the agent was not ready after ${limit}s"
}

# Stops the agent (pid $1) with SIGINT so it flushes, waits at most 20 s.
bench_stop_agent() {
  local pid=$1 i
  kill -INT "$pid" 2>/dev/null || return 0
  for ((i = 0; i < 200; i++)); do
    kill -0 "$pid" 2>/dev/null || { wait "$pid" 2>/dev/null || true; return 0; }
    sleep 0.1
  done
  kill -KILL "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  echo "warning: agent $pid did not stop within 20 s after SIGINT; killed" >&2
}

# Ids of the BPF programs loaded now, one per line (taken before starting the agent, so that its own
# programs can be told apart from those of other callscope instances: bpftool here has no pid info).
bench_bpf_prog_ids() {
  bpftool prog show --json 2>/dev/null | python3 -c 'import json, sys; [print(p["id"]) for p in json.load(sys.stdin)]'
}

# Snapshot of the "cs_*" BPF programs loaded since the id list in file $1: "name run_time_ns run_cnt"
# per line (run_time_ns/run_cnt are 0 unless kernel.bpf_stats_enabled=1).
bench_bpf_prog_stats() {
  bpftool prog show --json 2>/dev/null | python3 -c '
import json, sys
old = {int(x) for x in open(sys.argv[1]).read().split()}
for p in json.load(sys.stdin):
    if p["id"] not in old and p.get("name", "").startswith("cs_"):
        print(p["name"], p.get("run_time_ns", 0), p.get("run_cnt", 0))
' "$1"
}

# Difference of two bench_bpf_prog_stats snapshots (files $1 before, $2 after) as markdown rows:
# | program | calls | ns per call |
bench_bpf_prog_table() {
  python3 - "$1" "$2" <<'EOF'
import sys
def load(path):
    d = {}
    for line in open(path):
        name, ns, cnt = line.split()
        a = d.setdefault(name, [0, 0])
        a[0] += int(ns); a[1] += int(cnt)
    return d
before, after = load(sys.argv[1]), load(sys.argv[2])
rows = []
for name, (ns, cnt) in after.items():
    b = before.get(name, [0, 0])
    dns, dcnt = ns - b[0], cnt - b[1]
    if dcnt > 0:
        rows.append((name, dcnt, dns / dcnt))
for name, cnt, per in sorted(rows, key=lambda r: -r[1]):
    print(f"| {name} | {cnt} | {per:.0f} |")
if not rows:
    print("| (no program ran: are the programs tail calls only?) | 0 | - |")
EOF
}

bench_machine_summary() {
  echo "machine: $(nproc) CPUs ($(awk -F': ' '/model name/ {print $2; exit}' /proc/cpuinfo)), kernel $(uname -r)," \
       "load average before: $(cut -d' ' -f1-3 /proc/loadavg)," \
       "other callscope processes running: $(pgrep -c -x callscope || true)"
}

# wrk --latency output (file $1) -> "requests_per_s total_requests p50_us p90_us p99_us"
bench_parse_wrk() {
  python3 - "$1" <<'EOF2'
import re, sys
text = open(sys.argv[1]).read()
def us(v, unit):
    return float(v) * {"us": 1, "ms": 1e3, "s": 1e6, "m": 6e7}[unit]
rps = re.search(r"Requests/sec:\s+([\d.]+)", text)
total = re.search(r"(\d+) requests in", text)
pct = {p: us(v, u) for p, v, u in re.findall(r"^\s+(50|90|99)%\s+([\d.]+)(us|ms|s|m)\s*$", text, re.M)}
if not rps or not total or len(pct) != 3:
    sys.exit("cannot parse wrk output in " + sys.argv[1])
print(rps.group(1), total.group(1), f"{pct['50']:.0f}", f"{pct['90']:.0f}", f"{pct['99']:.0f}")
EOF2
}

# First value of " KEY=N" in the last line of log $1 that has one (e.g. bench_log_value agent.log spans).
bench_log_value() {
  python3 - "$1" "$2" <<'EOF2'
import re, sys
found = ""
for line in open(sys.argv[1], errors="replace"):
    m = re.search(r"[ (]" + re.escape(sys.argv[2]) + r"=(\d+)", line)
    if m:
        found = m.group(1)
print(found)
EOF2
}

# Voluntary context switches of process $1 (all its threads): how often it slept and was woken.
bench_wakeups() {
  local pid=$1 total=0 n t
  for t in /proc/"$pid"/task/*/status; do
    n=$(awk '/^voluntary_ctxt_switches:/ {print $2}' "$t" 2>/dev/null || echo 0)
    total=$((total + ${n:-0}))
  done
  echo "$total"
}

# Writes a one-worker nginx serving a static page of BYTES (default 600) with keep-alive on
# 127.0.0.1:PORT into DIR (DIR/nginx.conf, DIR/www/index.html). Start it with: nginx -p DIR -c DIR/nginx.conf
bench_write_static_nginx() {
  local dir=$1 port=$2 bytes=${3:-600}
  chmod 755 "$dir"  # nginx workers run as an unprivileged user
  mkdir -p "$dir/www" "$dir/tmp"
  python3 -c 'import sys; n = int(sys.argv[1]); sys.stdout.write(("<p>callscope benchmark page</p>\n" * (n // 30 + 1))[:n])' \
    "$bytes" >"$dir/www/index.html"
  cat >"$dir/nginx.conf" <<EOF
worker_processes 1;
daemon off;
pid $dir/nginx.pid;
error_log $dir/error.log warn;
events { worker_connections 1024; }
http {
  access_log off;
  keepalive_timeout 75s;
  keepalive_requests 10000000;
  client_body_temp_path $dir/tmp/body;
  proxy_temp_path $dir/tmp/proxy;
  fastcgi_temp_path $dir/tmp/fastcgi;
  uwsgi_temp_path $dir/tmp/uwsgi;
  scgi_temp_path $dir/tmp/scgi;
  server { listen 127.0.0.1:$port; root $dir/www; location / { } }
}
EOF
}
