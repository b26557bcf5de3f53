#!/usr/bin/env bash
# curl -> nginx (1 worker, reverse proxy) -> gunicorn backend (service B's app). Two phases:
#   close:     nginx opens a new upstream connection per request (HTTP/1.0, Connection: close)
#   keepalive: upstream keepalive 8 + proxy_http_version 1.1 + Connection "" (connections are reused)
# In each phase: 20 sequential and 100 concurrent (8 at a time) curl requests; every request must give
# exactly one chain curl client -> nginx server -> nginx client -> backend server with the request's id
# at every level, and nothing else.
# Usage: bash test_nginx_proxy.sh /path/to/callscope   (root)
set -euo pipefail
source "$(dirname "$0")/lib/common.sh"
cs_init "$@"

NGINX_PORT=18087
BACKEND_PORT=18088
SEQUENTIAL=20
CONCURRENT=100
PARALLEL=8
command -v nginx >/dev/null || cs_fail "nginx missing (run scripts/install-deps.sh)"
command -v gunicorn >/dev/null || cs_fail "gunicorn missing (run scripts/install-deps.sh)"
cs_port_free "$NGINX_PORT"
cs_port_free "$BACKEND_PORT"

cs_bg backend gunicorn --chdir "$CS_DEMO_DIR" --workers 1 --worker-class gthread --threads 8 \
  --keep-alive 60 --bind "127.0.0.1:$BACKEND_PORT" service_b:app
BACKEND_PID="$(cs_only_child "$CS_LAST_PID")"
cs_wait_http "http://127.0.0.1:$BACKEND_PORT/healthz"

# run_phase NAME KEEPALIVE(0|1)
run_phase() {
  local phase="$1" keepalive="$2" conf="$CS_TMP/nginx-$1.conf"
  cs_write_nginx_proxy_conf "$conf" "$NGINX_PORT" "$BACKEND_PORT" "$keepalive"
  nginx -t -q -c "$conf" -e "$CS_TMP/nginx-error.log" 2>>"$CS_TMP/nginx-error.log" || cs_fail "nginx rejects $conf"
  cs_bg "nginx-$phase" nginx -c "$conf" -e "$CS_TMP/nginx-error.log"
  local master=$CS_LAST_PID worker
  worker="$(cs_only_child "$master")"
  cs_wait_http "http://127.0.0.1:$NGINX_PORT/healthz"

  CS_PHASE="$phase" cs_start_agent --port "$NGINX_PORT" --port "$BACKEND_PORT"
  local i
  for ((i = 0; i < SEQUENTIAL; i++)); do
    cs_curl "http://127.0.0.1:$NGINX_PORT/b/$phase-seq$i" 200
  done
  seq 0 $((CONCURRENT - 1)) | timeout 300 xargs -P "$PARALLEL" -I{} \
    curl -s -o /dev/null --max-time 20 -w '%{http_code}\n' "http://127.0.0.1:$NGINX_PORT/b/$phase-par{}" \
    >"$CS_TMP/codes-$phase.txt" || cs_fail "concurrent curl requests failed ($phase)"
  local good
  good="$(grep -c '^200$' "$CS_TMP/codes-$phase.txt" || true)"
  [ "$good" -eq "$CONCURRENT" ] || cs_fail "only $good of $CONCURRENT concurrent requests answered 200 ($phase)"
  sleep 1
  cs_stop_agent

  cs_stop "$master" "nginx ($phase)"

  local backend_comm chain
  backend_comm="$(cs_comm "$BACKEND_PID")"
  chain="curl:client:GET /b/{id}:code=200,port=$NGINX_PORT"
  chain+=">nginx:server:GET /b/{id}:code=200,port=$NGINX_PORT,pid=$worker"
  chain+=">nginx:client:GET /b/{id}:code=200,port=$BACKEND_PORT,pid=$worker"
  chain+=">$backend_comm:server:GET /b/{id}:code=200,port=$BACKEND_PORT,pid=$BACKEND_PID"
  cs_log "phase $phase: checking $((SEQUENTIAL + CONCURRENT)) chains"
  cs_check --expect "$((SEQUENTIAL + CONCURRENT))" "$chain"

  # The phases must really differ: distinct local ports of nginx's upstream (client) spans. (A closed
  # connection's port can be reused by a later one, so "close" only needs mostly distinct ports.)
  local total=$((SEQUENTIAL + CONCURRENT)) conns
  conns="$("$PY" -c 'import json, sys
spans = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
print(len({s["attributes"]["client.port"] for s in spans if s["service.name"] == "nginx" and s["kind"] == "client"}))' "$CS_SPANS")"
  cs_log "phase $phase: $total upstream requests over $conns connection(s)"
  if [ "$keepalive" = 1 ]; then
    [ "$conns" -lt $((total / 2)) ] || cs_fail "keepalive phase: upstream connections were not reused ($conns for $total requests)"
  else
    [ "$conns" -gt $((total / 2)) ] || cs_fail "close phase: want a new upstream connection per request, got $conns ports for $total"
  fi
}

run_phase close 0
run_phase keepalive 1
cs_log "PASS"
