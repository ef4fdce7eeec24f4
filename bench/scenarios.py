"""The benchmark scenarios, shared by the pytest-benchmark tests and the memory runner.

A scenario is a context manager `SCENARIOS[name](zmq, **params)`: it sets up sockets (and
helper threads or processes), yields a `Workload` whose `run()` is one timed round, and tears
everything down on exit. The tests time `run()` with pytest-benchmark (bench/harness.py);
bench/_memory.py runs the same rounds in a fresh process that imported only one module and
reads its peak resident memory. `zmq` is the module under test: zmq_cffi or pyzmq's zmq.

Only the standard library is imported here, so the memory runner measures the module alone.
Every blocking call is bounded: sockets carry RCVTIMEO/SNDTIMEO, threads and helper processes
are joined with timeouts, asyncio rounds run under asyncio.wait_for.

ZMQ_BENCH_QUICK=1 (bench.sh --quick) scales every scenario down to a smoke run.
"""
from __future__ import annotations

import asyncio
import contextlib
import importlib
import os
import sys
import threading
import time
from dataclasses import dataclass, field
from typing import Callable, Dict, Iterator, List, Optional, Tuple

from _peer import Peer

# Bound on any single blocking libzmq call in a scenario (ms): a bug fails instead of hanging.
TIMEOUT_MS = 10_000
# Bound on one asyncio round (s).
ASYNC_ROUND_TIMEOUT = 30.0


def quick() -> bool:
    return os.environ.get("ZMQ_BENCH_QUICK", "") not in ("", "0")


def scaled(full: int, smoke: int) -> int:
    return smoke if quick() else full


@dataclass
class Workload:
    """One scenario, ready to time. `run()` is one round of `per_round` operations.

    kind decides what the report prints:
      "per_call"   microseconds per operation (time of a round / per_round), lower is better
      "throughput" messages per second (per_round / time of a round), higher is better
      "bandwidth"  GB/s (bytes_per_round / time of a round, 1 GB = 1e9 bytes), higher is better
      "latency"    p50 and p99 of individual operations (`samples`, seconds), lower is better
    """

    run: Callable[[], None]
    kind: str
    per_round: int
    unit: str  # what one operation is: "msg", "round trip", "poll", ...
    rounds: int
    warmup_rounds: int
    bytes_per_round: int = 0
    samples: Optional[List[float]] = None
    # Optional untimed work before/after each round (pytest-benchmark's setup/teardown).
    setup: Optional[Callable[[], None]] = None
    teardown: Optional[Callable[[], None]] = None
    info: Dict[str, object] = field(default_factory=dict)
    # Helper processes, whose memory the memory runner reads before they are stopped.
    peers: List[Peer] = field(default_factory=list)
    # (scenario, size) of the same loop in bench/c_limit.c, run by the harness after timing.
    c_limit: Optional[Tuple[str, int]] = None
    # zmq_cffi only: one round of the floor loop (see cffi_floor), timed with the same
    # setup/teardown right after run(), for the per-call scenarios on CPython.
    floor: Optional[Callable[[], None]] = None

    def run_all(self) -> None:
        """Every round, warm-up included, without timing (the memory runner)."""
        for _ in range(self.warmup_rounds + self.rounds):
            if self.setup:
                self.setup()
            self.run()
            if self.teardown:
                self.teardown()


# -- helpers --------------------------------------------------------------------------------


@contextlib.contextmanager
def context(zmq) -> Iterator[object]:
    ctx = zmq.Context()
    try:
        yield ctx
    finally:
        ctx.destroy(linger=0)


def bounded(sock, hwm: Optional[int] = None) -> None:
    sock.linger = 0
    sock.rcvtimeo = sock.sndtimeo = TIMEOUT_MS
    if hwm is not None:
        sock.sndhwm = sock.rcvhwm = hwm


def inproc_pair(zmq, ctx, bind_type, connect_type, name, hwm: int = 0):
    """Two bounded sockets over inproc; hwm 0 (unlimited) so fill-then-drain never blocks."""
    a = ctx.socket(bind_type)
    b = ctx.socket(connect_type)
    bounded(a, hwm)
    bounded(b, hwm)
    a.bind(f"inproc://{name}")
    b.connect(f"inproc://{name}")
    return a, b


