#!/usr/bin/env bash
# One trace per request through an HTTP service into Redis and PostgreSQL: 200 requests from 16 client
# threads to a Flask service whose handler calls Redis (redis-py) and then PostgreSQL (psycopg 3). Every
# trace must be exactly:
#   load client -> service server span -> { redis client -> redis-server server span,
#                                            postgres client -> postgres server span }
# with the request id matching at every level (URL path, Redis key, SQL comment), nothing extra.
# Takes about 5 s. Usage: bash test_flask_db_chain.sh /path/to/callscope   (root)
set -euo pipefail
source "$(dirname "$0")/lib/common.sh"
source "$(dirname "$0")/db/db_common.sh"
cs_init "$@"
"$PY" -c 'import psycopg, redis' 2>/dev/null || cs_fail "$PY cannot import psycopg/redis (run scripts/install-deps.sh)"

cs_start_redis
cs_start_postgres
cs_port_free "$DB_FLASK_PORT"
cs_bg db_service "$PY" "$CS_DB_DIR/db_service.py" "$DB_FLASK_PORT" "$REDIS_PORT" "$PG_PORT"
SVC_PID=$CS_LAST_PID
cs_wait_http "http://127.0.0.1:$DB_FLASK_PORT/healthz"

cs_start_agent --port "$DB_FLASK_PORT" --port "$REDIS_PORT" --port "$PG_PORT"
N=200
timeout 300 "$PY" "$CS_LIB_DIR/http_load.py" --port "$DB_FLASK_PORT" --path "/item/r{i}" --count "$N" \
  --concurrency 16 >"$CS_TMP/load.log" 2>&1 || cs_fail "the load client failed"
sleep 1
cs_stop_agent

SVC="$(cs_comm "$SVC_PID")"
TREE="*:client:GET /item/r<id>{$SVC:server:GET /item/r<id>:pid=$SVC_PID{"
TREE+="$SVC:client:GET:a.db.query.text=GET req:r<id>,pid=$SVC_PID{redis-server:server:GET:a.db.query.text=GET req:r<id>,port=$REDIS_PORT};"
TREE+="$SVC:client:SELECT items:a.db.query.text=SELECT name FROM items WHERE id = \$1 /* req r<id> */,pid=$SVC_PID"
TREE+="{postgres:server:SELECT items:a.db.query.text=SELECT name FROM items WHERE id = \$1 /* req r<id> */,a.db.response.returned_rows=1,port=$PG_PORT}}}"
cs_db_check --expect "$N" "$TREE"
cs_log "PASS"
