#!/usr/bin/env bash
# `cmake --install` of the agent as a node service (into a DESTDIR): the binary, the systemd unit and the
# config file land where the unit says; the unit runs the installed binary with the installed config,
# logs to the journal and stops with SIGTERM; the installed binary started the way the unit starts it
# (--config the installed file) serves /metrics and exits 0 on SIGTERM.
# Usage: bash test_install.sh /path/to/callscope   (root; the binary's build tree is installed)
set -euo pipefail
source "$(dirname "$0")/lib/common.sh"
cs_init "$@"

BUILD="$(cd "$(dirname "$CS_BIN")/.." && pwd)"
[ -f "$BUILD/CMakeCache.txt" ] || cs_fail "$CS_BIN is not in a CMake build tree ($BUILD)"
PREFIX="$(sed -n 's/^CMAKE_INSTALL_PREFIX:PATH=//p' "$BUILD/CMakeCache.txt")"
DEST="$CS_TMP/root"
DESTDIR="$DEST" cmake --install "$BUILD" >"$CS_TMP/install.log" 2>&1 || cs_fail "cmake --install failed"
BIN="$DEST$PREFIX/bin/callscope"
UNIT="$(find "$DEST" -name callscope.service | head -n 1)"
[ -x "$BIN" ] || cs_fail "no installed binary at $BIN: $(cat "$CS_TMP/install.log")"
[ -n "$UNIT" ] || cs_fail "no callscope.service installed"
case "$UNIT" in
  "$DEST$PREFIX/lib/systemd/system/callscope.service" | "$DEST/lib/systemd/system/callscope.service") ;;
  *) cs_fail "unit installed at $UNIT, not in a systemd unit directory" ;;
esac
"$BIN" --version | grep -q "^callscope " || cs_fail "the installed binary does not run"

exec_start="$(sed -n 's/^ExecStart=//p' "$UNIT")"
read -r unit_bin config_flag unit_conf <<<"$exec_start"
[ "$unit_bin" = "$PREFIX/bin/callscope" ] || cs_fail "ExecStart runs $unit_bin, not the installed $PREFIX/bin/callscope"
[ "$config_flag" = "--config" ] || cs_fail "ExecStart does not pass --config: $exec_start"
[ -f "$DEST$unit_conf" ] || cs_fail "ExecStart's config $unit_conf was not installed"
for want in "StandardError=journal" "KillSignal=SIGTERM" "WantedBy=multi-user.target" "Restart=on-failure"; do
  grep -qx "$want" "$UNIT" || cs_fail "the unit lacks $want"
done

# Start it as the unit does (the installed config; the metrics port moved off 9464 for the test).
PORT=18190
cs_port_free "$PORT"
"$BIN" --config "$DEST$unit_conf" --metrics-listen "127.0.0.1:$PORT" --port 1 >"$CS_TMP/service.out" 2>"$CS_TMP/service.log" &
SVC=$!
CS_PIDS+=("$SVC")
for ((i = 0; i < 300; i++)); do
  grep -q "callscope ready" "$CS_TMP/service.log" && break
  kill -0 "$SVC" 2>/dev/null || cs_fail "the installed agent exited: $(cat "$CS_TMP/service.log")"
  sleep 0.1
done
curl -sf "http://127.0.0.1:$PORT/metrics" >"$CS_TMP/metrics.txt" || cs_fail "the installed agent serves no /metrics"
grep -q '^callscope_up 1' "$CS_TMP/metrics.txt" || cs_fail "/metrics lacks callscope_up 1: $(head -c 300 "$CS_TMP/metrics.txt")"
kill -TERM "$SVC"
rc=0
timeout 20 tail --pid="$SVC" -f /dev/null || cs_fail "the agent did not stop within 20 s of SIGTERM"
wait "$SVC" || rc=$?
[ "$rc" -eq 0 ] || cs_fail "the agent exited with status $rc on SIGTERM"
[ ! -s "$CS_TMP/service.out" ] || cs_fail "format = none, yet the agent wrote to stdout"
cs_log "PASS"
