# Helpers of the database integration tests (test_redis, test_postgres, test_mariadb, test_memcached,
# test_flask_db_chain). Source after lib/common.sh. Each server runs as a child of the test in its own
# temporary directory on a private port and is stopped by the exit trap.

CS_DB_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REDIS_PORT=18187
PG_PORT=18188
MARIADB_PORT=18092
MEMCACHED_PORT=18091
DB_FLASK_PORT=18091

# cs_db_check ARGS...: check_db_spans.py on the agent's spans.
cs_db_check() {
  timeout 120 "$PY" "$CS_DB_DIR/check_db_spans.py" "$CS_SPANS" "$@" || cs_fail "span check failed (see report above)"
}

# cs_wait_port PORT [SECONDS]: until something accepts TCP connections on 127.0.0.1:PORT.
cs_wait_port() {
  local port="$1" secs="${2:-30}" i
  for ((i = 0; i < secs * 10; i++)); do
    if "$PY" -c "import socket,sys; s=socket.create_connection(('127.0.0.1',$port),0.5); s.close()" 2>/dev/null; then
      return 0
    fi
    sleep 0.1
  done
  cs_fail "nothing listens on port $port after ${secs}s"
}

# cs_start_redis: redis-server on REDIS_PORT (no persistence). Sets REDIS_PID.
cs_start_redis() {
  command -v redis-server >/dev/null || cs_fail "redis-server missing (run scripts/install-deps.sh)"
  cs_port_free "$REDIS_PORT"
  mkdir -p "$CS_TMP/redis"
  cs_bg redis redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --save '' --appendonly no --dir "$CS_TMP/redis"
  REDIS_PID=$CS_LAST_PID
  cs_wait_port "$REDIS_PORT"
}

# cs_start_postgres: initdb in the temp dir and a postgres on PG_PORT, trust authentication over TCP,
# run as the 'postgres' user (the server refuses root). Sets PG_PID, PG_BIN.
cs_start_postgres() {
  PG_BIN="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)"
  [ -x "$PG_BIN/initdb" ] || cs_fail "PostgreSQL server binaries missing (run scripts/install-deps.sh)"
  id postgres >/dev/null 2>&1 || cs_fail "no 'postgres' user (the postgresql package creates it)"
  cs_port_free "$PG_PORT"
  local data="$CS_TMP/pgdata"
  mkdir -p "$data" "$CS_TMP/pgsock"
  chown postgres "$data" "$CS_TMP/pgsock"
  chmod 755 "$CS_TMP"
  runuser -u postgres -- "$PG_BIN/initdb" -D "$data" -A trust -U postgres --no-sync >"$CS_TMP/initdb.log" 2>&1 ||
    cs_fail "initdb failed"
  cs_bg postgres runuser -u postgres -- "$PG_BIN/postgres" -D "$data" -p "$PG_PORT" -k "$CS_TMP/pgsock" \
    -c listen_addresses=127.0.0.1 -c fsync=off -c ssl=off -c shared_buffers=16MB
  PG_PID=$CS_LAST_PID
  local i
  for ((i = 0; i < 300; i++)); do
    psql -h 127.0.0.1 -p "$PG_PORT" -U postgres -d postgres -Atc 'select 1' >/dev/null 2>&1 && return 0
    kill -0 "$PG_PID" 2>/dev/null || cs_fail "postgres exited"
    sleep 0.1
  done
  cs_fail "postgres did not answer within 30s"
}

# cs_start_mariadb: mariadb-install-db in the temp dir and mariadbd on MARIADB_PORT, user 'app' (no
# password) with database 'shop'. Sets MARIADB_PID.
cs_start_mariadb() {
  command -v mariadbd >/dev/null || [ -x /usr/sbin/mariadbd ] || cs_fail "mariadbd missing (run scripts/install-deps.sh)"
  cs_port_free "$MARIADB_PORT"
  local data="$CS_TMP/mariadb"
  mkdir -p "$data"
  chown mysql "$data" 2>/dev/null || cs_fail "no 'mysql' user (the mariadb-server package creates it)"
  chmod 755 "$CS_TMP"
  mariadb-install-db --no-defaults --user=mysql --datadir="$data" --auth-root-authentication-method=normal \
    --skip-test-db >"$CS_TMP/mariadb-install.log" 2>&1 || cs_fail "mariadb-install-db failed"
  cs_bg mariadb /usr/sbin/mariadbd --no-defaults --user=mysql --datadir="$data" --port="$MARIADB_PORT" \
    --bind-address=127.0.0.1 --socket="$data/mysqld.sock" --pid-file="$data/mysqld.pid" --skip-log-bin \
    --innodb-buffer-pool-size=16M --skip-name-resolve
  MARIADB_PID=$CS_LAST_PID
  local i
  for ((i = 0; i < 300; i++)); do
    if mariadb --no-defaults -S "$data/mysqld.sock" -uroot -e 'select 1' >/dev/null 2>&1; then
      mariadb --no-defaults -S "$data/mysqld.sock" -uroot -e "CREATE DATABASE shop; CREATE USER 'app'@'127.0.0.1'; GRANT ALL ON shop.* TO 'app'@'127.0.0.1';" ||
        cs_fail "could not create the test user"
      return 0
    fi
    kill -0 "$MARIADB_PID" 2>/dev/null || cs_fail "mariadbd exited"
    sleep 0.1
  done
  cs_fail "mariadbd did not answer within 30s"
}

# cs_start_memcached: memcached on MEMCACHED_PORT, one worker thread. Sets MEMCACHED_PID.
cs_start_memcached() {
  command -v memcached >/dev/null || cs_fail "memcached missing (run scripts/install-deps.sh)"
  cs_port_free "$MEMCACHED_PORT"
  cs_bg memcached memcached -u nobody -l 127.0.0.1 -p "$MEMCACHED_PORT" -U 0 -t 1 -m 16
  MEMCACHED_PID=$CS_LAST_PID
  cs_wait_port "$MEMCACHED_PORT"
}