def wait_first(zmq, sock, peer: Peer, timeout: float = 60.0):
    """Receive the first message from a helper process, failing early if the helper died."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if sock.poll(100, zmq.POLLIN):
            return sock.recv(zmq.NOBLOCK)
        peer.check()
    peer.check()
    raise TimeoutError(f"no message from {peer} within {timeout:.0f}s")


def tcp_bind(zmq, sock) -> str:
    port = sock.bind_to_random_port("tcp://127.0.0.1")
    return f"tcp://127.0.0.1:{port}"


# -- single-thread per-call costs (inproc) ----------------------------------------------------


def cffi_floor(zmq, push, pull, msg: bytes, n: int, what: str) -> Optional[Callable[[], None]]:
    """The floor under zmq_cffi's send()/recv(): the same C helper its hot path calls, called
    bare in a loop with the same arguments, plus (recv) making the bytes the same way. What
    send()/recv() cost beyond it is the Python around the call. zmq_cffi only (None for pyzmq);
    written against zmq_cffi's internals, so it changes with them."""
    if zmq.__name__ != "zmq_cffi":
        return None
    from zmq_cffi._ffi import lib

    state = push._state if what == "send" else pull._state
    if what == "send" and sys.implementation.name == "pypy":
        # PyPy's send() copies small bytes into the socket's buffer and sends from there
        # (zc_send_buffered): passing bytes as a char * costs more on PyPy than the copy.
        if push._copy_view is None:
            push._make_copy_buffer()
        send_view, zc_send_buffered, size = push._copy_view, lib.zc_send_buffered, len(msg)

        def floor():
            for _ in range(n):
                send_view[0:size] = msg
                zc_send_buffered(state, size, 0)

        return floor
    if what == "send":
        zc_send_bytes0 = lib.zc_send_bytes0

        def floor():
            for _ in range(n):
                zc_send_bytes0(state, msg, len(msg))

        return floor
    if pull._copy_view is None:
        pull._make_copy_buffer()
    view, zc_recv_bytes0 = pull._copy_view, lib.zc_recv_bytes0

    def floor():
        for _ in range(n):
            size = zc_recv_bytes0(state)
            view[:size]

    return floor


@contextlib.contextmanager
def fill_drain(zmq, size: int):
    """Fill an inproc pipe with N sends, then drain it with N recvs: no scheduler noise."""
    n = scaled(2000, 500)
    with context(zmq) as ctx:
        push, pull = inproc_pair(zmq, ctx, zmq.PUSH, zmq.PULL, f"fill{size}")
        msg = b"x" * size

        def run():
            send, recv = push.send, pull.recv
            for _ in range(n):
                send(msg)
            for _ in range(n):
                recv()

        yield Workload(run, "per_call", n, "send+recv", rounds=scaled(50, 5),
                       warmup_rounds=scaled(10, 2), c_limit=("fill_drain", size))


@contextlib.contextmanager
def send_inproc(zmq, size: int):
    """N sends into an inproc pipe (unlimited HWM), timed alone; the drain is untimed."""
    n = scaled(2000, 500)
    with context(zmq) as ctx:
        push, pull = inproc_pair(zmq, ctx, zmq.PUSH, zmq.PULL, f"send{size}")
        msg = b"x" * size

        def run():
            send = push.send
            for _ in range(n):
                send(msg)

        def drain():
            recv = pull.recv
            for _ in range(n):
                recv()

        yield Workload(run, "per_call", n, "send", rounds=scaled(50, 5),
                       warmup_rounds=scaled(10, 2), teardown=drain,
                       c_limit=("send_inproc", size),
                       floor=cffi_floor(zmq, push, pull, msg, n, "send"))


@contextlib.contextmanager
def recv_inproc(zmq, size: int):
    """N recvs from an inproc pipe, timed alone; it is filled (untimed) before each round."""
    n = scaled(2000, 500)
    with context(zmq) as ctx:
        push, pull = inproc_pair(zmq, ctx, zmq.PUSH, zmq.PULL, f"recv{size}")
        msg = b"x" * size

        def fill():
            send = push.send
            for _ in range(n):
                send(msg)

        def run():
            recv = pull.recv
            for _ in range(n):
                recv()

        yield Workload(run, "per_call", n, "recv", rounds=scaled(50, 5),
                       warmup_rounds=scaled(10, 2), setup=fill,
                       c_limit=("recv_inproc", size),
                       floor=cffi_floor(zmq, push, pull, msg, n, "recv"))


