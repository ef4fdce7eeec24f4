"""The programs in examples/, run the way the README says: `python -m zmq_cffi.run examples/...`,
their plain `import zmq` resolving to zmq_cffi, each one its own process, talking over tcp on
127.0.0.1.

Programs that bind print where they did (they pick free ports), and every program stops by
itself after a bounded amount of work. The tests read those lines, bound every wait (a line,
an exit) by a timeout, and check what each program printed. One test runs the REQ/REP
example on pyzmq itself, without the runner: the examples are plain pyzmq programs.
"""
from __future__ import annotations

import os
import re
import select
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Callable, Dict, Iterator, List

import pytest

import zmq_cffi as zmq

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
#: Bound on any single wait for a program (s): the machine is small and shared.
TIMEOUT_S = 60
#: Each program's own bound (its --timeout): it gives up and exits non-zero after that.
PROGRAM_TIMEOUT = "40"
# Each program has its own pipe: unbuffered output survives a kill (for the failure message).
ENV = {**os.environ, "PYTHONUNBUFFERED": "1", "PYTHONIOENCODING": "utf-8"}

pytestmark = pytest.mark.timeout(4 * TIMEOUT_S)


class Program:
    """One example program running in its own process; stdout and stderr are piped."""

    def __init__(self, script: str, *args: str, runner: bool = True) -> None:
        prefix = ["-m", "zmq_cffi.run"] if runner else []
        self.name = script
        self.process = subprocess.Popen(
            [sys.executable, *prefix, str(EXAMPLES / script), *args],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=ENV,
        )
        self._early = b""  # stdout read by wait_for_line, before finish()

    def wait_for_line(self, prefix: str, timeout: float = TIMEOUT_S) -> str:
        """The first line of output that starts with `prefix`, waiting up to `timeout` s."""
        fd = self.process.stdout.fileno()
        deadline = time.monotonic() + timeout
        while True:
            for line in self._early.decode("utf-8", "replace").split("\n")[:-1]:
                if line.startswith(prefix):
                    return line
            ready, _, _ = select.select([fd], [], [], max(0.0, deadline - time.monotonic()))
            chunk = os.read(fd, 65536) if ready else b""
            if not chunk:  # timed out, or the program closed its output (exited)
                self.process.kill()
                out, err = self.process.communicate()
                pytest.fail(
                    f"{self.name} printed no line starting with {prefix!r} "
                    f"(exit status {self.process.returncode})\n"
                    f"stdout:\n{(self._early + out).decode()}\nstderr:\n{err.decode()}"
                )
            self._early += chunk

    def finish(self, timeout: float = TIMEOUT_S, returncode: int = 0) -> List[str]:
        """Wait for the program to exit; check its exit status; return its output lines."""
        try:
            out, err = self.process.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            out, err = self.process.communicate()
            output = (self._early + out).decode()
            pytest.fail(f"{self.name} still running after {timeout} s\nstdout:\n{output}\nstderr:\n{err.decode()}")
        output = (self._early + out).decode()
        assert self.process.returncode == returncode, (
            f"{self.name} exited with {self.process.returncode}\nstdout:\n{output}\nstderr:\n{err.decode()}"
        )
        assert err.decode() == "", f"{self.name} wrote to stderr:\n{err.decode()}"
        return output.splitlines()


@pytest.fixture
def start() -> Iterator[Callable[..., Program]]:
    """start(script, *args, runner=True) -> Program; whatever is still running at the end
    of the test is killed."""
    programs: List[Program] = []

    def start_program(script: str, *args: str, runner: bool = True) -> Program:
        program = Program(script, *args, runner=runner)
        programs.append(program)
        return program

    yield start_program
    for program in programs:
        if program.process.poll() is None:
            program.process.kill()
            program.process.communicate()


def banner(lines: List[str], who: str, binding: str) -> None:
    """Each program's first line says which zmq it imported: zmq_cffi (runner) or pyzmq."""
    if binding == "zmq_cffi":
        expected = f"{who}: zmq_cffi {zmq.__version__}, libzmq {zmq.zmq_version()}"
        assert lines[0] == expected, lines
    else:
        assert re.fullmatch(rf"{who}: zmq \d+\.\d+\.\d+, libzmq \d+\.\d+\.\d+", lines[0]), lines


# -- examples/reqrep --------------------------------------------------------------------------

# (server on, client on): zmq_cffi through the runner, or pyzmq with no runner at all.
REQREP_BINDINGS = [("zmq_cffi", "zmq_cffi"), ("pyzmq", "pyzmq"), ("zmq_cffi", "pyzmq")]


