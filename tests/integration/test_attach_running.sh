#!/usr/bin/env bash
# Attach to running services: A runs under gunicorn (gthread worker: HTTP/1.1 keep-alive); a client opens connections to A and uses
# them BEFORE the agent starts; then the agent starts and the client sends more requests on the SAME
# connections. Those requests must give complete, right chains (client -> A server -> A client ->
# B server), although no connect()/accept() of A's connections was seen; the requests sent before the
# agent must leave no trace.
# Usage: bash test_attach_running.sh /path/to/callscope   (root)
set -euo pipefail
source "$(dirname "$0")/lib/common.sh"
cs_init "$@"

A_PORT=18089
B_PORT=18090
CONNECTIONS=4
REQUESTS_PER_CONN=3
cs_port_free "$A_PORT"
cs_port_free "$B_PORT"

cs_bg service_b "$PY" "$CS_DEMO_DIR/service_b.py" "$B_PORT"
B_PID=$CS_LAST_PID
# The Werkzeug dev server closes every connection; gunicorn's gthread worker keeps them open (and its
# --keep-alive idle timeout must outlast the agent's start).
command -v gunicorn >/dev/null || cs_fail "gunicorn missing (run scripts/install-deps.sh)"
cs_bg service_a env SERVICE_B_PORT="$B_PORT" gunicorn --chdir "$CS_DEMO_DIR" --workers 1 \
  --worker-class gthread --threads 8 --keep-alive 300 --bind "127.0.0.1:$A_PORT" service_a:app
A_PID="$(cs_only_child "$CS_LAST_PID")"
cs_wait_http "http://127.0.0.1:$B_PORT/healthz"
cs_wait_http "http://127.0.0.1:$A_PORT/healthz"

cs_start_keepalive_client "$A_PORT" "$CONNECTIONS" "$REQUESTS_PER_CONN"

cs_start_agent --port "$A_PORT" --port "$B_PORT"
touch "$GO"
rc=0
timeout 120 tail --pid="$CLIENT_PID" -f /dev/null || cs_fail "keep-alive client did not finish within 120s"
wait "$CLIENT_PID" || rc=$?
[ "$rc" -eq 0 ] || cs_fail "keep-alive client failed (status $rc), see client.log"
sleep 1
cs_stop_agent

A_COMM="$(cs_comm "$A_PID")"
B_COMM="$(cs_comm "$B_PID")"
CHAIN="python3:client:GET /a/{id}:code=200,port=$A_PORT"
CHAIN+=">$A_COMM:server:GET /a/{id}:code=200,port=$A_PORT,pid=$A_PID"
CHAIN+=">$A_COMM:client:GET /b/{id}:code=200,port=$B_PORT,pid=$A_PID"
CHAIN+=">$B_COMM:server:GET /b/{id}:code=200,port=$B_PORT,pid=$B_PID"
cs_check --expect "$((CONNECTIONS * REQUESTS_PER_CONN))" "$CHAIN"
cs_log "PASS"
