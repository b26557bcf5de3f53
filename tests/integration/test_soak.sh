#!/usr/bin/env bash
# Soak, CI size: scripts/soak.sh for 2 minutes with the agent attached to the three-tier topology
# (nginx -> gunicorn A -> Werkzeug B) under mixed traffic (60 requests/s: chains, errors, 404s, direct
# calls, keep-alive and new connections, cut requests, idle connections), agent RSS and CPU sampled
# every 10 s. Fails when the agent dies or exits non-zero, a 10 s interval after the warm-up (30 s)
# brings no new span, the traffic sees an error, or the agent's RSS grows by more than 4 MB after the
# warm-up (measured: +0.0 to +0.3 MB on a steady 23 MB; 4 MB over ~5000 requests is ~800 bytes leaked per
# request). Ports 18185, 18186, 18189.
# Usage: bash test_soak.sh /path/to/callscope   (root)
set -euo pipefail
REPO="$(cd "$(dirname "$0")/../.." && pwd)"
[ -n "${1:-}" ] || { echo "usage: bash $0 /path/to/callscope" >&2; exit 1; }
[ "$(id -u)" -eq 0 ] || { echo "test_soak: must run as root (loads BPF programs)" >&2; exit 1; }
out="$(mktemp -d /tmp/callscope-test_soak.XXXXXX)"
if bash "$REPO/scripts/soak.sh" --agent "$1" --seconds 120 --interval 10 --warmup 30 --max-growth-mb 4 \
  --rate 60 --out "$out"; then
  rm -rf "$out"
  echo "[test_soak] PASS"
else
  echo "[test_soak] FAIL (samples and logs kept in $out)" >&2
  exit 1
fi
