"""zmq_cffi.asyncio over real sockets: futures for send/recv/poll, wake-ups, cancellation.

Coroutines run with asyncio.run (no pytest-asyncio); every test body is bounded by
asyncio.wait_for, and pytest-timeout backs that up. The stress tests push thousands of
messages through sockets with tiny high water marks and several tasks per socket, so that
senders and receivers constantly wait for each other: a single missed wake-up of libzmq's
edge-triggered fd shows up as a timeout.
"""
from __future__ import annotations

import asyncio
import json
import os
import random
import socket as pysocket
import threading
import time
from typing import Any, Awaitable, Callable, Dict, Iterator, List, Tuple

import pytest

import zmq_cffi as zmq
import zmq_cffi.asyncio as zaio
from zmq_cffi.utils.monitor import recv_monitor_message
from conftest import endpoint, pair

#: Upper bound for one test's coroutine (s): generous, the CI machine is small and shared.
BOUND = 30.0
#: Messages per stress run.
N = 5000

TRANSPORTS = ["inproc", "ipc", "tcp"]
STRESS_TRANSPORTS = ["inproc", "tcp"]


def run(coro: Awaitable[Any], timeout: float = BOUND) -> Any:
    """Run a coroutine on a fresh event loop, failing if it takes longer than `timeout`."""

    async def bounded() -> Any:
        return await asyncio.wait_for(coro, timeout)

    return asyncio.run(bounded())


@pytest.fixture
def actx() -> Iterator[zaio.Context]:
    context = zaio.Context()
    yield context
    context.destroy(linger=0)


def make_pair(ctx: Any, bind_type: int, connect_type: int, transport: str = "inproc", hwm: int = 0) -> Tuple[Any, Any]:
    """conftest.pair without send/recv timeouts: these tests wait through asyncio's own."""
    return pair(ctx, bind_type, connect_type, transport, hwm, timeout_ms=None)


async def settle(n: int = 5) -> None:
    """Let the loop run other callbacks a few times (no wall-clock waiting)."""
    for _ in range(n):
        await asyncio.sleep(0)


# -- classes, shadows, deprecated names ---------------------------------------------------------


def test_classes_subclass_the_sync_api(actx: zaio.Context) -> None:
    assert issubclass(zaio.Context, zmq.Context)
    assert issubclass(zaio.Socket, zmq.Socket)
    assert issubclass(zaio.Poller, zmq.Poller)
    s = actx.socket(zmq.PUSH)
    assert type(s) is zaio.Socket
    assert s.socket_type == zmq.PUSH
    # pyzmq's spellings of the constructor.
    loop = asyncio.new_event_loop()
    try:
        for other in (zaio.Socket(context=actx, socket_type=zmq.PULL), zaio.Socket(actx, zmq.PULL, loop),
                      zaio.Socket(_from_socket=s)):
            assert type(other) is zaio.Socket
            other.close()
    finally:
        loop.close()
    assert s.closed  # the last one was a shadow of it: closing it closed the socket


def test_context_instance_is_its_own_singleton() -> None:
    a = zaio.Context.instance()
    assert type(a) is zaio.Context
    assert zaio.Context.instance() is a
    sync = zmq.Context.instance()
    assert type(sync) is zmq.Context
    assert sync is not a
    s = a.socket(zmq.PAIR)
    assert isinstance(s, zaio.Socket)
    s.close()


def test_context_shadowing_both_ways(actx: zaio.Context) -> None:
    sync = zmq.Context(actx)
    assert type(sync) is zmq.Context and sync.underlying == actx.underlying
    plain_socket = sync.socket(zmq.PUSH)
    kind = type(plain_socket)
    plain_socket.close()  # before asserting: actx.destroy() only closes what actx made
    assert kind is zmq.Socket
    back = zaio.Context(sync)
    assert type(back) is zaio.Context and back.underlying == actx.underlying
    assert type(zaio.Context.shadow(sync.underlying)) is zaio.Context
    with zmq.Context() as plain:
        s = plain.socket(zmq.PULL, socket_class=zaio.Socket)
        assert type(s) is zaio.Socket
        s.close()


def test_socket_shadowing_both_ways(actx: zaio.Context) -> None:
    async def body() -> None:
        # Plain sockets, made by actx so that its destroy() closes them whatever happens.
        pull = actx.socket(zmq.PULL, socket_class=zmq.Socket)
        push = actx.socket(zmq.PUSH, socket_class=zmq.Socket)
        pull.bind(endpoint("inproc"))
        push.connect(pull.get_string(zmq.LAST_ENDPOINT))
        apull = zaio.Socket(pull)
        apush = zaio.Socket.from_socket(push)
        assert type(apull) is zaio.Socket and apull.underlying == pull.underlying
        assert apush.underlying == push.underlying
        await apush.send(b"via async shadow")
        assert pull.recv() == b"via async shadow"
        push.send(b"via sync socket")
        assert await apull.recv() == b"via sync socket"
        back = zmq.Socket(apull)
        assert type(back) is zmq.Socket and back.underlying == pull.underlying
        assert type(zaio.Socket.shadow(push.underlying)) is zaio.Socket
        # As in pyzmq, closing a shadow closes the socket, for every object over it.
        apull.close()
        assert pull.closed and back.closed
        push.close()
        assert apush.closed

    run(body())