@pytest.mark.parametrize(
    "server_on, client_on", REQREP_BINDINGS, ids=["zmq_cffi", "pyzmq", "zmq_cffi-server-pyzmq-client"]
)
def test_reqrep_every_request_answered(start, server_on, client_on):
    count = 5
    bounds = ["--count", str(count), "--timeout", PROGRAM_TIMEOUT]
    server = start("reqrep/server.py", "--port", "0", *bounds, runner=server_on == "zmq_cffi")
    endpoint = server.wait_for_line("server: listening on ").rsplit(" ", 1)[1]
    client = start("reqrep/client.py", "--server", endpoint, *bounds, runner=client_on == "zmq_cffi")

    client_lines = client.finish()
    server_lines = server.finish()
    banner(client_lines, "client", client_on)
    assert client_lines[1:] == [f"client: reply {n}: 'World {n}'" for n in range(count)] + [
        f"client: {count} requests, {count} replies"
    ]
    banner(server_lines, "server", server_on)
    assert server_lines[1] == f"server: listening on {endpoint}"
    assert server_lines[2:] == [f"server: received 'Hello {n}'" for n in range(count)] + [
        f"server: answered {count} requests"
    ]


def test_reqrep_server_gives_up_when_no_request_comes(start):
    server = start("reqrep/server.py", "--port", "0", "--timeout", "0.5")
    lines = server.finish(returncode=1)
    banner(lines, "server", "zmq_cffi")
    assert lines[2:] == ["server: no request for 0.5 s, giving up"]


# -- examples/asyncio_service -----------------------------------------------------------------


def start_device(start) -> tuple:
    """The device, on free ports: (program, {mode: (frontend, backend)}, serverkey)."""
    device = start("asyncio_service/device.py", "--base-port", "0", "--timeout", str(3 * TIMEOUT_S))
    key = device.wait_for_line("device: serverkey=").split("=", 1)[1]
    endpoints: Dict[str, tuple] = {}
    for mode in ("queue", "pub", "push"):
        line = device.wait_for_line(f"device: {mode} ")
        match = re.fullmatch(rf"device: {mode} frontend=(\S+) backend=(\S+)", line)
        endpoints[mode] = match.groups()
    return device, endpoints, key


def stop_device(device: Program) -> List[str]:
    """Ctrl-C stops the device cleanly."""
    device.process.send_signal(signal.SIGINT)
    lines = device.finish()
    assert lines[-1] == "device: stopped"
    return lines


def endpoint_args(endpoints: Dict[str, tuple], side: int) -> List[str]:
    return [arg for mode in ("queue", "pub", "push") for arg in (f"--{mode}", endpoints[mode][side])]


def test_asyncio_service_requests_publications_and_work_all_arrive(start):
    count = 10
    device, endpoints, key = start_device(start)
    # --serverkey=KEY in one argument: a z85 key may start with "-".
    common = [f"--serverkey={key}", "--count", str(count), "--timeout", PROGRAM_TIMEOUT]
    frontend = start("asyncio_service/frontend.py", *endpoint_args(endpoints, 0), *common)
    backend = start("asyncio_service/backend.py", *endpoint_args(endpoints, 1), *common)

    frontend_lines = frontend.finish()
    backend_lines = backend.finish()
    device_lines = stop_device(device)

    banner(frontend_lines, "frontend", "zmq_cffi")
    # Each of the three streams arrives whole and in order; they interleave with each other.
    assert [l for l in frontend_lines if l.startswith("frontend: request ")] == [
        f"frontend: request {n} -> {n * n}" for n in range(count)
    ]
    for channel in ("news", "alerts"):
        assert [l for l in frontend_lines if l.startswith(f"frontend: [{channel}] ")] == [
            f"frontend: [{channel}] {channel} update {n}" for n in range(count)
        ]
    assert [l for l in frontend_lines if l.startswith("frontend: pulled job ")] == [
        f"frontend: pulled job {n}: task {n}" for n in range(count)
    ]
    for summary in (
        f"frontend: {count} replies",
        f"frontend: received {count} on news, {count} on alerts",
        f"frontend: pulled {count} jobs",
    ):
        assert summary in frontend_lines
    assert frontend_lines[-1] == "frontend: done"

    banner(backend_lines, "backend", "zmq_cffi")
    assert sorted(backend_lines[1:-1]) == sorted(
        [
            f"backend: answered {count} requests",
            f"backend: published {count} messages on each of news, alerts",
            f"backend: pushed {count} jobs",
        ]
    )
    assert backend_lines[-1] == "backend: done"

    banner(device_lines, "device", "zmq_cffi")
    assert device_lines[1:4] == [
        f"device: {mode} frontend={front} backend={back}" for mode, (front, back) in endpoints.items()
    ]


