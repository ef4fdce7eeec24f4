"""Hostile input: random API call sequences (hypothesis, in a child process), malformed ZMTP
traffic from raw TCP clients, and pinned bugs the fuzzing found.
"""
from __future__ import annotations

import array
import gc
import json
import os
import random
import signal
import subprocess
import sys
import threading
import time
from typing import Any, Dict, List

import pytest

import zmq_cffi as zmq
from zmq_cffi.utils.monitor import recv_monitor_message

from . import _zmtp
from ._support import HERE, Sandbox, fd_count, record

# -- property-based fuzzing of the public API --------------------------------------------------------

FUZZ_CHILD = os.path.join(HERE, "_fuzz_child.py")
FUZZ_SECONDS = float(os.environ.get("ZMQ_CFFI_FUZZ_SECONDS", "55"))
FUZZ_MIN_EXAMPLES = 500
FUZZ_DEFAULT_SEED = 20261204


@pytest.mark.timeout(int(FUZZ_SECONDS * 3 + 120))
def test_random_api_call_sequences_raise_only_python_exceptions(tmp_path: Any, sandbox: Sandbox) -> None:
    """Thousands of random call sequences; a crash, hang or leak fails with the seed to replay:
    ZMQ_CFFI_FUZZ_SEED=<seed> python -m pytest -k random_api_call_sequences tests/reliability.

    The fuzzer runs in a namespace of its own with nothing but a loopback interface: whatever
    endpoint it makes up, no packet can leave this machine."""
    # A fixed slice by default, so that CI runs the same sequences every time (any seed replays).
    seed = int(os.environ.get("ZMQ_CFFI_FUZZ_SEED") or FUZZ_DEFAULT_SEED)
    cmd = sandbox.command([sys.executable, FUZZ_CHILD, str(seed), str(FUZZ_SECONDS), str(FUZZ_MIN_EXAMPLES)])
    # Its own directory: nothing the fuzzer leaves (ipc files, even after a crash) lands elsewhere.
    env = dict(os.environ, TMPDIR=str(tmp_path))
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=tmp_path, env=env)
    try:
        out, err = proc.communicate(timeout=FUZZ_SECONDS * 3 + 60)
    except subprocess.TimeoutExpired:
        os.kill(proc.pid, signal.SIGUSR1)  # faulthandler: every thread's stack, to stderr
        try:
            out, err = proc.communicate(timeout=5)
        except subprocess.TimeoutExpired:
            os.kill(proc.pid, signal.SIGKILL)
            out, err = proc.communicate()
        pytest.fail(f"the fuzzer hung (seed {seed}); stacks:\n{err[-8000:]}", pytrace=False)
    if proc.returncode < 0:
        pytest.fail(
            f"the fuzzer crashed with signal {-proc.returncode} (seed {seed}; the batch seed is the last "
            f"'fuzz batch' line):\n{err[-8000:]}",
            pytrace=False,
        )
    lines = [line for line in out.splitlines() if line.startswith("{")]
    assert lines, f"no result from the fuzzer (rc {proc.returncode}, seed {seed}):\n{out[-4000:]}\n{err[-4000:]}"
    result = json.loads(lines[-1])
    if not result["ok"]:
        first = result.get("first_failure") or {}
        pytest.fail(
            f"seed {result['seed']}: {result.get('error') or first.get('error')}\n"
            f"first failure: {first.get('error')}\ncalls of that example:\n  "
            + "\n  ".join(first.get("calls", []))
            + f"\n{result.get('traceback', '')}",
            pytrace=False,
        )
    assert result["examples"] >= FUZZ_MIN_EXAMPLES
    exceptions = sum(result["raised"].values())
    record(
        f"hostile.fuzz[{'PyPy' if hasattr(sys, 'pypy_version_info') else 'CPython'}]",
        f"{result['examples']} random examples, {result['calls']} API calls ({exceptions} raised Python "
        f"exceptions of {len(result['raised'])} kinds, {result['returned']} returned) in {result['elapsed']} s: "
        f"no crash, no hang, no thread or fd left over; seeds {result['seeds']}",
    )