def test_deprecated_event_loop_names() -> None:
    with pytest.warns(DeprecationWarning):
        assert zaio.install() is None
    with pytest.warns(DeprecationWarning):
        loop = zaio.ZMQEventLoop()
    try:
        assert isinstance(loop, asyncio.AbstractEventLoop)
        assert loop.run_until_complete(asyncio.sleep(0, "ran")) == "ran"
    finally:
        loop.close()
    assert set(zaio.__all__) == {"Context", "Socket", "Poller", "ZMQEventLoop", "install"}


# -- send and receive ---------------------------------------------------------------------------


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_send_recv_variants(actx: zaio.Context, transport: str) -> None:
    a, b = make_pair(actx, zmq.PAIR, zmq.PAIR, transport)

    async def body() -> None:
        # Receive first, so that these futures really wait for the data.
        fut = a.recv()
        assert not fut.done()
        assert await b.send(b"one") is None
        assert await fut == b"one"

        pending = a.recv_multipart()
        await b.send_multipart([b"x", bytearray(b"y"), memoryview(b"z")])
        assert await pending == [b"x", b"y", b"z"]

        await b.send_string("héllo")
        assert await a.recv_string() == "héllo"
        await b.send_string("latin", encoding="latin-1")
        assert await a.recv_string(encoding="latin-1") == "latin"
        await b.send_json({"a": [1, 2]}, sort_keys=True)
        assert await a.recv_json() == {"a": [1, 2]}
        await b.send_pyobj({1, 2, 3})
        assert await a.recv_pyobj() == {1, 2, 3}
        await b.send_serialized({"k": "v"}, lambda m: [b"hdr", json.dumps(m).encode()])
        assert await a.recv_serialized(lambda frames: (frames[0], json.loads(frames[1]))) == (b"hdr", {"k": "v"})

        await b.send(b"frame")
        frame = await a.recv(copy=False)
        assert isinstance(frame, zmq.Frame) and frame.bytes == b"frame"
        await b.send_multipart([b"p", b"q"])
        frames = await a.recv_multipart(copy=False)
        assert [f.bytes for f in frames] == [b"p", b"q"]

        buf = bytearray(10)
        into = a.recv_into(buf)
        await b.send(b"12345")
        assert await into == 5 and bytes(buf[:5]) == b"12345"

    run(body())


def test_zero_copy_and_tracking(actx: zaio.Context) -> None:
    a, b = make_pair(actx, zmq.PULL, zmq.PUSH, "tcp")
    big = os.urandom(300_000)

    async def body() -> None:
        tracker = await b.send(big, copy=False, track=True)
        assert isinstance(tracker, zmq.MessageTracker)
        assert await a.recv() == big
        # MessageTracker.wait blocks: run it off the loop.
        await asyncio.get_running_loop().run_in_executor(None, tracker.wait, 10)
        assert tracker.done
        tracker = await b.send_multipart([b"head", big], copy=False, track=True)
        assert isinstance(tracker, zmq.MessageTracker)
        frames = await a.recv_multipart(copy=False)
        assert frames[0].bytes == b"head" and frames[1].buffer == big

    run(body())


def test_queued_zero_copy_sends_keep_their_buffers(actx: zaio.Context) -> None:
    """Sends that must wait (no peer yet) hold their data until libzmq takes it."""
    push = actx.socket(zmq.PUSH)
    push.linger = 0
    push.sndhwm = 1
    addr = endpoint("inproc")
    push.bind(addr)
    payloads = [bytes([i]) * 100_000 for i in range(8)]

    async def body() -> None:
        sends = [push.send(bytearray(p), copy=False) for p in payloads]
        await settle()
        assert not any(f.done() for f in sends)  # no peer: nothing can go
        pull = actx.socket(zmq.PULL)
        pull.linger = 0
        pull.connect(addr)
        got = [await pull.recv() for _ in payloads]
        await asyncio.gather(*sends)
        assert got == payloads
        pull.close()

    run(body())


def test_send_recv_errors(actx: zaio.Context) -> None:
    async def body() -> None:
        push = actx.socket(zmq.PUSH)
        bad = push.send("text")
        assert isinstance(bad.exception(), TypeError)
        bad = push.send_multipart([b"ok", "text"])
        assert isinstance(bad.exception(), TypeError)
        with pytest.raises(TypeError):
            push.send_string(b"bytes")
        req = actx.socket(zmq.REQ)
        efsm = req.recv()
        assert efsm.done() and isinstance(efsm.exception(), zmq.ZMQError)
        assert efsm.exception().errno == zmq.EFSM
        push.close()
        req.close()
        # A closed socket fails at once, as in pyzmq, not in the future.
        for call in (lambda: push.send(b"x"), lambda: req.recv(), lambda: req.recv_multipart(), lambda: req.poll()):
            with pytest.raises(zmq.ZMQError) as info:
                call()
            assert info.value.errno == zmq.ENOTSOCK

    run(body())


