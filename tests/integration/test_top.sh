#!/usr/bin/env bash
# `callscope top` driven in tmux, as a person on the box would: while curl -> service A -> service B runs
# (some requests failing), the screen must show the services service_a and service_b with a non-zero
# rate, the edges curl -> service_a and service_a -> service_b, an error share for the failing traffic,
# and p50/p99 columns; 'q' quits it (exit status 0, terminal restored).
# Usage: bash test_top.sh /path/to/callscope   (root)
set -euo pipefail
source "$(dirname "$0")/lib/common.sh"
cs_init "$@"
command -v tmux >/dev/null || cs_fail "tmux missing (run scripts/install-deps.sh)"

A_PORT=18083
B_PORT=18084
SESSION="cs-top-$$"
cs_start_flask_services "$A_PORT" "$B_PORT"
tmux_cleanup() { tmux kill-session -t "$SESSION" 2>/dev/null || true; }
trap 'tmux_cleanup; cs_cleanup' EXIT

tmux new-session -d -s "$SESSION" -x 120 -y 30 \
  "env --default-signal=INT '$CS_BIN' top --port $A_PORT --port $B_PORT --top-interval 1 2>'$CS_TMP/top-stderr.log'; echo \"top exited \$?\" >'$CS_TMP/top-exit'; sleep 30"
for ((i = 0; i < 300; i++)); do
  tmux capture-pane -p -t "$SESSION" | grep -q "callscope top" && break
  sleep 0.1
done
tmux capture-pane -p -t "$SESSION" | grep -q "callscope top" || cs_fail "top did not draw its screen in 30 s: $(cat "$CS_TMP/top-stderr.log")"

# Traffic for about 4 s: 3 in 4 requests succeed, 1 in 4 fails (B 500, A 502).
end=$((SECONDS + 4))
n=0
while [ "$SECONDS" -lt "$end" ]; do
  n=$((n + 1))
  if [ $((n % 4)) -eq 0 ]; then path=/err; else path=/a/$n; fi
  curl -s -o /dev/null --max-time 5 "http://127.0.0.1:$A_PORT$path" || true
done
sleep 1.2  # one more refresh while the last second's traffic is in the window
SCREEN="$(tmux capture-pane -p -t "$SESSION")"
echo "$SCREEN" >"$CS_TMP/screen.txt"
cs_log "screen after $n requests:"
echo "$SCREEN" >&2

row() { grep -E "^$1 " <<<"$SCREEN" | head -n 1; }
for name in service_a service_b "curl -> service_a" "service_a -> service_b"; do
  line="$(row "$name")"
  [ -n "$line" ] || cs_fail "top shows no row '$name'"
  rate="$(awk '{print $(NF-4)}' <<<"$line")"
  "$PY" -c "import sys; sys.exit(0 if float('$rate') > 0 else 1)" || cs_fail "row '$name' has rate $rate (want > 0): $line"
done
grep -q "REQ/S" <<<"$SCREEN" && grep -q "P99" <<<"$SCREEN" || cs_fail "top's table has no REQ/S / P99 header"
err="$(awk '{print $(NF-3)}' <<<"$(row service_b)")"
"$PY" -c "import sys; sys.exit(0 if 5 <= float('$err') <= 60 else 1)" || cs_fail "service_b error % is $err, want about 25"

tmux send-keys -t "$SESSION" q
for ((i = 0; i < 100; i++)); do
  [ -f "$CS_TMP/top-exit" ] && break
  sleep 0.1
done
[ -f "$CS_TMP/top-exit" ] || cs_fail "top did not quit on 'q' within 10 s"
grep -q "top exited 0" "$CS_TMP/top-exit" || cs_fail "top: $(cat "$CS_TMP/top-exit")"
cs_log "PASS"
