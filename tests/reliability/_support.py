"""Helpers of the reliability tests: network namespaces, peer processes, fd/thread counts, figures.

Network rules: every address used here lives inside namespaces these tests create (a private
/24 on a veth pair between two namespaces) or on loopback. The test process itself stays in the
root namespace and never sends to the namespaces' addresses: the peers inside them talk to each
other, and report to the test over their stdin/stdout pipes.
"""
from __future__ import annotations

import json
import os
import queue
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
from typing import Any, Callable, Dict, List, Optional

HERE = os.path.dirname(os.path.abspath(__file__))
PEER_SCRIPT = os.path.join(HERE, "_peer.py")

#: Figures measured by the tests, printed at the end of the run (see conftest.py).
FIGURES: Dict[str, Any] = {}

#: Prefix of every namespace (and veth) name made here: zr<pid>k<n><a|b>.
NS_PREFIX = "zr"
_NS_RE = re.compile(r"^zr(\d+)k\d+[ab]$")
_counter = [0]

#: The private /24 used inside the namespaces (never routed anywhere else).
NET = "10.199.7"


def record(name: str, value: Any) -> None:
    FIGURES[name] = value


def fd_count() -> int:
    return len(os.listdir("/proc/self/fd"))


def os_thread_count() -> int:
    return len(os.listdir("/proc/self/task"))


def run(cmd: List[str], input: Optional[str] = None, timeout: float = 20) -> str:
    """Run a set-up command; a failure raises with its stderr."""
    proc = subprocess.run(cmd, input=input, capture_output=True, text=True, timeout=timeout)
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed ({proc.returncode}): {proc.stderr.strip()}")
    return proc.stdout


def preflight() -> Optional[str]:
    """Why namespaces cannot be used here, or None."""
    if os.geteuid() != 0:
        return "network-namespace tests need root (ip netns add)"
    for tool, pkg in (("ip", "iproute2"), ("nft", "nftables")):
        if shutil.which(tool) is None:
            return f"`{tool}` is missing: apt-get install -y {pkg}"
    return None


def remove_stale_namespaces() -> List[str]:
    """Delete namespaces left by an earlier run whose process is gone (killed before cleanup)."""
    removed = []
    try:
        names = run(["ip", "netns", "list"]).split()
    except Exception:
        return removed
    for name in names:
        m = _NS_RE.match(name)
        if not m:
            continue
        pid = int(m.group(1))
        if pid == os.getpid() or os.path.exists(f"/proc/{pid}"):
            continue
        subprocess.run(["ip", "netns", "del", name], capture_output=True, timeout=20)
        removed.append(name)
    return removed


class Hosts:
    """Two 'hosts': namespaces a and b joined by a veth pair, a = NET.1, b = NET.2."""

    def __init__(self) -> None:
        _counter[0] += 1
        base = f"{NS_PREFIX}{os.getpid()}k{_counter[0]}"
        assert len(base) + 1 <= 15, base  # interface names are at most 15 characters
        self.a, self.b = base + "a", base + "b"
        # The veth ends carry the same names as their namespaces (names are per namespace).
        self.if_a, self.if_b = self.a, self.b
        self.ip_a, self.ip_b = f"{NET}.1", f"{NET}.2"
        self.created: List[str] = []

    def create(self) -> "Hosts":
        for ns in (self.a, self.b):
            run(["ip", "netns", "add", ns])
            self.created.append(ns)
        run(["ip", "link", "add", self.if_a, "netns", self.a, "type", "veth", "peer", "name", self.if_b, "netns", self.b])
        for ns, ifname, addr in ((self.a, self.if_a, self.ip_a), (self.b, self.if_b, self.ip_b)):
            run(["ip", "-n", ns, "addr", "add", f"{addr}/24", "dev", ifname])
            run(["ip", "-n", ns, "link", "set", "lo", "up"])
            run(["ip", "-n", ns, "link", "set", ifname, "up"])
        return self

    def destroy(self) -> None:
        errors = []
        for ns in self.created:
            proc = subprocess.run(["ip", "netns", "del", ns], capture_output=True, text=True, timeout=20)
            if proc.returncode != 0:
                errors.append(proc.stderr.strip())
        self.created = []
        if errors:
            raise RuntimeError(f"could not delete namespaces: {errors}")

    # -- faults --------------------------------------------------------------------------------

    def link(self, side: str, up: bool) -> None:
        ns, ifname = (self.a, self.if_a) if side == "a" else (self.b, self.if_b)
        run(["ip", "-n", ns, "link", "set", ifname, "up" if up else "down"])

    def set_loss(self, percent: int) -> None:
        """Drop `percent`% of the TCP packets arriving on each host's veth (both directions)."""
        for ns, ifname in ((self.a, self.if_a), (self.b, self.if_b)):
            script = (
                "table inet zrloss {\n"
                "  chain in {\n"
                "    type filter hook input priority 0; policy accept;\n"
                f'    iifname "{ifname}" meta l4proto tcp numgen random mod 100 < {int(percent)} counter drop\n'
                "  }\n"
                "}\n"
            )
            run(["ip", "netns", "exec", ns, "nft", "-f", "-"], input=script)

    def dropped_packets(self) -> int:
        total = 0
        for ns in (self.a, self.b):
            data = json.loads(run(["ip", "netns", "exec", ns, "nft", "-j", "list", "table", "inet", "zrloss"]))
            for item in data.get("nftables", []):
                for expr in item.get("rule", {}).get("expr", []):
                    if "counter" in expr:
                        total += int(expr["counter"]["packets"])
        return total