def test_recv_json_error_consumes_the_message(actx: zaio.Context) -> None:
    a, b = make_pair(actx, zmq.PULL, zmq.PUSH)

    async def body() -> None:
        pending = a.recv_json()
        await b.send(b"not json")
        with pytest.raises(ValueError):
            await pending
        await b.send_json([1])
        assert await a.recv_json() == [1]

    run(body())


# -- NOBLOCK and timeouts -----------------------------------------------------------------------


def test_noblock_fails_at_once(actx: zaio.Context) -> None:
    async def body() -> None:
        pull = actx.socket(zmq.PULL)
        pull.bind(endpoint("inproc"))
        for call in (lambda: pull.recv(zmq.NOBLOCK), lambda: pull.recv_multipart(zmq.NOBLOCK),
                     lambda: pull.recv_string(zmq.DONTWAIT)):
            fut = call()
            assert fut.done()
            with pytest.raises(zmq.Again):
                await fut
        push = actx.socket(zmq.PUSH)  # no peer: a send would block
        fut = push.send(b"x", flags=zmq.NOBLOCK)
        assert fut.done()
        with pytest.raises(zmq.Again):
            await fut
        with pytest.raises(zmq.Again):
            await push.send_multipart([b"a", b"b"], flags=zmq.NOBLOCK)
        # As in pyzmq, NOBLOCK tries at once even while other recvs wait: Again with nothing
        # there; with a message there it takes it, and the earlier recv goes on waiting.
        waiting = pull.recv()
        await settle()
        with pytest.raises(zmq.Again):
            await pull.recv(zmq.NOBLOCK)
        out = actx.socket(zmq.PUSH)
        out.connect(pull.get_string(zmq.LAST_ENDPOINT))
        await out.send(b"m")  # done at once: the waiting recv has had no turn yet
        assert await pull.recv(zmq.NOBLOCK) == b"m"
        await settle()
        assert not waiting.done()
        waiting.cancel()
        for s in (pull, push, out):
            s.close(0)

    run(body())


def test_rcvtimeo_and_sndtimeo(actx: zaio.Context) -> None:
    async def body() -> None:
        pull = actx.socket(zmq.PULL)
        pull.bind(endpoint("inproc"))
        pull.rcvtimeo = 150
        ticks = 0

        async def ticker() -> None:
            nonlocal ticks
            while True:
                await asyncio.sleep(0.01)
                ticks += 1

        t = asyncio.ensure_future(ticker())
        start = time.monotonic()
        with pytest.raises(zmq.Again):
            await pull.recv()
        elapsed = time.monotonic() - start
        assert 0.14 <= elapsed < 5
        assert ticks >= 3  # the loop kept running while recv waited
        with pytest.raises(zmq.Again):
            await pull.recv_multipart()
        t.cancel()

        push = actx.socket(zmq.PUSH)  # no peer: sends wait, then time out
        push.sndtimeo = 100
        start = time.monotonic()
        with pytest.raises(zmq.Again):
            await push.send(b"x")
        assert 0.09 <= time.monotonic() - start < 5
        with pytest.raises(zmq.Again):
            await push.send_multipart([b"x", b"y"])

        # A timed-out recv took nothing: the next message goes to the next recv.
        pull.rcvtimeo = -1
        out = actx.socket(zmq.PUSH)
        out.connect(pull.get_string(zmq.LAST_ENDPOINT))
        await out.send(b"after timeout")
        assert await pull.recv() == b"after timeout"
        for s in (pull, push, out):
            s.close(0)

    run(body())


# -- Socket.poll and Poller ---------------------------------------------------------------------


def test_socket_poll(actx: zaio.Context) -> None:
    a, b = make_pair(actx, zmq.PAIR, zmq.PAIR, "tcp")

    async def body() -> None:
        assert await a.poll(50) == 0
        assert await a.poll(0) == 0
        assert await b.poll(1000, zmq.POLLOUT) == zmq.POLLOUT
        pending = a.poll()  # no timeout
        await settle()
        assert not pending.done()
        await b.send(b"x")
        assert await pending == zmq.POLLIN
        assert await a.poll(1000, zmq.POLLIN | zmq.POLLOUT) == zmq.POLLIN | zmq.POLLOUT
        assert await a.recv() == b"x"

    run(body())


