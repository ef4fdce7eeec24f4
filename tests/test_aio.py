"""zmq_cffi.aio over real sockets, under asyncio, trio, and anyio on either backend.

Every test body runs under a bound (asyncio.wait_for, trio.fail_after or anyio.fail_after),
sockets have RCVTIMEO/SNDTIMEO, and pytest-timeout backs both up: a missed wake-up fails a
test, it never hangs the suite. Tasks are synchronised with wait_all_tasks_blocked, never with
sleeps. The stress tests push thousands of messages both ways at once through sockets with
tiny high water marks and several tasks per socket, so that senders and receivers keep
waiting for each other: one lost edge of libzmq's notification fd shows up as a timeout.
"""
from __future__ import annotations

import asyncio
import os
import random
import socket as pysocket
import subprocess
import sys
import time
from typing import Any, Awaitable, Callable, Dict, List, Optional, Tuple

import pytest

import zmq_cffi as zmq
import zmq_cffi.aio as zaio
from conftest import TIMEOUT_MS, endpoint, pair

trio = pytest.importorskip("trio")
anyio = pytest.importorskip("anyio")
sniffio = pytest.importorskip("sniffio")

#: Upper bound for one test body (s): generous, the CI machine is small and shared.
BOUND = 60.0
#: Messages per direction in the stress tests.
N = 5000
#: Sender and receiver tasks per socket and direction in the stress tests.
K = 3

LIBS = ["asyncio", "trio", "anyio-asyncio", "anyio-trio"]
TRANSPORTS = ["inproc", "tcp"]


