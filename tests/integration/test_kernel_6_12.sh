#!/usr/bin/env bash
# The agent on bookworm-backports' 6.12 kernel: boots it under QEMU (TCG) with this machine's userland and
# runs test_flask_chain.sh inside (curl -> Flask A -> Flask B, complete 4-span chains, error path too).
# Usage: bash test_kernel_6_12.sh /path/to/callscope   (root; see tests/integration/kernels/harness.sh)
set -euo pipefail
source "$(dirname "$0")/kernels/harness.sh"
cs_kernel_test 6.12 tests/integration/kernels/guest_suite.sh "$@"
