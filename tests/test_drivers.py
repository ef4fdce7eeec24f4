"""The same waiting behaviour under every driver of the readiness engine.

One test, parametrised over the drivers (asyncio, trio, anyio on either backend, tornado
futures) and the cases: a cancelled receive loses no message, RCVTIMEO raises Again and a
poll's timeout gives 0, a terminated context raises ContextTerminated, and closing a socket
ends its pending calls (as each library ends a wait: asyncio and tornado cancel the future,
trio raises ZMQError(ENOTSOCK)), and a Poller waits on a socket and a plain fd. Every body runs under anyio's primitives, which work under
all of them, bounded by anyio.fail_after; tasks are synchronised with wait_all_tasks_blocked.
gevent (zmq_cffi.green: blocking calls, greenlets wait) has the same cases written for
greenlets, ending a wait as trio does; a killed greenlet is the cancelled task.
"""
from __future__ import annotations

import asyncio
import inspect
import threading
from socket import socketpair
from typing import Any, Awaitable, Callable, List, Tuple

import gevent
import pytest

import zmq_cffi as zmq
from conftest import TIMEOUT_MS, endpoint, pair

anyio = pytest.importorskip("anyio")
trio = pytest.importorskip("trio")
tornado_ioloop = pytest.importorskip("tornado.ioloop")

import zmq_cffi.aio as zaio  # noqa: E402
import zmq_cffi.asyncio as zasyncio  # noqa: E402
import zmq_cffi.eventloop.future as zfuture  # noqa: E402
import zmq_cffi.green as green  # noqa: E402

#: Upper bound for one test body (s): generous, the CI machine is small and shared.
BOUND = 60.0

# zmq.green warns on each use of RCVTIMEO/SNDTIMEO, as pyzmq does; the tests use them as backstops.
pytestmark = pytest.mark.filterwarnings("ignore:.*on a zmq.green socket:UserWarning")


class Driver:
    """One way of running async code, and the async socket class that goes with it."""

    def __init__(self, name: str, socket_class: type, trio_like: bool) -> None:
        self.name, self.socket_class, self.trio_like = name, socket_class, trio_like

    def __repr__(self) -> str:
        return self.name

    def run(self, fn: Callable[[], Awaitable[Any]]) -> Any:
        async def bounded() -> Any:
            with anyio.fail_after(BOUND):
                return await fn()

        if self.name in ("asyncio", "anyio-asyncio"):
            return anyio.run(bounded, backend="asyncio") if self.name.startswith("anyio") else asyncio.run(bounded())
        if self.name in ("trio", "anyio-trio"):
            return anyio.run(bounded, backend="trio") if self.name.startswith("anyio") else trio.run(bounded)
        io_loop = tornado_ioloop.IOLoop(make_current=False)
        try:
            return io_loop.run_sync(bounded)
        finally:
            io_loop.close()

    def closed_error(self) -> Tuple[type, ...]:
        """How a call pending when its socket is closed ends under this library."""
        return (zmq.ZMQError,) if self.trio_like else (asyncio.CancelledError,)


DRIVERS = [
    Driver("asyncio", zasyncio.Socket, False),
    Driver("trio", zaio.Socket, True),
    Driver("anyio-asyncio", zaio.Socket, False),
    Driver("anyio-trio", zaio.Socket, True),
    Driver("tornado-future", zfuture.Socket, False),
]


def case_cancel_loses_nothing(driver: Driver, ctx: zmq.Context) -> None:
    """Two waiters; the first is cancelled: both messages go to the one left and the next call."""
    a, b = pair(ctx, zmq.PUSH, zmq.PULL)
    push, pull = driver.socket_class(a), driver.socket_class(b)

    async def body() -> None:
        got: List[Any] = []

        async def keep() -> None:
            got.append(await pull.recv())

        async def lose() -> None:
            got.append(await pull.recv())  # never: cancelled while waiting

        async with anyio.create_task_group() as tg:
            with anyio.CancelScope() as doomed:
                async with anyio.create_task_group() as inner:
                    inner.start_soon(lose)
                    await anyio.wait_all_tasks_blocked()
                    tg.start_soon(keep)
                    await anyio.wait_all_tasks_blocked()
                    doomed.cancel()
            await push.send(b"m1")
        await push.send(b"m2")
        got.append(await pull.recv())
        assert got == [b"m1", b"m2"]

    driver.run(body)


