#!/usr/bin/env bash
# Service names of real processes (README "Service identity"), in two ways:
#   1. `callscope identify --pid ...` (no BPF) for processes started as a person would:
#        python3 plain_server.py          -> plain_server   (interpreter: the script)
#        gunicorn app:app                  -> app            (WSGI launcher: the module)
#        node server.js                    -> server
#        java -jar orders-2.1.0.jar        -> orders         (a stand-in binary named java, tests/.../idle.c)
#        OTEL_SERVICE_NAME=checkout ...    -> checkout       (environment wins)
#        OTEL_RESOURCE_ATTRIBUTES=service.name=billing,team=pay -> billing, resource team=pay
#        --service-name port:PORT=frontend -> frontend       (the process listening on PORT)
#      and the command line with --password redacted;
#   2. the live agent (default identity): a curl to each HTTP server gives a server span whose
#      service.name is the same name.
# Usage: bash test_service_identity.sh /path/to/callscope   (root)
set -euo pipefail
source "$(dirname "$0")/lib/common.sh"
cs_init "$@"

DIR="$CS_REPO_DIR/tests/integration/identity"
command -v gunicorn >/dev/null || cs_fail "gunicorn missing (run scripts/install-deps.sh)"
command -v node >/dev/null || cs_fail "node missing"
command -v cc >/dev/null || cs_fail "cc missing (build-essential)"
P_PLAIN=18089
P_GUNI=18090
P_NODE=18091
P_ENV=18092
P_ATTR=18093
P_RULE=18094
for p in $P_PLAIN $P_GUNI $P_NODE $P_ENV $P_ATTR $P_RULE; do cs_port_free "$p"; done

cc -O1 -o "$CS_TMP/java" "$DIR/idle.c" || cs_fail "cannot build the java stand-in"
cp "$DIR/app.py" "$DIR/server.js" "$DIR/plain_server.py" "$CS_TMP/"
cd "$CS_TMP"
cs_bg plain "$PY" plain_server.py "$P_PLAIN" --password hunter2
PID_PLAIN=$CS_LAST_PID
cs_bg gunicorn gunicorn --workers 1 --bind "127.0.0.1:$P_GUNI" app:app
PID_GUNI=$CS_LAST_PID
cs_bg node node server.js "$P_NODE"
PID_NODE=$CS_LAST_PID
cs_bg java "$CS_TMP/java" -Xmx64m -jar orders-2.1.0.jar
PID_JAVA=$CS_LAST_PID
cs_bg env env OTEL_SERVICE_NAME=checkout "$PY" plain_server.py "$P_ENV"
PID_ENV=$CS_LAST_PID
cs_bg attr env OTEL_RESOURCE_ATTRIBUTES="service.name=billing,team=pay" "$PY" plain_server.py "$P_ATTR"
PID_ATTR=$CS_LAST_PID
cs_bg rule "$PY" plain_server.py "$P_RULE"
PID_RULE=$CS_LAST_PID
for p in $P_PLAIN $P_GUNI $P_NODE $P_ENV $P_ATTR $P_RULE; do cs_wait_http "http://127.0.0.1:$p/"; done
GUNI_WORKER="$(cs_only_child "$PID_GUNI")"

"$CS_BIN" identify --service-name "port:$P_RULE=frontend" --pid "$PID_PLAIN" --pid "$PID_GUNI" --pid "$GUNI_WORKER" \
  --pid "$PID_NODE" --pid "$PID_JAVA" --pid "$PID_ENV" --pid "$PID_ATTR" --pid "$PID_RULE" >"$CS_TMP/identify.jsonl" ||
  cs_fail "callscope identify failed"
cat "$CS_TMP/identify.jsonl" >&2
"$PY" - "$CS_TMP/identify.jsonl" <<PYEOF || cs_fail "identities differ from the expected ones"
import json, sys
ids = {d["process.pid"]: d for d in map(json.loads, open(sys.argv[1]))}
want = {
    $PID_PLAIN: ("plain_server", "program"), $PID_GUNI: ("app", "program"), $GUNI_WORKER: ("app", "program"),
    $PID_NODE: ("server", "program"), $PID_JAVA: ("orders", "program"), $PID_ENV: ("checkout", "env"),
    $PID_ATTR: ("billing", "env"), $PID_RULE: ("frontend", "rule"),
}
bad = [f"pid {p}: {ids.get(p, {}).get('service.name')!r}/{ids.get(p, {}).get('source')!r} want {n!r}/{s!r}"
       for p, (n, s) in want.items() if (ids.get(p, {}).get("service.name"), ids.get(p, {}).get("source")) != (n, s)]
plain = ids[$PID_PLAIN]
if "hunter2" in plain["process.command_line"] or "--password [REDACTED]" not in plain["process.command_line"]:
    bad.append("command line not redacted: " + plain["process.command_line"])
if plain["process.executable.name"] not in ("python3", "python3.11"):
    bad.append("executable name " + plain["process.executable.name"])
if ids[$PID_ATTR]["resource"] != {"team": "pay"}:
    bad.append(f"resource of the OTEL_RESOURCE_ATTRIBUTES process: {ids[$PID_ATTR]['resource']}")
if ids[$PID_JAVA]["comm"] != "java":
    bad.append("the java stand-in's comm is " + ids[$PID_JAVA]["comm"])
for b in bad:
    print("  " + b)
sys.exit(1 if bad else 0)
PYEOF
cs_log "identify: every process has its expected name"

CS_AGENT_IDENTITY=proc cs_start_agent --service-name "port:$P_RULE=frontend" \
  --port $P_PLAIN --port $P_GUNI --port $P_NODE --port $P_ENV --port $P_ATTR --port $P_RULE
for p in $P_PLAIN $P_GUNI $P_NODE $P_ENV $P_ATTR $P_RULE; do cs_curl "http://127.0.0.1:$p/" 200; done
sleep 1
cs_stop_agent
"$PY" - "$CS_SPANS" <<PYEOF || cs_fail "live spans do not carry the expected service names"
import json, sys
spans = [json.loads(l) for l in open(sys.argv[1])]
want = {$P_PLAIN: "plain_server", $P_GUNI: "app", $P_NODE: "server", $P_ENV: "checkout", $P_ATTR: "billing",
        $P_RULE: "frontend"}
bad = []
for port, name in want.items():
    got = [s["service.name"] for s in spans if s["kind"] == "server" and s["attributes"].get("server.port") == port]
    if got != [name]:
        bad.append(f"server spans on port {port}: {got}, want [{name!r}]")
    clients = [s["service.name"] for s in spans if s["kind"] == "client" and s["attributes"].get("server.port") == port]
    if clients != ["curl"]:
        bad.append(f"client spans to port {port}: {clients}, want ['curl']")
for b in bad:
    print("  " + b)
sys.exit(1 if bad else 0)
PYEOF
cs_log "PASS"