class Lib:
    """One way of running async code: a native loop, or anyio on a backend."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.trio = "trio" in name

    def __repr__(self) -> str:
        return self.name

    def run(self, fn: Callable[..., Awaitable[Any]], *args: Any, timeout: float = BOUND) -> Any:
        """Run fn(*args) to completion, failing if it takes longer than `timeout`."""
        if self.name == "asyncio":
            return asyncio.run(asyncio.wait_for(fn(*args), timeout))
        if self.name == "trio":
            async def bounded_trio() -> Any:
                with trio.fail_after(timeout):
                    return await fn(*args)

            return trio.run(bounded_trio)

        async def bounded_anyio() -> Any:
            with anyio.fail_after(timeout):
                return await fn(*args)

        return anyio.run(bounded_anyio, backend=self.name.split("-", 1)[1])

    def closed_error(self) -> Tuple[type, ...]:
        """What a call pending when its socket is closed raises under this library."""
        return (zmq.ZMQError,) if self.trio else (asyncio.CancelledError,)


@pytest.fixture(params=LIBS)
def lib(request: Any) -> Lib:
    return Lib(request.param)


def apair(
    ctx: zmq.Context, bind_type: int, connect_type: int, transport: str = "inproc", hwm: int = 0
) -> Tuple[zaio.Socket, zaio.Socket]:
    """(bound, connected) zmq_cffi.aio sockets over conftest.pair()'s sockets of the `ctx`
    fixture (destroyed with it)."""
    a, b = pair(ctx, bind_type, connect_type, transport, hwm)
    return zaio.Socket(a), zaio.Socket(b)


async def collect(sock: zaio.Socket, into: List[Any], multipart: bool = False) -> None:
    into.append(await (sock.recv_multipart() if multipart else sock.recv()))


# -- classes ----------------------------------------------------------------------------------


def test_classes() -> None:
    import zmq_cffi.asyncio as zasyncio

    assert issubclass(zaio.Socket, zasyncio.Socket) and issubclass(zaio.Socket, zmq.Socket)
    assert issubclass(zaio.Poller, zasyncio.Poller) and issubclass(zaio.Poller, zmq.Poller)
    assert issubclass(zaio.Context, zmq.Context)
    ctx = zaio.Context()
    try:
        s = ctx.socket(zmq.PAIR)
        assert type(s) is zaio.Socket
        assert s._poller_class is zaio.Poller
        s.close()
    finally:
        ctx.destroy(linger=0)
    inst = zaio.Context.instance()
    assert type(inst) is zaio.Context and zaio.Context.instance() is inst
    assert inst is not zmq.Context.instance() and inst is not zasyncio.Context.instance()


# -- round trips ------------------------------------------------------------------------------


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_round_trips(ctx: zmq.Context, lib: Lib, transport: str) -> None:
    a, b = apair(ctx, zmq.PAIR, zmq.PAIR, transport)

    async def body() -> None:
        await a.send(b"one")
        assert await b.recv() == b"one"
        await b.send_string("dé")
        assert await a.recv_string() == "dé"
        await a.send_json({"k": [1, 2]})
        assert await b.recv_json() == {"k": [1, 2]}
        await b.send_pyobj({"set": {1}})
        assert await a.recv_pyobj() == {"set": {1}}
        await a.send_multipart([b"x", memoryview(b"yy"), bytearray(b"zzz")])
        assert await b.recv_multipart() == [b"x", b"yy", b"zzz"]
        await b.send_multipart([b"f1", b"f2"], copy=False)
        frames = await a.recv_multipart(copy=False)
        assert [f.bytes for f in frames] == [b"f1", b"f2"]
        await a.send_serialized([1, 2], lambda m: [str(x).encode() for x in m])
        assert await b.recv_serialized(lambda fs: [int(f) for f in fs]) == [1, 2]
        await b.send(b"into")
        buf = bytearray(10)
        assert await a.recv_into(buf) == 4 and buf[:4] == b"into"
        # Receivers waiting before the message arrives are woken, in both directions.
        got: List[Any] = []
        async with anyio.create_task_group() as tg:
            tg.start_soon(collect, b, got)
            tg.start_soon(collect, a, got, True)
            await anyio.wait_all_tasks_blocked()
            await a.send(b"late")
            await b.send_multipart([b"la", b"te"])
        assert sorted(got, key=repr) == sorted([b"late", [b"la", b"te"]], key=repr)

    lib.run(body)


def test_errors_surface_at_await(ctx: zmq.Context, lib: Lib) -> None:
    a, b = apair(ctx, zmq.PAIR, zmq.PAIR)

    async def body() -> None:
        with pytest.raises(TypeError):
            await a.send_multipart([b"ok", object()])
        with pytest.raises(ValueError):
            await a.send_multipart([])
        with pytest.raises(zmq.Again):
            await b.recv(zmq.NOBLOCK)
        await a.send(b"not json")
        with pytest.raises(ValueError):
            await b.recv_json()
        a.close()
        with pytest.raises(zmq.ZMQError):
            await a.send(b"x")

    lib.run(body)


# -- stress -----------------------------------------------------------------------------------


async def pump(routes: List[Tuple[str, List[zaio.Socket], List[zaio.Socket]]], n: int, k: int, multipart: bool) -> Dict[str, List[Any]]:
    """For every (name, senders, receivers): k tasks per sending socket send n messages in
    all, k tasks per receiving socket receive them; every route runs at once."""
    got: Dict[str, List[Any]] = {name: [] for name, _, _ in routes}
    remaining = {name: n for name, _, _ in routes}

    async def send(name: str, sock: zaio.Socket, sender: int, count: int) -> None:
        for i in range(count):
            frames = [name.encode(), b"%d" % sender, b"%d" % i]
            if multipart:
                await sock.send_multipart(frames)
            else:
                await sock.send(b":".join(frames))

    async def recv(name: str, sock: zaio.Socket) -> None:
        # Claim a message before waiting for it, so that exactly n receives are made.
        while remaining[name] > 0:
            remaining[name] -= 1
            msg = await (sock.recv_multipart() if multipart else sock.recv())
            got[name].append(tuple(msg) if multipart else tuple(msg.split(b":")))

    async with anyio.create_task_group() as tg:
        for name, senders, receivers in routes:
            for sock in receivers:
                for _ in range(k):
                    tg.start_soon(recv, name, sock)
            tasks = [(sock, j) for sock in senders for j in range(k)]
            for t, (sock, j) in enumerate(tasks):
                share = n // len(tasks) + (1 if t < n % len(tasks) else 0)
                tg.start_soon(send, name, sock, t, share)
    return got


def check_exactly_once(got: List[Tuple[bytes, ...]], name: str, n: int, k: int) -> None:
    assert len(got) == n
    assert len(set(got)) == n, "a message arrived twice"
    senders: Dict[bytes, int] = {}
    for route, sender, _ in got:
        assert route == name.encode()
        senders[sender] = senders.get(sender, 0) + 1
    assert sum(senders.values()) == n and len(senders) <= k * 2


@pytest.mark.parametrize("transport", TRANSPORTS)
@pytest.mark.parametrize("pattern", ["dealer", "pushpull"])
def test_stress_both_directions(ctx: zmq.Context, lib: Lib, transport: str, pattern: str) -> None:
    """N messages each way at once, K sending and K receiving tasks per socket and direction,
    HWM 5: DEALER/DEALER (both directions on each socket, multipart) or a PUSH/PULL pair each
    way (single frames)."""
    if pattern == "dealer":
        a, b = apair(ctx, zmq.DEALER, zmq.DEALER, transport, hwm=5)
        routes = [("ab", [a], [b]), ("ba", [b], [a])]
    else:
        push1, pull1 = apair(ctx, zmq.PUSH, zmq.PULL, transport, hwm=5)
        pull2, push2 = apair(ctx, zmq.PULL, zmq.PUSH, transport, hwm=5)
        routes = [("ab", [push1], [pull1]), ("ba", [push2], [pull2])]
    multipart = pattern == "dealer"

    async def body() -> None:
        got = await pump(routes, N, K, multipart)
        for name, _, receivers in routes:
            check_exactly_once(got[name], name, N, K)
            for sock in receivers:
                with pytest.raises(zmq.Again):
                    await sock.recv(zmq.NOBLOCK)

    lib.run(body)


def test_stress_several_socket_objects(ctx: zmq.Context, lib: Lib) -> None:
    """Shadows of one libzmq socket wait together (under trio: one fd, never BusyResourceError)."""
    a, b = apair(ctx, zmq.DEALER, zmq.DEALER, "tcp", hwm=5)
    a2, b2 = zaio.Socket(a), zaio.Socket(b)

    async def body() -> None:
        got = await pump([("ab", [a, a2], [b, b2]), ("ba", [b, b2], [a, a2])], N, 2, False)
        check_exactly_once(got["ab"], "ab", N, 4)
        check_exactly_once(got["ba"], "ba", N, 4)

    lib.run(body)


@pytest.mark.parametrize("transport", TRANSPORTS)
@pytest.mark.parametrize("name", ["trio", "anyio-trio", "anyio-asyncio"])
def test_cancellation_under_load_loses_nothing(ctx: zmq.Context, name: str, transport: str) -> None:
    """Receivers are cancelled at random while thousands of messages flow: each message is
    still received exactly once. (Not plain asyncio: its task.cancel() landing after a future
    got its result but before the task resumed drops that result, by asyncio's design; anyio
    does not cancel a task whose future is already done.)"""
    push, pull = apair(ctx, zmq.PUSH, zmq.PULL, transport, hwm=5)
    rng = random.Random(1234)

    async def body() -> int:
        got: List[bytes] = []
        scopes: Dict[int, Any] = {}
        finished = anyio.Event()
        cancels = 0

        async def receiver(i: int) -> None:
            while not finished.is_set():
                with anyio.CancelScope() as scope:
                    scopes[i] = scope
                    msg = await pull.recv()
                    got.append(msg)
                    if len(got) == N:
                        finished.set()
                        for other in scopes.values():
                            other.cancel()
                scopes.pop(i, None)

        async def chaos() -> None:
            nonlocal cancels
            while not finished.is_set():
                await anyio.sleep(0)  # interleaving only, not synchronisation
                if scopes and rng.random() < 0.2:
                    scopes[rng.choice(sorted(scopes))].cancel()
                    cancels += 1

        async def sender() -> None:
            for i in range(N):
                await push.send(b"%d" % i)

        async with anyio.create_task_group() as tg:
            for i in range(4):
                tg.start_soon(receiver, i)
            tg.start_soon(chaos)
            tg.start_soon(sender)
        assert sorted(got, key=int) == [b"%d" % i for i in range(N)]
        with pytest.raises(zmq.Again):
            await pull.recv(zmq.NOBLOCK)
        return cancels

    assert Lib(name).run(body) > 0


# -- wake-ups after another call consumed the fd's edge ----------------------------------------


@pytest.mark.parametrize("consumer", ["get_events", "fast_send", "poll0", "poller0"])
def test_edge_consumed_elsewhere(ctx: zmq.Context, lib: Lib, consumer: str) -> None:
    """A waiting recv still completes when, right after the message arrives and before the
    loop looks at the fd, another call on the socket consumes the notification."""
    a, b = apair(ctx, zmq.DEALER, zmq.DEALER)
    sync_a = zmq.Socket(a)

    async def body() -> None:
        got: List[Any] = []
        async with anyio.create_task_group() as tg:
            tg.start_soon(collect, b, got)
            await anyio.wait_all_tasks_blocked()
            # Synchronous inproc send: b's fd is signalled now, the loop has not seen it.
            sync_a.send(b"msg", zmq.NOBLOCK)
            if consumer == "get_events":
                assert b.get(zmq.EVENTS) & zmq.POLLIN
            elif consumer == "fast_send":
                await b.send(b"reply")
            elif consumer == "poll0":
                assert await b.poll(0) == zmq.POLLIN
            else:
                poller = zaio.Poller()
                poller.register(b, zmq.POLLIN)
                assert await poller.poll(0) == [(b, zmq.POLLIN)]
        assert got == [b"msg"]

    lib.run(body)


# -- cancellation -----------------------------------------------------------------------------


def test_timeout_cancels_pending_recv(ctx: zmq.Context, lib: Lib) -> None:
    """A recv cancelled by the library's own timeout leaves the next message to the next recv."""
    push, pull = apair(ctx, zmq.PUSH, zmq.PULL)

    async def body() -> None:
        if lib.name == "trio":
            with trio.move_on_after(0.05) as scope:
                await pull.recv()
            assert scope.cancelled_caught
        elif lib.name == "asyncio":
            with pytest.raises(asyncio.TimeoutError):
                await asyncio.wait_for(pull.recv(), 0.05)
        else:
            with pytest.raises(TimeoutError):
                with anyio.fail_after(0.05):
                    await pull.recv()
        await push.send(b"kept")
        assert await pull.recv() == b"kept"

    lib.run(body)


