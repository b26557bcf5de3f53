#!/usr/bin/env bash
# Record/replay: curl -> service A (Flask) -> service B (Flask), traced by a live agent (--seed 42) and
# recorded by `callscope record` at the same time (two agents, both attached, same events).
#   1. replaying the capture twice with --seed 42 gives byte-identical output; --seed 43 other ids only
#   2. the replayed spans form exactly the expected chains (check_chains.py)
#   3. live and replayed spans are the same set by (service, pid, tid, kind, name, status, code, ports)
#      with the same parents, and start/end within 1 ms (each agent's BPF program reads the clock itself,
#      microseconds apart); whether ids are equal too is printed (they are when both saw the same order)
#   4. the capture without its trailer (recorder killed) still replays to the same spans, exit 0
#   5. bad files: missing, empty, garbage, header only cut, cut in the middle of a record: exit status in
#      1..127 (no crash, no core dump) and a message naming the problem on stderr
# Usage: bash test_record_replay.sh /path/to/callscope   (root)
# CS_FIXTURE_OUT=FILE also copies the capture there (how tests/fixtures/flask_chain.cscap was made).
set -euo pipefail
source "$(dirname "$0")/lib/common.sh"
cs_init "$@"

A_PORT=18183
B_PORT=18184
ITEMS=5
cs_start_flask_services "$A_PORT" "$B_PORT"

# --- the recorder (started first, so it sees everything the live agent sees) -------------------------
CAP="$CS_TMP/chain.cscap"
REC_LOG="$CS_TMP/recorder.log"
env --default-signal=INT,QUIT "$CS_BIN" record -o "$CAP" --port "$A_PORT" --port "$B_PORT" \
  >"$CS_TMP/recorder.stdout" 2>"$REC_LOG" &
REC_PID=$!
CS_PIDS+=("$REC_PID")
cs_wait_ready "$REC_PID" "$REC_LOG" "callscope record"
cs_log "recorder ready (pid $REC_PID)"

CS_PHASE=live cs_start_agent --seed 42 --port "$A_PORT" --port "$B_PORT"
LIVE="$CS_SPANS"

# Sequential requests (one at a time: the live and the recorded event order then agree).
for ((i = 0; i < ITEMS; i++)); do
  cs_curl "http://127.0.0.1:$A_PORT/a/item$i" 200
done
cs_curl "http://127.0.0.1:$A_PORT/err" 502
sleep 1
cs_stop_agent
kill -INT "$REC_PID" || cs_fail "recorder died before SIGINT"
timeout 20 tail --pid="$REC_PID" -f /dev/null || cs_fail "recorder did not exit within 20s of SIGINT"
rc=0
wait "$REC_PID" || rc=$?
[ "$rc" -eq 0 ] || cs_fail "callscope record exited with status $rc"
grep -q "stopped; wrote" "$REC_LOG" || cs_fail "recorder did not log its summary"
cs_log "recorder: $(grep 'stopped; wrote' "$REC_LOG" | sed 's/.*stopped; //')"
[ -s "$CAP" ] || cs_fail "capture $CAP is empty"
if [ -n "${CS_FIXTURE_OUT:-}" ]; then
  cp "$CAP" "$CS_FIXTURE_OUT"
  cs_log "capture copied to $CS_FIXTURE_OUT ($(stat -c %s "$CAP") bytes; A pid $A_PID, B pid $B_PID)"
fi

# replay_to OUT SEED [FILE]: replays (no root needed, but we are root anyway), fails on a non-zero exit.
replay_to() {
  local out="$1" seed="$2" file="${3:-$CAP}" rc=0
  timeout 60 "$CS_BIN" replay "$file" --format json --seed "$seed" --output "$out" 2>"$out.log" || rc=$?
  [ "$rc" -eq 0 ] || cs_fail "replay of $file (seed $seed) exited with $rc: $(tail -n 3 "$out.log")"
}

