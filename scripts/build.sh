#!/usr/bin/env bash
# Configures and builds callscope (agent, BPF skeleton, tests) into ./build.
# Env: BUILD_DIR (default <repo>/build), BUILD_TYPE (default RelWithDebInfo), CMAKE_ARGS (extra -D options).
set -euo pipefail
REPO="$(cd "$(dirname "$0")/.." && pwd)"
BUILD_DIR="${BUILD_DIR:-$REPO/build}"
BUILD_TYPE="${BUILD_TYPE:-RelWithDebInfo}"
JOBS="$(nproc 2>/dev/null || echo 2)"

# shellcheck disable=SC2086 # CMAKE_ARGS is a list of options on purpose
cmake -S "$REPO" -B "$BUILD_DIR" -G "Unix Makefiles" -DCMAKE_BUILD_TYPE="$BUILD_TYPE" \
  -DCALLSCOPE_BUILD_TESTS=ON ${CMAKE_ARGS:-}
cmake --build "$BUILD_DIR" -j "$JOBS"
echo "build.sh: built $BUILD_DIR/userspace/callscope ($BUILD_TYPE)"
