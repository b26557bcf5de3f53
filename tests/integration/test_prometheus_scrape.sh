#!/usr/bin/env bash
# A real Prometheus server (Debian's prometheus package) scrapes the agent's /metrics every second while a
# known workload runs: curl -> service A (Flask) -> service B, N requests to /a/<i> (200) and M to /err (B
# answers 500, A 502). Prometheus's HTTP API must then give exactly:
#   - http_server_request_duration_seconds_count: N+M for service_a and for service_b; M errors each
#     (error_type 502 / 500); N on the templated route /a/{id};
#   - http_client_request_duration_seconds_count of service_a to B's port: N+M;
#   - B's response body sizes counted N+M times (GET requests: request bodies sum to 0);
#   - the service-graph edges curl -> service_a and service_a -> service_b: N+M requests, M failed;
#   - TCP health: N+M connects of service_a to B timed (callscope_tcp_connect_duration_seconds_count);
#   - callscope_up 1.
# Usage: bash test_prometheus_scrape.sh /path/to/callscope   (root)
set -euo pipefail
source "$(dirname "$0")/lib/common.sh"
cs_init "$@"

PROM=/usr/bin/prometheus
[ -x "$PROM" ] || cs_fail "$PROM missing (run scripts/install-deps.sh: Debian package prometheus)"
A_PORT=18087
B_PORT=18088
METRICS_PORT=18188
PROM_PORT=18189
N=12
M=4
cs_port_free "$METRICS_PORT"
cs_port_free "$PROM_PORT"
cs_start_flask_services "$A_PORT" "$B_PORT"
CS_AGENT_IDENTITY=proc cs_start_agent --port "$A_PORT" --port "$B_PORT" --metrics-listen "127.0.0.1:$METRICS_PORT"
curl -sf "http://127.0.0.1:$METRICS_PORT/metrics" | grep -q '^callscope_up 1' ||
  cs_fail "the agent's /metrics does not answer callscope_up 1"

cat >"$CS_TMP/prometheus.yml" <<YML
global:
  scrape_interval: 1s
  evaluation_interval: 1s
scrape_configs:
  - job_name: callscope
    static_configs:
      - targets: ['127.0.0.1:$METRICS_PORT']
YML
cs_bg prometheus "$PROM" --config.file="$CS_TMP/prometheus.yml" --storage.tsdb.path="$CS_TMP/tsdb" \
  --web.listen-address="127.0.0.1:$PROM_PORT" --log.level=warn
cs_wait_http "http://127.0.0.1:$PROM_PORT/-/ready" 60

for ((i = 1; i <= N; i++)); do cs_curl "http://127.0.0.1:$A_PORT/a/$i" 200; done
for ((i = 1; i <= M; i++)); do cs_curl "http://127.0.0.1:$A_PORT/err" 502; done

# query PROMQL: prints the single value of an instant vector ("none" if empty)
query() {
  curl -s --max-time 5 -G "http://127.0.0.1:$PROM_PORT/api/v1/query" --data-urlencode "query=$1" |
    "$PY" -c 'import json,sys
r = json.load(sys.stdin)["data"]["result"]
print(r[0]["value"][1] if len(r) == 1 else ("none" if not r else "many"))'
}

T=$((N + M))
CHECKS=(
  "sum(http_server_request_duration_seconds_count{service_name=\"service_a\"})=$T"
  "sum(http_server_request_duration_seconds_count{service_name=\"service_a\",error_type=\"502\"})=$M"
  "sum(http_server_request_duration_seconds_count{service_name=\"service_a\",http_route=\"/a/{id}\"})=$N"
  "sum(http_server_request_duration_seconds_count{service_name=\"service_b\"})=$T"
  "sum(http_server_request_duration_seconds_count{service_name=\"service_b\",error_type=\"500\"})=$M"
  "sum(http_client_request_duration_seconds_count{service_name=\"service_a\",server_port=\"$B_PORT\"})=$T"
  "sum(http_server_response_body_size_bytes_count{service_name=\"service_b\"})=$T"
  "sum(http_server_request_body_size_bytes_sum{service_name=\"service_b\"})=0"
  "sum(traces_service_graph_request_total{client=\"curl\",server=\"service_a\"})=$T"
  "sum(traces_service_graph_request_failed_total{client=\"curl\",server=\"service_a\"})=$M"
  "sum(traces_service_graph_request_total{client=\"service_a\",server=\"service_b\"})=$T"
  "sum(traces_service_graph_request_failed_total{client=\"service_a\",server=\"service_b\"})=$M"
  "sum(traces_service_graph_request_server_seconds_count{client=\"service_a\",server=\"service_b\"})=$T"
  "sum(callscope_tcp_connect_duration_seconds_count{service_name=\"service_a\",network_peer_port=\"$B_PORT\"})=$T"
  "callscope_up=1"
)
declare -A got
deadline=$((SECONDS + 30))
while :; do
  bad=0
  for c in "${CHECKS[@]}"; do
    q="${c%=*}"
    want="${c##*=}"
    got[$q]="$(query "$q")"
    [ "${got[$q]}" = "$want" ] || bad=$((bad + 1))
  done
  [ "$bad" -eq 0 ] && break
  [ "$SECONDS" -lt "$deadline" ] || break
  sleep 1
done
report=""
for c in "${CHECKS[@]}"; do
  q="${c%=*}"
  want="${c##*=}"
  cs_log "$q = ${got[$q]} (want $want)"
  [ "${got[$q]}" = "$want" ] || report+=" $q=${got[$q]}(want $want)"
done
cs_stop_agent
[ -z "$report" ] || cs_fail "Prometheus does not give the expected numbers:$report"
cs_log "PASS"
