"""ZMQStream on tornado 6 over real sockets: callbacks, sending, flushing, closing, and loads
that would stall a stream which trusted libzmq's edge-triggered fd.

Each test runs its own asyncio loop (tornado's IOLoop.current() inside it), bounded by
`run(..., timeout)`; pytest-timeout backs that up.
"""
from __future__ import annotations

import asyncio
import importlib
import inspect
import json
import logging
import pickle
import threading
import uuid
import warnings
from typing import Any, Awaitable, Callable, List, Tuple

import pytest
from tornado.ioloop import IOLoop, PeriodicCallback

import zmq_cffi as zmq
from zmq_cffi.eventloop.zmqstream import ZMQStream

from conftest import TIMEOUT_MS, endpoint

TIMEOUT_S = 20.0
TRANSPORTS = ["inproc", "ipc", "tcp"]


def run(main: Callable[[], Awaitable[Any]], timeout: float = TIMEOUT_S) -> Any:
    """Run `main()` on a fresh event loop; fail if it takes longer than `timeout` seconds."""

    async def bounded() -> Any:
        return await asyncio.wait_for(main(), timeout)

    return asyncio.run(bounded())


class Inbox:
    """A callback that keeps what it is given; `await inbox.until(n)` waits for n calls."""

    def __init__(self) -> None:
        self.items: List[Any] = []
        self._waiters: List[Tuple[int, "asyncio.Future[None]"]] = []

    def __call__(self, *args: Any) -> None:
        self.items.append(args[0] if len(args) == 1 else args)
        for n, fut in self._waiters:
            if len(self.items) >= n and not fut.done():
                fut.set_result(None)

    async def until(self, n: int) -> List[Any]:
        if len(self.items) < n:
            fut = asyncio.get_running_loop().create_future()
            self._waiters.append((n, fut))
            await fut
        return self.items


def streams(*sockets: zmq.Socket) -> List[ZMQStream]:
    return [ZMQStream(s) for s in sockets]


async def round_trip(ctx: zmq.Context) -> None:
    """Let the loop serve other work: a message through a fresh pair of streams."""
    a, b = ctx.socket(zmq.PAIR), ctx.socket(zmq.PAIR)
    addr = endpoint("inproc")
    a.bind(addr)
    b.connect(addr)
    sa, sb = streams(a, b)
    inbox = Inbox()
    sb.on_recv(inbox)
    sa.send(b"ping")
    await inbox.until(1)
    sa.close(linger=0)
    sb.close(linger=0)


# -- receiving -------------------------------------------------------------------------------


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_on_recv_gets_each_multipart_message_as_bytes(make_pair, transport):
    pull, push = make_pair(zmq.PULL, zmq.PUSH, transport)
    sent = [[b"a"], [b"b", b"c"], [b"", b"d" * 100_000, b"e"]]

    async def main():
        stream = ZMQStream(pull)
        inbox = Inbox()
        stream.on_recv(inbox)
        assert stream.receiving()
        for msg in sent:
            push.send_multipart(msg)
        got = await inbox.until(len(sent))
        stream.close()
        return got

    got = run(main)
    assert got == sent
    assert all(type(part) is bytes for msg in got for part in msg)


def test_on_recv_copy_false_gives_frames(make_pair):
    pull, push = make_pair(zmq.PULL, zmq.PUSH, "tcp")
    big = bytes(range(256)) * 1000

    async def main():
        stream = ZMQStream(pull)
        inbox = Inbox()
        stream.on_recv(inbox, copy=False)
        push.send_multipart([b"head", big])
        (frames,) = await inbox.until(1)
        stream.close()
        return frames

    frames = run(main)
    assert [type(f) for f in frames] == [zmq.Frame, zmq.Frame]
    assert frames[0].bytes == b"head" and frames[0].more
    assert bytes(frames[1].buffer) == big and not frames[1].more


def test_on_recv_stream_tells_which_stream_received(ctx):
    async def main():
        pairs = []
        for _ in range(3):
            pull, push = ctx.socket(zmq.PULL), ctx.socket(zmq.PUSH)
            addr = endpoint("inproc")
            pull.bind(addr)
            push.connect(addr)
            pairs.append((ZMQStream(pull), push))
        inbox = Inbox()
        for stream, _ in pairs:
            stream.on_recv_stream(inbox)
        for i, (_, push) in enumerate(pairs):
            push.send(str(i).encode())
        got = await inbox.until(3)
        for stream, _ in pairs:
            stream.close(linger=0)
        return pairs, got

    pairs, got = run(main)
    by_stream = {id(stream): msg for stream, msg in got}
    assert by_stream == {id(stream): [str(i).encode()] for i, (stream, _) in enumerate(pairs)}


def test_stop_on_recv_leaves_messages_in_the_socket_until_on_recv_again(ctx, make_pair):
    pull, push = make_pair(zmq.PULL, zmq.PUSH)

    async def main():
        stream = ZMQStream(pull)
        first = Inbox()

        def take_one(msg):
            first(msg)
            stream.stop_on_recv()

        for i in range(3):
            push.send(b"%d" % i)
        stream.on_recv(take_one)
        await first.until(1)
        assert not stream.receiving()
        await round_trip(ctx)
        # Nothing more was taken: both other messages still wait in the socket.
        assert first.items == [[b"0"]]
        assert pull.poll(0) == zmq.POLLIN
        # The socket's fd signal is long consumed; on_recv must look for itself.
        rest = Inbox()
        stream.on_recv(rest)
        got = await rest.until(2)
        stream.close()
        return got

    assert run(main) == [[b"1"], [b"2"]]


