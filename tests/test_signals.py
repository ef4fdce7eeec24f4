"""Signals during blocking calls: Ctrl-C raises KeyboardInterrupt at once; a handler that
returns lets the call go on, with what remains of its timeout."""
from __future__ import annotations

import gc
import signal
import threading
import time
from contextlib import contextmanager
from typing import Iterator, List

import pytest

import zmq_cffi as zmq
from conftest import endpoint


@contextmanager
def signals_to_main(sig: int, every: float = 0.05) -> Iterator[None]:
    """Send `sig` to the main thread every `every` seconds while the block runs.

    pthread_kill targets the main thread: a process-wide signal may land on another thread,
    which would not interrupt the main thread's system call."""
    main = threading.main_thread().ident
    done = threading.Event()
    handler = signal.getsignal(sig)

    def interrupter() -> None:
        while not done.wait(every):
            signal.pthread_kill(main, sig)

    t = threading.Thread(target=interrupter, daemon=True)
    t.start()
    try:
        yield
    finally:
        # Ignore `sig` until the interrupter is gone, so no late signal escapes the test.
        while True:
            try:
                signal.signal(sig, signal.SIG_IGN)
                break
            except KeyboardInterrupt:
                continue
        done.set()
        t.join(10)
        signal.signal(sig, handler)


@pytest.fixture
def counting_handler() -> Iterator[List[int]]:
    hits: List[int] = []
    previous = signal.signal(signal.SIGUSR1, lambda *_: hits.append(1))
    yield hits
    signal.signal(signal.SIGUSR1, previous)


def interrupted_promptly(block) -> float:
    start = time.monotonic()
    with pytest.raises(KeyboardInterrupt):
        with signals_to_main(signal.SIGINT):
            block()
    return time.monotonic() - start


def test_ctrl_c_interrupts_blocking_recv(ctx):
    pull = ctx.socket(zmq.PULL)
    pull.bind(endpoint("inproc"))
    assert interrupted_promptly(pull.recv) < 2.0
    assert interrupted_promptly(lambda: pull.recv(copy=False)) < 2.0
    assert interrupted_promptly(lambda: pull.recv_into(bytearray(10))) < 2.0
    assert interrupted_promptly(pull.recv_multipart) < 2.0


def test_ctrl_c_interrupts_blocking_send(ctx):
    push = ctx.socket(zmq.PUSH)
    push.linger = 0
    push.bind(endpoint("inproc"))
    assert interrupted_promptly(lambda: push.send(b"nobody listens")) < 2.0
    assert interrupted_promptly(lambda: push.send_multipart([b"nobody", b"listens"])) < 2.0


def test_ctrl_c_interrupts_poll_and_poller(ctx):
    pull = ctx.socket(zmq.PULL)
    pull.bind(endpoint("inproc"))
    poller = zmq.Poller()
    poller.register(pull, zmq.POLLIN)
    assert interrupted_promptly(pull.poll) < 2.0
    assert interrupted_promptly(poller.poll) < 2.0
    assert interrupted_promptly(lambda: zmq.select([pull], [], [])) < 2.0


def test_ctrl_c_interrupts_proxy(ctx):
    front, back = ctx.socket(zmq.ROUTER), ctx.socket(zmq.DEALER)
    front.bind(endpoint("inproc"))
    back.bind(endpoint("inproc"))
    assert interrupted_promptly(lambda: zmq.proxy(front, back)) < 2.0


def test_ctrl_c_interrupts_term_waiting_for_a_socket():
    context = zmq.Context()
    sock = context.socket(zmq.PULL)
    assert interrupted_promptly(context.term) < 2.0
    assert not context.closed
    sock.close()
    context.term()
    assert context.closed


class _SlowToFinalize:
    def __init__(self) -> None:
        self.cycle = self

    def __del__(self) -> None:
        time.sleep(0.0001)


@pytest.mark.filterwarnings("error::pytest.PytestUnraisableExceptionWarning")
def test_ctrl_c_during_terms_garbage_collection_is_not_lost_in_a_finalizer():
    # term() collects garbage once while a socket is still open (it may be garbage itself): a
    # Ctrl-C then must reach term()'s caller, not vanish inside some object's __del__.
    context = zmq.Context()
    sock = context.socket(zmq.PULL)
    gc.collect()
    gc.disable()
    try:
        for _ in range(5000):  # about half a second of finalizers
            _SlowToFinalize()
        assert interrupted_promptly(context.term) < 5.0
    finally:
        gc.enable()
    sock.close()
    context.term()


