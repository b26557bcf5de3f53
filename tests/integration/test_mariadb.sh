#!/usr/bin/env bash
# MariaDB through the agent (mariadb-install-db in a temp dir, mariadbd on a private port): the mariadb
# client with COM_QUERY (DDL, inserts, a select of 3 rows, an error), then DBD::MariaDB with server-side
# prepared statements: each statement prepared once, executed many times, every Execute carrying its text.
# Takes about 5 s (mariadb-install-db included). Usage: bash test_mariadb.sh /path/to/callscope   (root)
set -euo pipefail
source "$(dirname "$0")/lib/common.sh"
source "$(dirname "$0")/db/db_common.sh"
cs_init "$@"
perl -MDBD::MariaDB -e 1 2>/dev/null || cs_fail "perl DBD::MariaDB missing (libdbd-mariadb-perl; run scripts/install-deps.sh)"

cs_start_mariadb
cs_start_agent --port "$MARIADB_PORT"
M=(mariadb --no-defaults -h 127.0.0.1 -P "$MARIADB_PORT" -u app shop)
"${M[@]}" -e "CREATE TABLE items (id INT PRIMARY KEY, name VARCHAR(40))"
"${M[@]}" -e "INSERT INTO items VALUES (100, 'a'), (101, 'b'), (102, 'c')"
"${M[@]}" -e "SELECT name FROM items WHERE id >= 100" >/dev/null
"${M[@]}" -e "SELECT * FROM missing_table" >/dev/null 2>&1 || true
perl "$CS_DB_DIR/mariadb_prepared_client.pl" "$MARIADB_PORT" >"$CS_TMP/client.log" 2>&1 || cs_fail "the DBD::MariaDB client failed"
sleep 1
cs_stop_agent

pair() {  # pair CLIENT_COMM NAME KEYS: a client span and mariadbd's server span with the same keys
  echo "$1:client:$2:$3{*:server:$2:$3,pid=$MARIADB_PID}"
}
cs_db_check --allow-extra \
  --expect 1 "$(pair mariadb "CREATE items" "a.db.system.name=mariadb,a.db.namespace=shop,status=ok,port=$MARIADB_PORT")" \
  --expect 1 "$(pair mariadb "INSERT items" "a.db.query.text=INSERT INTO items VALUES (?, ?), (?, ?), (?, ?)")" \
  --expect 1 "$(pair mariadb "SELECT items" "a.db.query.text=SELECT name FROM items WHERE id >= ?,a.db.response.returned_rows=3,status=ok")" \
  --expect 1 "$(pair mariadb "SELECT missing_table" "a.db.response.status_code=1146,a.error.type=1146,status=error")" \
  --expect 1 "$(pair perl "PREPARE INSERT items" "a.db.operation.name=PREPARE,status=ok")" \
  --expect 10 "$(pair perl "INSERT items" "a.db.query.text=INSERT INTO items (id, name) VALUES (?, ?),a.db.namespace=shop,status=ok")" \
  --expect 1 "$(pair perl "PREPARE SELECT items" "status=ok")" \
  --expect 5 "$(pair perl "SELECT items" "a.db.query.text=SELECT name FROM items WHERE id = ?,a.db.response.returned_rows=1,status=ok")"
cs_log "PASS"
