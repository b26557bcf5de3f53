#!/usr/bin/env bash
# The agent on Debian 12's stock 6.1 kernel: boots it under QEMU (TCG) with this machine's userland and
# runs test_flask_chain.sh inside (curl -> Flask A -> Flask B, complete 4-span chains, error path too).
# Usage: bash test_kernel_6_1.sh /path/to/callscope   (root; see tests/integration/kernels/harness.sh)
set -euo pipefail
source "$(dirname "$0")/kernels/harness.sh"
cs_kernel_test 6.1 tests/integration/test_flask_chain.sh "$@"
