"""zmq_cffi.eventloop.future (pyzmq's zmq.eventloop.future) over real sockets under tornado.

Each test runs on its own tornado IOLoop with `IOLoop.run_sync(..., timeout)`; pytest-timeout
backs that up. Tasks are synchronised with futures and `settle()` (loop iterations), never
with sleeps. Behaviour shared with the other drivers (cancellation, timeouts, ETERM, close
while waiting) is in test_drivers.py.
"""
from __future__ import annotations

import asyncio
import socket as pysocket
import warnings
from typing import Any, Awaitable, Callable, List

import pytest

tornado = pytest.importorskip("tornado")

from tornado import gen  # noqa: E402
from tornado.concurrent import is_future  # noqa: E402
from tornado.ioloop import IOLoop  # noqa: E402

import zmq_cffi as zmq  # noqa: E402
import zmq_cffi.eventloop.future as zf  # noqa: E402
from conftest import TIMEOUT_MS, pair  # noqa: E402
from zmq_cffi.eventloop.zmqstream import ZMQStream  # noqa: E402

TIMEOUT_S = 30.0


def run(main: Callable[[], Awaitable[Any]], timeout: float = TIMEOUT_S) -> Any:
    """Run `main()` on a fresh IOLoop; fail if it takes longer than `timeout` seconds."""
    io_loop = IOLoop(make_current=False)
    try:
        return io_loop.run_sync(main, timeout=timeout)
    finally:
        io_loop.close()


def fpair(ctx: zmq.Context, bind_type: int, connect_type: int, transport: str = "inproc", hwm: int = 0) -> Any:
    a, b = pair(ctx, bind_type, connect_type, transport, hwm, timeout_ms=None)
    return zf.Socket(a), zf.Socket(b)


async def settle(n: int = 5) -> None:
    for _ in range(n):
        await asyncio.sleep(0)


def test_classes_and_context() -> None:
    assert issubclass(zf.Socket, zmq.Socket) and issubclass(zf.Poller, zmq.Poller)
    assert issubclass(zf.Context, zmq.Context)
    assert zf.Socket._poller_class is zf.Poller and zf.Poller._socket_class is zf.Socket  # type: ignore[attr-defined]
    ctx = zf.Context()
    try:
        s = ctx.socket(zmq.PAIR)
        assert type(s) is zf.Socket
        s.close()
    finally:
        ctx.term()
    inst = zf.Context.instance()
    assert type(inst) is zf.Context and zf.Context.instance() is inst
    assert inst is not zmq.Context.instance()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        zf.Context(io_loop=IOLoop.current()).term()
    assert any(issubclass(w.category, DeprecationWarning) for w in caught)


@pytest.mark.parametrize("transport", ["inproc", "tcp"])
def test_round_trips_return_tornado_futures(ctx: zmq.Context, transport: str) -> None:
    a, b = fpair(ctx, zmq.PAIR, zmq.PAIR, transport)

    async def main() -> None:
        pending = b.recv_multipart()
        assert is_future(pending) and not pending.done()
        await a.send_multipart([b"x", bytearray(b"y"), memoryview(b"z")])
        assert await pending == [b"x", b"y", b"z"]
        await a.send_string("s")
        assert await b.recv_string() == "s"
        await a.send_json({"k": [1]})
        assert await b.recv_json() == {"k": [1]}
        await a.send_pyobj((1, "x"))
        assert await b.recv_pyobj() == (1, "x")
        await a.send(b"f")
        frame = await b.recv(copy=False)
        assert frame.bytes == b"f"
        buf = bytearray(4)
        await a.send(b"into")
        assert await b.recv_into(buf) == 4 and buf == b"into"
        with pytest.raises(TypeError):
            await a.send_multipart([b"ok", "not bytes"])

    run(main)