def test_poller_over_several_sockets_and_fds(actx: zaio.Context) -> None:
    pulls = []
    pushes = []
    for transport in TRANSPORTS:
        a, b = make_pair(actx, zmq.PULL, zmq.PUSH, transport)
        pulls.append(a)
        pushes.append(b)
    # A plain synchronous zmq socket and a raw fd may be polled too.
    sync_pull = actx.socket(zmq.PULL, socket_class=zmq.Socket)
    sync_push = actx.socket(zmq.PUSH, socket_class=zmq.Socket)
    sync_pull.bind(endpoint("inproc"))
    sync_push.connect(sync_pull.get_string(zmq.LAST_ENDPOINT))
    r, w = pysocket.socketpair()

    async def body() -> None:
        poller = zaio.Poller()
        for s in pulls:
            poller.register(s, zmq.POLLIN)
        poller.register(sync_pull, zmq.POLLIN)
        poller.register(r, zmq.POLLIN)
        assert await poller.poll(50) == []
        assert await poller.poll(0) == []

        for i, push in enumerate(pushes):
            pending = poller.poll()
            await settle()
            assert not pending.done()
            await push.send(b"m%d" % i)
            assert await pending == [(pulls[i], zmq.POLLIN)]
            assert await pulls[i].recv() == b"m%d" % i

        pending = poller.poll(5000)
        await settle()
        sync_push.send(b"sync")
        assert await pending == [(sync_pull, zmq.POLLIN)]
        assert sync_pull.recv() == b"sync"

        pending = poller.poll(5000)
        await settle()
        w.send(b"raw")
        assert await pending == [(r.fileno(), zmq.POLLIN)]  # pyzmq reports fds by number
        assert r.recv(3) == b"raw"

        # Several ready at once: all reported.
        await pushes[0].send(b"a")
        await pushes[2].send(b"c")
        assert await pulls[0].poll(5000) == zmq.POLLIN  # both have arrived (tcp takes a moment)
        assert await pulls[2].poll(5000) == zmq.POLLIN
        assert dict(await poller.poll(1000)) == {pulls[0]: zmq.POLLIN, pulls[2]: zmq.POLLIN}

        # POLLOUT, and unregistering.
        out = zaio.Poller()
        out.register(pushes[1], zmq.POLLOUT)
        assert await out.poll(1000) == [(pushes[1], zmq.POLLOUT)]
        poller.unregister(pulls[0])
        poller.unregister(pulls[2])
        assert await poller.poll(20) == []

    try:
        run(body())
    finally:
        r.close()
        w.close()
        sync_pull.close(0)
        sync_push.close(0)


def test_poller_and_recv_waiting_on_the_same_socket(actx: zaio.Context) -> None:
    """A Poller and pending recvs share the socket's fd; neither steals the other's wake-up."""
    a, b = make_pair(actx, zmq.PULL, zmq.PUSH, "tcp")

    async def body() -> None:
        for _ in range(50):
            recv = a.recv()
            poller = zaio.Poller()
            poller.register(a, zmq.POLLIN)
            polled = poller.poll(10_000)
            await settle()
            await b.send(b"first")
            await b.send(b"second")
            assert await recv == b"first"
            assert await polled == [(a, zmq.POLLIN)]
            assert await a.recv() == b"second"

    run(body())


def test_two_async_shadows_wait_on_one_socket(actx: zaio.Context) -> None:
    a, b = make_pair(actx, zmq.PULL, zmq.PUSH, "inproc")
    shadow = zaio.Socket(a)

    async def body() -> None:
        for _ in range(50):
            f1 = a.recv()
            f2 = shadow.recv()
            await settle()
            await b.send(b"1")
            await b.send(b"2")
            assert sorted([await f1, await f2]) == [b"1", b"2"]

    run(body())


# -- the edge-triggered fd: calls outside the watcher must not swallow wake-ups -----------------


@pytest.mark.parametrize("transport", STRESS_TRANSPORTS)
def test_reading_events_does_not_swallow_a_wakeup(actx: zaio.Context, transport: str) -> None:
    a, b = make_pair(actx, zmq.PULL, zmq.PUSH, transport)

    async def body() -> None:
        for i in range(200):
            pending = a.recv()
            await settle(2)
            await b.send(b"%d" % i)  # done at once: no yield to the loop
            # Wait until the message is there, reading EVENTS (and so consuming the fd's edge)
            # ourselves, without giving the watcher a chance to see the edge first.
            spin_until = time.monotonic() + 10
            while not a.get(zmq.EVENTS) & zmq.POLLIN:
                assert time.monotonic() < spin_until
            assert await asyncio.wait_for(pending, 10) == b"%d" % i

    run(body())


@pytest.mark.parametrize("transport", STRESS_TRANSPORTS)
def test_send_on_a_socket_with_a_pending_recv_does_not_swallow_a_wakeup(actx: zaio.Context, transport: str) -> None:
    a, b = make_pair(actx, zmq.DEALER, zmq.DEALER, transport)

    async def body() -> None:
        for i in range(300):
            pending = a.recv()
            await settle(2)
            await b.send(b"%d" % i)
            # Sends on `a` process its commands too (the message's arrival among them).
            for _ in range(20):
                await a.send(b"echo")
            assert await asyncio.wait_for(pending, 10) == b"%d" % i
            for _ in range(20):
                assert await b.recv() == b"echo"

    run(body())


def test_failed_recv_attempt_does_not_swallow_a_send_wakeup(actx: zaio.Context) -> None:
    """inproc pipes post their commands synchronously, which makes this deterministic."""
    a, b = make_pair(actx, zmq.DEALER, zmq.DEALER, "inproc", hwm=2)

    async def body() -> None:
        for _ in range(20):
            sent = []
            while True:  # fill the pipe until a send has to wait
                blocked = a.send(b"%d" % len(sent))
                if not blocked.done():
                    break
                await blocked
                sent.append(b"%d" % len(sent))
            await settle()  # the waiting send has been checked: no room
            # b empties the pipe without yielding (its fast path), which posts an
            # "activate write" command to a: a's fd turns readable.
            assert [await b.recv() for _ in sent] == sent
            # A recv attempt on a fails, having processed that command on the way.
            pending_recv = a.recv()
            assert not pending_recv.done()
            await asyncio.wait_for(blocked, 5)
            assert await b.recv() == b"%d" % len(sent)
            pending_recv.cancel()

    run(body())


