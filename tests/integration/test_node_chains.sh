#!/usr/bin/env bash
# Node services (issue 7, section 3): load (16 and 64 keep-alive clients) -> A on Node (http server,
# keep-alive http.Agent) -> leaf, two calls per request with ids hashed from the one A received:
# Promise.all, sequential awaits, and a timer (setTimeout) before the calls.
# A Node thread serving several requests abstains (README "How chains are built": a timer-driven call
# looks exactly like one caused by the loop's last read, so no rule on the loop's input order is applied
# to Node); the timer phase is the shape that would make such a rule wrong.
# Must hold: 0 wrong edges, every cross-process edge right; the right share is printed.
# Usage: bash test_node_chains.sh /path/to/callscope   (root)
set -euo pipefail
source "$(dirname "$0")/lib/common.sh"
cs_init "$@"
source "$(dirname "$0")/lib/truth.sh"
command -v node >/dev/null || cs_fail "node missing (run scripts/install-deps.sh)"

A_PORT=18183
LEAF_PORT=18184
CS_TRUTH_PORTS="$A_PORT $LEAF_PORT"
cs_port_free "$A_PORT"
cs_port_free "$LEAF_PORT"

for mode in all sequential timer; do
  for clients in 16 64; do
    label="node-$mode-$clients"
    cs_truth_leaf "" 127.0.0.1 "$LEAF_PORT" "$CS_TMP/truth-$label-leaf.jsonl"
    cs_bg "a-$label" node "$CS_CHAINS_DIR/node_service.js" 127.0.0.1 "$A_PORT" 127.0.0.1 "$LEAF_PORT" "$mode" \
      "$CS_TMP/truth-$label-a.jsonl"
    a_pid=$CS_LAST_PID
    cs_truth_wait "" 127.0.0.1 "$A_PORT"
    cs_truth_phase "$label" "$clients" $((1024 / clients)) "" 127.0.0.1 "$A_PORT"
    cs_stop "$a_pid" "A ($label)"
    cs_stop "$LEAF_PID" "leaf ($label)"
  done
done
cs_truth_summary
cs_log "PASS"