def test_gen_coroutines_and_add_future(ctx: zmq.Context) -> None:
    """Old-style tornado code: yield the futures, or hand them to IOLoop.add_future."""
    rep, req = fpair(ctx, zmq.REP, zmq.REQ)

    @gen.coroutine
    def server() -> Any:
        for _ in range(3):
            msg = yield rep.recv()
            yield rep.send(msg.upper())

    @gen.coroutine
    def main() -> Any:
        serving = server()
        answers = []
        for word in (b"a", b"b", b"c"):
            yield req.send(word)
            answers.append((yield req.recv()))
        yield serving
        done: List[Any] = []
        fut = req.poll(0, zmq.POLLOUT)
        IOLoop.current().add_future(fut, lambda f: done.append(f.result()))
        yield gen.moment
        yield gen.moment
        return answers, done

    assert run(main) == ([b"A", b"B", b"C"], [zmq.POLLOUT])


def test_poll_and_poller_with_sockets_and_fds(ctx: zmq.Context) -> None:
    a, b = fpair(ctx, zmq.PAIR, zmq.PAIR)
    left, right = pysocket.socketpair()

    async def main() -> None:
        assert await b.poll(0) == 0
        waiting = b.poll(TIMEOUT_MS)
        await settle()
        assert not waiting.done()
        await a.send(b"m")
        assert await waiting == zmq.POLLIN
        assert await b.recv() == b"m"

        poller = zf.Poller()
        poller.register(b, zmq.POLLIN)
        poller.register(left, zmq.POLLIN)
        assert await poller.poll(0) == []
        pending = poller.poll(TIMEOUT_MS)
        await settle()
        assert not pending.done()
        right.send(b"!")
        [(obj, events)] = await pending
        # (As the synchronous Poller reports it.)
        assert obj in (left, left.fileno()) and events == zmq.POLLIN
        left.recv(1)
        pending = poller.poll(TIMEOUT_MS)
        await settle()
        await a.send(b"n")
        assert await pending == [(b, zmq.POLLIN)]
        assert await b.recv() == b"n"

    try:
        run(main)
    finally:
        left.close()
        right.close()


def test_close_cancels_and_unregisters(ctx: zmq.Context) -> None:
    a, b = fpair(ctx, zmq.PUSH, zmq.PULL)

    async def main() -> None:
        pending = [b.recv(), b.recv_multipart(), b.poll()]
        await settle()
        b.close()
        await settle()
        assert all(f.cancelled() for f in pending)
        # The IOLoop no longer watches the fd: a new socket reusing its number works.
        c, d = fpair(ctx, zmq.PUSH, zmq.PULL)
        waiting = d.recv()
        await c.send(b"after")
        assert await waiting == b"after"

    run(main)


def test_stress_many_waiters_tiny_hwm(ctx: zmq.Context) -> None:
    """Several senders and receivers per socket through a high water mark of 1: a missed
    wake-up of the edge-triggered fd shows as a timeout."""
    n, k = 3000, 3
    push, pull = fpair(ctx, zmq.PUSH, zmq.PULL, "tcp", hwm=1)

    async def main() -> None:
        got: List[bytes] = []

        async def send(i: int) -> None:
            for j in range(i, n, k):
                await push.send(b"%d" % j)

        async def recv() -> None:
            while len(got) < n:
                msg = await pull.recv()
                got.append(msg)

        receivers = [asyncio.ensure_future(recv()) for _ in range(k)]
        await asyncio.gather(*(send(i) for i in range(k)))
        while len(got) < n:
            await settle(1)
        for r in receivers:
            r.cancel()
        assert sorted(int(m) for m in got) == list(range(n))

    run(main, timeout=60)


def test_next_to_a_zmqstream_on_the_same_ioloop(ctx: zmq.Context) -> None:
    """A stream and future sockets share the IOLoop: both keep being served."""
    a, b = pair(ctx, zmq.PAIR, zmq.PAIR, timeout_ms=None)
    c, d = fpair(ctx, zmq.PAIR, zmq.PAIR)

    async def main() -> None:
        stream = ZMQStream(a)
        echoed = asyncio.get_running_loop().create_future()
        stream.on_recv(lambda frames: stream.send_multipart(frames))
        fb = zf.Socket(b)

        async def echo_back() -> None:
            echoed.set_result(await fb.recv())

        waiting = asyncio.ensure_future(echo_back())
        await fb.send(b"ping")
        await waiting
        assert echoed.result() == b"ping"
        await c.send(b"pong")
        assert await d.recv() == b"pong"
        stream.close()

    run(main)