# -- bugs the fuzzing found, pinned ------------------------------------------------------------------


def test_context_with_io_threads_beyond_c_int_leaks_nothing() -> None:
    """Context(io_threads=2**31) raises, as pyzmq does; it must not keep a libzmq context.

    Found by the fuzzer: zmq_cffi/backend/context.py created the context before converting
    io_threads to a C int, and the OverflowError left the handle set but _pid unset, so neither
    term() nor __del__ freed it: one eventfd (and the libzmq context) leaked per call."""
    gc.collect()
    before = fd_count()
    for io_threads in (2**31, 2**63, -(2**40)):
        with pytest.raises((OverflowError, ValueError, zmq.ZMQError)):
            zmq.Context(io_threads=io_threads)
    gc.collect()
    assert fd_count() == before


def test_empty_zero_copy_frame_reads_as_empty_bytes() -> None:
    """Frame(empty buffer, copy=False): .bytes, repr and == work, as in pyzmq.

    On PyPy, ffi.from_buffer of an empty array is NULL, zmq_msg_data returns NULL, and
    zmq_cffi/backend/frame.py Frame.bytes calls ffi.unpack(NULL, 0), which raises
    RuntimeError("cannot use unpack() on <cdata 'char *' NULL>")."""
    for obj in (array.array("i", []), array.array("d"), bytearray(), memoryview(b""), b""):
        frame = zmq.Frame(obj, copy=False)
        assert frame.bytes == b"", obj
        assert len(frame) == 0
        assert frame == b""
        repr(frame)


def test_failed_socket_creation_leaves_no_socket_open() -> None:
    """ctx.socket() that raises (here: a context default of the wrong type) must not leave a
    socket open that the caller never got: term() would wait for it forever.

    Found by the fuzzer: zmq_cffi/context.py Context.socket created the socket, then applied
    ctx.sockopts and let a TypeError/ValueError escape without closing it; the half-made socket
    stayed open as long as anything referenced it: the exception's traceback (kept here), or,
    on PyPy, until a GC. pyzmq 27 has the same flaw."""
    ctx = zmq.Context()
    ctx.setsockopt(zmq.LINGER, "not an int")
    with pytest.raises(TypeError) as info:
        ctx.socket(zmq.PUSH)
    ender = threading.Thread(target=ctx.term, daemon=True)
    ender.start()
    ender.join(5)
    hung = ender.is_alive()
    if hung:  # free the half-made socket so that term() returns and nothing is left behind
        del info
        gc.collect()
        ender.join(10)
    assert not ender.is_alive()
    assert not hung, "Context.term() blocked on a socket whose creation had raised"


def test_failed_get_monitor_socket_leaves_no_unread_monitor() -> None:
    """get_monitor_socket() that raises must not leave the monitor running without a reader.

    zmq_cffi/socket.py get_monitor_socket starts the monitor (zmq_socket_monitor), then creates
    the reading PAIR socket; when that raises, libzmq's monitor stays on with nobody connected,
    and libzmq sends events blocking: the next event (this bind) blocks the socket forever.
    pyzmq 27 has the same flaw."""
    ctx = zmq.Context()
    sock = ctx.socket(zmq.PUB)
    sock.linger = 0
    ctx.setsockopt(zmq.SUBSCRIBE, object())  # every new socket now fails in ctx.socket()
    with pytest.raises(TypeError):
        sock.get_monitor_socket()
    binder = threading.Thread(target=sock.bind, args=("tcp://127.0.0.1:*",), daemon=True)
    binder.start()
    binder.join(5)
    hung = binder.is_alive()
    reader = None
    if hung:  # read the stuck event so that bind() returns and the test can clean up
        del ctx.sockopts[zmq.SUBSCRIBE]
        reader = ctx.socket(zmq.PAIR)
        reader.linger = 0
        reader.rcvtimeo = 5000
        reader.connect(f"inproc://monitor.s-{sock.underlying:x}")
        reader.recv_multipart()
        binder.join(10)
    sock.close()
    if reader is not None:
        reader.close()
    ctx.destroy(linger=0)  # also closes the PAIR socket the failed call left behind
    assert not hung, "bind() blocked on the event of a monitor left without its reader"