def test_asyncio_service_turns_away_a_client_with_the_wrong_server_key(start):
    device, endpoints, key = start_device(start)
    wrong_key = zmq.curve_keypair()[0].decode()
    assert wrong_key != key
    frontend = start(
        "asyncio_service/frontend.py", *endpoint_args(endpoints, 0),
        f"--serverkey={wrong_key}", "--count", "1", "--timeout", "1",
    )
    lines = frontend.finish(returncode=1)
    stop_device(device)
    # No CURVE handshake succeeds: not a reply, not a message, not a job.
    assert lines[1:] == ["frontend: not done after 1.0 s, giving up"]


# -- examples/hub_plugins ---------------------------------------------------------------------


def test_hub_and_plugins_execute_commands_on_each_other_through_the_hub(start):
    names = ["a", "b", "c"]
    hub = start(
        "hub_plugins/hub.py", "--query-port", "0", "--plugins", str(len(names)), "--timeout", PROGRAM_TIMEOUT
    )
    query_uri = hub.wait_for_line("hub: query socket on ").rsplit(" ", 1)[1]
    plugins = {
        name: start(
            "hub_plugins/plugin.py", "--name", name, "--peers", *[p for p in names if p != name],
            "--hub", query_uri, "--timeout", PROGRAM_TIMEOUT,
        )
        for name in names
    }
    plugin_lines = {name: plugin.finish() for name, plugin in plugins.items()}
    hub_lines = hub.finish()

    for name, lines in plugin_lines.items():
        banner(lines, name, "zmq_cffi")
        peers = [p for p in names if p != name]
        # Its own story, without what the hub published and what peers had it execute (these
        # lines come whenever those messages arrive):
        story = [l for l in lines if not l.startswith((f"{name}: hub published", f"{name}: executing"))]
        assert re.fullmatch(rf"{name}: registered with hub, registry \[.*'{name}'\]", story[1]), lines
        assert story[2] == f"{name}: ping hub -> pong"
        assert story[3:] == [
            f"{name}: all peers registered, registry lists a, b, c",
            *[f"{name}: {peer}.add(x=2, y=3) -> 5, computed by {peer}" for peer in peers],
            f"{name}: unregistered, done",
        ], lines
        # ... and it ran each peer's command on itself.
        assert sorted(l for l in lines if l.startswith(f"{name}: executing")) == [
            f"{name}: executing add({{'x': 2, 'y': 3}}) for {peer}" for peer in peers
        ]

    banner(hub_lines, "hub", "zmq_cffi")
    assert hub_lines[1] == f"hub: query socket on {query_uri}"
    for event in ("registered", "unregistered"):
        assert sorted(l for l in hub_lines if l.startswith(f"hub: {event} ")) == [f"hub: {event} {n}" for n in names]
    # Every command between plugins, and its reply, went through the hub's ROUTER.
    assert sorted(l for l in hub_lines if l.startswith("hub: routed ")) == sorted(
        f"hub: routed {kind} {x} -> {y}"
        for source in names
        for target in names
        if source != target
        for kind, x, y in (("execute_request", source, target), ("execute_reply", target, source))
    )
    assert hub_lines[-1] == f"hub: {len(names)} plugins came and went, stopping"


def test_hub_plugins_network_launcher_children_use_zmq_cffi_too(start):
    """network.py starts the hub and plugins as plain `python hub.py` child processes: the
    runner's `import zmq` redirection reaches them too."""
    launcher = start("hub_plugins/network.py", "--plugins", "x", "y", "--timeout", PROGRAM_TIMEOUT)
    lines = launcher.finish()
    assert re.fullmatch(r"network: hub on port \d+, plugins x, y", lines[0])
    for who in ("hub", "x", "y"):
        expected = f"{who}: zmq_cffi {zmq.__version__}, libzmq {zmq.zmq_version()}"
        assert expected in lines, lines
    assert "x: y.add(x=2, y=3) -> 5, computed by y" in lines
    assert "y: x.add(x=2, y=3) -> 5, computed by x" in lines
    assert "hub: 2 plugins came and went, stopping" in lines
    assert lines[-1] == "network: 3 of 3 processes succeeded"
