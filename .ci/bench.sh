#!/usr/bin/env bash
# The main job: benchmarks of zmq_cffi next to pyzmq on CPython and PyPy, one ratio table.
# JSON results stay in bench/results/ for --benchmark-compare. Extra args go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
bash .ci/setup.sh
mkdir -p bench/results
stamp=$(date +%Y%m%d-%H%M%S)
files=()
for impl in cpython pypy; do
  out="bench/results/$impl-$stamp.json"
  echo "=== benchmarks on $impl"
  (cd bench && ../.venv/$impl/bin/python -m pytest -q -p no:cacheprovider \
     --benchmark-only --benchmark-json="../$out" --benchmark-columns=median,iqr,rounds "$@" .)
  files+=("$out")
done
echo
echo "=== zmq_cffi vs pyzmq (median per round; ratio = pyzmq time / zmq_cffi time, >1 means zmq_cffi is faster)"
.venv/cpython/bin/python bench/report.py "${files[@]}"
