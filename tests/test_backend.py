"""zmq_cffi.backend: the raw layer pyzmq programs reach as zmq.backend, used on its own."""
from __future__ import annotations

import errno
import os
import tempfile
import threading
import uuid

import pytest

import zmq_cffi as zmq
from conftest import TIMEOUT_MS, endpoint
from zmq_cffi import backend

TIMEOUT_S = TIMEOUT_MS / 1000

NAMES = [
    "Context", "Socket", "Frame", "Message", "zmq_poll", "proxy", "proxy_steerable", "device",
    "strerror", "zmq_errno", "has", "curve_keypair", "curve_public", "zmq_version_info",
    "IPC_PATH_MAX_LEN",
]


@pytest.fixture
def bctx():
    c = backend.Context()
    yield c
    c.term()


@pytest.fixture
def sockets(bctx):
    """open(type) -> a backend Socket with LINGER 0 and bounded send/recv; all closed after."""
    made = []

    def open_(socket_type):
        s = backend.Socket(bctx, socket_type)
        s.set(zmq.LINGER, 0)
        s.set(zmq.RCVTIMEO, TIMEOUT_MS)
        s.set(zmq.SNDTIMEO, TIMEOUT_MS)
        made.append(s)
        return s

    yield open_
    for s in made:
        s.close()


def _linked(sockets, bind_type, connect_type):
    a, b = sockets(bind_type), sockets(connect_type)
    name = endpoint("inproc")
    a.bind(name)
    b.connect(name)
    return a, b


# -- what is there ----------------------------------------------------------------------------


@pytest.mark.parametrize("name", NAMES)
def test_exports(name):
    assert hasattr(backend, name)
    assert name in backend.__all__


def test_public_classes_build_on_the_backend():
    assert issubclass(zmq.Context, backend.Context)
    assert issubclass(zmq.Socket, backend.Socket)
    assert issubclass(zmq.Frame, backend.Frame)


def test_message_is_frame():
    assert backend.Message is backend.Frame


# -- Context and Socket -----------------------------------------------------------------------


def test_context(bctx):
    assert not bctx.closed
    assert bctx.underlying != 0
    assert bctx.get(zmq.IO_THREADS) == 1
    bctx.set(zmq.MAX_SOCKETS, 64)
    assert bctx.get(zmq.MAX_SOCKETS) == 64


def test_context_term():
    c = backend.Context()
    c.term()
    assert c.closed


def test_socket_round_trip(sockets, bctx):
    a, b = _linked(sockets, zmq.PAIR, zmq.PAIR)
    assert a.context is bctx
    assert a.get(zmq.TYPE) == zmq.PAIR
    a.send(b"raw")
    assert b.recv() == b"raw"
    b.send(b"frame", copy=False)
    frame = a.recv(copy=False)
    assert isinstance(frame, backend.Frame)
    assert frame.bytes == b"frame"


def test_socket_close(bctx):
    s = backend.Socket(bctx, zmq.PAIR)
    assert not s.closed and s.underlying != 0
    s.close()
    assert s.closed
    with pytest.raises(zmq.ZMQError) as info:
        s.send(b"x")
    assert info.value.errno == zmq.ENOTSOCK


def test_socket_errors_are_zmq_errors(sockets):
    s = sockets(zmq.PULL)
    with pytest.raises(zmq.Again):
        s.recv(zmq.NOBLOCK)


def test_frame():
    f = backend.Frame(b"payload")
    assert f.bytes == b"payload"
    assert len(f) == 7
    assert bytes(f.buffer) == b"payload"


# -- zmq_poll ---------------------------------------------------------------------------------


def test_zmq_poll_nothing_ready(sockets):
    a, b = _linked(sockets, zmq.PAIR, zmq.PAIR)
    assert backend.zmq_poll([(b, zmq.POLLIN)], 0) == []


def test_zmq_poll_readable_and_writable(sockets):
    a, b = _linked(sockets, zmq.PAIR, zmq.PAIR)
    a.send(b"x")
    ready = backend.zmq_poll([(b, zmq.POLLIN), (a, zmq.POLLOUT)], TIMEOUT_MS)
    assert dict(ready) == {b: zmq.POLLIN, a: zmq.POLLOUT}


def test_zmq_poll_file_descriptor():
    r, w = os.pipe()
    try:
        assert backend.zmq_poll([(r, zmq.POLLIN)], 0) == []
        os.write(w, b"!")
        assert backend.zmq_poll([(r, zmq.POLLIN)], TIMEOUT_MS) == [(r, zmq.POLLIN)]
    finally:
        os.close(r)
        os.close(w)


# -- proxies ----------------------------------------------------------------------------------


def _start(target, *args):
    outcome = {}

    def run():
        try:
            outcome["returned"] = target(*args)
        except BaseException as e:  # noqa: BLE001 - reported to the test
            outcome["raised"] = e
        finally:
            for s in args:
                if isinstance(s, backend.Socket):
                    s.close()

    t = threading.Thread(target=run, daemon=True)
    t.start()
    return t, outcome