def test_stream_sockets_refuse_inproc_and_still_work_over_ipc(tmp_path: Any) -> None:
    """A STREAM socket cannot bind or connect inproc:// (ENOCOMPATPROTO); ipc:// still works.

    Found by the fuzzer (PyPy, seed 500102 of a long run): a STREAM socket bound to an inproc
    name, a DEALER connected to it and sent a multipart message, and the STREAM socket's recv
    aborted the process (libzmq 4.3.4, stream.cpp:201; its poll aborts at stream.cpp:240): a
    STREAM pipe must carry single frames, which only its raw tcp/ipc engine guarantees."""
    import socket as pysocket

    ctx = zmq.Context()
    try:
        stream = ctx.socket(zmq.STREAM)
        stream.linger = 0
        for call in (stream.bind, stream.connect):
            with pytest.raises(zmq.ZMQError) as info:
                call("inproc://stream-over-inproc")
            assert info.value.errno == zmq.ENOCOMPATPROTO
        path = str(tmp_path / "stream")
        stream.bind(f"ipc://{path}")
        stream.rcvtimeo = 10_000
        with pysocket.socket(pysocket.AF_UNIX) as raw:
            raw.connect(path)
            peer_id, empty = stream.recv_multipart()  # the connection notification
            assert empty == b""
            raw.sendall(b"raw bytes")
            assert stream.recv_multipart() == [peer_id, b"raw bytes"]
        stream.close()
    finally:
        ctx.destroy(linger=0)


def test_context_calls_during_another_threads_term_raise_context_terminated() -> None:
    """get/set/socket/get_monitor_socket while another thread's term() waits raise
    ContextTerminated; once term() has returned, get/set raise RuntimeError as in pyzmq.

    zmq_ctx_term frees the libzmq context as it returns and the handle was cleared only after
    that: a call made meanwhile from another thread used the freed context."""
    ctx = zmq.Context()
    sock = ctx.socket(zmq.PULL)
    sock.linger = 0
    sock.rcvtimeo = 30_000
    ender = threading.Thread(target=ctx.term, daemon=True)
    ender.start()
    with pytest.raises(zmq.ContextTerminated):
        sock.recv()  # returns once term() is under way
    assert not ctx.closed
    with pytest.raises(zmq.ContextTerminated):
        ctx.get(zmq.IO_THREADS)
    with pytest.raises(zmq.ContextTerminated):
        ctx.set(zmq.MAX_SOCKETS, 100)
    with pytest.raises(zmq.ContextTerminated):
        ctx.socket(zmq.PAIR)
    with pytest.raises(zmq.ContextTerminated):
        zmq.Socket(ctx, zmq.PAIR)
    with pytest.raises(zmq.ContextTerminated):
        sock.get_monitor_socket()
    with pytest.raises(zmq.ContextTerminated):
        sock.connect("inproc://nobody-bound-this")
    sock.close()
    ender.join(10)
    assert not ender.is_alive()
    assert ctx.closed
    with pytest.raises(RuntimeError):
        ctx.get(zmq.IO_THREADS)
    with pytest.raises(RuntimeError):
        ctx.set(zmq.MAX_SOCKETS, 100)
    with pytest.raises(zmq.ZMQError):
        ctx.socket(zmq.PAIR)


