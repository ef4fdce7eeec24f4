#!/usr/bin/env bash
# Idempotent set-up for a fresh Debian bookworm machine: system packages, one virtual
# environment per interpreter, zmq_cffi installed editable in each. Safe to run twice.
set -euo pipefail
cd "$(dirname "$0")/.."

# What the build needs, and iproute2 and nftables: the reliability tests build network
# namespaces and drop packets.
bash .ci/apt.sh iproute2 nftables

# venv DIR INTERPRETER: create the environment and install what the tests and benchmarks need.
make_venv() {
  local dir=$1 interp=$2
  if [ ! -x "$dir/bin/python" ]; then
    echo "setup: creating $dir with $interp"
    "$interp" -m venv "$dir"
  fi
  local stamp="$dir/.zmq_cffi-deps"
  local want
  want=$(cat pyproject.toml .ci/setup.sh | sha1sum | cut -c1-16)
  if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
    "$dir/bin/python" -m pip install -q --upgrade pip
    # jupyter: the Jupyter kernel test's ipykernel and jupyter_client (both interpreters).
    "$dir/bin/python" -m pip install -q -e ".[test,jupyter]"
    echo "$want" > "$stamp"
  fi
  # The compiled module follows build_ffi.py and the C sources: rebuild when they are newer.
  if ! "$dir/bin/python" -c "import zmq_cffi" 2>/dev/null || \
     [ -n "$(find build_ffi.py zmq_cffi/_cdefs zmq_cffi/_helpers.c -newer "$stamp" 2>/dev/null)" ]; then
    "$dir/bin/python" -m pip install -q --no-deps --force-reinstall -e .
    touch "$stamp"
  fi
}

PYTHON=${PYTHON:-python3}
make_venv .venv/cpython "$PYTHON"
make_venv .venv/pypy pypy3
