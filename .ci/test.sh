#!/usr/bin/env bash
# The whole test suite on CPython and on PyPy (set-up included; safe to run twice).
# Extra arguments go to pytest, e.g. `.ci/test.sh -k poller -x`.
set -uo pipefail
cd "$(dirname "$0")/.."
bash .ci/setup.sh || exit 1

status=0
for impl in cpython pypy; do
  echo "=== tests on $impl: $(.venv/$impl/bin/python -c 'import sys, platform; print(platform.python_implementation(), sys.version.split()[0])')"
  # No arguments: pytest takes testpaths (tests/) from pyproject.toml.
  .venv/$impl/bin/python -m pytest -q -p no:cacheprovider "$@" || status=1
done
# With pytest arguments this is a focused run: skip conformance, packaging, typing and docs.
if [ $# -eq 0 ]; then
  echo "=== conformance: pyzmq 27.3.0's own test suite on zmq_cffi, CPython and PyPy"
  bash .ci/conformance.sh || status=1
  echo "=== packaging: sdist and wheels, each installed in a fresh venv and smoke-tested"
  bash .ci/packaging.sh || status=1
  echo "=== static types: mypy --strict on the package and the examples"
  bash .ci/typecheck.sh || status=1
  echo "=== documentation: examples run, Sphinx build with warnings as errors"
  bash .ci/docs.sh || status=1
fi
exit $status
