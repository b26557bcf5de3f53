#!/usr/bin/env bash
# Short connections that reuse their addresses at once. In a network namespace whose ephemeral port range
# is 4 ports, two clients make N requests each to a Python HTTP server on loopback, every request on a new
# connection that the server closes. So the same 4-tuple comes back within milliseconds, and the kernel
# mostly gives the new socket the memory of the one just closed: the same sock_id as well. The late
# events of a closed socket must still be told from a new socket (by TCP sequence: a new connection does
# not continue the closed one's byte stream). Must hold: every request gives one client and one server
# span, each server span is linked to its client span, no event is taken for a late one.
# Second phase (a new agent): a client resets each of N connections before the server reads its request,
# then makes a normal request on a new connection. The server reads the cut request after its socket
# reached CLOSE (no local port any more); those reads are late events, and must not be taken for the next
# socket at that address: no stream gap, nothing out of order, every normal request linked.
# Usage: bash test_port_reuse.sh /path/to/callscope   (root)
set -euo pipefail
source "$(dirname "$0")/lib/common.sh"
cs_init "$@"
command -v ip >/dev/null || cs_fail "ip missing (iproute2)"

NS=cs-reuse
NSX="ip netns exec $NS"
PORT=18620
N=${N:-500}
trap 'rc=$?; set +e; ip netns del "$NS" 2>/dev/null; (exit $rc); cs_cleanup' EXIT
ip netns del "$NS" 2>/dev/null || true
ip netns add "$NS"
$NSX ip link set lo up
$NSX sysctl -qw net.ipv4.ip_local_port_range="40000 40003"
cs_log "namespace $NS: ephemeral ports $($NSX sysctl -n net.ipv4.ip_local_port_range | tr '\t' ' '), tcp_tw_reuse $($NSX sysctl -n net.ipv4.tcp_tw_reuse)"

mkdir -p "$CS_TMP/www"
echo "short connections" >"$CS_TMP/www/index.html"
cs_start_agent
cs_bg server $NSX "$PY" -m http.server "$PORT" --bind 127.0.0.1 --directory "$CS_TMP/www"
for i in $(seq 100); do $NSX "$PY" -c "import socket; socket.create_connection(('127.0.0.1', $PORT), 1).close()" 2>/dev/null && break; sleep 0.1; done
$NSX "$PY" "$CS_LIB_DIR/../port_reuse/short_client.py" "$PORT" "$N" >"$CS_TMP/client1.log" 2>&1 &
C1=$!
$NSX "$PY" "$CS_LIB_DIR/../port_reuse/short_client.py" "$PORT" "$N" >"$CS_TMP/client2.log" 2>&1 &
C2=$!
wait "$C1" || cs_fail "client 1: $(cat "$CS_TMP/client1.log")"
wait "$C2" || cs_fail "client 2: $(cat "$CS_TMP/client2.log")"
cs_log "clients: $(cat "$CS_TMP/client1.log"), $(cat "$CS_TMP/client2.log")"
sleep 1  # the last traces leave after the linger
cs_stop_agent

"$PY" "$CS_LIB_DIR/../port_reuse/check_spans.py" short "$CS_SPANS" "$CS_AGENT_LOG" "$PORT" "$((2 * N))" ||
  cs_fail "spans or counters wrong (see above)"
CS_PHASE=reset cs_start_agent
RESET_PORT=18621
cs_port_free "$RESET_PORT"
"$PY" "$CS_LIB_DIR/../port_reuse/reset_then_ok.py" "$RESET_PORT" 300 >"$CS_TMP/reset.log" 2>&1 ||
  cs_fail "reset client: $(cat "$CS_TMP/reset.log")"
cs_log "reset phase: $(cat "$CS_TMP/reset.log")"
sleep 1
cs_stop_agent
"$PY" "$CS_LIB_DIR/../port_reuse/check_spans.py" reset "$CS_SPANS" "$CS_AGENT_LOG" "$RESET_PORT" 300 ||
  cs_fail "reset phase: spans or counters wrong (see above)"
cs_log "PASS"