def test_poller_zmq_poll_does_not_swallow_other_wakeups(actx: zaio.Context) -> None:
    """A Poller's zmq_poll processes the commands of every polled socket, including ones
    that a recv pending on one of them was waiting for."""
    x, px = make_pair(actx, zmq.PULL, zmq.PUSH, "inproc")
    y, py = make_pair(actx, zmq.PULL, zmq.PUSH, "inproc")
    poller = zaio.Poller()
    poller.register(x, zmq.POLLIN)
    poller.register(y, zmq.POLLOUT)  # never true for PULL; zmq_poll still processes y

    async def body() -> None:
        for i in range(30):
            # 1. The zmq_poll made by poll() itself, before it waits.
            yrecv = y.recv()
            await settle()
            await py.send(b"a%d" % i)  # y's fd turns readable...
            polled = poller.poll(10_000)  # ...and this processes y's commands
            assert await asyncio.wait_for(yrecv, 5) == b"a%d" % i
            # 2. The zmq_poll made when the pending poll wakes up (x ready).
            yrecv = y.recv()
            await settle()
            await px.send(b"x")  # x's fd turns readable: the poll wakes next iteration...
            await asyncio.sleep(0)  # ...where this task resumes first,
            await py.send(b"b%d" % i)  # makes y's fd readable, then the poll's zmq_poll runs
            assert await asyncio.wait_for(yrecv, 5) == b"b%d" % i
            assert await polled == [(x, zmq.POLLIN)]
            assert await x.recv() == b"x"

    run(body())


def test_router_send_to_a_full_peer_waits_without_spinning(actx: zaio.Context) -> None:
    """With ROUTER_MANDATORY, POLLOUT means "some peer has room": a send to a full peer can
    still block while it is set. The wait must be quiet, and end when that peer drains."""
    router = actx.socket(zmq.ROUTER)
    router.router_mandatory = 1
    router.sndhwm = 1
    router.linger = 0
    addr = endpoint("inproc")
    router.bind(addr)
    peers = {}
    for name in (b"full", b"idle"):
        peer = peers[name] = actx.socket(zmq.DEALER)
        peer.routing_id = name
        peer.rcvhwm = 1
        peer.linger = 0
        peer.connect(addr)

    async def body() -> None:
        for peer in peers.values():
            await peer.send(b"hello")  # so the ROUTER knows both
        assert sorted([(await router.recv_multipart())[0] for _ in peers]) == [b"full", b"idle"]
        queued = 0
        while True:
            blocked = router.send_multipart([b"full", b"%d" % queued])
            if not blocked.done():
                break
            await blocked
            queued += 1
        assert router.get(zmq.EVENTS) & zmq.POLLOUT  # "idle" still has room
        cpu = time.process_time()
        await asyncio.sleep(0.3)
        assert time.process_time() - cpu < 0.1, "the loop spun while the send waited"
        assert not blocked.done()
        assert [await peers[b"full"].recv() for _ in range(queued + 1)] == [b"%d" % i for i in range(queued + 1)]
        await asyncio.wait_for(blocked, 5)

    run(body())


# -- stress: thousands of messages, several tasks per socket ------------------------------------


async def _drain(sock: Any, total: int, tasks: int, collect: Callable[[Any], None]) -> None:
    """Receive `total` messages with `tasks` tasks all awaiting recv_multipart on `sock`."""
    count = 0
    finished = asyncio.get_running_loop().create_future()

    async def worker() -> None:
        nonlocal count
        while True:
            msg = await sock.recv_multipart()
            collect(msg)
            count += 1
            if count == total:
                finished.set_result(None)

    workers = [asyncio.ensure_future(worker()) for _ in range(tasks)]
    try:
        await finished
    finally:
        for w in workers:
            w.cancel()
        await asyncio.gather(*workers, return_exceptions=True)


@pytest.mark.parametrize("transport", STRESS_TRANSPORTS)
def test_stress_push_pull(actx: zaio.Context, transport: str) -> None:
    pull, push = make_pair(actx, zmq.PULL, zmq.PUSH, transport, hwm=10)
    seen: List[bytes] = []

    async def body() -> None:
        async def sender(k: int) -> None:
            for i in range(k, N, 4):
                await push.send_multipart([b"%d" % i, b"payload"])

        senders = asyncio.gather(*(sender(k) for k in range(4)))
        await _drain(pull, N, 4, lambda m: seen.append(m[0]))
        await senders

    run(body())
    assert sorted(int(x) for x in seen) == list(range(N))


