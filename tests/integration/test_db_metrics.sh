#!/usr/bin/env bash
# Data-store spans in the metrics (README "Metrics"): a real redis-server, 5 redis-cli commands of which one
# fails (INCR on a string) and a Python worker script (redis-py) making 7 GETs; the agent's /metrics must
# give the service-graph edges redis-cli -> redis-server and orders_worker -> redis-server with
# protocol="redis", exactly as many requests (and failures) as the agent emitted client spans for, no
# protocol="unknown" and no http_* series for them. Takes about 4 s.
# Usage: bash test_db_metrics.sh /path/to/callscope   (root)
set -euo pipefail
source "$(dirname "$0")/lib/common.sh"
source "$(dirname "$0")/db/db_common.sh"
cs_init "$@"
command -v redis-cli >/dev/null || cs_fail "redis-tools missing (run scripts/install-deps.sh)"
METRICS_PORT=18188
cs_port_free "$METRICS_PORT"

cs_start_redis
CS_AGENT_IDENTITY=proc cs_start_agent --port "$REDIS_PORT" --metrics-listen "127.0.0.1:$METRICS_PORT"
R=(redis-cli -h 127.0.0.1 -p "$REDIS_PORT")
"${R[@]}" SET user:1 alice >/dev/null
"${R[@]}" SET user:2 bob >/dev/null
"${R[@]}" GET user:1 >/dev/null
"${R[@]}" GET user:2 >/dev/null
"${R[@]}" INCR user:1 >/dev/null  # ERR value is not an integer
cat >"$CS_TMP/orders_worker.py" <<'PY'
import sys
import time
import redis
r = redis.Redis(host="127.0.0.1", port=int(sys.argv[1]))
for i in range(7):
    r.get("order:%d" % i)
# Live past the agent's next ring-buffer drain (every 100 ms at most): a process gone from /proc before
# the agent reads its first record is named by its comm (README "Limitations").
time.sleep(1)
PY
"$PY" "$CS_TMP/orders_worker.py" "$REDIS_PORT" || cs_fail "the redis-py worker failed"

metric() {  # metric NAME LABELS: the value of one series on /metrics, "none" if absent
  curl -s --max-time 5 "http://127.0.0.1:$METRICS_PORT/metrics" |
    awk -v key="$1{$2}" '$1 == key { print $2; found = 1 } END { if (!found) print "none" }'
}
edge() { echo "client=\"$1\",server=\"redis-server\",connection_type=\"\",protocol=\"redis\""; }
CLI_EDGE="$(edge redis-cli)"
WORKER_EDGE="$(edge orders_worker)"
deadline=$((SECONDS + 15))
while :; do
  cli="$(metric traces_service_graph_request_total "$CLI_EDGE")"
  worker="$(metric traces_service_graph_request_total "$WORKER_EDGE")"
  [ "$cli" = 5 ] && [ "$worker" != none ] && [ "$worker" -ge 7 ] && break
  [ "$SECONDS" -lt "$deadline" ] || break
  sleep 0.5
done
cli_failed="$(metric traces_service_graph_request_failed_total "$CLI_EDGE")"
worker_failed="$(metric traces_service_graph_request_failed_total "$WORKER_EDGE")"
curl -s --max-time 5 "http://127.0.0.1:$METRICS_PORT/metrics" >"$CS_TMP/metrics.txt"
sleep 1
cs_stop_agent

# What the agent emitted as spans: client spans per service, and the failed ones.
read -r spans_cli spans_cli_err spans_worker spans_worker_err <<<"$("$PY" -c '
import json, sys
c = {("redis-cli", False): 0, ("redis-cli", True): 0, ("orders_worker", False): 0, ("orders_worker", True): 0}
for s in map(json.loads, open(sys.argv[1])):
    if s["kind"] != "client": continue
    svc = s["service.name"]
    key = (svc, s["status"] == "error")
    if key in c: c[key] += 1
print(c[("redis-cli", False)] + c[("redis-cli", True)], c[("redis-cli", True)],
      c[("orders_worker", False)] + c[("orders_worker", True)], c[("orders_worker", True)])' "$CS_SPANS")"
cs_log "redis-cli -> redis-server: metrics $cli requests, $cli_failed failed; spans $spans_cli, $spans_cli_err failed"
cs_log "orders_worker -> redis-server: metrics $worker requests, $worker_failed failed; spans $spans_worker, $spans_worker_err failed"

[ "$cli" = 5 ] || cs_fail "redis-cli -> redis-server edge: $cli requests, want 5"
[ "$cli_failed" = 1 ] || cs_fail "redis-cli -> redis-server edge: $cli_failed failed, want 1 (the INCR)"
[ "$spans_cli" = 5 ] && [ "$spans_cli_err" = 1 ] || cs_fail "redis-cli client spans: $spans_cli ($spans_cli_err failed), want 5 (1)"
[ "$worker" != none ] && [ "$worker" -ge 7 ] || cs_fail "orders_worker -> redis-server edge: $worker requests, want >= 7"
[ "$worker" = "$spans_worker" ] || cs_fail "orders_worker edge counts $worker requests, the agent emitted $spans_worker client spans"
[ "$worker_failed" = "$spans_worker_err" ] || cs_fail "orders_worker edge: $worker_failed failed, spans $spans_worker_err failed"
! grep -q 'protocol="unknown"' "$CS_TMP/metrics.txt" || cs_fail "a series with protocol=\"unknown\": $(grep 'protocol="unknown"' "$CS_TMP/metrics.txt" | head -3)"
! grep -q '^http_.*redis' "$CS_TMP/metrics.txt" || cs_fail "http_* series for the data store: $(grep '^http_.*redis' "$CS_TMP/metrics.txt" | head -3)"
cs_log "PASS"
