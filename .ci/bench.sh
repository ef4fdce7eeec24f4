#!/usr/bin/env bash
# The main job: benchmarks of zmq_cffi next to pyzmq on CPython and PyPy, one ratio table.
#
#   bash .ci/bench.sh                         full run, both interpreters (under 10 minutes)
#   bash .ci/bench.sh --quick                 smoke run of every scenario (under 2 minutes)
#   bash .ci/bench.sh --benchmark-compare     also compare each interpreter with its last run
#   bash .ci/bench.sh -k tcp                  other arguments go to pytest
#
# Every scenario runs on zmq_cffi and on pyzmq in the same pytest-benchmark session; after
# timing, each is run again in a fresh process to read its peak memory (--bench-no-memory skips
# that). The JSON is saved under bench/results/<machine id>/NNNN_<interpreter>_<stamp>.json
# (quick runs under bench/results/quick/), where --benchmark-compare finds the previous run of
# the same interpreter. The table: bench/report.py; ratio above 1 means zmq_cffi is better.
set -uo pipefail
cd "$(dirname "$0")/.."
root=$PWD

quick=0
args=()
for arg in "$@"; do
  case "$arg" in
    --quick) quick=1 ;;
    *) args+=("$arg") ;;
  esac
done

bash .ci/setup.sh || exit 1

if [ "$quick" = 1 ]; then
  storage=bench/results/quick
  limit=300        # s per interpreter: a hang fails the run instead of stalling it
  test_timeout=60  # s per scenario and module, memory run included
else
  storage=bench/results
  limit=900
  test_timeout=150
fi
export ZMQ_BENCH_QUICK=$quick
mkdir -p "$storage"
status=0

# pytest-benchmark's own table is redundant with ours, except when it shows a comparison.
quiet=(--benchmark-quiet)
for arg in "${args[@]}"; do
  case "$arg" in --benchmark-compare*|--benchmark-histogram*|-v|--verbose) quiet=() ;; esac
done

# The C limit (bench/c_limit.c): the one-process scenarios written in C against the same
# libzmq as zmq_cffi, run by the harness right after each zmq_cffi measurement.
c_limit="$root/bench/results/c_limit"
if cc -O2 -o "$c_limit" bench/c_limit.c $(pkg-config --cflags --libs libzmq) -lpthread; then
  export ZMQ_BENCH_C_LIMIT="$c_limit"
else
  echo "could not build bench/c_limit.c: no C column"
  status=1
fi

stamp=$(date +%Y%m%d-%H%M%S)
files=()
start=$SECONDS
for impl in cpython pypy; do
  name="${impl}_${stamp}"
  echo "=== benchmarks on $impl$([ "$quick" = 1 ] && echo ' (quick)')"
  (cd bench && timeout --foreground -k 30 "$limit" "../.venv/$impl/bin/python" -m pytest -q \
     -p no:cacheprovider --timeout="$test_timeout" --benchmark-only \
     --benchmark-storage="file://$root/$storage" --benchmark-save="$name" \
     --benchmark-columns=median,iqr,rounds \
     "${quiet[@]}" "${args[@]}" .) || status=$?
  file=$(ls "$storage"/*/[0-9][0-9][0-9][0-9]_"$name".json 2>/dev/null | head -n 1)
  if [ -n "$file" ]; then
    files+=("$file")
    echo "saved $file"
  else
    echo "no results saved for $impl"
    [ "$status" = 0 ] && status=1
  fi
done
echo
echo "=== zmq_cffi vs pyzmq, $(( SECONDS - start ))s"
if [ ${#files[@]} -gt 0 ]; then
  .venv/cpython/bin/python bench/report.py "${files[@]}" || status=1
fi
exit "$status"