@pytest.mark.parametrize("transport", STRESS_TRANSPORTS)
def test_stress_dealer_router(actx: zaio.Context, transport: str) -> None:
    """Four DEALER tasks send, four await replies; four ROUTER tasks receive and echo."""
    router, dealer = make_pair(actx, zmq.ROUTER, zmq.DEALER, transport, hwm=10)
    # Without it a ROUTER drops replies to a peer at its HWM; with it, sends wait for room.
    router.router_mandatory = 1
    replies: List[bytes] = []

    async def body() -> None:
        async def echo() -> None:
            while True:
                ident, body_ = await router.recv_multipart()
                await router.send_multipart([ident, b"re:" + body_])

        async def sender(k: int) -> None:
            for i in range(k, N, 4):
                await dealer.send(b"%d" % i)

        echoes = [asyncio.ensure_future(echo()) for _ in range(4)]
        senders = asyncio.gather(*(sender(k) for k in range(4)))
        try:
            await _drain(dealer, N, 4, lambda m: replies.append(m[0]))
            await senders
        finally:
            for e in echoes:
                e.cancel()
            await asyncio.gather(*echoes, return_exceptions=True)

    run(body())
    assert sorted(int(r[3:]) for r in replies) == list(range(N))


@pytest.mark.parametrize("transport", STRESS_TRANSPORTS)
def test_stress_both_directions_at_once(actx: zaio.Context, transport: str) -> None:
    """A DEALER pair, each side with three sending and three receiving tasks at once."""
    a, b = make_pair(actx, zmq.DEALER, zmq.DEALER, transport, hwm=5)
    got: Dict[str, List[int]] = {"a": [], "b": []}

    async def body() -> None:
        async def sender(sock: Any, k: int) -> None:
            for i in range(k, N, 3):
                await sock.send_multipart([b"%d" % i, b"x" * (i % 50)])

        sends = asyncio.gather(*(sender(s, k) for s in (a, b) for k in range(3)))
        await asyncio.gather(
            _drain(a, N, 3, lambda m: got["a"].append(int(m[0]))),
            _drain(b, N, 3, lambda m: got["b"].append(int(m[0]))),
        )
        await sends

    run(body())
    assert sorted(got["a"]) == list(range(N))
    assert sorted(got["b"]) == list(range(N))


@pytest.mark.parametrize("transport", STRESS_TRANSPORTS)
def test_stress_cancel_pending_recvs(actx: zaio.Context, transport: str) -> None:
    """Random cancellations of pending recvs under load lose and duplicate nothing."""
    pull, push = make_pair(actx, zmq.PULL, zmq.PUSH, transport, hwm=10)
    total = 3000
    rng = random.Random(1234)
    received: List[int] = []
    cancelled = 0

    async def body() -> None:
        nonlocal cancelled

        async def sender() -> None:
            # Bursts with yields in between, so that receives often have to wait.
            srng = random.Random(5678)
            i = 0
            while i < total:
                for _ in range(srng.randrange(6)):
                    if i < total:
                        await push.send(b"%d" % i)
                        i += 1
                await asyncio.sleep(0)

        sending = asyncio.ensure_future(sender())
        pending: set = set()
        while len(received) < total:
            while len(pending) < 6:
                f = pull.recv()
                if not f.done() and rng.random() < 0.2:
                    assert f.cancel()  # queued, then cancelled before any wake-up
                    cancelled += 1
                else:
                    pending.add(f)
            done, _ = await asyncio.wait(pending, timeout=10, return_when=asyncio.FIRST_COMPLETED)
            assert done, "no recv completed within 10 s: a wake-up was lost"
            for f in done:
                pending.discard(f)
                if not f.cancelled():
                    received.append(int(f.result()))
            for f in list(pending):
                if rng.random() < 0.3:
                    if f.cancel():
                        pending.discard(f)
                        cancelled += 1
                    # else: it already holds a message; the next wait() hands it over.
        await sending
        for f in pending:
            assert f.cancel()  # still waiting: there was no message left for it
        # Nothing left behind in the socket either.
        with pytest.raises(zmq.Again):
            await pull.recv(zmq.NOBLOCK)

    run(body())
    print(f"cancelled {cancelled} pending recvs")
    assert cancelled > 200
    assert sorted(received) == list(range(total))


def test_stress_cancel_tasks_awaiting_recv(actx: zaio.Context) -> None:
    """Cancelling tasks blocked in recv: a message is either in the cancelled task's future
    (delivered before cancellation completed) or still in the socket for the next recv."""
    pull, push = make_pair(actx, zmq.PULL, zmq.PUSH, "tcp", hwm=10)
    total = 2000
    rng = random.Random(99)
    received: List[int] = []

    async def body() -> None:
        current: Dict[int, Any] = {}

        async def worker(k: int) -> None:
            while True:
                fut = current[k] = pull.recv()
                received.append(int(await fut))

        async def sender() -> None:
            for i in range(total):
                await push.send(b"%d" % i)

        sending = asyncio.ensure_future(sender())
        workers = {k: asyncio.ensure_future(worker(k)) for k in range(4)}
        deadline = time.monotonic() + 20
        while len(received) < total:
            assert time.monotonic() < deadline, f"stalled at {len(received)}"
            await asyncio.sleep(0)
            k = rng.randrange(4)
            if rng.random() < 0.2:
                task = workers[k]
                task.cancel()
                await asyncio.gather(task, return_exceptions=True)
                fut = current[k]
                if fut.done() and not fut.cancelled():
                    received.append(int(fut.result()))  # it got its message, then was cancelled
                workers[k] = asyncio.ensure_future(worker(k))
        await sending
        for task in workers.values():
            task.cancel()
        await asyncio.gather(*workers.values(), return_exceptions=True)

    run(body())
    assert sorted(received) == list(range(total))