def _pipeline(bctx, sockets):
    """producer -> [frontend PULL | proxy | backend PUSH] -> consumer."""
    frontend = backend.Socket(bctx, zmq.PULL)
    back = backend.Socket(bctx, zmq.PUSH)
    for s in (frontend, back):
        s.set(zmq.LINGER, 0)
    front_name, back_name = endpoint("inproc"), endpoint("inproc")
    frontend.bind(front_name)
    back.bind(back_name)
    producer = sockets(zmq.PUSH)
    producer.connect(front_name)
    consumer = sockets(zmq.PULL)
    consumer.connect(back_name)
    return frontend, back, producer, consumer


def _own_context():
    """A context the test terminates itself, and a factory of bounded sockets in it."""
    c = backend.Context()
    made = []

    def sockets(kind):
        s = backend.Socket(c, kind)
        s.set(zmq.LINGER, 0)
        s.set(zmq.RCVTIMEO, TIMEOUT_MS)
        made.append(s)
        return s

    return c, sockets, made


def _term_bounded(ctx):
    t = threading.Thread(target=ctx.term, daemon=True)
    t.start()
    t.join(TIMEOUT_S)
    return not t.is_alive()


def test_proxy_forwards_until_term():
    c, sockets, made = _own_context()
    frontend, back, producer, consumer = _pipeline(c, sockets)
    t, outcome = _start(backend.proxy, frontend, back)
    producer.send(b"through")
    assert consumer.recv() == b"through"
    for s in made:
        s.close()
    assert _term_bounded(c)
    t.join(TIMEOUT_S)
    assert isinstance(outcome.get("raised"), zmq.ContextTerminated)


def test_proxy_capture():
    c, sockets, made = _own_context()
    frontend, back, producer, consumer = _pipeline(c, sockets)
    capture = backend.Socket(c, zmq.PUSH)
    capture.set(zmq.LINGER, 0)
    capture_name = endpoint("inproc")
    capture.bind(capture_name)
    tap = sockets(zmq.PULL)
    tap.connect(capture_name)
    t, outcome = _start(backend.proxy, frontend, back, capture)
    producer.send(b"seen twice")
    assert consumer.recv() == b"seen twice"
    assert tap.recv() == b"seen twice"
    for s in made:
        s.close()
    assert _term_bounded(c)
    t.join(TIMEOUT_S)
    assert isinstance(outcome.get("raised"), zmq.ContextTerminated)


def test_device_queue():
    c, sockets, made = _own_context()
    frontend, back, producer, consumer = _pipeline(c, sockets)
    t, outcome = _start(backend.device, zmq.QUEUE, frontend, back)
    producer.send(b"queued")
    assert consumer.recv() == b"queued"
    for s in made:
        s.close()
    assert _term_bounded(c)
    t.join(TIMEOUT_S)
    assert isinstance(outcome.get("raised"), zmq.ContextTerminated)


def test_proxy_steerable_terminates_on_command(bctx, sockets):
    frontend = backend.Socket(bctx, zmq.PULL)
    back = backend.Socket(bctx, zmq.PUSH)
    control = backend.Socket(bctx, zmq.PAIR)
    for s in (frontend, back, control):
        s.set(zmq.LINGER, 0)
    front_name, back_name, control_name = (endpoint("inproc") for _ in range(3))
    frontend.bind(front_name)
    back.bind(back_name)
    control.bind(control_name)
    producer = sockets(zmq.PUSH)
    producer.connect(front_name)
    consumer = sockets(zmq.PULL)
    consumer.connect(back_name)
    steer = sockets(zmq.PAIR)
    steer.connect(control_name)

    t, outcome = _start(backend.proxy_steerable, frontend, back, None, control)
    producer.send(b"steered")
    assert consumer.recv() == b"steered"
    steer.send(b"TERMINATE")
    t.join(TIMEOUT_S)
    assert not t.is_alive()
    assert "raised" not in outcome
    assert frontend.closed and back.closed and control.closed


def test_proxy_needs_sockets():
    with pytest.raises(TypeError):
        backend.proxy("front", "back")


# -- functions --------------------------------------------------------------------------------


def test_functions():
    assert backend.zmq_version_info() == zmq.zmq_version_info()
    assert backend.strerror(zmq.ETERM) == "Context was terminated"
    assert backend.has("ipc") is True
    assert backend.has("draft") is False
    public, secret = backend.curve_keypair()
    assert backend.curve_public(secret) == public


def test_zmq_errno(sockets):
    s = sockets(zmq.PULL)
    with pytest.raises(zmq.Again):
        s.recv(zmq.NOBLOCK)
    assert backend.zmq_errno() == errno.EAGAIN


def _ipc_path(length):
    prefix = os.path.join(tempfile.gettempdir(), f"zc-{uuid.uuid4().hex[:8]}-")
    return prefix + "x" * (length - len(prefix))


def test_ipc_path_max_len(sockets):
    assert backend.IPC_PATH_MAX_LEN == zmq.IPC_PATH_MAX_LEN == 107
    longest = _ipc_path(backend.IPC_PATH_MAX_LEN)
    s = sockets(zmq.PAIR)
    s.bind("ipc://" + longest)
    try:
        with pytest.raises(zmq.ZMQError) as info:
            sockets(zmq.PAIR).bind("ipc://" + _ipc_path(backend.IPC_PATH_MAX_LEN + 1))
        assert info.value.errno == errno.ENAMETOOLONG
    finally:
        s.close()
        if os.path.exists(longest):
            os.unlink(longest)
