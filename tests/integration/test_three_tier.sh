#!/usr/bin/env bash
# Three tiers, three thread models: curl -> nginx (event loop, 1 worker, upstream keepalive) -> service A
# under gunicorn (2 worker processes x 4 threads, keep-alive) -> service B (Werkzeug, a thread per
# connection). 80 requests, 8 at a time: every request must give exactly one 6-span chain
#   curl client > nginx server > nginx client > A server > A client > B server
# with the request's id at every level, and nothing else.
# Usage: bash test_three_tier.sh /path/to/callscope   (root)
set -euo pipefail
source "$(dirname "$0")/lib/common.sh"
cs_init "$@"

NGINX_PORT=18093
A_PORT=18094
B_PORT=18095
REQUESTS=80
PARALLEL=8
command -v nginx >/dev/null || cs_fail "nginx missing (run scripts/install-deps.sh)"
command -v gunicorn >/dev/null || cs_fail "gunicorn missing (run scripts/install-deps.sh)"
for p in "$NGINX_PORT" "$A_PORT" "$B_PORT"; do cs_port_free "$p"; done

cs_bg service_b "$PY" "$CS_DEMO_DIR/service_b.py" "$B_PORT"
cs_bg service_a env SERVICE_B_PORT="$B_PORT" gunicorn --chdir "$CS_DEMO_DIR" --workers 2 \
  --worker-class gthread --threads 4 --keep-alive 60 --bind "127.0.0.1:$A_PORT" service_a:app
cs_wait_http "http://127.0.0.1:$B_PORT/healthz"
cs_wait_http "http://127.0.0.1:$A_PORT/healthz"

cs_write_nginx_proxy_conf "$CS_TMP/nginx.conf" "$NGINX_PORT" "$A_PORT" 1
cs_bg nginx nginx -c "$CS_TMP/nginx.conf" -e "$CS_TMP/nginx-error.log"
NGINX_MASTER=$CS_LAST_PID
NGINX_WORKER="$(cs_only_child "$NGINX_MASTER")"
cs_wait_http "http://127.0.0.1:$NGINX_PORT/healthz"

cs_start_agent --port "$NGINX_PORT" --port "$A_PORT" --port "$B_PORT"
seq 0 $((REQUESTS - 1)) | timeout 300 xargs -P "$PARALLEL" -I{} \
  curl -s -o /dev/null --max-time 20 -w '%{http_code}\n' "http://127.0.0.1:$NGINX_PORT/a/t{}" \
  >"$CS_TMP/codes.txt" || cs_fail "curl requests failed"
good="$(grep -c '^200$' "$CS_TMP/codes.txt" || true)"
[ "$good" -eq "$REQUESTS" ] || cs_fail "only $good of $REQUESTS requests answered 200"
sleep 1
cs_stop_agent

chain="curl:client:GET /a/{id}:code=200,port=$NGINX_PORT"
chain+=">nginx:server:GET /a/{id}:code=200,port=$NGINX_PORT,pid=$NGINX_WORKER"
chain+=">nginx:client:GET /a/{id}:code=200,port=$A_PORT,pid=$NGINX_WORKER"
chain+=">*:server:GET /a/{id}:code=200,port=$A_PORT"
chain+=">*:client:GET /b/{id}:code=200,port=$B_PORT"
chain+=">python3:server:GET /b/{id}:code=200,port=$B_PORT"
cs_log "checking $REQUESTS six-span chains"
cs_check --expect "$REQUESTS" "$chain"
cs_log "PASS"