# -- REQ/REP ------------------------------------------------------------------------------------


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_req_rep_round_trips(actx: zaio.Context, transport: str) -> None:
    rep, req = make_pair(actx, zmq.REP, zmq.REQ, transport)

    async def body() -> None:
        async def server() -> None:
            while True:
                n = await rep.recv_json()
                await rep.send_json(n * 2)

        srv = asyncio.ensure_future(server())
        for i in range(500):
            await req.send_json(i)
            assert await req.recv_json() == 2 * i
        srv.cancel()

    run(body())


def test_req_rep_many_clients_and_a_sync_client_thread(actx: zaio.Context) -> None:
    rep = actx.socket(zmq.REP)
    rep.linger = 0
    port = rep.bind_to_random_port("tcp://127.0.0.1")
    addr = f"tcp://127.0.0.1:{port}"
    sync_results: List[str] = []

    def sync_client() -> None:
        with zmq.Context() as c:
            s = c.socket(zmq.REQ)
            s.linger = 0
            s.rcvtimeo = 20_000
            s.connect(addr)
            for i in range(100):
                s.send_string(f"t{i}")
                sync_results.append(s.recv_string())
            s.close()

    async def body() -> None:
        async def server() -> None:
            while True:
                await rep.send_string((await rep.recv_string()).upper())

        async def client(k: int) -> List[str]:
            req = actx.socket(zmq.REQ)
            req.linger = 0
            req.connect(addr)
            out = []
            for i in range(100):
                await req.send_string(f"c{k}-{i}")
                out.append(await req.recv_string())
            req.close()
            return out

        srv = asyncio.ensure_future(server())
        thread = threading.Thread(target=sync_client, daemon=True)
        thread.start()
        results = await asyncio.gather(*(client(k) for k in range(4)))
        # Joining would block the loop (and so the server): wait for it from a worker thread.
        await asyncio.get_running_loop().run_in_executor(None, thread.join, 25)
        srv.cancel()
        for k, out in enumerate(results):
            assert out == [f"C{k}-{i}" for i in range(100)]

    run(body())
    assert sync_results == [f"T{i}" for i in range(100)]


# -- cancellation and closing -------------------------------------------------------------------


def test_cancelled_recv_leaves_the_message(actx: zaio.Context) -> None:
    a, b = make_pair(actx, zmq.PULL, zmq.PUSH, "tcp")

    async def body() -> None:
        first = a.recv()
        second = a.recv_multipart()
        third = a.recv()
        await settle()
        first.cancel()
        third.cancel()
        await b.send(b"m1")
        await b.send(b"m2")
        assert await second == [b"m1"]
        assert await a.recv() == b"m2"
        # A cancelled wait_for around recv leaves the next message too.
        with pytest.raises(asyncio.TimeoutError):
            await asyncio.wait_for(a.recv(), 0.05)
        await b.send(b"m3")
        assert await a.recv() == b"m3"

    run(body())


def test_close_cancels_pending_futures(actx: zaio.Context) -> None:
    async def body() -> None:
        pull = actx.socket(zmq.PULL)
        pull.bind(endpoint("inproc"))
        push = actx.socket(zmq.PUSH)  # no peer: its sends wait
        push.bind(endpoint("inproc"))
        poller = zaio.Poller()
        poller.register(pull, zmq.POLLIN)
        futures = [pull.recv(), pull.recv_multipart(), pull.recv_string(), pull.poll(), poller.poll(),
                   push.send(b"x"), push.send_multipart([b"a", b"b"]), push.poll(None, zmq.POLLOUT)]
        await settle()
        assert not any(f.done() for f in futures)
        pull.close()
        push.close()
        await settle()
        assert all(f.cancelled() for f in futures)

        # As in pyzmq, closing any object over a socket closes it: an async shadow's close,
        # or a plain shadow's (which this socket's close() never sees), cancels every
        # pending future over it and stops the loop watching the fd before libzmq closes it.
        loop = asyncio.get_running_loop()
        for shadow_class in (zaio.Socket, zmq.Socket):
            owner, _ = make_pair(actx, zmq.PULL, zmq.PUSH)
            async_shadow = zaio.Socket(owner)
            poller = zaio.Poller()
            poller.register(owner, zmq.POLLIN)
            pending = [owner.recv(), owner.poll(), async_shadow.recv_multipart(), poller.poll()]
            await settle()
            fd = owner.fileno()
            shadow_class(owner).close()
            assert owner.closed and async_shadow.closed
            assert all(f.cancelled() for f in pending)
            assert not loop.remove_reader(fd)  # no longer registered

    run(body())


def test_context_destroy_cancels_pending_futures() -> None:
    ctx = zaio.Context()

    async def body() -> None:
        pull = ctx.socket(zmq.PULL)
        pull.bind(endpoint("inproc"))
        pending = [pull.recv(), pull.recv()]
        await settle()
        ctx.destroy(linger=0)
        assert pull.closed
        assert all(f.cancelled() for f in pending)

    run(body())


