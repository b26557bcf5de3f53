#!/usr/bin/env bash
# Thread-pool hand-off (issue 7, section 3): load (16 and 64 keep-alive clients) -> A (Python threads; the
# thread that read the request hands both downstream calls to a ThreadPoolExecutor and waits) -> leaf.
# The worker that makes a call serves no request itself: the agent has no causal evidence of which
# request it works for (no wake-up rule, see README "How chains are built"), so those edges are abstained.
# Must hold: 0 wrong edges, every cross-process edge right; the right share is printed.
# Usage: bash test_threadpool_chains.sh /path/to/callscope   (root)
set -euo pipefail
source "$(dirname "$0")/lib/common.sh"
cs_init "$@"
source "$(dirname "$0")/lib/truth.sh"

A_PORT=18183
LEAF_PORT=18184
CS_TRUTH_PORTS="$A_PORT $LEAF_PORT"
cs_port_free "$A_PORT"
cs_port_free "$LEAF_PORT"

for clients in 16 64; do
  label="pool-$clients"
  cs_truth_leaf "" 127.0.0.1 "$LEAF_PORT" "$CS_TMP/truth-$label-leaf.jsonl"
  cs_bg "a-$label" "$PY" "$CS_CHAINS_DIR/pool_service.py" 127.0.0.1 "$A_PORT" "http://127.0.0.1:$LEAF_PORT" \
    "$CS_TMP/truth-$label-a.jsonl"
  a_pid=$CS_LAST_PID
  cs_truth_wait "" 127.0.0.1 "$A_PORT"
  cs_truth_phase "$label" "$clients" $((1024 / clients)) "" 127.0.0.1 "$A_PORT"
  cs_stop "$a_pid" "A ($label)"
  cs_stop "$LEAF_PID" "leaf ($label)"
done
cs_truth_summary
cs_log "PASS"
