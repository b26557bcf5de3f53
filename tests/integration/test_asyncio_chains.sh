#!/usr/bin/env bash
# Python asyncio services (issue 7, section 3): load (keep-alive, 16 and 64 concurrent clients) -> A on
# aiohttp (plain asyncio, then uvloop) -> leaf, A calling the leaf twice per request with ids hashed from
# the one it received: asyncio.gather fan-out, sequential awaits, a handler that sleeps before calling.
# Ground truth: every service logs (received id -> sent ids); check_chains.py --truth counts the edges.
# Must hold: 0 wrong edges, every cross-process edge right. The share of right in-process edges is what
# the evidence allows (a loop serving several requests abstains): printed, not asserted.
# Usage: bash test_asyncio_chains.sh /path/to/callscope   (root)
set -euo pipefail
source "$(dirname "$0")/lib/common.sh"
cs_init "$@"
source "$(dirname "$0")/lib/truth.sh"
"$PY" -c 'import aiohttp, uvloop' 2>/dev/null || cs_fail "python3-aiohttp / python3-uvloop missing (run scripts/install-deps.sh)"

A_PORT=18183
LEAF_PORT=18184
CS_TRUTH_PORTS="$A_PORT $LEAF_PORT"
cs_port_free "$A_PORT"
cs_port_free "$LEAF_PORT"

for loop in asyncio uvloop; do
  for mode in gather sequential sleep; do
    for clients in 16 64; do
      label="$loop-$mode-$clients"
      requests=$((1024 / clients))
      cs_truth_leaf "" 127.0.0.1 "$LEAF_PORT" "$CS_TMP/truth-$label-leaf.jsonl"
      extra=()
      [ "$loop" = uvloop ] && extra=(--uvloop)
      cs_bg "a-$label" "$PY" "$CS_CHAINS_DIR/aio_service.py" 127.0.0.1 "$A_PORT" "http://127.0.0.1:$LEAF_PORT" "$mode" \
        "$CS_TMP/truth-$label-a.jsonl" "${extra[@]}"
      a_pid=$CS_LAST_PID
      cs_truth_wait "" 127.0.0.1 "$A_PORT"
      cs_truth_phase "$label" "$clients" "$requests" "" 127.0.0.1 "$A_PORT"
      cs_stop "$a_pid" "A ($label)"
      cs_stop "$LEAF_PID" "leaf ($label)"
    done
  done
done
cs_truth_summary
cs_log "PASS"