def test_context_terminated_from_another_thread_fails_pending_futures() -> None:
    ctx = zaio.Context()

    async def body() -> None:
        pull = ctx.socket(zmq.PULL)
        pull.bind(endpoint("inproc"))
        pending = [pull.recv(), pull.recv_multipart()]
        await settle()
        # term() blocks until every socket is closed: run it in a thread, as pyzmq programs do.
        terminator = threading.Thread(target=ctx.term, daemon=True)
        terminator.start()
        for fut in pending:
            with pytest.raises(zmq.ContextTerminated):
                await asyncio.wait_for(fut, 10)
        pull.close()
        await asyncio.get_running_loop().run_in_executor(None, terminator.join, 10)
        assert not terminator.is_alive() and ctx.closed

    run(body())


def test_closing_and_reopening_many_sockets_in_one_loop(actx: zaio.Context) -> None:
    """fd numbers are reused after close; the loop must not keep watching stale ones."""

    async def body() -> None:
        for i in range(100):
            a, b = make_pair(actx, zmq.PAIR, zmq.PAIR, "inproc")
            pending = a.recv()
            await settle(1)
            await b.send(b"%d" % i)
            assert await asyncio.wait_for(pending, 10) == b"%d" % i
            dangling = b.recv()  # closing cancels it
            a.close()
            b.close()
            assert dangling.cancelled()

    run(body())


def test_sync_socket_closed_under_a_pending_poll_does_not_break_new_sockets(actx: zaio.Context) -> None:
    """A synchronous close can't tell the loop; a new socket reusing the fd number (and often
    the socket's address) must still get its own, working registration."""

    async def body() -> None:
        sync_pull = actx.socket(zmq.PULL, socket_class=zmq.Socket)
        sync_pull.bind(endpoint("inproc"))
        poller = zaio.Poller()
        poller.register(sync_pull, zmq.POLLIN)
        forever = poller.poll()
        await settle()
        sync_pull.close()
        for i in range(50):
            a, b = make_pair(actx, zmq.PAIR, zmq.PAIR, "inproc")
            pending = a.recv()
            await settle()
            await b.send(b"%d" % i)
            assert await asyncio.wait_for(pending, 5) == b"%d" % i
            a.close()
            b.close()
        forever.cancel()

    run(body())


# -- event loops --------------------------------------------------------------------------------


def test_socket_made_outside_a_loop_works_in_later_loops(actx: zaio.Context) -> None:
    a, b = make_pair(actx, zmq.PAIR, zmq.PAIR, "tcp")

    async def exchange(tag: bytes) -> None:
        pending = a.recv()
        await settle()
        await b.send(tag)
        assert await pending == tag
        await a.send(tag + b"!")
        assert await b.recv() == tag + b"!"

    for i in range(3):
        run(exchange(b"run%d" % i))

    async def leave_one_pending() -> Any:
        stale = a.recv()
        await settle()
        return stale

    stale = run(leave_one_pending())  # its loop is gone now
    run(exchange(b"not for the stale recv"))
    assert stale.cancelled()
    loop = asyncio.new_event_loop()
    try:
        loop.run_until_complete(asyncio.wait_for(exchange(b"manual"), BOUND))
    finally:
        loop.close()
    run(exchange(b"after manual loop"))


def test_loop_in_another_thread(actx: zaio.Context) -> None:
    a, b = make_pair(actx, zmq.PUSH, zmq.PULL, "inproc", hwm=5)
    result: List[Any] = []

    def thread_main() -> None:
        async def body() -> None:
            pending = asyncio.ensure_future(_drain(b, 1000, 2, lambda m: result.append(m[0])))
            for i in range(1000):
                await a.send(b"%d" % i)
            await pending

        run(body())

    t = threading.Thread(target=thread_main, daemon=True)
    t.start()
    t.join(BOUND + 5)
    assert not t.is_alive()
    assert sorted(int(x) for x in result) == list(range(1000))


# -- monitor ------------------------------------------------------------------------------------


def test_recv_monitor_message_on_an_async_socket(actx: zaio.Context) -> None:
    async def body() -> None:
        server = actx.socket(zmq.PAIR)
        server.linger = 0
        monitor = server.get_monitor_socket()
        assert isinstance(monitor, zaio.Socket)
        server.bind("tcp://127.0.0.1:*")
        event = await recv_monitor_message(monitor)
        assert event["event"] == zmq.EVENT_LISTENING
        assert event["endpoint"] == server.get(zmq.LAST_ENDPOINT)
        client = actx.socket(zmq.PAIR)
        client.linger = 0
        client.connect(server.get_string(zmq.LAST_ENDPOINT))
        seen = set()
        while zmq.EVENT_HANDSHAKE_SUCCEEDED not in seen:
            seen.add((await recv_monitor_message(monitor))["event"])
        assert zmq.EVENT_ACCEPTED in seen
        server.disable_monitor()
        client.close()
        monitor.close()
        server.close()

    run(body())