def case_timeouts(driver: Driver, ctx: zmq.Context) -> None:
    """RCVTIMEO and SNDTIMEO fail a waiting call with Again; a poll's timeout resolves to 0."""
    a, b = pair(ctx, zmq.PUSH, zmq.PULL)
    push, pull = driver.socket_class(a), driver.socket_class(b)
    pull.rcvtimeo = 20
    lonely = driver.socket_class(ctx.socket(zmq.PUSH))  # no peer: a send waits
    lonely.sndtimeo = 20

    async def body() -> None:
        with pytest.raises(zmq.Again):
            await pull.recv()
        with pytest.raises(zmq.Again):
            await lonely.send(b"x")
        assert await pull.poll(20) == 0
        # The socket still works after timing out.
        await push.send(b"m")
        assert await pull.recv() == b"m"

    try:
        driver.run(body)
    finally:
        lonely.close(linger=0)


def case_context_terminated(driver: Driver, ctx: zmq.Context) -> None:
    """term() from another thread: pending calls raise ContextTerminated, then close works."""
    own = zmq.Context()
    pull = driver.socket_class(own.socket(zmq.PULL))
    pull.linger = 0
    pull.bind(endpoint("inproc"))
    terminator = threading.Thread(target=own.term, daemon=True)

    async def body() -> None:
        errors: List[BaseException] = []

        async def waiter(op: Callable[[], Awaitable[Any]]) -> None:
            try:
                await op()
            except zmq.ZMQError as e:
                errors.append(e)

        async with anyio.create_task_group() as tg:
            tg.start_soon(waiter, pull.recv)
            tg.start_soon(waiter, pull.recv_multipart)
            await anyio.wait_all_tasks_blocked()
            terminator.start()
        assert len(errors) == 2 and all(isinstance(e, zmq.ContextTerminated) for e in errors), errors
        pull.close()

    try:
        driver.run(body)
    finally:
        if not pull.closed:
            pull.close()
        if terminator.is_alive() or terminator.ident is not None:
            terminator.join(TIMEOUT_MS / 1000)
        assert not terminator.is_alive() and own.closed


def close_by(how: str, pull: Any, sync_pull: zmq.Socket, own: zmq.Context) -> None:
    if how == "close":
        pull.close()
    elif how == "sync_shadow":
        sync_pull.close()
    else:
        own.destroy(linger=0)


def assert_closed_for_good(pull: Any) -> None:
    assert pull.closed
    with pytest.raises(zmq.ZMQError) as info:
        pull.recv()
    assert info.value.errno == zmq.ENOTSOCK


def case_close_while_waiting(driver: Driver, ctx: zmq.Context) -> None:
    """Closing the socket (itself, through a plain shadow of it, or by destroying its context)
    ends pending receives and polls; later calls raise ENOTSOCK at once."""
    for how in ("close", "sync_shadow", "destroy"):
        own = zmq.Context() if how == "destroy" else ctx
        try:
            a, b = pair(own, zmq.PUSH, zmq.PULL)
            pull = driver.socket_class(b)
            sync_pull = zmq.Socket(pull)

            async def body() -> None:
                ended: List[BaseException] = []

                async def waiter(op: Callable[[], Awaitable[Any]]) -> None:
                    try:
                        await op()
                    except driver.closed_error() as e:
                        ended.append(e)

                async with anyio.create_task_group() as tg:
                    tg.start_soon(waiter, pull.recv)
                    tg.start_soon(waiter, pull.recv_multipart)
                    tg.start_soon(waiter, lambda: pull.poll(TIMEOUT_MS))
                    await anyio.wait_all_tasks_blocked()
                    close_by(how, pull, sync_pull, own)
                assert len(ended) == 3, how
                if driver.trio_like:
                    assert all(isinstance(e, zmq.ZMQError) and e.errno == zmq.ENOTSOCK for e in ended)
                assert_closed_for_good(pull)

            driver.run(body)
        finally:
            if how == "destroy":
                own.destroy(linger=0)


