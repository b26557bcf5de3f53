#!/usr/bin/env bash
# Long fuzzing runs (not CI): builds the libFuzzer targets with clang, ASan+UBSan and libFuzzer coverage on
# callscope_core (CALLSCOPE_BUILD_FUZZ=ON) into a separate build dir, then runs the targets one after the
# other (one core), each until it has executed RUNS inputs or for SECONDS, and prints a table: executions,
# executions/s, coverage (edges, features) of the seed corpus alone and at the end, corpus size, result.
# A crash, leak, timeout, out-of-memory or sanitizer report is a FAIL; the input that caused it is kept in
# <build dir>/fuzz-long/<target>/artifacts/ (reproduce: <build dir>/tests/<target> <that file>).
# The grown corpus is kept in <build dir>/fuzz-long/<target>/corpus and reused by the next run (--fresh
# deletes it first). The seed corpora in tests/fuzz/corpus/ are never written.
#
# Usage: scripts/fuzz.sh [--runs N | --seconds S] [--fresh] [--build-dir DIR] [TARGET...] [-- libFuzzer flags]
#   default: every target (tests/fuzz/*_fuzz.cpp), --runs 10000000, build dir <repo>/build-fuzz
#   e.g.  scripts/fuzz.sh --seconds 600 http1_fuzz -- -use_value_profile=1
# Env: JOBS (build parallelism, default: number of CPUs). No root needed.
set -euo pipefail
REPO="$(cd "$(dirname "$0")/.." && pwd)"
BUILD="$REPO/build-fuzz"
LIMIT=(-runs=10000000)
FRESH=0
TARGETS=()
EXTRA=()
usage() { sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//' >&2; exit 2; }
while [ $# -gt 0 ]; do
  case "$1" in
    --runs) LIMIT=(-runs="${2:?--runs needs a number}"); shift 2 ;;
    --seconds) LIMIT=(-max_total_time="${2:?--seconds needs a number}"); shift 2 ;;
    --fresh) FRESH=1; shift ;;
    --build-dir) BUILD="${2:?--build-dir needs a directory}"; shift 2 ;;
    -h | --help) usage ;;
    --) shift; EXTRA=("$@"); break ;;
    -*) echo "fuzz.sh: unknown option $1" >&2; usage ;;
    *) TARGETS+=("$1"); shift ;;
  esac
done
if [ "${#TARGETS[@]}" -eq 0 ]; then
  for f in "$REPO"/tests/fuzz/*_fuzz.cpp; do TARGETS+=("$(basename "$f" .cpp)"); done
fi
for t in "${TARGETS[@]}"; do
  [ -f "$REPO/tests/fuzz/$t.cpp" ] || { echo "fuzz.sh: no fuzz target $t (tests/fuzz/$t.cpp)" >&2; exit 2; }
done
for tool in clang clang++ cmake; do
  command -v "$tool" >/dev/null || { echo "fuzz.sh: $tool missing (run scripts/install-deps.sh as root)" >&2; exit 1; }
done

mkdir -p "$BUILD"
CC=clang CXX=clang++ cmake -S "$REPO" -B "$BUILD" -G "Unix Makefiles" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DCALLSCOPE_BUILD_TESTS=ON -DCALLSCOPE_BUILD_FUZZ=ON -DCALLSCOPE_BUILD_BENCH=OFF >"$BUILD/configure.log" 2>&1 || {
  tail -n 30 "$BUILD/configure.log" >&2
  echo "fuzz.sh: configuring $BUILD failed (log: $BUILD/configure.log)" >&2
  exit 1
}
cmake --build "$BUILD" -j "${JOBS:-$(nproc 2>/dev/null || echo 2)}" --target "${TARGETS[@]}"

SUMMARY="$BUILD/fuzz-long/summary-$(date +%Y%m%d-%H%M%S).txt"
mkdir -p "$BUILD/fuzz-long"
rc=0
for t in "${TARGETS[@]}"; do
  work="$BUILD/fuzz-long/$t"
  [ "$FRESH" = 0 ] || rm -rf "$work"
  echo "fuzz.sh: $t ${LIMIT[*]} ${EXTRA[*]} (log: $work/fuzz.log)" >&2
  bash "$REPO/tests/fuzz/run_fuzz_target.sh" "$BUILD/tests/$t" "$REPO/tests/fuzz/corpus/$t" "$work" \
    "${LIMIT[@]}" "${EXTRA[@]}" | tee -a "$SUMMARY" || rc=1
done

echo
echo "fuzz.sh: $(git -C "$REPO" rev-parse --short HEAD 2>/dev/null || echo '?'), clang $(clang --version | sed -n 's/.*clang version \([0-9.]*\).*/\1/p' | head -n 1), ${LIMIT[*]} ${EXTRA[*]}"
{
  echo "target execs exec/s seed_cov seed_ft cov ft corpus seconds result"
  grep '^fuzz-summary' "$SUMMARY" | sed 's/^fuzz-summary //; s/[a-z_]*=//g'
} | column -t -l 10
echo "fuzz.sh: summary kept in $SUMMARY"
exit "$rc"
