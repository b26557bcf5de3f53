#!/usr/bin/env bash
# Installs the dependencies, builds everything with tests, and runs the whole suite with ctest: unit,
# fuzz (deterministic driver over the corpus) and integration (root: real BPF, real servers); then the
# sanitizer stage (scripts/test_sanitizers.sh: unit tests and libFuzzer targets under ASan+UBSan, in
# build-sanitize/). Needs root: re-runs itself under sudo when started by another user.
# Exit status is non-zero when any test fails or when no test ran at all.
# Env: BUILD_DIR (default <repo>/build), CTEST_ARGS (extra ctest options, e.g. "-L unit"),
#      SANITIZER_STAGE=0 (leave out the sanitizer stage; said in the result), FUZZ_SECONDS (per libFuzzer
#      target in the sanitizer stage, default 60).
set -euo pipefail
REPO="$(cd "$(dirname "$0")/.." && pwd)"
source "$REPO/scripts/lib/as_root.sh"
cs_as_root "$0" "$@"
BUILD_DIR="${BUILD_DIR:-$REPO/build}"
export BUILD_DIR

bash "$REPO/scripts/install-deps.sh"
bash "$REPO/scripts/build.sh"

LOG="$BUILD_DIR/ctest-output.log"
rc=0
# shellcheck disable=SC2086 # CTEST_ARGS is a list of options on purpose
(cd "$BUILD_DIR" && ctest --output-on-failure --no-tests=error -j "$(nproc 2>/dev/null || echo 2)" \
  --timeout 900 ${CTEST_ARGS:-}) 2>&1 | tee "$LOG" || rc=$?
ran="$(sed -n 's/.*tests passed, [0-9]* tests failed out of \([0-9]*\).*/\1/p' "$LOG" | tail -n 1)"
echo "test.sh: ctest summary: $(grep -E 'tests passed' "$LOG" | tail -n 1)"
main=""
if [ -z "$ran" ] || [ "$ran" -eq 0 ]; then
  main="no tests ran"
elif [ "$rc" -ne 0 ]; then
  main="ctest exited with status $rc (failed tests are listed above)"
fi

# The sanitizer stage runs even when the main suite failed: both results are worth having.
stage=""
if [ "${SANITIZER_STAGE:-1}" = 0 ]; then
  stage_note="sanitizer stage NOT run (SANITIZER_STAGE=0): ASan/UBSan and libFuzzer untested"
else
  stage_start=$SECONDS
  bash "$REPO/scripts/test_sanitizers.sh" || stage="failed"
  stage_note="sanitizer stage ${stage:-passed} in $((SECONDS - stage_start)) s"
fi

if [ -n "$main" ] || [ -n "$stage" ]; then
  echo "test.sh: FAIL: main suite: ${main:-passed}; $stage_note (see above)" >&2
  exit 1
fi
echo "test.sh: all $ran tests passed; $stage_note"
