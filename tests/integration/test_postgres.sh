#!/usr/bin/env bash
# PostgreSQL through the agent (initdb in a temp dir, postgres on a private port, sslmode prefer: the
# SSLRequest is answered N). psql with the simple query protocol (a query, an error), then psycopg 3 with
# the extended protocol: unnamed statements with parameters, one statement prepared once and executed 5
# times (every Execute carries its text), an error, and 4 Executes in one pipeline Sync.
# Takes about 4 s (initdb included). Usage: bash test_postgres.sh /path/to/callscope   (root)
set -euo pipefail
source "$(dirname "$0")/lib/common.sh"
source "$(dirname "$0")/db/db_common.sh"
cs_init "$@"
"$PY" -c 'import psycopg' 2>/dev/null || cs_fail "$PY cannot import psycopg (python3-psycopg; run scripts/install-deps.sh)"

cs_start_postgres
cs_start_agent --port "$PG_PORT"
PSQL=(psql -X -h 127.0.0.1 -p "$PG_PORT" -U postgres -d postgres -v ON_ERROR_STOP=0 -Atc)
PGSSLMODE=prefer "${PSQL[@]}" "SELECT count(*) FROM pg_class WHERE relname = 'x'" >/dev/null
PGSSLMODE=prefer "${PSQL[@]}" "SELECT 1/0" >/dev/null 2>&1 || true
"$PY" "$CS_DB_DIR/pg_extended_client.py" "$PG_PORT" >"$CS_TMP/client.log" 2>&1 || cs_fail "the psycopg client failed"
sleep 1
cs_stop_agent

SRV=postgres
pair() {  # pair CLIENT_COMM NAME KEYS: a client span and its server span with the same keys
  echo "$1:client:$2:$3{$SRV:server:$2:$3}"
}
cs_db_check --allow-extra \
  --expect 1 "$(pair psql "SELECT pg_class" "a.db.query.text=SELECT count(*) FROM pg_class WHERE relname = ?,a.db.namespace=postgres,a.db.system.name=postgresql,a.db.response.returned_rows=1,status=ok,port=$PG_PORT")" \
  --expect 1 "$(pair psql SELECT "a.db.query.text=SELECT ?/?,a.db.response.status_code=22012,a.error.type=22012,status=error")" \
  --expect 1 "$(pair python3 "CREATE items" "a.db.collection.name=items,status=ok")" \
  --expect 10 "$(pair python3 "INSERT items" "a.db.query.text=INSERT INTO items (id, name) VALUES (\$1, \$2),a.db.operation.name=INSERT,status=ok")" \
  --expect 5 "$(pair python3 "SELECT items" "a.db.query.text=SELECT name FROM items WHERE id = \$1,a.db.response.returned_rows=1,status=ok")" \
  --expect 1 "$(pair python3 "SELECT missing_table" "a.db.response.status_code=42P01,status=error")" \
  --expect 4 "$(pair python3 "UPDATE items" "a.db.query.text=UPDATE items SET name = \$1 WHERE id = \$2,status=ok")"
# Nothing else was reported by the test's own clients (psql may not add queries of its own either).
extra="$("$PY" -c '
import json,sys
names={"SELECT pg_class","SELECT","CREATE items","INSERT items","SELECT items","SELECT missing_table","UPDATE items"}
print(" ".join(sorted({s["name"] for s in map(json.loads, open(sys.argv[1])) if s["name"] not in names})))' "$CS_SPANS")"
[ -z "$extra" ] || cs_fail "unexpected spans: $extra"
cs_log "PASS"