@contextlib.contextmanager
def multipart_3_frames(zmq):
    """send_multipart/recv_multipart of 3 frames (5 B, 32 B, 512 B), fill then drain."""
    n = scaled(2000, 500)
    with context(zmq) as ctx:
        push, pull = inproc_pair(zmq, ctx, zmq.PUSH, zmq.PULL, "multi")
        parts = [b"topic", b"h" * 32, b"b" * 512]

        def run():
            send, recv = push.send_multipart, pull.recv_multipart
            for _ in range(n):
                send(parts)
            for _ in range(n):
                recv()

        yield Workload(run, "per_call", n, "send+recv", rounds=scaled(50, 5),
                       warmup_rounds=scaled(10, 2), c_limit=("multipart_3_frames", 0))


@contextlib.contextmanager
def poller_poll0_10_sockets(zmq):
    """Poller.poll(0) over 10 registered sockets, one of them readable."""
    n = scaled(2000, 500)
    with context(zmq) as ctx:
        poller = zmq.Poller()
        socks = []
        for i in range(5):
            socks += inproc_pair(zmq, ctx, zmq.PAIR, zmq.PAIR, f"poll{i}")
        for s in socks:
            poller.register(s, zmq.POLLIN)
        socks[0].send(b"ready")

        def run():
            poll = poller.poll
            for _ in range(n):
                poll(0)

        yield Workload(run, "per_call", n, "poll", rounds=scaled(50, 5),
                       warmup_rounds=scaled(10, 2), c_limit=("poller_poll0_10_sockets", 0))


@contextlib.contextmanager
def socket_create_close(zmq):
    """ctx.socket() + close(). Each round gets a fresh context, terminated untimed afterwards:
    libzmq reaps closed sockets on its own thread, and a long churn in one context outruns the
    reaper and hits the context's socket limit (EMFILE) with either binding."""
    n = scaled(200, 100)
    state = {}

    def setup():
        state["ctx"] = zmq.Context()

    def teardown():
        state.pop("ctx").term()

    def run():
        ctx, push = state["ctx"], zmq.PUSH
        for _ in range(n):
            s = ctx.socket(push)
            s.close()

    try:
        yield Workload(run, "per_call", n, "create+close", rounds=scaled(30, 3),
                       warmup_rounds=scaled(10, 1), setup=setup, teardown=teardown,
                       c_limit=("socket_create_close", 0))
    finally:
        if "ctx" in state:
            state.pop("ctx").destroy(linger=0)


@contextlib.contextmanager
def req_rep_inproc(zmq):
    """REQ/REP round trips over inproc against an echo thread (same process)."""
    n = scaled(200, 50)
    with context(zmq) as ctx:
        rep, req = inproc_pair(zmq, ctx, zmq.REP, zmq.REQ, "rr")
        rep.rcvtimeo = 500  # so the echo thread notices `stop` while idle
        stop = threading.Event()
        failure: List[BaseException] = []

        def echo():
            recv, send, again = rep.recv, rep.send, zmq.Again
            try:
                while not stop.is_set():
                    try:
                        m = recv()
                    except again:
                        continue
                    send(m)
            except BaseException as e:  # reported by the main thread
                failure.append(e)

        t = threading.Thread(target=echo, name="bench-echo", daemon=True)
        t.start()

        def run():
            send, recv = req.send, req.recv
            for _ in range(n):
                send(b"ping")
                recv()

        try:
            yield Workload(run, "per_call", n, "round trip", rounds=scaled(30, 3),
                           warmup_rounds=scaled(5, 1), c_limit=("req_rep_inproc", 4))
        finally:
            stop.set()
            t.join(TIMEOUT_MS / 1000)
        if t.is_alive():
            raise RuntimeError("echo thread did not stop")
        if failure:
            raise failure[0]


