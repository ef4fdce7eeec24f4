"""Ownership and release: garbage collection, finalizers on other threads, interpreter exit,
sockets used from several threads, closed sockets."""
from __future__ import annotations

import gc
import subprocess
import sys
import textwrap
import threading

import pytest

import zmq_cffi as zmq
from conftest import TIMEOUT_MS, endpoint


def collect() -> None:
    for _ in range(3):
        gc.collect()


def finishes(fn, timeout: float = 10.0) -> bool:
    """Run fn in a thread; True if it returned within `timeout` seconds."""
    t = threading.Thread(target=fn, daemon=True)
    t.start()
    t.join(timeout)
    return not t.is_alive()


def test_dropped_socket_is_closed_by_the_collector():
    context = zmq.Context()
    sock = context.socket(zmq.PUSH)
    sock.linger = 0
    sock.bind(endpoint("inproc"))
    del sock
    collect()
    # term() blocks while any socket of the context is open.
    assert finishes(context.term)


def test_term_closes_a_dropped_socket_that_no_collection_has_found_yet():
    # A socket kept alive only by a garbage cycle: on PyPy every dropped object is like this
    # until the next collection. term() must not wait for it forever.
    context = zmq.Context()
    sock = context.socket(zmq.PULL)
    sock.bind("tcp://127.0.0.1:*")
    cycle: list = [sock]
    cycle.append(cycle)
    gc.disable()
    try:
        del sock, cycle
        assert finishes(context.term)
    finally:
        gc.enable()


def test_dropped_context_with_open_sockets_never_blocks():
    context = zmq.Context()
    sock = context.socket(zmq.PUSH)
    sock.connect("tcp://127.0.0.1:9")  # nobody there: the message stays queued, LINGER -1
    sock.send(b"stuck", zmq.NOBLOCK)
    del context, sock
    assert finishes(collect)


def test_finalizers_run_on_another_thread():
    context = zmq.Context()
    holder = [context.socket(zmq.PAIR) for _ in range(20)]
    for sock in holder:
        sock.linger = 0
    del sock

    def drop_and_collect() -> None:
        holder.clear()
        collect()

    assert finishes(drop_and_collect)
    assert finishes(context.term)


def test_cycle_of_context_and_sockets_is_collected_without_blocking():
    class Node:
        pass

    def build() -> None:
        node = Node()
        node.ctx = zmq.Context()
        node.sock = node.ctx.socket(zmq.DEALER)
        node.sock.connect("tcp://127.0.0.1:9")
        node.sock.send(b"queued", zmq.NOBLOCK)
        node.self = node

    for _ in range(5):
        build()
    assert finishes(collect)


def test_calls_on_a_closed_socket_raise_enotsock(ctx):
    sock = ctx.socket(zmq.DEALER)
    sock.close()
    calls = [
        lambda: sock.send(b"x"),
        lambda: sock.send(bytearray(100_000), copy=False),
        lambda: sock.send(zmq.Frame(b"x")),
        lambda: sock.recv(),
        lambda: sock.recv(copy=False),
        lambda: sock.recv_into(bytearray(4)),
        lambda: sock.send_multipart([b"a", b"b"]),
        lambda: sock.bind("inproc://closed"),
        lambda: sock.connect("inproc://closed"),
        lambda: sock.get(zmq.LINGER),
        lambda: sock.set(zmq.LINGER, 0),
        lambda: sock.get(zmq.ROUTING_ID),
        lambda: sock.set(zmq.ROUTING_ID, b"id"),
        lambda: sock.poll(0),
        lambda: sock.monitor("inproc://closed-mon"),
    ]
    for call in calls:
        with pytest.raises(zmq.ZMQError) as info:
            call()
        assert info.value.errno == zmq.ENOTSOCK
    sock.close()  # closing again is harmless
    assert sock.closed


def test_each_thread_with_its_own_socket_gets_its_own_messages(ctx):
    pairs = []
    for _ in range(4):
        a, b = ctx.socket(zmq.PAIR), ctx.socket(zmq.PAIR)
        for s in (a, b):
            s.rcvtimeo = s.sndtimeo = TIMEOUT_MS
            s.linger = 0
        addr = endpoint("inproc")
        a.bind(addr)
        b.connect(addr)
        pairs.append((a, b))
    errors = []

    def talk(index: int, a, b) -> None:
        try:
            for n in range(2000):
                payload = f"{index}:{n}".encode() * (1 + n % 7)
                a.send(payload)
                got = b.recv() if n % 2 else bytes(b.recv(copy=False).buffer)
                if got != payload:
                    errors.append((index, n, got[:20]))
                    return
        except Exception as e:  # surfaced by the assertion below
            errors.append((index, repr(e)))

    threads = [threading.Thread(target=talk, args=(i, a, b)) for i, (a, b) in enumerate(pairs)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not any(t.is_alive() for t in threads)
    assert errors == []


def run_python(code: str, timeout: float = 60.0) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def test_exit_with_queued_messages_neither_hangs_nor_crashes():
    result = run_python(
        """
        import zmq_cffi as zmq
        ctx = zmq.Context.instance()
        push = ctx.socket(zmq.PUSH)
        push.connect("tcp://127.0.0.1:9")
        for i in range(50):
            push.send(b"copied %d" % i, zmq.NOBLOCK)
        big = bytes(1 << 20)
        tracker = push.send(big, zmq.NOBLOCK, copy=False, track=True)
        print("queued", tracker.done)
        """
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "queued False"


def test_exit_while_lent_buffers_are_being_sent():
    result = run_python(
        """
        import zmq_cffi as zmq
        ctx = zmq.Context()
        pull = ctx.socket(zmq.PULL)
        port = pull.bind_to_random_port("tcp://127.0.0.1")
        push = ctx.socket(zmq.PUSH)
        push.connect("tcp://127.0.0.1:%d" % port)
        for i in range(20):
            push.send(bytes([i]) * (2 << 20), copy=False)
        print(len(pull.recv()))
        """
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == str(2 << 20)
