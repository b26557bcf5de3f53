#!/usr/bin/env bash
# Runs one libFuzzer target (a CALLSCOPE_BUILD_FUZZ=ON binary) and says what it reached.
#   run_fuzz_target.sh BINARY SEED_DIR WORK_DIR [libFuzzer flags...]   e.g. -max_total_time=60, -runs=10000000
# 1. Coverage of the seed corpus alone (-runs=0 over SEED_DIR).
# 2. The run: new inputs go to WORK_DIR/corpus (kept between runs; the seed dir in the repo is never
#    written), crash/leak/timeout/oom inputs to WORK_DIR/artifacts/, the whole log to WORK_DIR/fuzz.log.
# 3. One summary line:
#    fuzz-summary <target> execs=<n> exec_per_s=<n> seed_cov=<edges> seed_ft=<features> cov=<edges>
#      ft=<features> corpus=<inputs> seconds=<s> result=ok|FAIL(<why>)
# Exit status 0 only when libFuzzer exited 0, wrote no artifact and executed at least one input.
set -euo pipefail
[ $# -ge 3 ] || { echo "usage: $0 BINARY SEED_DIR WORK_DIR [libFuzzer flags...]" >&2; exit 2; }
bin="$1" seeds="$2" work="$3"
shift 3
name="$(basename "$bin")"
[ -x "$bin" ] || { echo "run_fuzz_target: $bin is not an executable (build the fuzz targets first)" >&2; exit 2; }
[ -d "$seeds" ] && [ -n "$(ls -A "$seeds")" ] || { echo "run_fuzz_target: seed corpus $seeds is missing or empty" >&2; exit 2; }
mkdir -p "$work/corpus" "$work/artifacts"
# Earlier artifacts would be reported as findings of this run: move them aside.
if [ -n "$(ls -A "$work/artifacts")" ]; then
  old="$work/artifacts.$(date +%Y%m%d-%H%M%S)"
  mv "$work/artifacts" "$old"
  mkdir -p "$work/artifacts"
  echo "run_fuzz_target: earlier findings moved to $old" >&2
fi
# Sanitizers: abort on the first report with a stack, leak detection on (libFuzzer reports leaks itself).
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1:symbolize=1}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}"
common=(-timeout=10 -rss_limit_mb=2048 -artifact_prefix="$work/artifacts/")

# "#123 INITED cov: 456 ft: 789 corp: ..." / "#10000000 DONE cov: 1 ft: 2 corp: 3/4b ..." -> fields.
stat_of() { sed -n "s/.*$2 cov: \([0-9]*\) ft: \([0-9]*\) corp: \([0-9]*\).*/\1 \2 \3/p" "$1" | tail -n 1; }

"$bin" -runs=0 "${common[@]}" "$seeds" >"$work/seed.log" 2>&1 || {
  echo "run_fuzz_target: $name fails on its own seed corpus:" >&2
  tail -n 40 "$work/seed.log" >&2
  echo "fuzz-summary $name result=FAIL(seed corpus)"
  exit 1
}
read -r seed_cov seed_ft _ <<<"$(stat_of "$work/seed.log" INITED)"

start=$SECONDS
rc=0
"$bin" "${common[@]}" -print_final_stats=1 "$@" "$work/corpus" "$seeds" >"$work/fuzz.log" 2>&1 || rc=$?
secs=$((SECONDS - start))
final="$(stat_of "$work/fuzz.log" DONE)"
[ -n "$final" ] || final="$(sed -n 's/^#[0-9]*[[:space:]]*[A-Z]* cov: \([0-9]*\) ft: \([0-9]*\) corp: \([0-9]*\).*/\1 \2 \3/p' "$work/fuzz.log" | tail -n 1)"
read -r cov ft corp <<<"${final:-? ? ?}"
execs="$(sed -n 's/^stat::number_of_executed_units: *\([0-9]*\).*/\1/p' "$work/fuzz.log" | tail -n 1)"
rate="$(sed -n 's/^stat::average_exec_per_sec: *\([0-9]*\).*/\1/p' "$work/fuzz.log" | tail -n 1)"
artifacts="$(ls -A "$work/artifacts")"

why=""
[ "$rc" -eq 0 ] || why="libFuzzer exit status $rc"
[ -z "$artifacts" ] || why="${why:+$why, }findings in $work/artifacts: $(echo "$artifacts" | tr '\n' ' ')"
[ "${execs:-0}" -gt 0 ] || why="${why:+$why, }no input executed"
if [ -n "$why" ]; then
  echo "----- $name: last 60 lines of $work/fuzz.log -----" >&2
  tail -n 60 "$work/fuzz.log" >&2
fi
echo "fuzz-summary $name execs=${execs:-?} exec_per_s=${rate:-?} seed_cov=${seed_cov:-?} seed_ft=${seed_ft:-?}" \
  "cov=$cov ft=$ft corpus=$corp seconds=$secs result=${why:+FAIL($why)}${why:-ok}"
[ -z "$why" ]
