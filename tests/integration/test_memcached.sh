#!/usr/bin/env bash
# memcached text protocol through the agent: classic commands (a two-key get, a miss, an error reply, a
# noreply set) and meta commands (ms / mg / md / mn, and a quiet pipeline ended by mn) on one connection.
# Takes about 2 s. Usage: bash test_memcached.sh /path/to/callscope   (root)
set -euo pipefail
source "$(dirname "$0")/lib/common.sh"
source "$(dirname "$0")/db/db_common.sh"
cs_init "$@"

cs_start_memcached
cs_start_agent --port "$MEMCACHED_PORT"
"$PY" "$CS_DB_DIR/memcached_client.py" "$MEMCACHED_PORT" >"$CS_TMP/client.log" 2>&1 || cs_fail "the memcached client failed"
sleep 1
cs_stop_agent

pair() {  # pair NAME KEYS: the client span and memcached's server span with the same keys
  echo "python3:client:$1:$2{*:server:$1:$2,pid=$MEMCACHED_PID}"
}
alone() {  # a command that gets no reply: client and server spans without db.response.status_code
  echo "python3:client:$1:$2{*:server:$1:$2,pid=$MEMCACHED_PID}"
}
cs_db_check \
  --expect 1 "$(pair set "a.db.query.text=set a ? ? ?,a.db.response.status_code=STORED,a.db.system.name=memcached,status=ok,port=$MEMCACHED_PORT")" \
  --expect 1 "$(pair set "a.db.query.text=set b ? ? ?,a.db.response.status_code=STORED")" \
  --expect 1 "$(pair get "a.db.query.text=get a b,a.db.response.returned_rows=2,a.db.response.status_code=END")" \
  --expect 1 "$(pair get "a.db.query.text=get missing,a.db.response.returned_rows=0")" \
  --expect 1 "$(pair delete "a.db.response.status_code=DELETED")" \
  --expect 1 "$(pair incr "a.db.query.text=incr b ?,a.db.response.status_code=CLIENT_ERROR,status=error")" \
  --expect 1 "$(alone set "a.db.query.text=set c ? ? ? noreply,status=ok")" \
  --expect 1 "$(pair ms "a.db.query.text=ms d ? T?,a.db.response.status_code=HD")" \
  --expect 1 "$(pair mg "a.db.query.text=mg d v,a.db.response.status_code=VA")" \
  --expect 1 "$(pair md "a.db.response.status_code=HD")" \
  --expect 2 "$(pair mn "a.db.response.status_code=MN")" \
  --expect 1 "$(alone ms "a.db.query.text=ms e ? q")" \
  --expect 1 "$(alone mg "a.db.query.text=mg x v q")" \
  --expect 1 "$(alone mg "a.db.query.text=mg e v q")"
n="$("$PY" -c 'import json,sys; print(sum(1 for s in map(json.loads, open(sys.argv[1])) if "db.response.status_code" in s["attributes"] and s["name"] in ("ms","mg") and " q" in s["attributes"]["db.query.text"]))' "$CS_SPANS")"
[ "$n" = 0 ] || cs_fail "a quiet command got a reply paired"
cs_log "PASS"