@pytest.mark.parametrize("which", ["first", "second"])
def test_cancel_one_of_two_waiters(ctx: zmq.Context, lib: Lib, which: str) -> None:
    """Cancel the first waiter (under trio, the one watching the fd) or the second (parked):
    the other one gets the message."""
    push, pull = apair(ctx, zmq.PUSH, zmq.PULL)

    async def body() -> None:
        results: Dict[str, bytes] = {}
        scopes: Dict[str, Any] = {}

        async def receiver(name: str) -> None:
            with anyio.CancelScope() as scope:
                scopes[name] = scope
                results[name] = await pull.recv()

        async with anyio.create_task_group() as tg:
            tg.start_soon(receiver, "first")
            await anyio.wait_all_tasks_blocked()
            tg.start_soon(receiver, "second")
            await anyio.wait_all_tasks_blocked()
            scopes[which].cancel()
            await anyio.wait_all_tasks_blocked()
            await push.send(b"m")
        other = "second" if which == "first" else "first"
        assert results == {other: b"m"}

    lib.run(body)


def test_recv_in_cancelled_scope_loses_nothing(ctx: zmq.Context, lib: Lib) -> None:
    push, pull = apair(ctx, zmq.PUSH, zmq.PULL)

    async def body() -> None:
        await push.send(b"m")
        assert await pull.poll(TIMEOUT_MS) == zmq.POLLIN
        got: Optional[bytes] = None
        with anyio.CancelScope() as scope:
            scope.cancel()
            # trio raises Cancelled before taking the message; asyncio returns it (a done future).
            got = await pull.recv()
        if got is None:
            assert lib.trio
            got = await pull.recv()
        assert got == b"m"

    lib.run(body)


