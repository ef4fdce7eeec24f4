#!/usr/bin/env bash
# The documentation: build the Sphinx site with warnings as errors, after running every
# example program it shows (docs/examples/*.py) on CPython and on PyPy.
#
#   bash .ci/docs.sh            # HTML in docs/_build/html/index.html
#
# Set-up is .ci/setup.sh's (the .venv/cpython and .venv/pypy environments with zmq_cffi
# installed editable); Sphinx is installed into .venv/cpython if it is missing. Safe to run twice.
set -euo pipefail
cd "$(dirname "$0")/.."
bash .ci/setup.sh

PY=.venv/cpython/bin/python
if ! "$PY" -c "import sphinx" 2>/dev/null; then
  echo "docs: installing sphinx into .venv/cpython"
  "$PY" -m pip install -q "sphinx>=7"
fi

echo "=== docs: running the examples"
ROOT=$PWD
status=0
for impl in cpython pypy; do
  for example in "$ROOT"/docs/examples/*.py; do
    name=$(basename "$example")
    args=("$example")
    # An unmodified pyzmq program: it runs through the runner.
    [ "$name" = pyzmq_program.py ] && args=(-m zmq_cffi.run "$example")
    if out=$(cd "${TMPDIR:-/tmp}" && timeout 60 "$ROOT/.venv/$impl/bin/python" "${args[@]}" 2>&1); then
      echo "ok  $impl  $name"
    else
      echo "docs: FAILED: $name on $impl:"; echo "$out"; status=1
    fi
  done
done
[ $status -eq 0 ] || exit $status

echo "=== docs: sphinx-build"
rm -rf docs/_build/html docs/_build/doctrees
"$PY" -m sphinx -W --keep-going -q -b html docs docs/_build/html
echo "docs: built $(pwd)/docs/_build/html/index.html"