def case_poller(driver: Driver, ctx: zmq.Context) -> None:
    """A Poller over a socket and a plain fd: [] after its timeout; the socket's message or the
    fd's byte ends a waiting poll with that item; closing the polled socket ends it."""
    a, b = pair(ctx, zmq.PUSH, zmq.PULL)
    push, pull = driver.socket_class(a), driver.socket_class(b)
    reader, writer = socketpair()
    poller = driver.socket_class._poller_class()
    poller.register(pull, zmq.POLLIN)
    poller.register(reader.fileno(), zmq.POLLIN)

    async def poll_while(action: Callable[[], Any]) -> List[Any]:
        got: List[Any] = []

        async def waiter() -> None:
            try:
                got.append(await poller.poll(TIMEOUT_MS))
            except driver.closed_error() as e:
                got.append(e)

        async with anyio.create_task_group() as tg:
            tg.start_soon(waiter)
            await anyio.wait_all_tasks_blocked()
            result = action()
            if inspect.isawaitable(result):
                await result
        return got

    async def body() -> None:
        assert await poller.poll(20) == []
        assert await poll_while(lambda: push.send(b"m")) == [[(pull, zmq.POLLIN)]]
        assert await pull.recv() == b"m"
        assert await poll_while(lambda: writer.send(b"x")) == [[(reader.fileno(), zmq.POLLIN)]]
        reader.recv(1)
        [ended] = await poll_while(pull.close)
        assert isinstance(ended, driver.closed_error()), ended
        if driver.trio_like:
            assert isinstance(ended, zmq.ZMQError) and ended.errno == zmq.ENOTSOCK

    try:
        driver.run(body)
    finally:
        reader.close()
        writer.close()


CASES = {f.__name__[len("case_"):]: f for f in (
    case_cancel_loses_nothing, case_timeouts, case_context_terminated, case_close_while_waiting,
    case_poller,
)}


@pytest.mark.parametrize("case", list(CASES))
@pytest.mark.parametrize("driver", DRIVERS, ids=repr)
def test_same_behaviour_under_every_driver(ctx: zmq.Context, driver: Driver, case: str) -> None:
    CASES[case](driver, ctx)


# -- the same cases under gevent (zmq_cffi.green: blocking calls, greenlets wait) ---------------


def spawn_blocked(*functions: Callable[[], Any]) -> List[Any]:
    """Start greenlets and let each run until it blocks (spawned greenlets run in order before
    the current one resumes from sleep(0))."""
    greenlets = [gevent.spawn(f) for f in functions]
    gevent.sleep(0)
    return greenlets


def joined(greenlets: List[Any]) -> List[Any]:
    """Their results (or exceptions), each joined within the bound."""
    done = gevent.joinall(greenlets, timeout=BOUND)
    assert len(done) == len(greenlets), "greenlets still waiting after the bound"
    return [g.value if g.successful() else g.exception for g in greenlets]


def green_cancel_loses_nothing(ctx: zmq.Context) -> None:
    a, b = pair(ctx, zmq.PUSH, zmq.PULL)
    push, pull = green.Socket(a), green.Socket(b)
    lose, keep = spawn_blocked(pull.recv, pull.recv)
    lose.kill(block=True, timeout=BOUND)
    assert lose.dead and isinstance(lose.value, gevent.GreenletExit)
    push.send(b"m1")
    push.send(b"m2")
    assert joined([keep]) == [b"m1"]
    assert pull.recv() == b"m2"