@contextlib.contextmanager
def zero_copy_1mib_inproc(zmq):
    """50 sends of 1 MiB with copy=False, then 50 recvs with copy=False, over inproc."""
    n = scaled(50, 10)
    size = 1 << 20
    with context(zmq) as ctx:
        push, pull = inproc_pair(zmq, ctx, zmq.PUSH, zmq.PULL, "zc")
        payload = b"z" * size

        def run():
            send, recv = push.send, pull.recv
            for _ in range(n):
                send(payload, copy=False)
            for _ in range(n):
                recv(copy=False)

        yield Workload(run, "bandwidth", n, "msg", rounds=scaled(30, 3),
                       warmup_rounds=scaled(10, 1), bytes_per_round=n * size,
                       c_limit=("zero_copy_1mib_inproc", size))


# -- streams: a sender keeps the pipe full, each round receives N messages --------------------


@contextlib.contextmanager
def push_pull_inproc(zmq, size: int):
    """PUSH->PULL over inproc; a sender thread in this process keeps the pipe full (HWM 1000)."""
    n = scaled(20_000, 2_000)
    with context(zmq) as ctx:
        pull, push = inproc_pair(zmq, ctx, zmq.PULL, zmq.PUSH, f"stream{size}", hwm=1000)
        push.sndtimeo = 200  # so the sender notices `stop` while the pipe is full
        stop = threading.Event()
        failure: List[BaseException] = []
        msg = b"s" * size

        def sender():
            send, again = push.send, zmq.Again
            try:
                while not stop.is_set():
                    try:
                        for _ in range(256):
                            send(msg)
                    except again:
                        pass
            except BaseException as e:
                failure.append(e)

        t = threading.Thread(target=sender, name="bench-sender", daemon=True)
        t.start()

        def run():
            recv = pull.recv
            for _ in range(n):
                recv()

        try:
            yield Workload(run, "throughput", n, "msg", rounds=scaled(40, 3),
                           warmup_rounds=scaled(5, 1), bytes_per_round=n * size,
                           c_limit=("push_pull_inproc", size))
        finally:
            stop.set()
            t.join(TIMEOUT_MS / 1000)
        if t.is_alive():
            raise RuntimeError("sender thread did not stop")
        if failure:
            raise failure[0]


@contextlib.contextmanager
def push_pull_tcp(zmq, size: int):
    """PUSH->PULL over tcp loopback; the sender is another process running the same module."""
    n = scaled(20_000, 2_000)
    with context(zmq) as ctx:
        pull = ctx.socket(zmq.PULL)
        bounded(pull)
        endpoint = tcp_bind(zmq, pull)
        with Peer("push", zmq.__name__, endpoint, size=size) as peer:
            wait_first(zmq, pull, peer)

            def run():
                recv = pull.recv
                for _ in range(n):
                    recv()

            yield Workload(run, "throughput", n, "msg", rounds=scaled(40, 3),
                           warmup_rounds=scaled(5, 1), bytes_per_round=n * size,
                           peers=[peer])
            peer.check()


@contextlib.contextmanager
def zero_copy_1mib_tcp(zmq):
    """1 MiB messages over tcp loopback, sent with copy=False by another process (same
    module) and received with copy=False; both ends at HWM 16."""
    n = scaled(64, 8)
    size = 1 << 20
    with context(zmq) as ctx:
        pull = ctx.socket(zmq.PULL)
        bounded(pull, hwm=16)
        endpoint = tcp_bind(zmq, pull)
        with Peer("push", zmq.__name__, endpoint, size=size, copy=False, hwm=16) as peer:
            first = wait_first(zmq, pull, peer)
            if len(first) != size:
                raise AssertionError(f"expected {size} bytes, got {len(first)}")

            def run():
                recv = pull.recv
                for _ in range(n):
                    recv(copy=False)

            yield Workload(run, "bandwidth", n, "msg", rounds=scaled(20, 3),
                           warmup_rounds=scaled(5, 1), bytes_per_round=n * size,
                           peers=[peer])
            peer.check()


# -- latency ---------------------------------------------------------------------------------