_TERM_RACE_CHILD = r"""
import json, sys, threading
import zmq_cffi as zmq

ROUNDS = int(sys.argv[1])
SHADOW = sys.argv[2] == "shadow"  # the two threads call through shadows made from the address
outcomes = {}
for _ in range(ROUNDS):
    owner = zmq.Context()
    ctx = zmq.Context.shadow(owner.underlying) if SHADOW else owner
    started = threading.Barrier(3, timeout=30)
    done = threading.Event()

    def calls():
        for call in (lambda: ctx.get(zmq.IO_THREADS), lambda: ctx.set(zmq.MAX_SOCKETS, 64),
                     lambda: ctx.socket(zmq.PAIR).close(0)):
            try:
                call()
                key = "returned"
            except (zmq.ZMQError, RuntimeError) as e:
                key = type(e).__name__
            outcomes[key] = outcomes.get(key, 0) + 1

    def use():
        calls()  # before term() starts: these return
        started.wait()
        while not done.is_set():
            calls()

    users = [threading.Thread(target=use) for _ in range(2)]
    for t in users:
        t.start()
    started.wait()
    owner.term()
    done.set()
    for t in users:
        t.join(30)
        assert not t.is_alive()
print(json.dumps(outcomes))
"""


@pytest.mark.parametrize("through", ["owner", "shadow"])
def test_context_calls_racing_term_never_reach_the_freed_context(through: str) -> None:
    """Two threads call get/set/socket in a loop while the main thread terminates the context,
    many times over: each call returns or raises; the process never crashes (it runs in a
    child process, so that a crash fails this test instead of ending the run). Through a
    shadow made from the context's address, as another library would hold it, too (before
    shadows shared the owner's lock, one of two runs of 300 rounds aborted in glibc's mutex)."""
    proc = subprocess.run(
        [sys.executable, "-c", _TERM_RACE_CHILD, "300", through], capture_output=True, text=True, timeout=240
    )
    assert proc.returncode == 0, f"rc {proc.returncode}\n{proc.stdout[-2000:]}\n{proc.stderr[-4000:]}"
    outcomes = json.loads(proc.stdout.strip().splitlines()[-1])
    assert outcomes.get("returned", 0) >= 300 * 2 * 3, outcomes


_INPROC_TERM_CHILD = r"""
import sys, threading
import zmq_cffi as zmq

rounds, idle = int(sys.argv[1]), int(sys.argv[2])
refused = 0
for r in range(rounds):
    ctx = zmq.Context()
    others = [ctx.socket(zmq.PAIR) for _ in range(idle)]  # term() stops them first
    sock = ctx.socket(zmq.DEALER)
    sock.linger = 0
    starting = threading.Event()

    def term():
        starting.set()
        ctx.term()

    ender = threading.Thread(target=term, daemon=True)
    ender.start()
    starting.wait(30)
    try:
        for n in range(500):  # libzmq's term() needs a socket per pending name: stay well below 1023
            sock.connect(f"inproc://nobody-{n}")
    except zmq.ContextTerminated:
        refused += 1
    sock.close()
    for other in others:
        other.close()
    ender.join(10)
    if ender.is_alive():
        print(f"round {r}: term() did not return", flush=True)
        sys.exit(3)
print(f"{rounds} rounds, {refused} ended by ContextTerminated")
"""


def test_inproc_connects_racing_term_never_leave_term_waiting() -> None:
    """connect() to inproc names nobody bound, on one thread, while another thread starts
    ctx.term(): once every socket is closed, term() returns.

    zmq_ctx_term binds every inproc name connections wait on, then stops the sockets; a
    connect made in between waited for a bind that never came, so its socket was never freed
    and term() blocked forever (found by the fuzzer on PyPy; before the fix one of the first 10
    rounds hung in each of 4 runs, on CPython and PyPy).
    Run in a child process: a hang must fail this test, not leave a thread blocked in here."""
    proc = subprocess.run(
        [sys.executable, "-c", _INPROC_TERM_CHILD, "100", "50"], capture_output=True, text=True, timeout=300
    )
    assert proc.returncode == 0, f"rc {proc.returncode}\n{proc.stdout[-2000:]}\n{proc.stderr[-4000:]}"


# -- malformed traffic from raw TCP clients ------------------------------------------------------------


