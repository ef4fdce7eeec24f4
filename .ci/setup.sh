#!/usr/bin/env bash
# Idempotent set-up for a fresh Debian bookworm machine: system packages, one virtual
# environment per interpreter, zmq_cffi installed editable in each. Safe to run twice.
set -euo pipefail
cd "$(dirname "$0")/.."

need_apt=()
# iproute2 and nftables: the reliability tests build network namespaces and drop packets.
for pkg in libzmq3-dev pkg-config pypy3 pypy3-dev gcc iproute2 nftables; do
  dpkg -s "$pkg" >/dev/null 2>&1 || need_apt+=("$pkg")
done
if [ ${#need_apt[@]} -gt 0 ]; then
  echo "setup: installing ${need_apt[*]}"
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need_apt[@]}" >/dev/null
fi

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
    "$dir/bin/python" -m pip install -q -e ".[test]"
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
