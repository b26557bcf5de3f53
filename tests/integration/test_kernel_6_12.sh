#!/usr/bin/env bash
# The agent on bookworm-backports' 6.12 kernel: boots it under QEMU (TCG) with this machine's userland and
# runs tests/integration/kernels/guest_suite.sh inside: the kernel-side smoke test (both data paths: 6.12 has
# the socket tracepoints) and curl -> Flask A -> Flask B through the agent (complete 4-span chains).
# Usage: bash test_kernel_6_12.sh /path/to/callscope   (root; see tests/integration/kernels/harness.sh)
set -euo pipefail
source "$(dirname "$0")/kernels/harness.sh"
cs_kernel_test 6.12 tests/integration/kernels/guest_suite.sh "$@"
