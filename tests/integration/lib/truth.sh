# Helpers of the chain tests that check against ground truth (services log what each request caused, see
# chains/truth_log.py; lib/check_chains.py --truth counts right / wrong / abstained edges).
# Source after lib/common.sh and cs_init.
CS_CHAINS_DIR="$CS_REPO_DIR/tests/integration/chains"
CS_TRUTH_RESULTS=()   # one report line per phase, printed by cs_truth_summary

# cs_truth_leaf NS_CMD HOST PORT TRUTH: starts the leaf service (threads) and waits for it; sets LEAF_PID.
# NS_CMD: "" or a prefix such as "ip netns exec cs-srv".
cs_truth_leaf() {
  local ns="$1" host="$2" port="$3" truth="$4"
  # shellcheck disable=SC2086 # NS_CMD is a command prefix on purpose
  cs_bg "leaf-$port" $ns "$PY" "$CS_CHAINS_DIR/leaf_service.py" "$host" "$port" "$truth"
  LEAF_PID=$CS_LAST_PID
  cs_truth_wait "$ns" "$host" "$port"
}

# cs_truth_wait NS_CMD HOST PORT: waits (20 s) until http://HOST:PORT/healthz answers from inside NS.
cs_truth_wait() {
  local ns="$1" host="$2" port="$3" url i
  url="http://$host:$port/healthz"
  [[ "$host" == *:* ]] && url="http://[$host]:$port/healthz"
  for ((i = 0; i < 200; i++)); do
    # shellcheck disable=SC2086
    if $ns curl -s -o /dev/null --max-time 2 "$url"; then return 0; fi
    sleep 0.1
  done
  cs_fail "$url did not answer within 20s"
}

# cs_truth_phase LABEL CLIENTS REQUESTS LOAD_NS HOST PORT CHECK_ARGS... : runs the agent (its --port
# filters in CS_TRUTH_PORTS), the load (CLIENTS keep-alive connections x REQUESTS) from LOAD_NS to
# HOST:PORT, stops the agent and checks its spans against the truth logs $CS_TMP/truth-LABEL-*.jsonl.
# CHECK_ARGS go to check_chains.py (thresholds).
cs_truth_phase() {
  local label="$1" clients="$2" requests="$3" ns="$4" host="$5" port="$6"
  shift 6
  local args=() p
  for p in $CS_TRUTH_PORTS; do args+=(--port "$p"); done
  CS_PHASE="$label" cs_start_agent "${args[@]}"
  # shellcheck disable=SC2086
  timeout 300 $ns "$PY" "$CS_CHAINS_DIR/truth_load.py" "$host" "$port" "$clients" "$requests" "${label//[^0-9A-Za-z]/}" \
    >>"$CS_TMP/load.log" 2>&1 || cs_fail "load $label failed (see load.log)"
  sleep 1
  cs_stop_agent
  local truths=("$CS_TMP"/truth-"$label"-*.jsonl) checks=() t report
  for t in "${truths[@]}"; do checks+=(--truth "$t"); done
  report="$CS_TMP/report-$label.txt"
  if ! timeout 120 "$PY" "$CS_LIB_DIR/check_chains.py" "$CS_SPANS" "${checks[@]}" --label "$label" \
      --summary-json "$CS_TMP/summary-$label.json" "$@" 2>"$report"; then
    cat "$report" >&2
    cs_fail "chains of phase $label are not right (report above)"
  fi
  CS_TRUTH_RESULTS+=("$(grep '^truth' "$report") | agent: $(grep -o 'ambiguous_client=[0-9]* ([^)]*)' "$CS_AGENT_LOG" | tail -n 1)")
  cs_log "$(grep '^truth' "$report")"
}

# cs_truth_summary: prints every phase's counts (the table the issue measures).
cs_truth_summary() {
  local line
  echo "===== $CS_TEST_NAME: edges per phase =====" >&2
  for line in "${CS_TRUTH_RESULTS[@]}"; do echo "$line" >&2; done
}
