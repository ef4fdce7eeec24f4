"""Helper processes for the tcp scenarios: the other end of the connection, in its own process.

In the benchmark process:    with Peer("push", "zmq_cffi", endpoint, size=16) as peer: ...
Run as a script (by Peer):  python bench/_peer.py push|echo MODULE ENDPOINT [--size N] ...

Roles (the benchmark process binds, the peer connects):
  push  a PUSH socket sending SIZE-byte messages as fast as it can (copy=False with --no-copy)
  echo  a REP socket sending back every message it receives

A peer never outlives its parent or its lifetime: a watchdog thread exits as soon as the parent
is gone, and SIGALRM (default action: terminate) caps its lifetime. Peer.__exit__ terminates,
then kills, and always reaps it.
"""
from __future__ import annotations

import argparse
import importlib
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time

# A peer lives at most this long (s); no scenario comes close.
LIFETIME = 600


def die_with_parent(parent: int, lifetime: int = LIFETIME) -> None:
    """Exit this process when `parent` is no longer its parent, or after `lifetime` seconds."""
    if hasattr(signal, "alarm"):
        signal.alarm(lifetime)

    def watch() -> None:
        while True:
            if os.getppid() != parent:
                os._exit(3)
            time.sleep(0.25)

    threading.Thread(target=watch, name="parent-watchdog", daemon=True).start()


def vm_status_mib(pid="self", field: str = "VmHWM") -> float:
    """A memory figure of /proc/PID/status in MiB: VmHWM is the peak resident set of the
    process's current address space (unlike ru_maxrss, which on Linux also counts the parent's
    memory copied at fork), VmRSS the current one."""
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith(field + ":"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return float("nan")


class Peer:
    """A helper process running `role` with `module`, connected to `endpoint`."""

    def __init__(self, role: str, module: str, endpoint: str, size: int = 16, copy: bool = True,
                 hwm: int = 0) -> None:
        self.role, self.module, self.endpoint = role, module, endpoint
        self.args = [sys.executable, os.path.abspath(__file__), role, module, endpoint,
                     "--size", str(size), "--hwm", str(hwm), "--parent", str(os.getpid())]
        if not copy:
            self.args.append("--no-copy")
        self.proc = None
        self._stderr = None

    def __repr__(self) -> str:
        pid = self.proc.pid if self.proc else None
        return f"<peer {self.role} {self.module} {self.endpoint} pid={pid}>"

    def __enter__(self) -> "Peer":
        self._stderr = tempfile.TemporaryFile()
        self.proc = subprocess.Popen(self.args, stdin=subprocess.DEVNULL,
                                     stdout=subprocess.DEVNULL, stderr=self._stderr)
        return self

    def stderr_tail(self, limit: int = 4000) -> str:
        if self._stderr is None:
            return ""
        self._stderr.seek(0)
        return self._stderr.read().decode(errors="replace")[-limit:]

    def peak_rss_mib(self) -> float:
        """The peer's peak resident memory so far (VmHWM), or nan once it is gone."""
        return vm_status_mib(self.proc.pid, "VmHWM")

    def check(self) -> None:
        """Raise if the peer has exited (it should run until we stop it)."""
        rc = self.proc.poll()
        if rc is not None:
            raise RuntimeError(f"{self} exited with status {rc}:\n{self.stderr_tail()}")

    def __exit__(self, *exc) -> None:
        try:
            if self.proc.poll() is None:
                self.proc.terminate()
                try:
                    self.proc.wait(5)
                except subprocess.TimeoutExpired:
                    self.proc.kill()
                    self.proc.wait(5)
        finally:
            self._stderr.close()


def _run_push(zmq, ctx, a) -> None:
    s = ctx.socket(zmq.PUSH)
    s.linger = 0
    s.sndtimeo = 1000
    if a.hwm:
        s.sndhwm = a.hwm
    s.connect(a.endpoint)
    msg = b"m" * a.size
    send, copy, again = s.send, a.copy, zmq.Again
    while True:
        try:
            for _ in range(256):
                send(msg, copy=copy)
        except again:
            pass  # the receiver is between scenarios or gone: the watchdog decides


def _run_echo(zmq, ctx, a) -> None:
    s = ctx.socket(zmq.REP)
    s.linger = 0
    s.rcvtimeo = 1000
    s.sndtimeo = 1000
    s.connect(a.endpoint)
    recv, send, again = s.recv, s.send, zmq.Again
    while True:
        try:
            m = recv()
        except again:
            continue
        send(m)


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("role", choices=["push", "echo"])
    p.add_argument("module")
    p.add_argument("endpoint")
    p.add_argument("--size", type=int, default=16)
    p.add_argument("--hwm", type=int, default=0)
    p.add_argument("--no-copy", dest="copy", action="store_false", default=True)
    p.add_argument("--parent", type=int, required=True)
    a = p.parse_args()
    die_with_parent(a.parent)
    zmq = importlib.import_module(a.module)
    ctx = zmq.Context()
    {"push": _run_push, "echo": _run_echo}[a.role](zmq, ctx, a)


if __name__ == "__main__":
    main()