def test_trio_checkpoints(ctx: zmq.Context) -> None:
    """Under trio every call is a checkpoint, even one that completes at once."""
    import trio.testing

    a, b = apair(ctx, zmq.PAIR, zmq.PAIR)

    async def body() -> None:
        with trio.testing.assert_checkpoints():
            await a.send(b"x")
        with trio.testing.assert_checkpoints():
            assert await b.poll(TIMEOUT_MS) == zmq.POLLIN
        with trio.testing.assert_checkpoints():
            assert await b.recv() == b"x"
        with trio.testing.assert_checkpoints():
            with pytest.raises(zmq.Again):
                await b.recv(zmq.NOBLOCK)
        poller = zaio.Poller()
        poller.register(b, zmq.POLLIN)
        with trio.testing.assert_checkpoints():
            assert await poller.poll(0) == []

    Lib("trio").run(body)


def test_fifo_between_waiters(ctx: zmq.Context, lib: Lib) -> None:
    push, pull = apair(ctx, zmq.PUSH, zmq.PULL)

    async def body() -> None:
        results: Dict[int, bytes] = {}

        async def receiver(i: int) -> None:
            results[i] = await pull.recv()

        async with anyio.create_task_group() as tg:
            for i in range(4):
                tg.start_soon(receiver, i)
                await anyio.wait_all_tasks_blocked()
            for i in range(4):
                await push.send(b"%d" % i)
        assert results == {i: b"%d" % i for i in range(4)}

    lib.run(body)