# --- 1. determinism ---------------------------------------------------------------------------------
R1="$CS_TMP/replay1.jsonl"
R2="$CS_TMP/replay2.jsonl"
R3="$CS_TMP/replay-seed43.jsonl"
replay_to "$R1" 42
replay_to "$R2" 42
replay_to "$R3" 43
[ -s "$R1" ] || cs_fail "replay produced no spans"
cmp -s "$R1" "$R2" || cs_fail "two replays with --seed 42 differ: $(diff "$R1" "$R2" | head -n 6)"
cs_log "two replays with seed 42: identical ($(wc -l <"$R1") spans)"
"$PY" - "$R1" "$R3" <<'PY' || cs_fail "replay with seed 43 is not the seed-42 replay with other ids"
import json, sys
a = [json.loads(l) for l in open(sys.argv[1])]
b = [json.loads(l) for l in open(sys.argv[2])]
strip = lambda s: {k: v for k, v in s.items() if k not in ("trace_id", "span_id", "parent_span_id")}
assert len(a) == len(b), f"{len(a)} vs {len(b)} spans"
assert [strip(x) for x in a] == [strip(y) for y in b], "spans differ beyond their ids"
assert not {x["span_id"] for x in a} & {y["span_id"] for y in b}, "seed 43 reused seed-42 span ids"
PY

# --- 2. chain shapes ----------------------------------------------------------------------------------
A_COMM="$(cs_comm "$A_PID")"
B_COMM="$(cs_comm "$B_PID")"
OK_CHAIN="curl:client:GET /a/{id}:code=200,port=$A_PORT"
OK_CHAIN+=">$A_COMM:server:GET /a/{id}:code=200,port=$A_PORT,pid=$A_PID"
OK_CHAIN+=">$A_COMM:client:GET /b/{id}:code=200,port=$B_PORT,pid=$A_PID"
OK_CHAIN+=">$B_COMM:server:GET /b/{id}:code=200,port=$B_PORT,pid=$B_PID"
ERR_CHAIN="curl:client:GET /err:code=502,port=$A_PORT"
ERR_CHAIN+=">$A_COMM:server:GET /err:code=502,port=$A_PORT,pid=$A_PID"
ERR_CHAIN+=">$A_COMM:client:GET /fail:code=500,port=$B_PORT,pid=$A_PID"
ERR_CHAIN+=">$B_COMM:server:GET /fail:code=500,port=$B_PORT,pid=$B_PID"
timeout 60 "$PY" "$CS_LIB_DIR/check_chains.py" "$R1" --expect "$ITEMS" "$OK_CHAIN" --expect 1 "$ERR_CHAIN" ||
  cs_fail "replayed spans do not form the expected chains"
timeout 60 "$PY" "$CS_LIB_DIR/check_chains.py" "$LIVE" --expect "$ITEMS" "$OK_CHAIN" --expect 1 "$ERR_CHAIN" ||
  cs_fail "live spans do not form the expected chains"

# --- 3. live vs replay --------------------------------------------------------------------------------
"$PY" - "$LIVE" "$R1" <<'PY' || cs_fail "live and replayed spans differ (see above)"
import json, sys
def load(p):
    return [json.loads(l) for l in open(p) if l.strip()]
live, rep = load(sys.argv[1]), load(sys.argv[2])
# Identity of a span without ids and times; times are compared with a tolerance: each agent's BPF program
# takes its own bpf_ktime_get_ns() (two programs on one tracepoint run one after the other) and each agent
# computed CLOCK_REALTIME - CLOCK_MONOTONIC on its own, so a timestamp differs by some microseconds.
TOLERANCE_NS = 1_000_000
def ident(s):
    a = s["attributes"]
    return (s["service.name"], s["process.pid"], s["thread.id"], s["kind"], s["name"], s["status"],
            a["http.response.status_code"], a["client.port"], a["server.port"])
if len(live) != len(rep):
    sys.exit(f"live has {len(live)} spans, replay {len(rep)}")
li = sorted(live, key=ident)
ri = sorted(rep, key=ident)
diffs = []
for l, r in zip(li, ri):
    if ident(l) != ident(r):
        sys.exit(f"span sets differ:\n  live   {ident(l)}\n  replay {ident(r)}")
    for k in ("start_time_unix_nano", "end_time_unix_nano"):
        diffs.append(r[k] - l[k])
        if abs(r[k] - l[k]) > TOLERANCE_NS:
            sys.exit(f"{ident(l)}: {k} live {l[k]} vs replay {r[k]}: differ by more than 1 ms")
# Parent structure must agree too (by identity, not by id).
def shape(spans):
    by_id = {s["span_id"]: s for s in spans}
    return sorted((ident(s), ident(by_id[s["parent_span_id"]]) if s["parent_span_id"] else None) for s in spans)
if shape(live) != shape(rep):
    sys.exit("span sets agree but parents differ")
ids_same = sorted((ident(s), s["trace_id"], s["span_id"]) for s in live) == \
           sorted((ident(s), s["trace_id"], s["span_id"]) for s in rep)
