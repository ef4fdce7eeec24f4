#!/usr/bin/env bash
# Static types: mypy --strict on the zmq_cffi package, on the type assertions about its public
# API (tests/typecheck/), then on the example programs.
#
#   bash .ci/typecheck.sh
#
# The examples say `import zmq`, as pyzmq programs do. For them mypy gets a stub package
# named zmq that re-exports zmq_cffi module by module (written to a temporary directory
# each run, from the modules zmq_cffi has), so they are checked against zmq_cffi's types,
# which is what `python -m zmq_cffi.run` gives them. Each examples/ directory is checked on
# its own: its programs import their neighbours by plain module name.
#
# Set-up is .ci/setup.sh's; mypy and the stub packages of the optional libraries zmq_cffi
# imports (cffi, colorama) are installed into .venv/cpython if missing. Safe to run twice.
set -euo pipefail
cd "$(dirname "$0")/.."
bash .ci/setup.sh

PY=.venv/cpython/bin/python
# The mypy these annotations were checked with (2.4), up to its next major release.
DEPS=("mypy>=2.4,<3" types-cffi types-colorama)
if ! "$PY" - 2>/dev/null <<'EOF'; then
from importlib.metadata import version
assert (2, 4) <= tuple(int(part) for part in version("mypy").split(".")[:2]) < (3, 0)
version("types-cffi"), version("types-colorama")
EOF
  echo "typecheck: installing ${DEPS[*]} into .venv/cpython"
  "$PY" -m pip install -q "${DEPS[@]}"
fi

ROOT=$PWD
STUBS=$(mktemp -d "${TMPDIR:-/tmp}/zmq_cffi-typecheck.XXXXXX")
trap 'rm -rf "$STUBS"' EXIT

# zmq/X.pyi re-exports zmq_cffi.X for every module of zmq_cffi (the shim's own package and
# the __main__ modules aside). A star import carries a module's public names, its __all__.
"$PY" - "$ROOT/zmq_cffi" "$STUBS/zmq" <<'EOF'
import os
import sys

src, dst = sys.argv[1], sys.argv[2]
for dirpath, dirnames, filenames in os.walk(src):
    dirnames[:] = sorted(d for d in dirnames if d not in ("_as_zmq", "_cdefs", "__pycache__"))
    rel = os.path.relpath(dirpath, src)
    parts = [] if rel == "." else rel.split(os.sep)
    for filename in sorted(filenames):
        name, ext = os.path.splitext(filename)
        if ext not in (".py", ".pyi") or name == "__main__":
            continue
        module = ".".join(["zmq_cffi", *parts] + ([] if name == "__init__" else [name]))
        lines = [f"from {module} import *\n"]
        if module == "zmq_cffi":
            # mypy does not follow `__all__ += constants.__all__` through a star import; and
            # __version__ is in no __all__ (nor is it in pyzmq's), yet programs print it.
            lines.append("from zmq_cffi.constants import *\n")
            lines.append("from zmq_cffi import __version__ as __version__\n")
        target = os.path.join(dst, *parts, name + ".pyi")
        os.makedirs(os.path.dirname(target), exist_ok=True)
        with open(target, "w") as f:
            f.writelines(lines)
EOF

# MYPYPATH: the zmq stubs, and this checkout's zmq_cffi (the editable install's import hook
# is invisible to mypy; pyzmq, if installed, must not be the zmq that mypy finds).
status=0
echo "=== typecheck: mypy --strict zmq_cffi"
MYPYPATH="$ROOT" "$PY" -m mypy --strict zmq_cffi || status=1
# Type assertions on the public API (recv() is bytes, ...): a regression there fails here.
echo "=== typecheck: mypy --strict tests/typecheck"
MYPYPATH="$ROOT" "$PY" -m mypy --strict tests/typecheck || status=1
for dir in examples/*/; do
  echo "=== typecheck: mypy --strict ${dir%/}"
  (cd "$dir" && MYPYPATH="$STUBS:$ROOT" "$ROOT/$PY" -m mypy --strict --cache-dir "$ROOT/.mypy_cache" ./*.py) \
    || status=1
done
exit "$status"
