#!/usr/bin/env bash
# 200 requests from 16 concurrent client threads to service A; A calls B from the thread serving the
# request. Exactly 200 complete chains must come out, each client -> A server -> A client -> B server,
# with the request number the same at every level (no cross-linked spans) and each request number
# exactly once, and nothing else. Two phases:
#   fresh:     A on the threaded Werkzeug server, a new client connection per request
#   keepalive: A under gunicorn (gthread, 8 threads), each client thread reuses one HTTP/1.1 connection,
#              so the requests of one connection are served by changing pool threads
# Usage: bash test_flask_concurrent.sh /path/to/callscope   (root)
set -euo pipefail
source "$(dirname "$0")/lib/common.sh"
cs_init "$@"

A_PORT=18085
B_PORT=18086
REQUESTS=200
CONCURRENCY=16
cs_port_free "$A_PORT"
cs_port_free "$B_PORT"

cs_bg service_b "$PY" "$CS_DEMO_DIR/service_b.py" "$B_PORT"
B_PID=$CS_LAST_PID
cs_wait_http "http://127.0.0.1:$B_PORT/healthz"

# run_phase NAME A_PID [http_load options]
run_phase() {
  local phase="$1" a_pid="$2"
  shift 2
  cs_wait_http "http://127.0.0.1:$A_PORT/healthz"
  CS_PHASE="$phase" cs_start_agent --port "$A_PORT" --port "$B_PORT"
  timeout 300 "$PY" "$CS_LIB_DIR/http_load.py" --port "$A_PORT" --path "/a/$phase{i}" \
    --count "$REQUESTS" --concurrency "$CONCURRENCY" --expect-status 200 "$@" \
    || cs_fail "the load client did not get $REQUESTS good answers ($phase)"
  sleep 1
  cs_stop_agent

  local a_comm b_comm chain
  a_comm="$(cs_comm "$a_pid")"
  b_comm="$(cs_comm "$B_PID")"
  chain="python3:client:GET /a/{id}:code=200,port=$A_PORT"
  chain+=">$a_comm:server:GET /a/{id}:code=200,port=$A_PORT,pid=$a_pid"
  chain+=">$a_comm:client:GET /b/{id}:code=200,port=$B_PORT,pid=$a_pid"
  chain+=">$b_comm:server:GET /b/{id}:code=200,port=$B_PORT,pid=$B_PID"
  cs_log "phase $phase: checking $REQUESTS chains"
  cs_check --expect "$REQUESTS" "$chain"
}

cs_bg service_a "$PY" "$CS_DEMO_DIR/service_a.py" "$A_PORT" "$B_PORT"
A_PID=$CS_LAST_PID
run_phase fresh "$A_PID"
cs_stop "$A_PID" "service A (Werkzeug)"

command -v gunicorn >/dev/null || cs_fail "gunicorn missing (run scripts/install-deps.sh)"
cs_bg service_a_gunicorn env SERVICE_B_PORT="$B_PORT" gunicorn --chdir "$CS_DEMO_DIR" --workers 1 \
  --worker-class gthread --threads 8 --keep-alive 60 --bind "127.0.0.1:$A_PORT" service_a:app
A_MASTER=$CS_LAST_PID
run_phase keepalive "$(cs_only_child "$A_MASTER")" --keep-alive
cs_log "PASS"