print(f"[test_record_replay] live vs replay: {len(live)} spans, same identities and parents; timestamps differ by "
      f"{min(diffs)}..{max(diffs)} ns (replay - live); trace/span ids "
      f"{'IDENTICAL' if ids_same else 'DIFFERENT'} with the same seed", file=sys.stderr)
PY

# --- 4. no trailer (recorder killed) -------------------------------------------------------------------
NOTRAILER="$CS_TMP/no-trailer.cscap"
"$PY" - "$CAP" "$NOTRAILER" <<'PY' || cs_fail "cannot strip the trailer"
import struct, sys
data = open(sys.argv[1], "rb").read()
# Walk the records: header_size at offset 12, then u32 size + record, until the 0xFFFFFFFF marker.
pos = struct.unpack_from("<I", data, 12)[0]
while pos + 4 <= len(data):
    size = struct.unpack_from("<I", data, pos)[0]
    if size == 0xFFFFFFFF:
        break
    pos += 4 + size
assert pos < len(data), "capture has no trailer to strip"
open(sys.argv[2], "wb").write(data[:pos])
PY
RNT="$CS_TMP/replay-no-trailer.jsonl"
replay_to "$RNT" 42 "$NOTRAILER"
cmp -s "$R1" "$RNT" || cs_fail "replay without the trailer differs from the full replay"
grep -qi "no trailer" "$RNT.log" || cs_fail "replay of a capture without trailer did not warn about it"
cs_log "capture without trailer: same spans, warned"

# --- 5. bad files ---------------------------------------------------------------------------------------
SIZE=$(stat -c %s "$CAP")
: >"$CS_TMP/empty.cscap"
head -c 30 "$CAP" >"$CS_TMP/cut-header.cscap"
head -c $((SIZE / 2)) "$CAP" >"$CS_TMP/cut-middle.cscap"
head -c 4096 /dev/urandom >"$CS_TMP/garbage.cscap"
{ head -c 52 "$CAP"; head -c 4096 /dev/urandom; } >"$CS_TMP/magic-then-garbage.cscap"
# expect_bad FILE REGEX: replay must fail cleanly (1..127) with a message matching REGEX.
expect_bad() {
  local file="$1" want="$2" rc=0 err="$CS_TMP/bad-$(basename "$1").log"
  ulimit -c 0
  timeout 30 "$CS_BIN" replay "$file" --format json --seed 42 --output "$CS_TMP/bad-$(basename "$1").jsonl" \
    2>"$err" || rc=$?
  [ "$rc" -ne 0 ] || cs_fail "replay of $(basename "$file") exited 0, want a failure"
  [ "$rc" -lt 128 ] || cs_fail "replay of $(basename "$file") died with status $rc (signal $((rc - 128)))"
  [ "$rc" -ne 124 ] || cs_fail "replay of $(basename "$file") hung (timeout)"
  grep -iE "\[(error|critical)\]" "$err" | sed "s|$file|FILE|g" | grep -qiE "$want" || cs_fail "replay of $(basename "$file"): message does not match /$want/: $(cat "$err")"
  cs_log "bad file $(basename "$file"): exit $rc, $(grep -iE "\[error\]" "$err" | head -n 1 | cut -c1-200)"
}
expect_bad "$CS_TMP/does-not-exist.cscap" "no such file|cannot open"
expect_bad "$CS_TMP/empty.cscap" "truncated|empty|header"
expect_bad "$CS_TMP/cut-header.cscap" "truncated|header"
expect_bad "$CS_TMP/cut-middle.cscap" "truncated|cut|offset"
expect_bad "$CS_TMP/garbage.cscap" "magic|not a callscope capture"
expect_bad "$CS_TMP/magic-then-garbage.cscap" "offset|record|header|truncated"
# The records before a cut are still replayed (and said so): at most as many spans as the whole capture.
grep -q "records before it were replayed" "$CS_TMP/bad-cut-middle.cscap.log" ||
  cs_fail "replay of the cut capture does not say the records before the cut were replayed"
CUT_SPANS=$(wc -l <"$CS_TMP/bad-cut-middle.cscap.jsonl")
[ "$CUT_SPANS" -le "$(wc -l <"$R1")" ] || cs_fail "the cut capture gave more spans ($CUT_SPANS) than the whole one"
cs_log "cut capture: $CUT_SPANS of $(wc -l <"$R1") spans replayed before the cut"
cs_log "PASS"
