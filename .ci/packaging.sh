#!/usr/bin/env bash
# Packaging check: build the sdist, build the CPython (abi3) and PyPy wheels from that sdist,
# install each wheel, and the sdist itself, into a FRESH virtual environment outside the source
# tree, and run .ci/packaging_smoke.py against the installed package from a scratch directory.
#
#   bash .ci/packaging.sh
#
# The sdist and the wheels end up in dist/ (files zmq_cffi-* there are replaced). Everything
# else lives under $ZMQ_CFFI_PACKAGING_DIR (default /tmp/zmq_cffi-packaging): the build tools'
# environments are kept between runs, the rest is made anew each run. Safe to run twice.
# PYTHON (default python3) is the CPython used; PyPy is pypy3.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
PYTHON=${PYTHON:-python3}
PYPY=${PYPY:-pypy3}
WORK=${ZMQ_CFFI_PACKAGING_DIR:-${TMPDIR:-/tmp}/zmq_cffi-packaging}
export PIP_DISABLE_PIP_VERSION_CHECK=1

step() { echo "=== packaging: $*"; }
fail() { echo "packaging: FAILED: $*" >&2; exit 1; }

# System packages the builds need.
bash .ci/apt.sh

# Build tools, kept between runs: `build` and `abi3audit` on CPython, pip on PyPy.
tools_venv() {  # DIR INTERPRETER PACKAGES...
  local dir=$1 interp=$2; shift 2
  local want="$* $("$interp" -c 'import sys; print(sys.version)')"
  if [ ! -x "$dir/bin/python" ] || [ "$(cat "$dir/.want" 2>/dev/null)" != "$want" ]; then
    step "build tools in $dir"
    rm -rf "$dir"
    "$interp" -m venv "$dir"
    [ $# -eq 0 ] || "$dir/bin/python" -m pip install -q "$@"
    echo "$want" > "$dir/.want"
  fi
}
mkdir -p "$WORK"
tools_venv "$WORK/tools-cpython" "$PYTHON" build abi3audit
tools_venv "$WORK/tools-pypy" "$PYPY"

RUN=$WORK/run
rm -rf "$RUN"
mkdir -p "$RUN/src" "$RUN/dist" "$RUN/scratch"

# The sources as git sees them (tracked and new files, nothing ignored), so build
# leftovers in the work tree (.so, build/, egg-info) cannot leak into the packages.
step "copying the sources"
if git -C "$ROOT" rev-parse --is-inside-work-tree >/dev/null 2>&1; then
  git -C "$ROOT" ls-files -z --cached --others --exclude-standard \
    | (cd "$ROOT" && xargs -0 sh -c 'for f; do [ -e "$f" ] && printf "%s\0" "$f"; done' _) \
    | tar -C "$ROOT" --null -T - -cf - | tar -C "$RUN/src" -xf -
else
  tar -C "$ROOT" --exclude=.venv --exclude=build --exclude=dist --exclude='*.egg-info' \
    --exclude='*.so' --exclude=__pycache__ -cf - . | tar -C "$RUN/src" -xf -
fi

step "sdist"
"$WORK/tools-cpython/bin/python" -m build --sdist --outdir "$RUN/dist" "$RUN/src" >"$RUN/sdist.log" 2>&1 \
  || { tail -30 "$RUN/sdist.log"; fail "building the sdist"; }
sdists=("$RUN"/dist/zmq_cffi-*.tar.gz)
[ ${#sdists[@]} -eq 1 ] && [ -f "${sdists[0]}" ] || fail "expected one sdist, got: ${sdists[*]}"
SDIST=${sdists[0]}
VERSION=$(basename "$SDIST" .tar.gz); VERSION=${VERSION#zmq_cffi-}
listing=$(tar -tzf "$SDIST")
for f in build_ffi.py setup.py pyproject.toml MANIFEST.in README.md \
         zmq_cffi/_helpers.c zmq_cffi/py.typed zmq_cffi/_as_zmq/zmq/__init__.py \
         zmq_cffi/_cdefs/libzmq.h zmq_cffi/_cdefs/constants.h zmq_cffi/_cdefs/helpers.h \
         zmq_cffi/__init__.py zmq_cffi/__main__.py zmq_cffi/_check.py; do
  grep -qx "zmq_cffi-$VERSION/$f" <<<"$listing" || fail "sdist lacks $f"
done
if grep -E '\.(so|o|pyc)$|/_ffi\.c$|/\.venv/|/build/' <<<"$listing"; then fail "sdist holds build products (above)"; fi

# Wheels are built from the sdist, as an installer would: this proves the sdist complete.
step "CPython wheel (from the sdist)"
"$WORK/tools-cpython/bin/python" -m pip wheel -q --no-deps --wheel-dir "$RUN/dist" "$SDIST" \
  >"$RUN/wheel-cpython.log" 2>&1 || { tail -30 "$RUN/wheel-cpython.log"; fail "building the CPython wheel"; }
step "PyPy wheel (from the sdist)"
"$WORK/tools-pypy/bin/python" -m pip wheel -q --no-deps --wheel-dir "$RUN/dist" "$SDIST" \
  >"$RUN/wheel-pypy.log" 2>&1 || { tail -30 "$RUN/wheel-pypy.log"; fail "building the PyPy wheel"; }

# The tags: abi3 from the CPython the build ran on (cp311 on 3.11 and later, cp39 before), and
# PyPy's own.
abi3=$("$PYTHON" -c 'import sys; print("cp311" if sys.version_info >= (3, 11) else "cp39")')
pp=$("$PYPY" -c 'import sys; v = sys.version_info; p = sys.pypy_version_info; print(f"pp{v[0]}{v[1]}-pypy{v[0]}{v[1]}_pp{p[0]}{p[1]}")')
CP_WHEEL=$(ls "$RUN"/dist/zmq_cffi-"$VERSION"-"$abi3"-abi3-linux_*.whl 2>/dev/null) \
  || fail "no $abi3-abi3 wheel: $(ls "$RUN/dist")"
PP_WHEEL=$(ls "$RUN"/dist/zmq_cffi-"$VERSION"-"$pp"-linux_*.whl 2>/dev/null) \
  || fail "no $pp wheel: $(ls "$RUN/dist")"
[ "$(ls "$RUN"/dist/*.whl | wc -l)" -eq 2 ] || fail "expected two wheels: $(ls "$RUN/dist")"
for whl in "$CP_WHEEL" "$PP_WHEEL"; do
  sos=$("$PYTHON" -c 'import sys, zipfile; print(" ".join(n for n in zipfile.ZipFile(sys.argv[1]).namelist() if n.endswith(".so")))' "$whl")
  [ "$(wc -w <<<"$sos")" -eq 1 ] || fail "$(basename "$whl") should hold one compiled module, holds: $sos"
done
step "abi3audit $(basename "$CP_WHEEL")"
"$WORK/tools-cpython/bin/abi3audit" --strict --summary "$CP_WHEEL"

# Each artefact into a fresh environment, then the smoke test from a scratch directory.
smoke() {  # NAME INTERPRETER ARTEFACT
  local name=$1 interp=$2 artefact=$3 venv="$RUN/venv-$1"
  step "$name: fresh venv, pip install $(basename "$artefact")"
  "$interp" -m venv "$venv"
  "$venv/bin/python" -m pip install -q "$artefact" >"$RUN/install-$name.log" 2>&1 \
    || { tail -30 "$RUN/install-$name.log"; fail "installing $(basename "$artefact")"; }
  mkdir -p "$RUN/scratch/$name"
  cp .ci/packaging_smoke.py "$RUN/scratch/$name/"
  (cd "$RUN/scratch/$name" && env -u PYTHONPATH "$venv/bin/python" packaging_smoke.py) \
    || fail "smoke test of $name"
}
smoke cpython-wheel "$PYTHON" "$CP_WHEEL"
smoke pypy-wheel "$PYPY" "$PP_WHEEL"
smoke cpython-sdist "$PYTHON" "$SDIST"
smoke pypy-sdist "$PYPY" "$SDIST"

mkdir -p dist
rm -f dist/zmq_cffi-*
cp "$SDIST" "$CP_WHEEL" "$PP_WHEEL" dist/
step "ok: dist/$(basename "$SDIST") dist/$(basename "$CP_WHEEL") dist/$(basename "$PP_WHEEL")"