# -- poll and Poller --------------------------------------------------------------------------


def test_socket_poll(ctx: zmq.Context, lib: Lib) -> None:
    push, pull = apair(ctx, zmq.PUSH, zmq.PULL)

    async def body() -> None:
        assert await pull.poll(0) == 0
        t0 = time.monotonic()
        assert await pull.poll(50) == 0
        assert time.monotonic() - t0 >= 0.04
        assert await push.poll(TIMEOUT_MS, zmq.POLLOUT) == zmq.POLLOUT
        results: List[int] = []

        async def poller() -> None:
            results.append(await pull.poll(TIMEOUT_MS))
            results.append(await pull.poll(None, zmq.POLLIN | zmq.POLLOUT))

        async with anyio.create_task_group() as tg:
            tg.start_soon(poller)
            await anyio.wait_all_tasks_blocked()
            await push.send(b"x")
        assert results == [zmq.POLLIN, zmq.POLLIN]
        assert await pull.recv() == b"x"

    lib.run(body)


def test_poller(ctx: zmq.Context, lib: Lib) -> None:
    push, pull = apair(ctx, zmq.PUSH, zmq.PULL, "tcp")
    push2, pull2 = apair(ctx, zmq.PUSH, zmq.PULL)
    rsock, wsock = pysocket.socketpair()
    try:
        poller = zaio.Poller()
        poller.register(pull, zmq.POLLIN)
        poller.register(pull2, zmq.POLLIN)
        poller.register(rsock, zmq.POLLIN)

        async def body() -> None:
            assert await poller.poll(0) == []
            t0 = time.monotonic()
            assert await poller.poll(50) == []
            assert time.monotonic() - t0 >= 0.04
            results: List[Any] = []

            async def wait() -> None:
                results.append(await poller.poll())

            # Woken by a zmq socket ...
            async with anyio.create_task_group() as tg:
                tg.start_soon(wait)
                await anyio.wait_all_tasks_blocked()
                await push.send(b"x")
            assert results.pop() == [(pull, zmq.POLLIN)]
            assert await pull.recv() == b"x"
            # ... and by a plain fd.
            async with anyio.create_task_group() as tg:
                tg.start_soon(wait)
                await anyio.wait_all_tasks_blocked()
                wsock.send(b"y")
            assert results.pop() == [(rsock.fileno(), zmq.POLLIN)]
            rsock.recv(1)
            # A recv and a Poller waiting on one socket at once both complete.
            got: List[Any] = []
            async with anyio.create_task_group() as tg:
                tg.start_soon(collect, pull2, got)
                tg.start_soon(wait)
                await anyio.wait_all_tasks_blocked()
                await push2.send(b"1")
                await push2.send(b"2")
            assert got == [b"1"] and results.pop() == [(pull2, zmq.POLLIN)]
            assert await pull2.recv() == b"2"

        lib.run(body)
    finally:
        rsock.close()
        wsock.close()