def test_callback_exceptions_are_logged_and_later_messages_still_arrive(make_pair, caplog):
    pull, push = make_pair(zmq.PULL, zmq.PUSH)
    count = 100

    async def main():
        stream = ZMQStream(pull)
        inbox = Inbox()

        def fragile(msg):
            inbox(msg)
            if int(msg[0]) % 10 == 9:
                raise ValueError(msg[0])

        stream.on_recv(fragile)
        for i in range(count):  # all queued behind a single fd signal
            push.send(b"%d" % i)
        got = await inbox.until(count)
        stream.close()
        return got

    with caplog.at_level(logging.ERROR, logger="tornado.general"):
        got = run(main)
    assert got == [[b"%d" % i] for i in range(count)]
    errors = [r for r in caplog.records if "Uncaught exception in ZMQStream callback" in r.getMessage()]
    assert [r.exc_info[0] for r in errors] == [ValueError] * (count // 10)


def test_coroutine_callbacks_are_run_on_the_loop(make_pair):
    pull, push = make_pair(zmq.PULL, zmq.PUSH)

    async def main():
        stream = ZMQStream(pull)
        inbox = Inbox()

        async def on_message(msg):
            await asyncio.sleep(0)
            inbox(msg)

        stream.on_recv(on_message)
        push.send(b"x")
        push.send(b"y")
        got = await inbox.until(2)
        stream.close()
        return got

    assert run(main) == [[b"x"], [b"y"]]


# -- sending ---------------------------------------------------------------------------------


def test_on_send_gets_the_message_and_status(make_pair):
    pull, push = make_pair(zmq.PULL, zmq.PUSH, "tcp")
    big = bytearray(b"z" * 200_000)

    async def main():
        stream = ZMQStream(push)
        sent = Inbox()
        stream.on_send(sent)
        stream.send(b"a")
        stream.send_multipart([b"b", b"c"])
        stream.send(big, copy=False, track=True)
        assert stream.sending()
        got = await sent.until(3)
        assert not stream.sending()
        received = [pull.recv_multipart() for _ in range(3)]
        tracker = got[2][1]
        tracker.wait(TIMEOUT_MS / 1000)
        stream.close()
        return got, received, tracker

    got, received, tracker = run(main)
    assert got[0] == ([b"a"], None)
    assert got[1] == ([b"b", b"c"], None)
    assert got[2][0] == [big] and isinstance(tracker, zmq.MessageTracker) and tracker.done
    assert received == [[b"a"], [b"b", b"c"], [bytes(big)]]


def test_on_send_stream_callback_argument_and_stop_on_send(make_pair):
    pull, push = make_pair(zmq.PULL, zmq.PUSH)

    async def main():
        stream, receiver = streams(push, pull)
        arrived = Inbox()
        receiver.on_recv(arrived)
        sent = Inbox()
        stream.on_send_stream(sent)
        stream.send(b"1")
        await sent.until(1)
        stream.stop_on_send()
        stream.send(b"2")
        await arrived.until(2)  # sent with no callback set
        # A callback passed to send becomes the stream's send callback, as in pyzmq.
        later = Inbox()
        stream.send(b"3", callback=later)
        stream.send(b"4")
        await later.until(2)
        await arrived.until(4)
        stream.close()
        receiver.close()
        return stream, sent.items, later.items, arrived.items

    stream, first, later, arrived = run(main)
    assert first == [(stream, [b"1"], None)]
    assert later == [([b"3"], None), ([b"4"], None)]
    assert arrived == [[b"1"], [b"2"], [b"3"], [b"4"]]


def test_failed_sends_reach_on_send_as_status_and_the_queue_goes_on(make_pair, caplog):
    router, dealer = make_pair(zmq.ROUTER, zmq.DEALER)
    router.router_mandatory = 1  # unroutable messages fail with EHOSTUNREACH, not silently

    async def main():
        server = ZMQStream(router)
        sent = Inbox()
        server.on_send(sent)

        def on_hello(msg):
            server.send_multipart([b"nobody", b"lost"])
            server.send(zmq.Frame(b"untracked"), copy=False, track=True)
            server.send_multipart([msg[0], b"welcome"])

        server.on_recv(on_hello)
        dealer.send(b"hello")
        statuses = [status for _, status in await sent.until(3)]
        reply = dealer.recv()
        server.close()
        return statuses, reply

    with caplog.at_level(logging.ERROR, logger="tornado.general"):
        statuses, reply = run(main)
    assert isinstance(statuses[0], zmq.ZMQError) and statuses[0].errno == zmq.EHOSTUNREACH
    assert isinstance(statuses[1], ValueError)
    assert statuses[2] is None and reply == b"welcome"
    assert sum("sending failed" in r.getMessage() for r in caplog.records) == 2


def test_send_helpers_serialise_like_the_socket(make_pair):
    pull, push = make_pair(zmq.PULL, zmq.PUSH, "ipc")
    obj = {"n": 1, "s": "é", "l": [1, 2]}

    async def main():
        stream = ZMQStream(push)
        stream.send_string("héllo")
        stream.send_unicode("wörld", encoding="latin-1")
        stream.send_json(obj)
        stream.send_pyobj({"set": {1, 2}})
        stream.send(memoryview(b"view"), copy=False)
        inbox = Inbox()
        receiver = ZMQStream(pull)
        receiver.on_recv(inbox)
        got = await inbox.until(5)
        stream.close()
        receiver.close()
        return got

    got = run(main)
    assert got[0] == ["héllo".encode()]
    assert got[1] == ["wörld".encode("latin-1")]
    assert json.loads(got[2][0]) == obj
    assert pickle.loads(got[3][0]) == {"set": {1, 2}}
    assert got[4] == [b"view"]


def test_unsendable_messages_are_refused_at_once(make_pair):
    _, push = make_pair(zmq.PULL, zmq.PUSH)

    async def main():
        stream = ZMQStream(push)
        with pytest.raises(TypeError):
            stream.send("text")
        with pytest.raises(TypeError):
            stream.send_multipart([b"ok", 42])
        with pytest.raises(TypeError):
            stream.send_string(b"bytes")
        with pytest.raises(ValueError):
            stream.send_multipart([])
        with pytest.raises(TypeError):
            stream.on_recv("not callable")
        assert not stream.sending()
        stream.close()

    run(main)


# -- flush -----------------------------------------------------------------------------------


def test_flush_handles_pending_messages_now(make_pair):
    pull, push = make_pair(zmq.PULL, zmq.PUSH)

    async def main():
        stream = ZMQStream(pull)
        inbox = Inbox()
        stream.on_recv(inbox)
        for i in range(5):
            push.send(b"%d" % i)
        assert pull.poll(TIMEOUT_MS) == zmq.POLLIN
        # flush runs the callback synchronously, before the loop gets a turn.
        assert stream.flush(zmq.POLLIN, limit=2) == 2
        assert inbox.items == [[b"0"], [b"1"]]
        assert stream.flush() == 3
        assert len(inbox.items) == 5
        assert stream.flush() == 0
        # Without a callback, flushing receives and drops.
        stream.stop_on_recv()
        push.send(b"dropped")
        assert pull.poll(TIMEOUT_MS) == zmq.POLLIN
        assert stream.flush(zmq.POLLIN) == 1
        assert pull.poll(0) == 0
        assert len(inbox.items) == 5
        stream.close()

    run(main)


def test_flush_pollout_sends_the_queue_now(make_pair):
    pull, push = make_pair(zmq.PULL, zmq.PUSH)

    async def main():
        stream = ZMQStream(push)
        sent = Inbox()
        stream.on_send(sent)
        for i in range(4):
            stream.send(b"%d" % i)
        assert stream.flush(zmq.POLLIN) == 0  # nothing to receive, and sends are not flushed
        assert stream.flush(zmq.POLLOUT, limit=3) == 3
        assert len(sent.items) == 3 and stream.sending()
        assert stream.flush(zmq.POLLOUT) == 1
        assert not stream.sending()
        received = [pull.recv() for _ in range(4)]
        stream.close()
        return received

    assert run(main) == [b"0", b"1", b"2", b"3"]


# -- closing ---------------------------------------------------------------------------------


def test_close_closes_socket_and_runs_close_callback_once(make_pair):
    pull, _ = make_pair(zmq.PULL, zmq.PUSH)

    async def main():
        stream = ZMQStream(pull)
        closed = Inbox()
        stream.set_close_callback(lambda: closed("closed"))
        stream.on_recv(lambda msg: None)
        assert not stream.closed()
        stream.close()
        stream.close()
        assert stream.closed() and stream.socket is None and pull.closed
        assert closed.items == ["closed"]
        with pytest.raises(OSError):
            stream.on_recv(lambda msg: None)
        with pytest.raises(OSError):
            stream.send(b"late")
        with pytest.raises(OSError):
            stream.flush()

    run(main)


def test_close_hands_queued_messages_to_libzmq_so_linger_delivers_them(ctx):
    pull, push = ctx.socket(zmq.PULL), ctx.socket(zmq.PUSH)
    pull.rcvtimeo = TIMEOUT_MS
    port = pull.bind_to_random_port("tcp://127.0.0.1")
    push.connect(f"tcp://127.0.0.1:{port}")

    async def main():
        stream = ZMQStream(push)
        sent = Inbox()
        stream.on_send(sent)
        for i in range(3):
            stream.send_multipart([b"part", b"%d" % i])
        assert stream.sending()
        stream.close(linger=TIMEOUT_MS)  # before the loop ever ran: all three still queued
        assert sent.items == [] and not stream.sending()

    run(main)
    assert [pull.recv_multipart() for _ in range(3)] == [[b"part", b"0"], [b"part", b"1"], [b"part", b"2"]]


def test_close_with_linger_zero_drops_queued_messages(make_pair):
    _, push = make_pair(zmq.PULL, zmq.PUSH)

    async def main():
        stream = ZMQStream(push)
        closed = Inbox()
        stream.set_close_callback(lambda: closed(True))
        stream.send(b"never")
        stream.close(linger=0)
        assert closed.items == [True] and not stream.sending() and push.closed

    run(main)


@pytest.mark.parametrize("receiving", [True, False])
def test_terminated_context_closes_the_stream_so_term_returns(receiving, caplog):
    """term() waits for every socket to close: a stream whose context terminates closes itself
    (receiving or idle), as in pyzmq, with a warning in the log."""
    own = zmq.Context()
    sock = own.socket(zmq.PULL)
    sock.linger = 0
    sock.bind(endpoint("inproc"))
    terminator = threading.Thread(target=own.term, daemon=True)

    async def main():
        stream = ZMQStream(sock)
        closed = Inbox()
        stream.set_close_callback(lambda: closed(True))
        if receiving:
            stream.on_recv(lambda msg: None)
        terminator.start()
        await closed.until(1)
        assert stream.closed() and sock.closed

    with caplog.at_level(logging.WARNING, logger="tornado.general"):
        run(main)
    terminator.join(TIMEOUT_MS / 1000)
    assert not terminator.is_alive() and own.closed
    assert any("context is terminating" in r.getMessage() for r in caplog.records)


def test_socket_closed_inside_a_callback_then_replaced(ctx):
    """zmq_plugin's Hub.reset_query_socket: the callback closes the stream's socket directly
    and binds a new one, which gets a new stream on the same loop (its fd may be the old number)."""
    uris = [endpoint("ipc"), endpoint("ipc")]
    client = ctx.socket(zmq.REQ)
    client.linger = 0
    client.rcvtimeo = TIMEOUT_MS

    async def main():
        old = ctx.socket(zmq.REP)
        old.bind(uris[0])
        client.connect(uris[0])
        first = ZMQStream(old)
        closed = Inbox()
        first.set_close_callback(lambda: closed(True))
        replaced = asyncio.get_running_loop().create_future()

        def reset(msg):
            old.close()
            new = ctx.socket(zmq.REP)
            new.bind(uris[1])
            second = ZMQStream(new)
            second.on_recv(lambda m: new.send(b"echo:" + m[0]))
            replaced.set_result(second)

        first.on_recv(reset)
        client.send(b"first")
        second = await replaced
        await closed.until(1)
        assert first.closed() and first.socket is None
        client.close()
        fresh = ctx.socket(zmq.REQ)
        fresh.linger = 0
        fresh.connect(uris[1])
        replies = ZMQStream(fresh)
        inbox = Inbox()
        replies.on_recv(inbox)
        replies.send(b"second")
        got = await inbox.until(1)
        second.close(linger=0)
        replies.close()
        return got

    with pytest.warns(RuntimeWarning, match="closed directly"):
        assert run(main) == [[b"echo:second"]]


def test_new_stream_on_an_fd_number_left_by_a_stale_stream(ctx):
    """zmq_plugin's Hub.reset_query_socket closes a stream's socket directly; libzmq then gives
    the freed fd number to a later socket, whose new stream must take the number over from the
    stale stream (tornado refuses an fd registered twice). Terminating the first socket's own
    context frees its fds for certain, and new fds take the lowest free numbers."""

    async def main():
        old_ctx = zmq.Context()
        old = old_ctx.socket(zmq.PULL)
        old.linger = 0
        stale = ZMQStream(old)
        stale.on_recv(lambda msg: None)
        stale_fd = old.get(zmq.FD)
        old.close()  # behind the stream's back
        old_ctx.term()
        for _ in range(50):
            reused = ctx.socket(zmq.PULL)
            if reused.get(zmq.FD) == stale_fd:
                break
        assert reused.get(zmq.FD) == stale_fd, "libzmq did not reuse the freed fd number"
        addr = endpoint("inproc")
        reused.bind(addr)
        push = ctx.socket(zmq.PUSH)
        push.connect(addr)
        fresh = ZMQStream(reused)
        assert stale.closed() and stale.socket is None
        inbox = Inbox()
        fresh.on_recv(inbox)
        push.send(b"after")
        got = await inbox.until(1)
        fresh.close()
        return got

    with pytest.warns(RuntimeWarning, match="closed directly"):
        assert run(main) == [[b"after"]]


# -- request/reply and routing ---------------------------------------------------------------


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_req_rep_round_trips_through_streams(make_pair, transport):
    rep, req = make_pair(zmq.REP, zmq.REQ, transport)
    rounds = 500

    async def main():
        server, client = streams(rep, req)
        server.on_recv(lambda msg: server.send_multipart([b"re"] + msg))
        done = asyncio.get_running_loop().create_future()
        replies = []

        def on_reply(msg):
            replies.append(msg)
            if len(replies) == rounds:
                done.set_result(None)
            else:
                client.send(b"%d" % len(replies))

        client.on_recv(on_reply)
        client.send(b"0")
        await done
        server.close()
        client.close()
        return replies

    assert run(main) == [[b"re", b"%d" % i] for i in range(rounds)]


def test_router_dealer_streams_route_replies_to_each_dealer(ctx):
    addr = endpoint("tcp")
    per_dealer = 300

    async def main():
        router = ctx.socket(zmq.ROUTER)
        router.bind(addr)
        addr_bound = router.get_string(zmq.LAST_ENDPOINT)
        server = ZMQStream(router)
        server.on_recv(lambda msg: server.send_multipart([msg[0], b"re:" + msg[1]]))
        dealers = []
        for name in (b"alpha", b"beta", b"gamma"):
            sock = ctx.socket(zmq.DEALER)
            sock.routing_id = name
            sock.connect(addr_bound)
            stream, inbox = ZMQStream(sock), Inbox()
            stream.on_recv(inbox)
            dealers.append((name, stream, inbox))
        for name, stream, _ in dealers:
            for i in range(per_dealer):
                stream.send(name + b"-%d" % i)
        results = {}
        for name, stream, inbox in dealers:
            results[name] = list(await inbox.until(per_dealer))
            stream.close(linger=0)
        server.close(linger=0)
        return results

    results = run(main)
    for name, got in results.items():
        assert got == [[b"re:" + name + b"-%d" % i] for i in range(per_dealer)]


# -- loads that would stall on a missed fd signal --------------------------------------------


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_thousands_of_messages_both_ways_at_once_with_small_hwm(ctx, transport):
    count = 5000
    addr = endpoint(transport)

    async def main():
        a, b = ctx.socket(zmq.DEALER), ctx.socket(zmq.DEALER)
        for s in (a, b):
            s.linger = 0
            s.sndhwm = s.rcvhwm = 20  # full queues: sends must wait for POLLOUT again and again
        a.bind(addr)
        b.connect(a.get_string(zmq.LAST_ENDPOINT))
        sa, sb = streams(a, b)
        got_a, got_b = Inbox(), Inbox()
        sa.on_recv(got_a)
        sb.on_recv(got_b)
        for i in range(count):
            sa.send_multipart([b"a", b"%d" % i])
            sb.send_multipart([b"b", b"%d" % i])
        await got_a.until(count)
        await got_b.until(count)
        assert not sa.sending() and not sb.sending()
        sa.close()
        sb.close()
        return got_a.items, got_b.items

    got_a, got_b = run(main)
    assert got_a == [[b"b", b"%d" % i] for i in range(count)]
    assert got_b == [[b"a", b"%d" % i] for i in range(count)]


def test_replying_on_the_socket_directly_inside_the_callback(make_pair):
    """zmq_plugin's pattern: the recv callback answers with socket.send, not the stream; that
    send consumes the fd signal of the requests still queued behind, which must still be seen."""
    rep, dealer = make_pair(zmq.REP, zmq.DEALER, "tcp")
    requests = 2000

    async def main():
        server = ZMQStream(rep)
        server.on_recv(lambda msg: rep.send(b"re:" + msg[0]))
        client = ZMQStream(dealer)
        inbox = Inbox()
        client.on_recv(inbox)
        for i in range(requests):
            client.send_multipart([b"", b"%d" % i])
        got = await inbox.until(requests)
        server.close()
        client.close()
        return got

    assert run(main) == [[b"", b"re:%d" % i] for i in range(requests)]


def test_callback_reading_another_streams_socket_directly(make_pair):
    """Code in one stream's callback takes a message from another stream's socket itself
    (zmq_plugin's blocking `execute` reads its command socket so). That recv consumes the
    socket's fd signal and leaves the next message behind with no signal: the other stream
    must still find it."""
    pull, push = make_pair(zmq.PULL, zmq.PUSH)
    trigger_pull, trigger_push = make_pair(zmq.PULL, zmq.PUSH)

    async def main():
        receiver = ZMQStream(pull)
        inbox = Inbox()
        receiver.on_recv(inbox)
        await round_trip(pull.context)  # the receiver is idle, its fd signal consumed
        taken = []

        def on_trigger(msg):
            push.send(b"1")  # signals the PULL's fd ...
            push.send(b"2")
            taken.append(pull.recv(zmq.NOBLOCK))  # ... and this takes the signal with b"1"

        trigger = ZMQStream(trigger_pull)
        trigger.on_recv(on_trigger)
        trigger_push.send(b"go")
        got = await inbox.until(1)
        receiver.close()
        trigger.close()
        return taken, got

    assert run(main) == ([b"1"], [[b"2"]])


def test_forwarding_through_another_streams_socket_under_load(ctx):
    """A forwarder: the inbox stream's callback sends with dealer.send_multipart() directly,
    while the DEALER's own stream receives the echoes; thousands of messages, none stuck."""
    count = 3000

    async def main():
        pull, push = ctx.socket(zmq.PULL), ctx.socket(zmq.PUSH)
        inbox_addr = endpoint("inproc")
        pull.bind(inbox_addr)
        push.connect(inbox_addr)
        router, dealer = ctx.socket(zmq.ROUTER), ctx.socket(zmq.DEALER)
        router.bind(endpoint("tcp"))
        dealer.connect(router.get_string(zmq.LAST_ENDPOINT))
        echo = ZMQStream(router)
        echo.on_recv(echo.send_multipart)
        forward = ZMQStream(pull)
        forward.on_recv(lambda msg: dealer.send_multipart(msg))
        replies = ZMQStream(dealer)
        inbox = Inbox()
        replies.on_recv(inbox)
        feeder = ZMQStream(push)
        for i in range(count):
            feeder.send(b"%d" % i)
        got = await inbox.until(count)
        for s in (feeder, forward, replies, echo):
            s.close(linger=0)
        return got

    assert run(main) == [[b"%d" % i] for i in range(count)]


def test_many_streams_share_one_ioloop(ctx):
    pairs, per_pair = 8, 600

    async def main():
        loop = IOLoop.current()
        inboxes, all_streams = [], []
        for p in range(pairs):
            pull, push = ctx.socket(zmq.PULL), ctx.socket(zmq.PUSH)
            addr = endpoint("tcp" if p % 2 else "ipc")
            pull.bind(addr)
            push.connect(pull.get_string(zmq.LAST_ENDPOINT))
            receiver, sender = ZMQStream(pull), ZMQStream(push, io_loop=loop)
            assert receiver.io_loop is sender.io_loop is loop
            inbox = Inbox()
            receiver.on_recv(inbox)
            for i in range(per_pair):
                sender.send_multipart([b"%d" % p, b"%d" % i])
            inboxes.append(inbox)
            all_streams += [receiver, sender]
        results = [list(await inbox.until(per_pair)) for inbox in inboxes]
        for s in all_streams:
            s.close(linger=0)
        return results

    for p, got in enumerate(run(main)):
        assert got == [[b"%d" % p, b"%d" % i] for i in range(per_pair)]


# -- pyzmq parity ----------------------------------------------------------------------------


def test_public_surface_and_signatures_match_pyzmq(make_pair):
    from zmq.eventloop.zmqstream import ZMQStream as pyzmq_stream

    ours_names = {n for n in dir(ZMQStream) if not n.startswith("_")}
    theirs_names = {n for n in dir(pyzmq_stream) if not n.startswith("_")}
    assert theirs_names <= ours_names
    for name in sorted(theirs_names):
        theirs = inspect.signature(getattr(pyzmq_stream, name))
        ours = inspect.signature(getattr(ZMQStream, name))
        as_tuples = lambda sig: [(p.name, p.kind, p.default) for p in sig.parameters.values()]  # noqa: E731
        assert as_tuples(ours) == as_tuples(theirs), name
    sock, _ = make_pair(zmq.PULL, zmq.PUSH)

    async def main():
        stream = ZMQStream(sock)
        for name in ("socket", "io_loop", "poller", "bind", "bind_to_random_port", "connect",
                     "setsockopt", "getsockopt", "setsockopt_string", "getsockopt_string",
                     "setsockopt_unicode", "getsockopt_unicode"):
            assert hasattr(stream, name), name
        stream.setsockopt(zmq.RCVHWM, 7)
        assert stream.getsockopt(zmq.RCVHWM) == 7 and sock.rcvhwm == 7
        stream.setsockopt_string(zmq.ROUTING_ID, "id")
        assert stream.getsockopt_string(zmq.ROUTING_ID) == "id"
        port = stream.bind_to_random_port("tcp://127.0.0.1")
        assert sock.get_string(zmq.LAST_ENDPOINT).endswith(f":{port}")
        stream.close()

    run(main)


def test_ioloop_module_is_pyzmqs_deprecated_alias_of_tornado():
    import zmq_cffi.eventloop

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # asserted on the reload below
        import zmq_cffi.eventloop.ioloop as ours
    with pytest.warns(DeprecationWarning, match="deprecated"):
        ours = importlib.reload(ours)
    with pytest.warns(DeprecationWarning):
        ours.install()
    assert ours.IOLoop is ours.ZMQIOLoop is IOLoop is zmq_cffi.eventloop.IOLoop
    assert ours.PeriodicCallback is PeriodicCallback
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        theirs = importlib.import_module("zmq.eventloop.ioloop")
    public = lambda module: {n for n in dir(module) if not n.startswith("_")}  # noqa: E731
    assert public(theirs) <= public(ours)


# -- zmq_plugin's hub and plugins ------------------------------------------------------------


def _header(source: str, target: str, msg_type: str, session: str = "") -> dict:
    return {"source": source, "target": target, "msg_type": msg_type,
            "session": session or uuid.uuid4().hex, "msg_id": uuid.uuid4().hex}


def _reply_to(request: dict, data: Any) -> dict:
    h = request["header"]
    msg_type = "connect_reply" if h["msg_type"] == "connect_request" else "execute_reply"
    return {"header": _header(h["target"], h["source"], msg_type, h["session"]),
            "content": {"command": request.get("content", {}).get("command"), "data": data}}


class Hub:
    """zmq_plugin.hub.Hub, ported to Python 3 and trimmed to its socket use: a REP query socket
    and a ROUTER command socket in ZMQStreams whose callbacks reply on the sockets directly,
    and a PUB socket that publishes every message."""

    def __init__(self, ctx: zmq.Context, query_uri: str, name: str = "hub") -> None:
        self.ctx, self.query_uri, self.name = ctx, query_uri, name
        self.registry: dict = {}

    def reset(self) -> None:
        self.publish_socket = zmq.Socket(self.ctx, zmq.PUB)
        self.publish_port = self.publish_socket.bind_to_random_port("tcp://127.0.0.1")
        self.query_socket = zmq.Socket(self.ctx, zmq.REP)
        self.query_socket.bind(self.query_uri)
        self.command_socket = zmq.Socket(self.ctx, zmq.ROUTER)
        self.command_socket.setsockopt(zmq.IDENTITY, self.name.encode())
        self.command_port = self.command_socket.bind_to_random_port("tcp://127.0.0.1")
        for s in (self.publish_socket, self.query_socket, self.command_socket):
            s.linger = 0

    def close(self) -> None:
        """Close the streams (and so their sockets), then the publish socket."""
        for stream in (getattr(self, "command_stream", None), getattr(self, "query_stream", None)):
            if stream is not None:
                stream.close()
        for s in (self.publish_socket, self.query_socket, self.command_socket):
            s.close()

    def publish(self, message: dict) -> None:
        h = message["header"]
        self.publish_socket.send_multipart(
            [h["source"].encode(), h["target"].encode(), h["msg_type"].encode(), json.dumps(message).encode()])

    def on_query_recv(self, msg_frames: List[bytes]) -> None:
        request = json.loads(msg_frames[0])
        self.publish(request)
        if request["header"]["msg_type"] == "connect_request":
            reply = _reply_to(request, {"command": {"port": self.command_port},
                                        "publish": {"port": self.publish_port}})
        else:  # execute_request "register"
            self.registry[request["header"]["source"]] = True
            reply = _reply_to(request, sorted(self.registry))
        self.query_socket.send(json.dumps(reply).encode())
        self.publish(reply)

    def on_command_recv(self, msg_frames: List[bytes]) -> None:
        source, _, message_str = msg_frames
        message = json.loads(message_str)
        assert message["header"]["source"] == source.decode()
        target = message["header"]["target"]
        if source.decode() in self.registry and target in self.registry:
            self.command_socket.send_multipart([target.encode(), b"", message_str])
            self.publish(message)
        elif target == self.name:
            reply = _reply_to(message, "pong")
            self.command_socket.send_multipart([source, b"", json.dumps(reply).encode()])


class Plugin:
    """zmq_plugin.plugin.Plugin, ported and trimmed: blocking queries on a REQ socket, a ROUTER
    command socket, a SUB socket; on_command_recv answers on the command socket directly."""

    def __init__(self, ctx: zmq.Context, name: str, query_uri: str) -> None:
        self.ctx, self.name, self.query_uri = ctx, name, query_uri
        self.hub_name = "hub"
        self.callbacks: dict = {}
        self.published: List[List[bytes]] = []

    def reset(self) -> None:
        self.query_socket = zmq.Socket(self.ctx, zmq.REQ)
        self.query_socket.rcvtimeo = TIMEOUT_MS
        self.query_socket.connect(self.query_uri)
        reply = self.query({"header": _header(self.name, self.hub_name, "connect_request")})
        ports = reply["content"]["data"]
        self.subscribe_socket = zmq.Socket(self.ctx, zmq.SUB)
        self.subscribe_socket.setsockopt(zmq.SUBSCRIBE, b"")
        self.subscribe_socket.connect(f"tcp://127.0.0.1:{ports['publish']['port']}")
        self.command_socket = zmq.Socket(self.ctx, zmq.ROUTER)
        self.command_socket.setsockopt(zmq.IDENTITY, self.name.encode())
        # The hub's name is known, so messages to it queue until the connection is up.
        self.command_socket.setsockopt(zmq.CONNECT_ROUTING_ID, self.hub_name.encode())
        self.command_socket.connect(f"tcp://127.0.0.1:{ports['command']['port']}")
        for s in (self.query_socket, self.subscribe_socket, self.command_socket):
            s.linger = 0
        self.register()

    def close(self) -> None:
        """PluginBase.close: close every socket (after the streams, where there are some)."""
        for stream in (getattr(self, "command_stream", None), getattr(self, "subscribe_stream", None)):
            if stream is not None:
                stream.close()
        for s in (self.query_socket, self.command_socket, self.subscribe_socket):
            s.close()

    def query(self, request: dict) -> dict:
        self.query_socket.send(json.dumps(request).encode())
        return json.loads(self.query_socket.recv())

    def register(self) -> None:
        request = {"header": _header(self.name, self.hub_name, "execute_request"),
                   "content": {"command": "register"}}
        self.registry = self.query(request)["content"]["data"]

    def send_command(self, request: dict) -> None:
        self.command_socket.send_multipart([self.hub_name.encode(), b"", json.dumps(request).encode()])

    def on_command_recv(self, frames: List[bytes]) -> None:
        message = json.loads(frames[-1])
        if message["header"]["msg_type"] == "execute_request":
            self.command_socket.send_multipart(
                [self.hub_name.encode(), b"", json.dumps(_reply_to(message, "pong")).encode()])
        else:
            self.callbacks.pop(message["header"]["session"])(message)

    def on_subscribe_recv(self, msg_frames: List[bytes]) -> None:
        self.published.append(msg_frames)

    def execute(self, target: str, command: str) -> Any:
        """The blocking execute: send through the hub, then read the command socket directly."""
        request = {"header": _header(self.name, target, "execute_request"), "content": {"command": command}}
        result: dict = {}
        session = request["header"]["session"]
        self.callbacks[session] = lambda reply: result.update(reply["content"])
        self.send_command(request)
        while session in self.callbacks:
            if not self.command_socket.poll(TIMEOUT_MS):
                raise TimeoutError(f"no reply to {command!r} from {target!r}")
            self.on_command_recv(self.command_socket.recv_multipart(zmq.NOBLOCK))
        return result["data"]


@pytest.fixture
def main_thread_loop():
    """A current (not yet running) event loop for code that builds streams before starting it."""
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    yield
    IOLoop.current().close()
    asyncio.set_event_loop(None)


def test_zmq_plugin_hub_and_plugins(ctx, main_thread_loop):
    """run_hub / run_plugin of zmq_plugin, as written there: streams made before the loop runs,
    `ioloop.install()`, `ioloop.IOLoop.instance().start()`; plugin_a serves commands from its
    own IOLoop thread, plugin_b drives it with blocking `execute` calls through the hub."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # ioloop's import warning: tested above
        from zmq_cffi.eventloop import ioloop, zmqstream
    pings = 200
    errors: List[BaseException] = []
    query_uri = endpoint("ipc")
    hub = Hub(ctx, query_uri)
    plugin_a, plugin_b = Plugin(ctx, "plugin_a", query_uri), Plugin(ctx, "plugin_b", query_uri)
    a_ready, a_saw_all = threading.Event(), threading.Event()
    a_loop: List[IOLoop] = []
    pongs: List[Any] = []

    def run_plugin_a() -> None:
        try:
            plugin_a.reset()
            assert plugin_a.execute("hub", "ping") == "pong"  # the hub now routes to plugin_a
            plugin_a.command_stream = zmqstream.ZMQStream(plugin_a.command_socket)
            plugin_a.command_stream.on_recv(plugin_a.on_command_recv)
            plugin_a.subscribe_stream = zmqstream.ZMQStream(plugin_a.subscribe_socket)

            def on_subscribe_recv(frames: List[bytes]) -> None:
                plugin_a.on_subscribe_recv(frames)
                if not a_ready.is_set():
                    a_ready.set()  # the subscription is live: later publications all arrive
                replies = [f for f in plugin_a.published if f[:3] == [b"plugin_a", b"plugin_b", b"execute_reply"]]
                if len(replies) == pings:
                    a_saw_all.set()

            plugin_a.subscribe_stream.on_recv(on_subscribe_recv)
            # Until the subscription reaches the hub, queries (which it publishes) may go unseen.
            probe = PeriodicCallback(lambda: a_ready.is_set() or plugin_a.register(), 20)
            probe.start()
            a_loop.append(ioloop.IOLoop.instance())
            ioloop.IOLoop.instance().start()
            probe.stop()
        except BaseException as e:  # noqa: B902 - reported by the test below
            errors.append(e)
            a_ready.set()
        finally:
            if hasattr(plugin_a, "query_socket"):
                plugin_a.close()
            IOLoop.current().close()

    def run_plugin_b() -> None:
        try:
            plugin_b.reset()
            assert a_ready.wait(TIMEOUT_S)
            plugin_b.register()
            for _ in range(pings):
                pongs.append(plugin_b.execute("plugin_a", "ping"))
            assert a_saw_all.wait(TIMEOUT_S), "plugin_a's subscription missed publications"
        except BaseException as e:  # noqa: B902 - reported by the test below
            errors.append(e)
        finally:
            if hasattr(plugin_b, "query_socket"):
                plugin_b.close()
            hub_loop.add_callback(hub_loop.stop)

    # run_hub, as zmq_plugin.bin.hub writes it.
    hub.reset()
    hub.command_stream = zmqstream.ZMQStream(hub.command_socket)
    hub.command_stream.on_recv(hub.on_command_recv)
    hub.query_stream = zmqstream.ZMQStream(hub.query_socket)
    hub.query_stream.on_recv(hub.on_query_recv)
    with pytest.warns(DeprecationWarning):
        ioloop.install()
    hub_loop = ioloop.IOLoop.instance()
    assert hub.query_stream.io_loop is hub_loop
    timed_out: List[bool] = []
    hub_loop.call_later(TIMEOUT_S, lambda: (timed_out.append(True), hub_loop.stop()))
    threads = [threading.Thread(target=run_plugin_a), threading.Thread(target=run_plugin_b)]
    try:
        for t in threads:
            t.start()
        ioloop.IOLoop.instance().start()
    finally:
        if a_loop:
            a_loop[0].add_callback(a_loop[0].stop)
        for t in threads:
            t.join(TIMEOUT_S)
        hub.close()
    assert not errors, errors
    assert not timed_out
    assert pongs == ["pong"] * pings
    assert set(hub.registry) == {"plugin_a", "plugin_b"}
    assert hub.query_stream.closed() and hub.command_stream.closed()
