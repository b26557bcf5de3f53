#!/usr/bin/env bash
# Where the kernel side's time per traced socket call goes, by part: builds the agent five times from the
# current commit, each variant stopping the socket-tracepoint program (bpf/progs/socket_io.h) one step
# earlier, and measures each under the same nginx + wrk load (kernel.bpf_stats_enabled, ns per call of
# cs_sock_send and cs_sock_recv), in interleaved rounds. Prints the raw rounds and the medians.
#
#   full      the program as committed
#   no_copy   everything but the payload copy (the record is written with 0 payload bytes)
#   no_goid   everything but the goroutine-id lookup (cs_current_goid returns 0)
#   no_record up to the decision to emit (state, tuple, verdict, system call decode, TCP sequence)
#   filter    up to the task filter (what an untraced process pays, plus the socket-type checks)
#
# The variants are measurement builds only (they lose data): they live in a temporary worktree and are
# deleted afterwards. `record -o /dev/null` keeps the agent's own work small. The accounting adds two
# clock reads per program run, so the ns are upper bounds; the differences between variants are what
# each part costs.
#
# Usage: [PORT=18483] scripts/bench/bpf_call_parts.sh [ROUNDS (3)] [SECONDS per round (5)]   (root)
set -euo pipefail
ROUNDS="${1:-3}"
SECS="${2:-5}"
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
# shellcheck source=bench_lib.sh
source "$ROOT/scripts/bench/bench_lib.sh"
PORT=${PORT:-18483}
bench_need_root
bench_need_tools nginx wrk bpftool python3 curl cmake git

WORK="$(mktemp -d /tmp/cs-bpf-parts.XXXXXX)"
chmod 755 "$WORK"  # nginx workers (an unprivileged user) serve from inside it
TREE="$WORK/tree"
NGINX_PID=""
STATS_BEFORE="$(sysctl -n kernel.bpf_stats_enabled)"
cleanup() {
  sysctl -qw kernel.bpf_stats_enabled="$STATS_BEFORE" || true
  [ -n "$NGINX_PID" ] && kill -QUIT "$NGINX_PID" 2>/dev/null || true
  git -C "$ROOT" worktree remove --force "$TREE" >/dev/null 2>&1 || true
  rm -rf "$WORK"
}
trap cleanup EXIT

git -C "$ROOT" worktree add --detach -q "$TREE" HEAD
cmake -S "$TREE" -B "$TREE/build" -DCMAKE_BUILD_TYPE=Release -DCALLSCOPE_BUILD_TESTS=OFF \
  -DCALLSCOPE_BUILD_BENCH=OFF >/dev/null

# Each variant: one edit (a Python replace that must match exactly once) on the committed sources.
edit() {  # FILE OLD NEW
  python3 - "$TREE/$1" "$2" "$3" <<'PY'
import sys
path, old, new = sys.argv[1], sys.argv[2].encode().decode("unicode_escape"), sys.argv[3].encode().decode("unicode_escape")
s = open(path).read()
if s.count(old) != 1:
    sys.exit(f"bpf_call_parts: the edit for {path} no longer matches the source ({s.count(old)} matches): update the script")
open(path, "w").write(s.replace(old, new))
PY
}
build() {  # NAME
  cmake --build "$TREE/build" -j"$(nproc)" --target callscope >"$WORK/build.$1.log" 2>&1 ||
    { tail -n 30 "$WORK/build.$1.log" >&2; exit 1; }
  cp "$TREE/build/userspace/callscope" "$WORK/$1"
  git -C "$TREE" checkout -q -- bpf
}
VARIANTS=(full no_copy no_goid no_record filter)
build full
edit bpf/cs_emit.h '\tcap = cs_payload_cap;' '\tcap = 0;'
build no_copy
edit bpf/cs_sock.h '\tif (!cs_go_enabled)\n\t\treturn 0;' '\treturn 0;'
build no_goid
edit bpf/progs/socket_io.h '\treturn cs_emit_data(sk, st, &c, pid_tgid);' '\tif (c.len != 0x7fffffff)\n\t\treturn 0;\n\treturn cs_emit_data(sk, st, &c, pid_tgid);'
build no_record
edit bpf/progs/socket_io.h '\tif (BPF_CORE_READ_BITFIELD(sk, sk_kern_sock))' '\tif (pid_tgid)\n\t\treturn 0;\n\tif (BPF_CORE_READ_BITFIELD(sk, sk_kern_sock))'
build filter

mkdir -p "$WORK/nginx"
bench_write_static_nginx "$WORK/nginx" "$PORT" 1024
nginx -p "$WORK/nginx" -c "$WORK/nginx/nginx.conf" </dev/null >/dev/null 2>&1 &
NGINX_PID=$!
URL="http://127.0.0.1:$PORT/index.html"
for _ in $(seq 50); do curl -fs -o /dev/null "$URL" && break; sleep 0.1; done
curl -fs -o /dev/null "$URL" || bench_die "nginx does not answer on port $PORT"

RAW="$WORK/rounds.txt"
: >"$RAW"
echo "bpf_call_parts: $ROUNDS rounds x ${#VARIANTS[@]} variants, ${SECS}s of wrk -t1 -c64 each, commit $(git -C "$ROOT" rev-parse --short HEAD)"
for r in $(seq "$ROUNDS"); do
  for v in "${VARIANTS[@]}"; do
    "$WORK/$v" record -o /dev/null 2>"$WORK/agent.log" &
    AP=$!
    for _ in $(seq 100); do grep -q "callscope ready" "$WORK/agent.log" && break; sleep 0.1; done
    grep -q "callscope ready" "$WORK/agent.log" || bench_die "variant $v did not start: $(tail -n 5 "$WORK/agent.log")"
    sysctl -qw kernel.bpf_stats_enabled=1
    n="$(wrk -t1 -c64 -d"${SECS}s" "$URL" | awk '/ requests in/{print $1}')"
    bpftool prog show -j >"$WORK/progs.json"
    sysctl -qw kernel.bpf_stats_enabled=0
    kill -INT "$AP"
    wait "$AP" || true
    python3 - "$WORK/progs.json" "$v" "$r" "$n" >>"$RAW" <<'PY'
import json, sys
progs = {p.get("name"): p for p in json.load(open(sys.argv[1]))}
out = [sys.argv[2], sys.argv[3], sys.argv[4]]
for name in ("cs_sock_send", "cs_sock_recv"):
    p = progs.get(name, {})
    out.append("%.0f" % (p["run_time_ns"] / p["run_cnt"]) if p.get("run_cnt") else "-")
print(" ".join(out))
PY
    tail -n 1 "$RAW" | awk '{printf "round %s %-9s requests %s  send %s ns  recv %s ns\n", $2, $1, $3, $4, $5}'
  done
done
python3 - "$RAW" "${VARIANTS[@]}" <<'PY'
import statistics, sys
rows = [l.split() for l in open(sys.argv[1])]
print("\n| variant | send ns/call (median) | recv ns/call (median) | rounds (send/recv) |\n|---|---|---|---|")
for v in sys.argv[2:]:
    mine = [r for r in rows if r[0] == v and r[3] != "-" and r[4] != "-"]
    if not mine:
        print(f"| {v} | - | - | no data |")
        continue
    s = [int(r[3]) for r in mine]
    c = [int(r[4]) for r in mine]
    print(f"| {v} | {statistics.median(s):.0f} | {statistics.median(c):.0f} | "
          + ", ".join(f"{a}/{b}" for a, b in zip(s, c)) + " |")
PY
