#!/usr/bin/env bash
# nginx retrying another upstream (issue 7, section 3: a shape where a rule on the loop's input order
# could be wrong): curl (8 at a time, 160 requests) -> nginx (1 worker) whose upstream group lists a
# server that refuses connections before the live gunicorn backend, never marked down (max_fails=0), so
# about every other request is first sent to the dead server and retried (proxy_next_upstream error).
# The retry's connect follows the refused one with no input in between: nginx's rule has no cause for it
# and abstains; it must never pick another request. Every request must give its whole 4-span chain
# (curl > nginx server > nginx client > backend server, same id at every level) or, where the agent
# abstained, exactly its two halves; the number of abstentions is printed.
# Usage: bash test_nginx_retry_chains.sh /path/to/callscope   (root)
set -euo pipefail
source "$(dirname "$0")/lib/common.sh"
cs_init "$@"

NGINX_PORT=18089
BACKEND_PORT=18090
DEAD_PORT=18091
REQUESTS=160
command -v nginx >/dev/null || cs_fail "nginx missing (run scripts/install-deps.sh)"
command -v gunicorn >/dev/null || cs_fail "gunicorn missing (run scripts/install-deps.sh)"
for p in "$NGINX_PORT" "$BACKEND_PORT" "$DEAD_PORT"; do cs_port_free "$p"; done

cs_bg backend gunicorn --chdir "$CS_DEMO_DIR" --workers 1 --worker-class gthread --threads 8 \
  --keep-alive 60 --bind "127.0.0.1:$BACKEND_PORT" service_b:app
BACKEND_PID="$(cs_only_child "$CS_LAST_PID")"
cs_wait_http "http://127.0.0.1:$BACKEND_PORT/healthz"

cs_write_nginx_proxy_conf "$CS_TMP/nginx.conf" "$NGINX_PORT" "$BACKEND_PORT" 1
# The dead server first in the group, never marked down: round robin sends every other request there.
sed -i "s|server 127.0.0.1:$BACKEND_PORT;|server 127.0.0.1:$DEAD_PORT max_fails=0; server 127.0.0.1:$BACKEND_PORT max_fails=0;|" \
  "$CS_TMP/nginx.conf"
grep -q "127.0.0.1:$DEAD_PORT max_fails=0" "$CS_TMP/nginx.conf" || cs_fail "could not add the dead upstream server"
cs_bg nginx nginx -c "$CS_TMP/nginx.conf" -e "$CS_TMP/nginx-error.log"
NGINX_MASTER=$CS_LAST_PID
NGINX_WORKER="$(cs_only_child "$NGINX_MASTER")"
cs_wait_http "http://127.0.0.1:$NGINX_PORT/healthz"

cs_start_agent --port "$NGINX_PORT" --port "$BACKEND_PORT" --port "$DEAD_PORT"
seq 0 $((REQUESTS - 1)) | timeout 300 xargs -P 8 -I{} \
  curl -s -o /dev/null --max-time 20 -w '%{http_code}\n' "http://127.0.0.1:$NGINX_PORT/b/t{}" \
  >"$CS_TMP/codes.txt" || cs_fail "curl requests failed"
good="$(grep -c '^200$' "$CS_TMP/codes.txt" || true)"
[ "$good" -eq "$REQUESTS" ] || cs_fail "only $good of $REQUESTS requests answered 200"
retries="$(grep -c "connect() failed" "$CS_TMP/nginx-error.log" || true)"
cs_log "nginx retried $retries request(s) on the live server"
[ "$retries" -ge $((REQUESTS / 4)) ] || cs_fail "nginx retried only $retries requests: the test does not test retries"
sleep 1
cs_stop_agent

backend_comm="$(cs_comm "$BACKEND_PID")"
head="curl:client:GET /b/{id}:code=200,port=$NGINX_PORT>nginx:server:GET /b/{id}:code=200,port=$NGINX_PORT,pid=$NGINX_WORKER"
tail="nginx:client:GET /b/{id}:code=200,port=$BACKEND_PORT,pid=$NGINX_WORKER"
tail+=">$backend_comm:server:GET /b/{id}:code=200,port=$BACKEND_PORT,pid=$BACKEND_PID"
cs_check --expect "0-$REQUESTS" "$head>$tail" --expect "0-$REQUESTS" "$head" --expect "0-$REQUESTS" "$tail" \
  --summary-json "$CS_TMP/summary.json"
"$PY" - "$CS_TMP/summary.json" "$REQUESTS" <<'PYCHECK' || cs_fail "requests are neither whole chains nor two halves (see above)"
import json, sys
exp = json.load(open(sys.argv[1]))["expectations"]
want = {f"t{i}" for i in range(int(sys.argv[2]))}
whole, head, tail = (set(e["ids"]) for e in exp)
print(f"test_nginx_retry_chains: {len(whole)} whole chains, {len(head)} split where nginx's rule abstained "
      f"(0 wrong: every link joins spans of one request id)", file=sys.stderr)
ok = whole | head == want and not whole & head and head == tail
sys.exit(0 if ok else 1)
PYCHECK
cs_log "$(grep -o 'ambiguous_client=[0-9]* ([^)]*)' "$CS_AGENT_LOG" | tail -n 1)"
cs_log "PASS"
