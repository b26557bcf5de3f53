#!/usr/bin/env bash
# Redis through the agent: redis-cli commands (one connection each; an error reply; MULTI/EXEC; a
# subscriber whose pushes make no span), then redis-benchmark -P 16: client spans = server spans =
# commands sent, exactly, every server span the child of its client span.
# Takes about 11 s. Usage: bash test_redis.sh /path/to/callscope   (root)
set -euo pipefail
source "$(dirname "$0")/lib/common.sh"
source "$(dirname "$0")/db/db_common.sh"
cs_init "$@"
command -v redis-cli >/dev/null && command -v redis-benchmark >/dev/null || cs_fail "redis-tools missing"

cs_start_redis
cs_start_agent --port "$REDIS_PORT"
R=(redis-cli -h 127.0.0.1 -p "$REDIS_PORT")
"${R[@]}" SET user:1 alice >/dev/null
"${R[@]}" GET user:1 >/dev/null
"${R[@]}" INCR user:1 >/dev/null  # ERR value is not an integer
# MULTI/EXEC with redis-py (redis-cli reading commands from stdin would first ask COMMAND DOCS, whose
# 345 KB reply is longer than the captured bytes).
"$PY" -c 'import redis,sys; p=redis.Redis(port=int(sys.argv[1])).pipeline(transaction=True); p.set("n",1); p.incr("n"); p.execute()' "$REDIS_PORT" ||
  cs_fail "redis-py transaction failed"
timeout 3 "${R[@]}" SUBSCRIBE news >"$CS_TMP/subscriber.out" 2>&1 &
SUB=$!
sleep 1
"${R[@]}" PUBLISH news hello >/dev/null
"${R[@]}" PUBLISH news again >/dev/null
wait "$SUB" || true
grep -q again "$CS_TMP/subscriber.out" || cs_fail "the subscriber did not get the messages"
N=1600
redis-benchmark -h 127.0.0.1 -p "$REDIS_PORT" -c 4 -n "$N" -P 16 -t set,get -q >"$CS_TMP/benchmark.out" 2>&1 ||
  cs_fail "redis-benchmark failed"
sleep 1
cs_stop_agent

CLI=redis-cli
BENCH=redis-benchmark
SRV=redis-server
pair() {  # pair CLIENT_COMM NAME [KEYS]: a client span and its server span
  echo "$1:client:$2${3:+:$3}{$SRV:server:$2${3:+:$3}}"
}
cs_db_check \
  --expect 1 "$(pair $CLI SET "a.db.query.text=SET user:1 ?,a.db.system.name=redis,status=ok,port=$REDIS_PORT")" \
  --expect 1 "$(pair $CLI GET "a.db.query.text=GET user:1,status=ok")" \
  --expect 1 "$(pair $CLI INCR "a.db.response.status_code=ERR,a.error.type=ERR,status=error")" \
  --expect 1 "$(pair python3 MULTI status=ok)" \
  --expect 1 "$(pair python3 SET "a.db.query.text=SET n ?")" \
  --expect 1 "$(pair python3 INCRBY "a.db.query.text=INCRBY n ?,status=ok")" \
  --expect 1 "$(pair python3 EXEC status=ok)" \
  --expect 1 "$(pair $CLI SUBSCRIBE "a.db.query.text=SUBSCRIBE news")" \
  --expect 2 "$(pair $CLI PUBLISH)" \
  --expect "$N" "$(pair $BENCH SET "a.db.query.text=SET key:__rand_int__ ?")" \
  --expect "$N" "$(pair $BENCH GET)" \
  --allow-extra \
  --count "$N" "$BENCH:client:SET" --count "$N" "$SRV:server:SET:a.db.query.text=SET key:__rand_int__ ?" \
  --count "$N" "$BENCH:client:GET" --count "$N" "$SRV:server:GET:a.db.query.text=GET key:__rand_int__"
# Nothing but the CONFIG GET redis-benchmark sends first is left over.
extra="$("$PY" -c '
import json,sys
n=[s["name"] for s in map(json.loads, open(sys.argv[1])) if s["name"] not in ("SET","GET","INCR","INCRBY","MULTI","EXEC","SUBSCRIBE","PUBLISH","CONFIG")]
print(" ".join(n))' "$CS_SPANS")"
[ -z "$extra" ] || cs_fail "unexpected spans: $extra"
cs_log "PASS"