@pytest.mark.parametrize("call", ["recv", "recv_multipart"])
def test_handler_that_returns_keeps_the_remaining_rcvtimeo(ctx, counting_handler, call):
    pull = ctx.socket(zmq.PULL)
    pull.bind(endpoint("inproc"))
    pull.rcvtimeo = 500
    start = time.monotonic()
    with signals_to_main(signal.SIGUSR1, every=0.05):
        with pytest.raises(zmq.Again):
            getattr(pull, call)()
    elapsed = time.monotonic() - start
    assert counting_handler, "no signal arrived during the recv"
    # Restarting the full timeout after each signal would never time out here.
    assert 0.45 <= elapsed < 5.0
    assert pull.rcvtimeo == 500


@pytest.mark.parametrize("frames", [1, 3], ids=["send", "send_multipart"])
def test_handler_that_returns_keeps_the_remaining_sndtimeo(ctx, counting_handler, frames):
    push = ctx.socket(zmq.PUSH)
    push.linger = 0
    push.bind(endpoint("inproc"))
    push.sndtimeo = 500
    start = time.monotonic()
    with signals_to_main(signal.SIGUSR1, every=0.05):
        with pytest.raises(zmq.Again):
            if frames == 1:
                push.send(b"nobody listens")
            else:
                push.send_multipart([b"nobody"] * frames)
    assert counting_handler
    assert 0.45 <= time.monotonic() - start < 5.0
    assert push.sndtimeo == 500


def test_handler_that_returns_keeps_the_remaining_poll_timeout(ctx, counting_handler):
    pull = ctx.socket(zmq.PULL)
    pull.bind(endpoint("inproc"))
    poller = zmq.Poller()
    poller.register(pull, zmq.POLLIN)
    start = time.monotonic()
    with signals_to_main(signal.SIGUSR1, every=0.05):
        assert pull.poll(500) == 0
        assert poller.poll(500) == []
    assert counting_handler
    assert 0.9 <= time.monotonic() - start < 10.0


def test_message_arriving_after_signals_is_received(make_pair, counting_handler):
    pull, push = make_pair(zmq.PULL, zmq.PUSH)
    pull.rcvtimeo = -1
    sent = threading.Event()

    def send_after_signals() -> None:
        while len(counting_handler) < 3:
            signal.pthread_kill(threading.main_thread().ident, signal.SIGUSR1)
            time.sleep(0.02)  # pacing the interrupter, not synchronising the test
        push.send(b"late")
        sent.set()

    t = threading.Thread(target=send_after_signals, daemon=True)
    t.start()
    assert pull.recv() == b"late"
    t.join(10)
    assert sent.is_set() and len(counting_handler) >= 3


@contextmanager
def after_signals(hits: List[int], then) -> Iterator[None]:
    """While the block runs, a thread signals the main thread until its handler has run three
    times, then calls `then()` (which ends the block's blocking call)."""
    main = threading.main_thread().ident
    stop = threading.Event()

    def run() -> None:
        while len(hits) < 3:
            if stop.wait(0.02):  # pacing the interrupter, not synchronising the test
                return
            signal.pthread_kill(main, signal.SIGUSR1)
        then()

    t = threading.Thread(target=run, daemon=True)
    t.start()
    try:
        yield
    finally:
        stop.set()
        t.join(10)


def test_unbounded_poll_goes_on_after_a_handler_returns(make_pair, counting_handler):
    pull, push = make_pair(zmq.PULL, zmq.PUSH)
    with after_signals(counting_handler, lambda: push.send(b"late")):
        assert pull.poll(None) == zmq.POLLIN
    assert pull.recv(zmq.NOBLOCK) == b"late"
    assert len(counting_handler) >= 3


def test_term_goes_on_after_a_handler_returns(counting_handler):
    context = zmq.Context()
    sock = context.socket(zmq.PULL)
    with after_signals(counting_handler, sock.close):
        context.term()  # waits, through the signals, until the other thread closes the socket
    assert context.closed and sock.closed
    assert len(counting_handler) >= 3


def test_proxy_goes_on_after_a_handler_returns(ctx, counting_handler):
    front, back, control = ctx.socket(zmq.PULL), ctx.socket(zmq.PUSH), ctx.socket(zmq.PAIR)
    out, into, steer = ctx.socket(zmq.PULL), ctx.socket(zmq.PUSH), ctx.socket(zmq.PAIR)
    for bound, connected in ((front, into), (back, out), (control, steer)):
        address = endpoint("inproc")
        bound.bind(address)
        connected.connect(address)
    out.rcvtimeo = 10000
    received: List[bytes] = []

    def forward_then_terminate() -> None:
        into.send(b"through the proxy")
        received.append(out.recv())
        steer.send(b"TERMINATE")

    with after_signals(counting_handler, forward_then_terminate):
        zmq.proxy_steerable(front, back, None, control)  # returns after TERMINATE
    assert received == [b"through the proxy"]
    assert len(counting_handler) >= 3
