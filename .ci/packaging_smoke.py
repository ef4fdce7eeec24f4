"""Smoke test of an INSTALLED zmq_cffi, run by .ci/packaging.sh with a fresh virtual
environment's python, from a scratch directory (never the source tree).

Checks: it is imported from the environment, its metadata version is its own, a PUSH/PULL
round trip over tcp (copying and zero-copy), memoryview(frame), has("curve") with a CURVE key
pair, `python -m zmq_cffi`, and `python -m zmq_cffi.run` (whose `zmq` shim is package data).
"""
from __future__ import annotations

import importlib.metadata
import os
import subprocess
import sys
import tempfile
import textwrap

import zmq_cffi as zmq


def check(condition: bool, what: str) -> None:
    if not condition:
        sys.exit(f"smoke: FAILED: {what}")


prefix = os.path.realpath(sys.prefix)
where = os.path.realpath(zmq.__file__)
check(where.startswith(prefix + os.sep), f"zmq_cffi imported from {where}, outside the venv {prefix}")
check(not os.path.exists(os.path.join(os.getcwd(), "zmq_cffi")), "run from a directory holding zmq_cffi")
check(
    importlib.metadata.version("zmq_cffi") == zmq.zmq_cffi_version,
    f"metadata version {importlib.metadata.version('zmq_cffi')} != zmq_cffi_version {zmq.zmq_cffi_version}",
)

ctx = zmq.Context()
pull, push = ctx.socket(zmq.PULL), ctx.socket(zmq.PUSH)
for s in (pull, push):
    s.linger = 0
    s.rcvtimeo = s.sndtimeo = 10_000
port = pull.bind_to_random_port("tcp://127.0.0.1")
push.connect(f"tcp://127.0.0.1:{port}")
big = bytes(range(256)) * 1024  # 256 KiB: above the copy threshold, so really lent
push.send_multipart([b"hello", big], copy=False)
frames = pull.recv_multipart(copy=False)
check([f.bytes for f in frames] == [b"hello", big], "PUSH/PULL round trip")
view = memoryview(frames[1])
check(view.nbytes == len(big) and view[:4].tobytes() == big[:4], "memoryview(frame)")
push.send_string("copied")
check(pull.recv_string() == "copied", "copying send/recv")
check(zmq.has("curve") is True, 'has("curve") (Debian\'s libzmq has CURVE)')
public, secret = zmq.curve_keypair()
check(zmq.curve_public(secret) == public, "curve_keypair / curve_public")
pull.close()
push.close()
ctx.term()

report = subprocess.run([sys.executable, "-m", "zmq_cffi"], capture_output=True, text=True, timeout=60)
check(report.returncode == 0, f"python -m zmq_cffi failed: {report.stderr}")
check(f"compiled module  {os.path.dirname(where)}" in report.stdout, "python -m zmq_cffi names the venv's module")

with tempfile.TemporaryDirectory() as tmp:
    prog = os.path.join(tmp, "prog.py")
    with open(prog, "w") as f:
        f.write(textwrap.dedent(
            """
            import subprocess, sys
            import zmq
            assert zmq.__name__ == "zmq_cffi", zmq.__name__
            child = subprocess.run([sys.executable, "-c", "import zmq; print(zmq.__name__)"],
                                   capture_output=True, text=True, timeout=60)
            print(zmq.__name__, child.stdout.strip(), child.stderr.strip())
            """
        ))
    run = subprocess.run([sys.executable, "-m", "zmq_cffi.run", prog], capture_output=True, text=True, timeout=60)
    check(run.returncode == 0 and run.stdout.split() == ["zmq_cffi", "zmq_cffi"],
          f"python -m zmq_cffi.run: {run.stdout!r} {run.stderr!r}")

print(f"smoke: ok: zmq_cffi {zmq.zmq_cffi_version} on {sys.implementation.name} "
      f"{sys.version.split()[0]}, libzmq {zmq.zmq_version()}, from {os.path.dirname(where)}")
