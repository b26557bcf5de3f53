#!/usr/bin/env bash
# Sanitizer stage of CI (scripts/test.sh runs it after the main suite; no root needed):
# builds the unit tests and the fuzz targets with clang, ASan+UBSan and libFuzzer into a separate build
# dir (CALLSCOPE_BUILD_FUZZ=ON, cmake/sanitizers.cmake), then runs with ctest
#   - label unit: every unit test, any sanitizer report fails the test;
#   - label fuzz: every libFuzzer target for FUZZ_SECONDS, starting from its seed corpus; a crash, leak,
#     timeout or sanitizer report fails (tests/fuzz/run_fuzz_target.sh).
# Prints one fuzz-summary line per target (executions, coverage at the seeds and at the end).
# Env: SAN_BUILD_DIR (default <repo>/build-sanitize), FUZZ_SECONDS (default 60, per target),
#      JOBS (default: number of CPUs).
set -euo pipefail
REPO="$(cd "$(dirname "$0")/.." && pwd)"
SAN_BUILD_DIR="${SAN_BUILD_DIR:-$REPO/build-sanitize}"
FUZZ_SECONDS="${FUZZ_SECONDS:-60}"
JOBS="${JOBS:-$(nproc 2>/dev/null || echo 2)}"

for tool in clang clang++ cmake; do
  command -v "$tool" >/dev/null || { echo "test_sanitizers.sh: $tool missing (run scripts/install-deps.sh as root)" >&2; exit 1; }
done
case "$FUZZ_SECONDS" in '' | *[!0-9]*) echo "test_sanitizers.sh: FUZZ_SECONDS must be a number of seconds" >&2; exit 1 ;; esac

start=$SECONDS
mkdir -p "$SAN_BUILD_DIR"
CC=clang CXX=clang++ cmake -S "$REPO" -B "$SAN_BUILD_DIR" -G "Unix Makefiles" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DCALLSCOPE_BUILD_TESTS=ON -DCALLSCOPE_BUILD_FUZZ=ON -DCALLSCOPE_BUILD_BENCH=OFF \
  -DCALLSCOPE_FUZZ_SECONDS="$FUZZ_SECONDS" >"$SAN_BUILD_DIR/configure.log" 2>&1 || {
  tail -n 30 "$SAN_BUILD_DIR/configure.log" >&2
  echo "test_sanitizers.sh: FAIL: configuring $SAN_BUILD_DIR (log: $SAN_BUILD_DIR/configure.log)" >&2
  exit 1
}
cmake --build "$SAN_BUILD_DIR" -j "$JOBS" --target sanitizer_stage_binaries
built=$SECONDS
# A test binary that was not built would silently drop its tests from the labels: refuse.
not_built="$(cd "$SAN_BUILD_DIR" && ctest -N | sed -n 's/.*Test *#[0-9]*: \(.*_NOT_BUILT\)$/\1/p')"
if [ -n "$not_built" ]; then
  echo "test_sanitizers.sh: FAIL: test binaries not built: $not_built (add them to sanitizer_stage_binaries" \
    "in tests/CMakeLists.txt)" >&2
  exit 1
fi

rc=0
(cd "$SAN_BUILD_DIR" && ctest -L '^(unit|fuzz)$' --output-on-failure --no-tests=error -j "$JOBS" --timeout 900) \
  2>&1 | tee "$SAN_BUILD_DIR/ctest-sanitize.log" || rc=$?
grep -h '^fuzz-summary' "$SAN_BUILD_DIR/Testing/Temporary/LastTest.log" 2>/dev/null || true
echo "test_sanitizers.sh: build $((built - start)) s, tests $((SECONDS - built)) s; ctest: $(grep -E 'tests passed' "$SAN_BUILD_DIR/ctest-sanitize.log" | tail -n 1)"
if [ "$rc" -ne 0 ]; then
  echo "test_sanitizers.sh: FAIL: a unit test or fuzz target failed under ASan/UBSan (see above)" >&2
  exit "$rc"
fi
echo "test_sanitizers.sh: unit and fuzz labels pass under ASan+UBSan"