@contextlib.contextmanager
def req_rep_latency_tcp(zmq):
    """REQ/REP round trips of 16 B over tcp loopback against an echo server in another process
    (same module); every round trip is timed on its own for p50/p99."""
    n = scaled(500, 100)
    with context(zmq) as ctx:
        req = ctx.socket(zmq.REQ)
        bounded(req)
        endpoint = tcp_bind(zmq, req)
        with Peer("echo", zmq.__name__, endpoint) as peer:
            req.send(b"hello")
            wait_first(zmq, req, peer)
            samples: List[float] = []
            msg = b"p" * 16

            def run():
                send, recv, now, add = req.send, req.recv, time.perf_counter, samples.append
                t0 = now()
                for _ in range(n):
                    send(msg)
                    recv()
                    t1 = now()
                    add(t1 - t0)
                    t0 = t1

            yield Workload(run, "latency", n, "round trip", rounds=scaled(30, 3),
                           warmup_rounds=scaled(4, 1), samples=samples, peers=[peer])
            peer.check()


# -- asyncio (zmq_cffi.asyncio vs zmq.asyncio) -------------------------------------------------


@contextlib.contextmanager
def _async_env(zmq):
    aio = importlib.import_module(zmq.__name__ + ".asyncio")
    loop = asyncio.new_event_loop()
    ctx = aio.Context()
    try:
        yield aio, loop, ctx
    finally:
        try:
            ctx.destroy(linger=0)
            # let cancelled futures and reader callbacks settle before closing the loop
            loop.run_until_complete(asyncio.sleep(0))
        finally:
            loop.close()


def _round(loop, coro) -> None:
    loop.run_until_complete(asyncio.wait_for(coro, ASYNC_ROUND_TIMEOUT))


@contextlib.contextmanager
def asyncio_req_rep(zmq):
    """asyncio REQ/REP round trips of 16 B over inproc: client and echo server are both asyncio
    sockets on one event loop, so both directions go through the binding's asyncio layer."""
    n = scaled(500, 100)
    with _async_env(zmq) as (aio, loop, ctx):
        rep, req = inproc_pair(zmq, ctx, zmq.REP, zmq.REQ, "aio-rr")

        async def serve():
            recv, send, again = rep.recv, rep.send, zmq.Again
            while True:
                try:
                    m = await recv()
                except again:  # RCVTIMEO while the loop sat idle between rounds
                    continue
                await send(m)

        server = loop.create_task(serve())
        samples: List[float] = []
        msg = b"a" * 16

        async def client():
            now, add = time.perf_counter, samples.append
            t0 = now()
            for _ in range(n):
                await req.send(msg)
                await req.recv()
                t1 = now()
                add(t1 - t0)
                t0 = t1

        def run():
            if server.done():
                server.result()  # raises what killed the server
            _round(loop, client())

        try:
            yield Workload(run, "latency", n, "round trip", rounds=scaled(30, 3),
                           warmup_rounds=scaled(4, 1), samples=samples)
        finally:
            server.cancel()
            with contextlib.suppress(BaseException):
                loop.run_until_complete(asyncio.wait_for(server, 5))
            rep.close()
            req.close()


@contextlib.contextmanager
def asyncio_push_pull(zmq):
    """asyncio PUSH/PULL stream of 16 B messages over inproc (HWM 1000): a producer task and a
    consumer task on one event loop; a round moves N messages."""
    n = scaled(10_000, 1_000)
    with _async_env(zmq) as (aio, loop, ctx):
        pull, push = inproc_pair(zmq, ctx, zmq.PULL, zmq.PUSH, "aio-stream", hwm=1000)
        msg = b"a" * 16

        async def produce():
            send = push.send
            for _ in range(n):
                await send(msg)

        async def consume():
            recv = pull.recv
            for _ in range(n):
                await recv()

        async def both():
            await asyncio.gather(produce(), consume())

        def run():
            _round(loop, both())

        try:
            yield Workload(run, "throughput", n, "msg", rounds=scaled(15, 3),
                           warmup_rounds=scaled(5, 1), bytes_per_round=n * 16)
        finally:
            pull.close()
            push.close()


SCENARIOS = {
    f.__name__: f
    for f in (
        fill_drain, send_inproc, recv_inproc, multipart_3_frames, poller_poll0_10_sockets, socket_create_close,
        req_rep_inproc, zero_copy_1mib_inproc, push_pull_inproc, push_pull_tcp,
        zero_copy_1mib_tcp, req_rep_latency_tcp, asyncio_req_rep, asyncio_push_pull,
    )
}
