# Shared helpers of the integration tests. Source it from a test script:
#   source "$(dirname "$0")/lib/common.sh"
#   cs_init "$@"          # $1 = path to the callscope binary
# Every process started with cs_bg / cs_start_agent is stopped by the EXIT trap, every wait is bounded,
# and any failure ends the test with a non-zero status and the logs that explain it.
# Tests never skip: a missing binary, no root, or BPF that cannot load is a failure.

PY=/usr/bin/python3
CS_LIB_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
CS_REPO_DIR="$(cd "$CS_LIB_DIR/../../.." && pwd)"
CS_DEMO_DIR="$CS_REPO_DIR/scripts/demo"
CS_PIDS=()        # background processes to stop on exit
CS_AGENT_PID=""
CS_TEST_NAME="$(basename "$0" .sh)"

cs_log() { echo "[$CS_TEST_NAME +${SECONDS}s] $*" >&2; }

# Prints the tail of every log in the temp dir (what the agent and the servers said), then exits 1.
cs_fail() {
  echo "[$CS_TEST_NAME] FAIL: $*" >&2
  if [ -n "${CS_TMP:-}" ] && [ -d "$CS_TMP" ]; then
    for f in "$CS_TMP"/*.log; do
      [ -f "$f" ] || continue
      echo "----- $(basename "$f") (last 40 lines) -----" >&2
      tail -n 40 "$f" >&2
    done
  fi
  exit 1
}

cs_cleanup() {
  local rc=$?
  set +e
  if [ -n "$CS_AGENT_PID" ] && kill -0 "$CS_AGENT_PID" 2>/dev/null; then
    kill -INT "$CS_AGENT_PID" 2>/dev/null
    timeout 10 tail --pid="$CS_AGENT_PID" -f /dev/null 2>/dev/null || kill -KILL "$CS_AGENT_PID" 2>/dev/null
  fi
  local p
  for p in "${CS_PIDS[@]}"; do
    kill -TERM "$p" 2>/dev/null
  done
  for p in "${CS_PIDS[@]}"; do
    timeout 5 tail --pid="$p" -f /dev/null 2>/dev/null || kill -KILL "$p" 2>/dev/null
  done
  if [ -n "${CS_TMP:-}" ] && [ -d "$CS_TMP" ]; then
    if [ "${CS_KEEP_TMP:-0}" = 1 ] || [ "$rc" -ne 0 ]; then
      cs_log "logs and spans kept in $CS_TMP"
    else
      rm -rf "$CS_TMP"
    fi
  fi
  exit "$rc"
}

# cs_init CALLSCOPE_BINARY: checks the preconditions (fails loudly), makes the temp dir, sets the trap.
cs_init() {
  CS_BIN="${1:-}"
  [ -n "$CS_BIN" ] || cs_fail "usage: bash $0 /path/to/callscope"
  [ -x "$CS_BIN" ] || cs_fail "callscope binary '$CS_BIN' does not exist or is not executable (build it first)"
  CS_BIN="$(cd "$(dirname "$CS_BIN")" && pwd)/$(basename "$CS_BIN")"
  [ "$(id -u)" -eq 0 ] || cs_fail "integration tests load BPF programs and must run as root"
  [ -x "$PY" ] || cs_fail "$PY missing (run scripts/install-deps.sh)"
  "$PY" -c 'import flask, requests' 2>/dev/null || cs_fail "$PY cannot import flask/requests (run scripts/install-deps.sh)"
  command -v curl >/dev/null || cs_fail "curl missing (run scripts/install-deps.sh)"
  CS_TMP="$(mktemp -d "/tmp/callscope-${CS_TEST_NAME}.XXXXXX")"
  trap cs_cleanup EXIT
  trap 'exit 130' INT TERM
  cs_log "temp dir $CS_TMP, binary $CS_BIN"
}

# cs_port_free PORT: fails when something already listens on the port (a stale server would falsify the test).
cs_port_free() {
  if ss -Htln "sport = :$1" 2>/dev/null | grep -q .; then
    cs_fail "port $1 is already in use: $(ss -Htlnp "sport = :$1" 2>/dev/null | head -n 1)"
  fi
}

# cs_bg NAME CMD...: starts CMD in the background with its output in $CS_TMP/NAME.log; sets CS_LAST_PID.
cs_bg() {
  local name="$1"
  shift
  "$@" >"$CS_TMP/$name.log" 2>&1 &
  CS_LAST_PID=$!
  CS_PIDS+=("$CS_LAST_PID")
}

# cs_wait_http URL [SECONDS]: waits until URL answers (any HTTP status), fails after SECONDS (default 20).
cs_wait_http() {
  local url="$1" secs="${2:-20}" i
  for ((i = 0; i < secs * 10; i++)); do
    if curl -s -o /dev/null --max-time 2 "$url"; then
      return 0
    fi
    sleep 0.1
  done
  cs_fail "$url did not answer within ${secs}s"
}

# cs_start_agent ARGS...: starts callscope --format json --output $CS_TMP/spans.jsonl ARGS..., waits for
# "callscope ready" on its stderr (30 s at most). Fails if it exits or never gets ready (e.g. BPF load).
# Service names: the chain tests expect the comm (cs_comm), so the agent runs with --identity comm unless the
# test sets CS_AGENT_IDENTITY=proc (the default identity: test_flask_chain, test_service_identity).
cs_start_agent() {
  # CS_PHASE (optional) separates the output of several agent runs in one test.
  CS_SPANS="$CS_TMP/spans${CS_PHASE:+-$CS_PHASE}.jsonl"
  CS_AGENT_LOG="$CS_TMP/agent${CS_PHASE:+-$CS_PHASE}.log"
  : >"$CS_AGENT_LOG"
  # A background job of a non-interactive shell starts with SIGINT ignored; restore the default so the
  # agent's own SIGINT handling (flush, counters, exit) is what gets tested.
  env --default-signal=INT,QUIT "$CS_BIN" --format json --output "$CS_SPANS" --log-level "${CS_AGENT_LOG_LEVEL:-info}" \
    --identity "${CS_AGENT_IDENTITY:-comm}" "$@" \
    >"$CS_TMP/agent.stdout" 2>"$CS_AGENT_LOG" &
  CS_AGENT_PID=$!
  cs_wait_ready "$CS_AGENT_PID" "$CS_AGENT_LOG" callscope
  cs_log "agent ready (pid $CS_AGENT_PID): callscope $*"
}

# cs_wait_ready PID LOG NAME: waits until LOG (the stderr of PID, a callscope started by this shell) says
# "callscope ready", 30 s at most. Fails if PID exits first (with its exit status) or never gets ready.
cs_wait_ready() {
  local pid="$1" log="$2" name="$3" i rc=0
  for ((i = 0; i < 300; i++)); do
    grep -q "callscope ready" "$log" && return 0
    if ! kill -0 "$pid" 2>/dev/null; then
      wait "$pid" || rc=$?
      cs_fail "$name exited with status $rc before it was ready (BPF load/attach failure?)"
    fi
    sleep 0.1
  done
  cs_fail "$name did not log 'callscope ready' within 30s"
}

# cs_stop_agent: SIGINT (flushes pending spans), waits 20 s at most, fails on a non-zero exit or a hang.
cs_stop_agent() {
  [ -n "$CS_AGENT_PID" ] || cs_fail "cs_stop_agent: no agent running"
  kill -INT "$CS_AGENT_PID" 2>/dev/null || cs_fail "callscope (pid $CS_AGENT_PID) died before SIGINT"
  local i
  for ((i = 0; i < 200; i++)); do
    kill -0 "$CS_AGENT_PID" 2>/dev/null || break
    sleep 0.1
  done
  if kill -0 "$CS_AGENT_PID" 2>/dev/null; then
    kill -KILL "$CS_AGENT_PID" 2>/dev/null
    CS_AGENT_PID=""
    cs_fail "callscope did not exit within 20s of SIGINT"
  fi
  local rc=0
  wait "$CS_AGENT_PID" || rc=$?
  CS_AGENT_PID=""
  [ "$rc" -eq 0 ] || cs_fail "callscope exited with status $rc after SIGINT"
  [ -f "$CS_SPANS" ] || cs_fail "callscope wrote no output file $CS_SPANS"
  cs_log "agent stopped; $(wc -l <"$CS_SPANS") span line(s); counters: $(grep -iE 'drop|lost|unlinked|counter' "$CS_AGENT_LOG" | tr '\n' ' ' | cut -c1-400)"
}

# cs_check ARGS...: runs check_chains.py on the agent's spans; fails the test when it does.
cs_check() {
  timeout 120 "$PY" "$CS_LIB_DIR/check_chains.py" "$CS_SPANS" "$@" || cs_fail "span check failed (see report above)"
}

# cs_curl URL EXPECTED_CODE: one request with curl (fresh connection), fails unless the code matches.
cs_curl() {
  local code
  code="$(curl -s -o /dev/null -w '%{http_code}' --max-time 15 "$1")" || true
  [ "$code" = "$2" ] || cs_fail "curl $1 returned HTTP '$code', want $2"
}

# cs_comm PID: the command name the kernel reports for PID (what the agent puts in service.name).
cs_comm() { cat "/proc/$1/comm" 2>/dev/null || cs_fail "process $1 is gone"; }

# cs_only_child PARENT_PID: waits (20 s at most) until PARENT_PID has exactly one child process and prints
# its pid (a gunicorn worker under its master, an nginx worker under its master).
cs_only_child() {
  local parent="$1" kids i
  for ((i = 0; i < 200; i++)); do
    kids="$(ps -o pid= --ppid "$parent" | tr -d ' ')"
    if [ -n "$kids" ] && [ "$(echo "$kids" | wc -l)" -eq 1 ]; then
      echo "$kids"
      return 0
    fi
    sleep 0.1
  done
  cs_fail "process $parent did not get exactly one child within 20s (children: ${kids:-none})"
}

# cs_stop PID NAME: SIGTERM, waits 10 s at most (fails otherwise), forgets PID (so the exit trap does not
# signal a recycled pid later).
cs_stop() {
  local pid="$1" name="$2" p kept=()
  kill -TERM "$pid" 2>/dev/null || true
  timeout 10 tail --pid="$pid" -f /dev/null || cs_fail "$name (pid $pid) did not stop within 10s of SIGTERM"
  for p in "${CS_PIDS[@]}"; do
    [ "$p" = "$pid" ] || kept+=("$p")
  done
  CS_PIDS=("${kept[@]}")
}

# cs_start_flask_services A_PORT B_PORT: the demo topology on Werkzeug (A calls B); waits until both
# answer. Sets A_PID and B_PID.
cs_start_flask_services() {
  local a_port="$1" b_port="$2"
  cs_port_free "$a_port"
  cs_port_free "$b_port"
  cs_bg service_b "$PY" "$CS_DEMO_DIR/service_b.py" "$b_port"
  B_PID=$CS_LAST_PID
  cs_bg service_a "$PY" "$CS_DEMO_DIR/service_a.py" "$a_port" "$b_port"
  A_PID=$CS_LAST_PID
  cs_wait_http "http://127.0.0.1:$b_port/healthz"
  cs_wait_http "http://127.0.0.1:$a_port/healthz"
}

# cs_start_three_tier NGINX_PORT A_PORT B_PORT [VAR=VALUE...]: nginx (1 worker, upstream keepalive) -> service A
# on gunicorn (2 processes x 4 threads) -> service B on Werkzeug (VAR=VALUE in its environment); waits until
# all three answer. Sets NGINX_MASTER. test_three_tier and scripts/soak.sh.
cs_start_three_tier() {
  local nginx_port="$1" a_port="$2" b_port="$3" p
  shift 3
  command -v nginx >/dev/null || cs_fail "nginx missing (run scripts/install-deps.sh)"
  command -v gunicorn >/dev/null || cs_fail "gunicorn missing (run scripts/install-deps.sh)"
  for p in "$nginx_port" "$a_port" "$b_port"; do cs_port_free "$p"; done
  cs_bg service_b env "$@" "$PY" "$CS_DEMO_DIR/service_b.py" "$b_port"
  cs_bg service_a env SERVICE_B_PORT="$b_port" gunicorn --chdir "$CS_DEMO_DIR" --workers 2 \
    --worker-class gthread --threads 4 --keep-alive 60 --bind "127.0.0.1:$a_port" service_a:app
  cs_wait_http "http://127.0.0.1:$b_port/healthz"
  cs_wait_http "http://127.0.0.1:$a_port/healthz"
  cs_write_nginx_proxy_conf "$CS_TMP/nginx.conf" "$nginx_port" "$a_port" 1
  cs_bg nginx nginx -c "$CS_TMP/nginx.conf" -e "$CS_TMP/nginx-error.log"
  NGINX_MASTER=$CS_LAST_PID
  cs_wait_http "http://127.0.0.1:$nginx_port/healthz"
}

# cs_start_keepalive_client PORT CONNECTIONS REQUESTS_PER_CONN: starts lib/keepalive_client.py and waits
# until its connections are open. Sets CLIENT_PID, READY and GO (touch "$GO" to let it go on).
cs_start_keepalive_client() {
  local port="$1" connections="$2" requests="$3" i
  READY="$CS_TMP/client.ready"
  GO="$CS_TMP/client.go"
  cs_bg client timeout 180 "$PY" "$CS_LIB_DIR/keepalive_client.py" --port "$port" \
    --connections "$connections" --requests "$requests" --go-file "$GO" --ready-file "$READY"
  CLIENT_PID=$CS_LAST_PID
  for ((i = 0; i < 300; i++)); do
    [ -f "$READY" ] && break
    kill -0 "$CLIENT_PID" 2>/dev/null || cs_fail "keep-alive client died before its connections were open"
    sleep 0.1
  done
  [ -f "$READY" ] || cs_fail "keep-alive client did not open its connections within 30s"
}

# cs_write_nginx_proxy_conf FILE LISTEN_PORT UPSTREAM_PORT KEEPALIVE(0|1): a one-worker nginx reverse
# proxy on 127.0.0.1:LISTEN_PORT to 127.0.0.1:UPSTREAM_PORT, its pid, logs and temp files under $CS_TMP.
# KEEPALIVE=1 reuses upstream connections (keepalive 8, HTTP/1.1, Connection "").
cs_write_nginx_proxy_conf() {
  local file="$1" listen_port="$2" upstream_port="$3" upstream_extra="" location_extra=""
  if [ "$4" = 1 ]; then
    upstream_extra="keepalive 8;"
    location_extra='proxy_http_version 1.1; proxy_set_header Connection "";'
  fi
  mkdir -p "$CS_TMP/nginx-temp"
  cat >"$file" <<CONF
worker_processes 1;
daemon off;
pid $CS_TMP/nginx.pid;
error_log $CS_TMP/nginx-error.log warn;
events { worker_connections 512; }
http {
  access_log off;
  client_body_temp_path $CS_TMP/nginx-temp/body;
  proxy_temp_path $CS_TMP/nginx-temp/proxy;
  fastcgi_temp_path $CS_TMP/nginx-temp/fastcgi;
  uwsgi_temp_path $CS_TMP/nginx-temp/uwsgi;
  scgi_temp_path $CS_TMP/nginx-temp/scgi;
  upstream backend {
    server 127.0.0.1:$upstream_port;
    $upstream_extra
  }
  server {
    listen 127.0.0.1:$listen_port;
    location / {
      proxy_pass http://backend;
      $location_extra
    }
  }
}
CONF
}
