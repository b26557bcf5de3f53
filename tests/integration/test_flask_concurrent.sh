#!/usr/bin/env bash
# 200 requests from 16 concurrent client threads to service A (each request on a fresh connection;
# A calls B from the serving thread). Exactly 200 complete chains must come out, each
# client -> A server -> A client -> B server, with the request number the same at every level (no
# cross-linked spans) and each request number exactly once, and nothing else.
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
cs_bg service_a "$PY" "$CS_DEMO_DIR/service_a.py" "$A_PORT" "$B_PORT"
A_PID=$CS_LAST_PID
cs_wait_http "http://127.0.0.1:$B_PORT/healthz"
cs_wait_http "http://127.0.0.1:$A_PORT/healthz"

cs_start_agent --port "$A_PORT" --port "$B_PORT"
timeout 300 "$PY" "$CS_LIB_DIR/http_load.py" --port "$A_PORT" --path '/a/{i}' \
  --count "$REQUESTS" --concurrency "$CONCURRENCY" --expect-status 200 \
  || cs_fail "the load client did not get $REQUESTS good answers"
sleep 1
cs_stop_agent

A_COMM="$(cs_comm "$A_PID")"
B_COMM="$(cs_comm "$B_PID")"
CHAIN="python3:client:GET /a/{id}:code=200,port=$A_PORT"
CHAIN+=">$A_COMM:server:GET /a/{id}:code=200,port=$A_PORT,pid=$A_PID"
CHAIN+=">$A_COMM:client:GET /b/{id}:code=200,port=$B_PORT,pid=$A_PID"
CHAIN+=">$B_COMM:server:GET /b/{id}:code=200,port=$B_PORT,pid=$B_PID"
cs_check --expect "$REQUESTS" "$CHAIN"
cs_log "PASS"
