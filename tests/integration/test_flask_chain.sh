#!/usr/bin/env bash
# curl -> service A (Flask) -> service B (Flask): one successful request and one failing request must each
# give exactly one chain: curl client -> A server -> A client -> B server, with the right ids, parents,
# windows, names, status codes, statuses, service names, pids and ports. Service names are the default
# identity: `python3 service_a.py` is service_a, `python3 service_b.py` service_b (README "Service identity").
# Usage: bash test_flask_chain.sh /path/to/callscope   (root)
set -euo pipefail
source "$(dirname "$0")/lib/common.sh"
cs_init "$@"

A_PORT=18083
B_PORT=18084
cs_start_flask_services "$A_PORT" "$B_PORT"

CS_AGENT_IDENTITY=proc cs_start_agent --port "$A_PORT" --port "$B_PORT"
cs_curl "http://127.0.0.1:$A_PORT/a" 200
sleep 0.3
cs_curl "http://127.0.0.1:$A_PORT/err" 502
sleep 1
cs_stop_agent

A_COMM=service_a
B_COMM=service_b
OK_CHAIN="curl:client:GET /a:code=200,port=$A_PORT"
OK_CHAIN+=">$A_COMM:server:GET /a:code=200,port=$A_PORT,pid=$A_PID"
OK_CHAIN+=">$A_COMM:client:GET /b:code=200,port=$B_PORT,pid=$A_PID"
# B sleeps 5 ms per request (SERVICE_B_DELAY_MS default): its span cannot be shorter.
OK_CHAIN+=">$B_COMM:server:GET /b:code=200,port=$B_PORT,pid=$B_PID,minms=5"
# B answers 500, A answers 502: server spans are errors on 5xx, client spans on 4xx/5xx.
ERR_CHAIN="curl:client:GET /err:code=502,status=error,port=$A_PORT"
ERR_CHAIN+=">$A_COMM:server:GET /err:code=502,status=error,port=$A_PORT,pid=$A_PID"
ERR_CHAIN+=">$A_COMM:client:GET /fail:code=500,status=error,port=$B_PORT,pid=$A_PID"
ERR_CHAIN+=">$B_COMM:server:GET /fail:code=500,status=error,port=$B_PORT,pid=$B_PID"
cs_check --expect 1 "$OK_CHAIN" --expect 1 "$ERR_CHAIN"
cs_log "PASS"