# -- timeouts ---------------------------------------------------------------------------------


def test_rcvtimeo_and_sndtimeo_raise_again(ctx: zmq.Context, lib: Lib) -> None:
    push, pull = apair(ctx, zmq.PUSH, zmq.PULL)
    lonely = zaio.Socket(ctx.socket(zmq.PUSH))  # no peer: a send would block forever
    lonely.linger = 0

    async def body() -> None:
        pull.rcvtimeo = 50
        t0 = time.monotonic()
        with pytest.raises(zmq.Again):
            await pull.recv()
        assert time.monotonic() - t0 >= 0.04
        lonely.sndtimeo = 50
        with pytest.raises(zmq.Again):
            await lonely.send(b"x")
        with pytest.raises(zmq.Again):
            await lonely.send_multipart([b"x", b"y"])
        # The socket still works after a timeout.
        pull.rcvtimeo = TIMEOUT_MS
        await push.send(b"after")
        assert await pull.recv() == b"after"

    lib.run(body)


def test_timed_out_waiter_hands_over(ctx: zmq.Context, lib: Lib) -> None:
    """The first waiter (under trio, the fd's holder) times out; the second still gets woken."""
    push, pull = apair(ctx, zmq.PUSH, zmq.PULL)

    async def body() -> None:
        errors: List[BaseException] = []
        got: List[Any] = []
        first_done = anyio.Event()

        async def first() -> None:
            try:
                await pull.recv()
            except zmq.Again as e:
                errors.append(e)
            first_done.set()

        async with anyio.create_task_group() as tg:
            pull.rcvtimeo = 50
            tg.start_soon(first)
            await anyio.wait_all_tasks_blocked()
            pull.rcvtimeo = TIMEOUT_MS
            tg.start_soon(collect, pull, got)
            await anyio.wait_all_tasks_blocked()
            await first_done.wait()
            await push.send(b"m")
        assert len(errors) == 1 and got == [b"m"]

    lib.run(body)


# -- closing ----------------------------------------------------------------------------------


# Closing while calls wait: test_drivers.py, the same case under every driver.


def test_foreign_shadow_forgets_socket(ctx: zmq.Context, lib: Lib) -> None:
    """Closing one of two shadows of a socket made outside zmq_cffi only forgets it: that
    shadow's waiter fails, the other shadow's waiter still gets the message."""
    from zmq_cffi._ffi import ffi, lib as libzmq

    handle = libzmq.zmq_socket(ctx._handle, zmq.PULL)
    assert handle != ffi.NULL
    try:
        address = int(ffi.cast("intptr_t", handle))
        first, second = zaio.Socket(shadow=address), zaio.Socket(shadow=address)
        first.linger = 0
        push = zaio.Socket(ctx.socket(zmq.PUSH))
        push.linger = 0
        first.bind(endpoint("inproc"))
        push.connect(first.get_string(zmq.LAST_ENDPOINT))

        async def body() -> None:
            errors: List[BaseException] = []
            got: List[Any] = []

            async def doomed() -> None:
                try:
                    await first.recv()
                except lib.closed_error() as e:
                    errors.append(e)

            async with anyio.create_task_group() as tg:
                tg.start_soon(doomed)  # under trio, the fd's holder
                await anyio.wait_all_tasks_blocked()
                tg.start_soon(collect, second, got)
                await anyio.wait_all_tasks_blocked()
                first.close()
                await anyio.wait_all_tasks_blocked()
                await push.send(b"m")
            assert len(errors) == 1 and got == [b"m"]
            assert first.closed and not second.closed

        lib.run(body)
        second.close()
    finally:
        libzmq.zmq_close(handle)


