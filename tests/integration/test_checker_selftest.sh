#!/usr/bin/env bash
# Self-test of the span checker the other integration tests rely on: it must accept the hand-written good
# samples (lib/samples/good_*.jsonl) and reject every broken variant. Needs neither root nor the agent;
# the binary argument ctest passes is ignored.
set -euo pipefail
exec timeout 120 /usr/bin/python3 "$(dirname "$0")/lib/selftest_check_chains.py"
