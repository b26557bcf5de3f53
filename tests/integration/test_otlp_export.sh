#!/usr/bin/env bash
# OTLP/HTTP export checked by a receiver that decodes with the official OpenTelemetry schema
# (otlp/receiver.js, @opentelemetry/otlp-transformer@0.52.1 from npm, installed by scripts/install-deps.sh).
# Workload each phase: curl -> service A (Flask) -> service B, N requests to /a/<i> and M to /err.
#   1. http/protobuf: every span of the JSON output arrives once, identical (ids, parent, kind, name, times,
#      status, attributes, service.name and process.pid in the resource); the last metrics request holds
#      N+M server requests for A and for B and the service-graph edges curl -> A and A -> B.
#   2. http/json: the same, with hex ids and integer enums.
#   3. the receiver is away when the traffic runs and comes back: the spans that fit the queue bound
#      (--otlp-queue-spans) all arrive, the rest are counted as dropped; sent + dropped = all spans.
# Usage: bash test_otlp_export.sh /path/to/callscope   (root)
set -euo pipefail
source "$(dirname "$0")/lib/common.sh"
cs_init "$@"

OTLP_DIR="$CS_REPO_DIR/tests/integration/otlp"
command -v node >/dev/null || cs_fail "node missing (run scripts/install-deps.sh)"
[ -d "$OTLP_DIR/node_modules/@opentelemetry/otlp-transformer" ] ||
  cs_fail "$OTLP_DIR/node_modules is missing @opentelemetry/otlp-transformer (run scripts/install-deps.sh)"

A_PORT=18085
B_PORT=18086
R_PORT=18187
N=10
M=3
cs_port_free "$R_PORT"
cs_start_flask_services "$A_PORT" "$B_PORT"

start_receiver() {  # $1: output file
  cs_bg "receiver-$CS_PHASE" node "$OTLP_DIR/receiver.js" "$R_PORT" "$1"
  RECEIVER_PID=$CS_LAST_PID
  local i
  for ((i = 0; i < 100; i++)); do
    grep -q "receiver listening" "$CS_TMP/receiver-$CS_PHASE.log" && return 0
    sleep 0.1
  done
  cs_fail "the OTLP test receiver did not start"
}

workload() {
  local i
  for ((i = 1; i <= N; i++)); do cs_curl "http://127.0.0.1:$A_PORT/a/$i" 200; done
  for ((i = 1; i <= M; i++)); do cs_curl "http://127.0.0.1:$A_PORT/err" 502; done
}

for enc in protobuf json; do
  CS_PHASE="$enc"
  received="$CS_TMP/received-$enc.jsonl"
  : >"$received"
  start_receiver "$received"
  CS_AGENT_IDENTITY=proc cs_start_agent --port "$A_PORT" --port "$B_PORT" \
    --otlp-endpoint "http://127.0.0.1:$R_PORT" --otlp-protocol "http/$enc" --otlp-batch-interval 0.2 \
    --otlp-metrics-interval 1
  workload
  sleep 1.5
  cs_stop_agent
  cs_stop "$RECEIVER_PID" receiver
  total=$((N + M))
  timeout 60 "$PY" "$OTLP_DIR/check_otlp.py" "$CS_SPANS" "$received" --encoding "$enc" --exact \
    --metric "service_a:http.server.request.duration:$total" --metric "service_b:http.server.request.duration:$total" \
    --metric "service_a:http.client.request.duration:$total" \
    --edge "curl:service_a:$total" --edge "service_a:service_b:$total" || cs_fail "OTLP $enc check failed"
  [ "$(wc -l <"$CS_SPANS")" -eq $((4 * total)) ] || cs_fail "phase $enc: $(wc -l <"$CS_SPANS") spans, want $((4 * total))"
  cs_log "phase $enc: $((4 * total)) spans and the metrics arrived as sent"
done

# Phase 3: the receiver is away while the requests run (each gives 4 spans), then comes back.
CS_PHASE=away
QUEUE=30
received="$CS_TMP/received-away.jsonl"
: >"$received"
cs_start_agent --port "$A_PORT" --port "$B_PORT" --otlp-endpoint "http://127.0.0.1:$R_PORT" \
  --otlp-batch-interval 0.2 --otlp-metrics-interval 0 --otlp-queue-spans "$QUEUE"
N=20
M=0
workload
sleep 2
start_receiver "$received"
sleep 7  # the exporter's backoff is at most 5 s
cs_stop_agent
cs_stop "$RECEIVER_PID" receiver
line="$(grep -o 'OTLP: spans sent=.*' "$CS_AGENT_LOG" | tail -n 1)"
[ -n "$line" ] || cs_fail "the agent logged no OTLP counters at exit"
sent="$(sed -n 's/.*spans sent=\([0-9]*\).*/\1/p' <<<"$line")"
queue_full="$(sed -n 's/.*queue_full=\([0-9]*\).*/\1/p' <<<"$line")"
rejected="$(sed -n 's/.*rejected=\([0-9]*\).*/\1/p' <<<"$line")"
shutdown="$(sed -n 's/.*shutdown=\([0-9]*\).*/\1/p' <<<"$line")"
spans="$(wc -l <"$CS_SPANS")"
cs_log "receiver away: $spans spans; $line"
[ "$spans" -eq $((4 * N)) ] || cs_fail "$spans spans in the JSON output, want $((4 * N))"
[ "$((sent + queue_full + rejected + shutdown))" -eq "$spans" ] ||
  cs_fail "sent $sent + dropped $queue_full/$rejected/$shutdown != $spans spans: some were lost uncounted"
[ "$queue_full" -gt 0 ] || cs_fail "no span was dropped at the queue bound $QUEUE although $spans waited"
[ "$rejected" -eq 0 ] && [ "$shutdown" -eq 0 ] || cs_fail "spans dropped as rejected/shutdown: $line"
[ "$sent" -ge "$QUEUE" ] || cs_fail "only $sent spans sent; the queue held $QUEUE"
timeout 60 "$PY" "$OTLP_DIR/check_otlp.py" "$CS_SPANS" "$received" --encoding protobuf --sent "$sent" ||
  cs_fail "OTLP check after the receiver came back failed"
cs_log "PASS"