class Sandbox:
    """One network namespace with only its loopback: a process run in it can reach nothing
    but itself, whatever addresses it is given."""

    def __init__(self) -> None:
        _counter[0] += 1
        self.name = f"{NS_PREFIX}{os.getpid()}k{_counter[0]}a"
        self.created = False

    def create(self) -> "Sandbox":
        run(["ip", "netns", "add", self.name])
        self.created = True
        run(["ip", "-n", self.name, "link", "set", "lo", "up"])
        return self

    def command(self, cmd: List[str]) -> List[str]:
        return ["ip", "netns", "exec", self.name] + cmd

    def destroy(self) -> None:
        if self.created:
            self.created = False
            run(["ip", "netns", "del", self.name])


class PeerError(AssertionError):
    pass


class Peer:
    """A peer process (`_peer.py ROLE ARGS`), inside a namespace when `ns` is given.

    It reports JSON lines on stdout ({"ev": name, ...}) and takes JSON commands on stdin."""

    def __init__(self, role: str, args: Dict[str, Any], ns: Optional[str] = None, name: str = "") -> None:
        self.role = role
        self.name = name or role
        cmd = [sys.executable, "-u", PEER_SCRIPT, role, json.dumps(args)]
        if ns is not None:
            cmd = ["ip", "netns", "exec", ns] + cmd
        self.proc = subprocess.Popen(
            cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, bufsize=1
        )
        self._events: "queue.Queue[Optional[Dict[str, Any]]]" = queue.Queue()
        self.history: List[Dict[str, Any]] = []
        self._backlog: List[Dict[str, Any]] = []
        self._stderr: List[str] = []
        self._readers = [
            threading.Thread(target=self._read_stdout, name=f"peer-out-{self.name}", daemon=True),
            threading.Thread(target=self._read_stderr, name=f"peer-err-{self.name}", daemon=True),
        ]
        for t in self._readers:
            t.start()

    def _read_stdout(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            line = line.strip()
            if not line:
                continue
            try:
                msg = json.loads(line)
            except ValueError:
                msg = {"ev": "text", "text": line}
            self._events.put(msg)
        self._events.put(None)

    def _read_stderr(self) -> None:
        assert self.proc.stderr is not None
        for line in self.proc.stderr:
            self._stderr.append(line)

    @property
    def pid(self) -> int:
        return self.proc.pid

    def describe(self) -> str:
        tail = "".join(self._stderr[-40:])
        seen = [m.get("ev") for m in self.history[-30:]]
        return f"peer {self.name} (pid {self.pid}, rc {self.proc.poll()}): events {seen}\nstderr:\n{tail}"

    def expect(
        self, ev: str, timeout: float = 30.0, where: Optional[Callable[[Dict[str, Any]], bool]] = None
    ) -> Dict[str, Any]:
        """The next event named `ev` (satisfying `where`), waiting at most `timeout` seconds."""
        for i, msg in enumerate(self._backlog):
            if msg.get("ev") == ev and (where is None or where(msg)):
                del self._backlog[: i + 1]
                return msg
        deadline = time.monotonic() + timeout
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise PeerError(f"no {ev!r} event from {self.name} within {timeout} s\n{self.describe()}")
            try:
                msg = self._events.get(timeout=remaining)
            except queue.Empty:
                continue
            if msg is None:
                self._events.put(None)  # stays ended
                raise PeerError(f"{self.name} ended before sending {ev!r}\n{self.describe()}")
            self.history.append(msg)
            if msg.get("ev") == "error":
                raise PeerError(f"{self.name} reported an error: {msg}\n{self.describe()}")
            if msg.get("ev") == ev and (where is None or where(msg)):
                return msg
            self._backlog.append(msg)

    def send(self, cmd: str, **kw: Any) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write(json.dumps({"cmd": cmd, **kw}) + "\n")
        self.proc.stdin.flush()

    def finish(self, cmd: str = "stop", timeout: float = 30.0) -> Dict[str, Any]:
        """Ask the peer to stop; return its summary after it exited with status 0."""
        if cmd:
            self.send(cmd)
        summary = self.expect("summary", timeout=timeout)
        self.wait(timeout)
        return summary

    def wait(self, timeout: float = 30.0) -> int:
        try:
            rc = self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            raise PeerError(f"{self.name} did not exit within {timeout} s\n{self.describe()}")
        for t in self._readers:
            t.join(5)
        if rc != 0:
            raise PeerError(f"{self.name} exited with {rc}\n{self.describe()}")
        return rc

    def kill(self) -> None:
        """SIGKILL, by pid (the peer is this process's own child)."""
        if self.proc.poll() is None:
            os.kill(self.proc.pid, signal.SIGKILL)
        self.proc.wait(10)
        for t in self._readers:
            t.join(5)

    def cleanup(self) -> None:
        if self.proc.poll() is None:
            try:
                os.kill(self.proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                pass
        for stream in (self.proc.stdin, self.proc.stdout, self.proc.stderr):
            try:
                if stream is not None:
                    stream.close()
            except OSError:
                pass
        for t in self._readers:
            t.join(5)


class Peers:
    """Starts peers and kills whatever is still running at the end of the test."""

    def __init__(self) -> None:
        self.all: List[Peer] = []

    def start(self, role: str, ns: Optional[str] = None, name: str = "", **args: Any) -> Peer:
        peer = Peer(role, args, ns=ns, name=name)
        self.all.append(peer)
        return peer

    def cleanup(self) -> None:
        for peer in self.all:
            peer.cleanup()
        self.all = []