class EchoServer:
    """A ROUTER on 127.0.0.1 that echoes [id, b'', body] as [id, b'', b'echo:' + body] from a
    thread; anything else it receives is counted and dropped."""

    def __init__(self, mechanism: str) -> None:
        self.ctx = zmq.Context()
        self.router = self.ctx.socket(zmq.ROUTER)
        self.router.linger = 0
        self.router.maxmsgsize = 4096
        self.router.handshake_ivl = 500  # stalled handshakes are dropped after 0.5 s
        self.mechanism = mechanism
        if mechanism == "CURVE":
            self.public, secret = zmq.curve_keypair()
            self.router.curve_server = 1
            self.router.curve_secretkey = secret
        self.monitor = self.router.get_monitor_socket()
        self.port = self.router.bind_to_random_port("tcp://127.0.0.1")
        self.stop = threading.Event()
        self.stats: Dict[str, int] = {"echoed": 0, "odd": 0}
        self.errors: List[BaseException] = []
        self.thread = threading.Thread(target=self._serve, name="echo-server", daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        try:
            while not self.stop.is_set():
                if not self.router.poll(50):
                    continue
                parts = self.router.recv_multipart(zmq.NOBLOCK)
                if len(parts) == 3 and parts[1] == b"":
                    self.router.send_multipart([parts[0], b"", b"echo:" + parts[2]], zmq.NOBLOCK)
                    self.stats["echoed"] += 1
                else:
                    self.stats["odd"] += 1
        except BaseException as e:
            self.errors.append(e)

    def client(self, ctx: zmq.Context) -> zmq.Socket:
        req = ctx.socket(zmq.REQ)
        req.linger = 0
        req.rcvtimeo = req.sndtimeo = 10_000
        if self.mechanism == "CURVE":
            public, secret = zmq.curve_keypair()
            req.curve_serverkey = self.public
            req.curve_publickey = public
            req.curve_secretkey = secret
        req.connect(f"tcp://127.0.0.1:{self.port}")
        return req

    def events(self) -> Dict[str, int]:
        counts: Dict[str, int] = {}
        while True:
            try:
                event = recv_monitor_message(self.monitor, zmq.NOBLOCK)
            except zmq.Again:
                return counts
            name = getattr(event["event"], "name", str(event["event"]))
            counts[name] = counts.get(name, 0) + 1

    def close(self) -> None:
        self.stop.set()
        self.thread.join(10)
        self.router.close()
        self.monitor.close()
        self.ctx.term()


def _hostile_cases(mechanism: str, rng: random.Random) -> List[Any]:
    """(name, bytes to send after connecting, whether the server must hang up on us)."""
    mech = mechanism.encode()
    other = b"CURVE" if mechanism == "NULL" else b"NULL"
    cases = [
        ("truncated greeting", _zmtp.greeting(mech)[:5], True),
        ("greeting, then silence", _zmtp.greeting(mech)[:11], True),
        ("unknown mechanism", _zmtp.greeting(b"FOO"), True),
        ("mechanism mismatch", _zmtp.greeting(other), True),
        ("bad signature", b"\xff" + b"\x01" * 63, True),
        ("version 0", _zmtp.greeting(mech, major=0), True),
    ]
    if mechanism == "NULL":
        base = _zmtp.greeting(b"NULL")
        cases += [
            ("incompatible socket type", base + _zmtp.ready(b"PUB"), True),
            ("READY with a property overrunning it", base + _zmtp.command(b"READY", b"\x0bSocket-Type\x00\x00\x00\x10DEA"), True),
            ("unknown command", base + _zmtp.command(b"HELLOX", b"x" * 10), True),
            ("message before READY", base + _zmtp.frame(b"early"), True),
            ("frame beyond MAXMSGSIZE", base + _zmtp.ready(b"DEALER") + _zmtp.long_frame_header(10**9), True),
            ("frame of 2**64-1 bytes", base + _zmtp.ready(b"DEALER") + _zmtp.long_frame_header(2**64 - 1), True),
            ("long-frame flag on a short frame", base + _zmtp.ready(b"DEALER") + b"\x02\x00\x00", False),
        ]
        for k in range(40):  # random bytes after a correct handshake
            junk = bytes(rng.randrange(256) for _ in range(rng.randrange(1, 600)))
            cases.append((f"random frames {k}", base + _zmtp.ready(b"DEALER") + junk, False))
    else:
        base = _zmtp.greeting(b"CURVE")
        cases += [
            ("HELLO too short", base + _zmtp.command(b"HELLO", b"\x01\x00" + b"\x00" * 20), True),
            ("HELLO with random crypto", base + _zmtp.command(b"HELLO", b"\x01\x00" + bytes(rng.randrange(256) for _ in range(192))), True),
            ("INITIATE before HELLO", base + _zmtp.command(b"INITIATE", b"\x00" * 300), True),
            ("READY in clear", base + _zmtp.ready(b"DEALER"), True),
        ]
    for k in range(40):  # random bytes from the first byte on
        junk = bytes(rng.randrange(256) for _ in range(rng.randrange(1, 2000)))
        cases.append((f"garbage {k}", junk, False))
    return cases


@pytest.mark.parametrize("mechanism", ["NULL", "CURVE"])
def test_malformed_traffic_never_disturbs_the_server(mechanism: str) -> None:
    rng = random.Random(1234)
    server = EchoServer(mechanism)
    fds_idle = fd_count()
    clients = zmq.Context()
    good = server.client(clients)
    served = 0

    def round_trip(sock: zmq.Socket, body: bytes) -> None:
        nonlocal served
        sock.send(body)
        assert sock.recv() == b"echo:" + body
        served += 1

    try:
        round_trip(good, b"before")
        if mechanism == "NULL":
            # The raw client speaks correct ZMTP: it is served (so its faults below are real faults).
            raw = _zmtp.RawPeer(server.port)
            raw.handshake(b"DEALER")
            raw.send(_zmtp.frame(b"", more=True) + _zmtp.frame(b"raw"))
            assert raw.read_message() == [b"", b"echo:raw"]
            raw.close()

        cases = _hostile_cases(mechanism, rng)
        hung_up = 0
        for i, (name, data, must_close) in enumerate(cases):
            peer = _zmtp.RawPeer(server.port)
            peer.send(data)
            if must_close:
                assert peer.closed_by_server(within=5.0), f"the server kept the connection after: {name}"
                hung_up += 1
            peer.close()
            if i % 5 == 0:
                round_trip(good, b"between %d" % i)
                fresh = server.client(clients)
                round_trip(fresh, b"fresh %d" % i)
                fresh.close()

        # Thirty idle connections at once (slowloris): each is dropped at HANDSHAKE_IVL.
        idle = [_zmtp.RawPeer(server.port) for _ in range(30)]
        round_trip(good, b"during the idle ones")
        assert all(p.closed_by_server(within=5.0) for p in idle)
        for p in idle:
            p.close()
        round_trip(good, b"after")
    finally:
        good.close()
        clients.term()

    # Every connection the server accepted has ended: its fds are back to the idle count.
    deadline = time.monotonic() + 10
    counts: Dict[str, int] = {}
    while time.monotonic() < deadline:
        for k, v in server.events().items():
            counts[k] = counts.get(k, 0) + v
        if counts.get("DISCONNECTED", 0) >= counts.get("ACCEPTED", 0) and fd_count() == fds_idle:
            break
        server.router.poll(20)  # waits for the server's I/O thread to finish closing
    assert server.thread.is_alive() and not server.errors, server.errors
    server.close()
    assert counts.get("DISCONNECTED", 0) >= counts.get("ACCEPTED", 0), counts
    assert fd_count() <= fds_idle
    failed = sum(v for k, v in counts.items() if k.startswith("HANDSHAKE_FAILED"))
    record(
        f"hostile.raw_tcp[{mechanism}]",
        f"{len(cases) + 30} hostile connections ({hung_up + 30} hung up on by the server, {failed} handshake "
        f"failures reported by the monitor, {server.stats['odd']} junk messages dropped by the app); "
        f"{served} good requests all answered; every connection's fd released",
    )