# -- library detection ------------------------------------------------------------------------


def test_unsupported_or_no_library(ctx: zmq.Context) -> None:
    push, pull = apair(ctx, zmq.PUSH, zmq.PULL)
    poller = zaio.Poller()
    poller.register(pull, zmq.POLLIN)
    calls: List[Callable[[], Any]] = [
        pull.recv, pull.recv_multipart, pull.recv_string, pull.poll, lambda: push.send(b"x"),
        lambda: push.send_multipart([b"x"]), lambda: push.send_json(1), poller.poll,
    ]
    token = sniffio.current_async_library_cvar.set("curio")
    try:
        for call in calls:
            with pytest.raises(RuntimeError, match="curio"):
                call()
    finally:
        sniffio.current_async_library_cvar.reset(token)
    for call in calls:
        with pytest.raises(RuntimeError, match="no async library"):
            call()


def test_asyncio_loop_callback_counts_as_asyncio(ctx: zmq.Context) -> None:
    """Outside any task (a loop callback), sniffio sees no library, yet asyncio is running."""
    push, pull = apair(ctx, zmq.PUSH, zmq.PULL)

    async def body() -> Any:
        loop = asyncio.get_running_loop()
        fut: "asyncio.Future[Any]" = loop.create_future()
        loop.call_soon(lambda: fut.set_result(push.send(b"cb")))
        await (await fut)
        return await pull.recv()

    assert asyncio.run(asyncio.wait_for(body(), BOUND)) == b"cb"


def test_socket_moves_between_libraries(ctx: zmq.Context) -> None:
    """One socket used under asyncio, then trio, then asyncio again (each with a waiting recv)."""
    push, pull = apair(ctx, zmq.PUSH, zmq.PULL)

    async def body() -> None:
        got: List[Any] = []
        async with anyio.create_task_group() as tg:
            tg.start_soon(collect, pull, got)
            await anyio.wait_all_tasks_blocked()
            await push.send(b"m")
        assert got == [b"m"]

    for name in ["asyncio", "trio", "anyio-asyncio", "anyio-trio", "asyncio"]:
        Lib(name).run(body)


def test_import_without_trio_anyio_sniffio() -> None:
    """zmq_cffi.aio imports and works under asyncio with trio, anyio and sniffio missing."""
    code = """
import sys
for name in ("trio", "anyio", "sniffio"):
    sys.modules[name] = None  # makes `import name` fail
import asyncio
import zmq_cffi as zmq
import zmq_cffi.aio as zaio

async def main():
    ctx = zaio.Context()
    a, b = ctx.socket(zmq.PAIR), ctx.socket(zmq.PAIR)
    a.bind("inproc://x"); b.connect("inproc://x")
    waiting = asyncio.ensure_future(b.recv())
    await asyncio.sleep(0)
    await a.send(b"hello")
    assert await asyncio.wait_for(waiting, 10) == b"hello"
    a.close(); b.close(); ctx.term()
    return "ok"

print(asyncio.run(main()))
s = zaio.Context.instance().socket(zmq.PAIR)
try:
    s.recv()
except RuntimeError as e:
    print("outside:", "no async library" in str(e))
finally:
    s.close(linger=0)
"""
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60,
        cwd=os.path.dirname(os.path.dirname(os.path.abspath(zmq.__file__))),
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.split("\n")[:2] == ["ok", "outside: True"]
