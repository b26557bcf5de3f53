#!/usr/bin/env bash
# The agent on Debian 12's stock 6.1 kernel: boots it under QEMU (TCG) with this machine's userland and
# runs tests/integration/kernels/guest_suite.sh inside: the kernel-side smoke test (the syscall fallback
# must be chosen, the socket capture refused by name) and curl -> Flask A -> Flask B through the agent.
# Usage: bash test_kernel_6_1.sh /path/to/callscope   (root; see tests/integration/kernels/harness.sh)
set -euo pipefail
source "$(dirname "$0")/kernels/harness.sh"
cs_kernel_test 6.1 tests/integration/kernels/guest_suite.sh "$@"
