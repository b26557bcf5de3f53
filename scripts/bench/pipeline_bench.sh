#!/usr/bin/env bash
# Builds (Release, build-bench) and runs the Google Benchmark suite tests/bench/*.cpp:
#   BM_PipelineHttpKeepAliveJson          whole pipeline + JSON sink to /dev/null
#   BM_PipelineHttpKeepAliveNullSink      whole pipeline, spans discarded
#   BM_PipelineHttpKeepAlive5pctLossJson  as the first, 5% of data events dropped
#   BM_Http1SessionParseAndPair           HTTP/1.1 parser + request/response pairing only
#   BM_Db<Protocol>/0, /1                 a data-store session alone (parse + pair; /1 also describe)
# items_per_second = HTTP requests per CPU second. Extra arguments go to the benchmark binary
# (e.g. --benchmark_filter=Json). Figures only: nothing is judged here.
set -euo pipefail
source "$(dirname "$0")/bench_lib.sh"
BUILD="$BENCH_ROOT/build-bench"
cmake -S "$BENCH_ROOT" -B "$BUILD" -DCMAKE_BUILD_TYPE=Release -DCALLSCOPE_BUILD_BENCH=ON >/tmp/callscope-bench-build.log 2>&1 \
  || { cat /tmp/callscope-bench-build.log >&2; bench_die "cmake configure failed"; }
cmake --build "$BUILD" -j2 --target callscope_bench >>/tmp/callscope-bench-build.log 2>&1 \
  || { tail -40 /tmp/callscope-bench-build.log >&2; bench_die "build failed (log: /tmp/callscope-bench-build.log)"; }
bench_machine_summary
exec "$BUILD/tests/callscope_bench" --benchmark_min_time="${MIN_TIME:-2}" --benchmark_repetitions="${REPETITIONS:-3}" \
  --benchmark_report_aggregates_only=true "$@"
