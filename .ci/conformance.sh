#!/usr/bin/env bash
# pyzmq's own test suite (the pinned sdist, fetched from PyPI into a temporary folder) run
# against zmq_cffi through `python -m zmq_cffi.run -m pytest`, on CPython and on PyPy.
# Prints `pyzmq-conformance: P passed / B that pass on pyzmq (x %)` per interpreter; fails if a
# test that passes on pyzmq fails and is not in tests/conformance/expected-failures.txt, or if
# a listed test passes. `--baseline` re-measures the baseline lists on real pyzmq instead.
set -uo pipefail
cd "$(dirname "$0")/.."
# Run on its own, it needs the environments .ci/test.sh sets up first.
if [ ! -x .venv/cpython/bin/python ] || [ ! -x .venv/pypy/bin/python ]; then
  bash .ci/setup.sh || exit 1
fi
driver=tests/conformance/conformance.py
command=run
[ "${1:-}" = "--baseline" ] && command=baseline

work=$(mktemp -d -t pyzmq-conformance.XXXXXX)
trap 'rm -rf "$work"' EXIT
suite=$(.venv/cpython/bin/python "$driver" fetch "$work") || { echo "conformance: could not fetch pyzmq's sdist"; exit 1; }

status=0
for impl in cpython pypy; do
  echo "=== pyzmq's test suite on zmq_cffi, $impl"
  .venv/$impl/bin/python "$driver" "$command" --suite "$suite" --log "$work/$command-$impl.log" || status=1
done
exit $status