def green_timeouts(ctx: zmq.Context) -> None:
    a, b = pair(ctx, zmq.PUSH, zmq.PULL)
    push, pull = green.Socket(a), green.Socket(b)
    pull.rcvtimeo = 20
    lonely = green.Socket(ctx.socket(zmq.PUSH))
    lonely.sndtimeo = 20
    try:
        with pytest.raises(zmq.Again):
            pull.recv()
        with pytest.raises(zmq.Again):
            lonely.send(b"x")
        assert pull.poll(20) == 0
        push.send(b"m")
        assert pull.recv() == b"m"
    finally:
        lonely.close(linger=0)


def green_context_terminated(ctx: zmq.Context) -> None:
    own = zmq.Context()
    pull = green.Socket(own.socket(zmq.PULL))
    pull.linger = 0
    pull.bind(endpoint("inproc"))
    terminator = threading.Thread(target=own.term, daemon=True)
    try:
        waiters = spawn_blocked(pull.recv, pull.recv_multipart)
        terminator.start()
        errors = joined(waiters)
        assert all(isinstance(e, zmq.ContextTerminated) for e in errors), errors
        pull.close()
    finally:
        if not pull.closed:
            pull.close()
        terminator.join(TIMEOUT_MS / 1000)
    assert not terminator.is_alive() and own.closed


def green_close_while_waiting(ctx: zmq.Context) -> None:
    for how in ("close", "sync_shadow", "destroy"):
        own = zmq.Context() if how == "destroy" else ctx
        try:
            a, b = pair(own, zmq.PUSH, zmq.PULL)
            pull = green.Socket(b)
            sync_pull = zmq.Socket(pull)
            waiters = spawn_blocked(pull.recv, pull.recv_multipart, lambda: pull.poll(TIMEOUT_MS))
            close_by(how, pull, sync_pull, own)
            ended = joined(waiters)
            assert all(isinstance(e, zmq.ZMQError) and e.errno == zmq.ENOTSOCK for e in ended), (how, ended)
            assert_closed_for_good(pull)
        finally:
            if how == "destroy":
                own.destroy(linger=0)


def green_poller(ctx: zmq.Context) -> None:
    a, b = pair(ctx, zmq.PUSH, zmq.PULL)
    push, pull = green.Socket(a), green.Socket(b)
    reader, writer = socketpair()
    poller = green.Poller()
    poller.register(pull, zmq.POLLIN)
    poller.register(reader.fileno(), zmq.POLLIN)
    try:
        assert poller.poll(20) == []
        [waiter] = spawn_blocked(lambda: poller.poll(TIMEOUT_MS))
        push.send(b"m")
        assert joined([waiter]) == [[(pull, zmq.POLLIN)]]
        assert pull.recv() == b"m"
        [waiter] = spawn_blocked(lambda: poller.poll(TIMEOUT_MS))
        writer.send(b"x")
        assert joined([waiter]) == [[(reader.fileno(), zmq.POLLIN)]]
        reader.recv(1)
        [waiter] = spawn_blocked(lambda: poller.poll(TIMEOUT_MS))
        pull.close()
        [ended] = joined([waiter])
        assert isinstance(ended, zmq.ZMQError) and ended.errno == zmq.ENOTSOCK, ended
    finally:
        reader.close()
        writer.close()


GREEN_CASES = {f.__name__[len("green_"):]: f for f in (
    green_cancel_loses_nothing, green_timeouts, green_context_terminated, green_close_while_waiting,
    green_poller,
)}


@pytest.mark.parametrize("case", list(CASES))
def test_same_behaviour_under_gevent(ctx: zmq.Context, case: str) -> None:
    """gevent ends a wait as trio does: closing the socket raises ZMQError(ENOTSOCK); a killed
    greenlet is the cancelled task."""
    GREEN_CASES[case](ctx)
