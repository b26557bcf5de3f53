#!/usr/bin/env bash
# Per-program cost of the Go probes (bpf_stats: run_time_ns / run_cnt), measured on the topology of
# tests/integration/test_go_runtime.sh (both attach modes). Turns kernel.bpf_stats_enabled on for the
# run and restores it. Root; run under `flock /tmp/cs-root.lock`. Figures on a shared 2-core machine are
# noisy: run it a few times.
# Usage: bash measure_probe_cost.sh <path-to-callscope-binary>
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
before="$(sysctl -n kernel.bpf_stats_enabled)"
trap 'sysctl -q -w kernel.bpf_stats_enabled="$before"' EXIT
sysctl -q -w kernel.bpf_stats_enabled=1
bash "$HERE/../test_go_runtime.sh" "$@" 2>&1 | grep -E "cost |PASS|FAIL"
