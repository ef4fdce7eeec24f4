"""proxy, proxy_steerable and device, each running in its own thread."""
from __future__ import annotations

import threading

import pytest

import zmq_cffi as zmq
from conftest import TIMEOUT_MS, endpoint

WAIT_S = TIMEOUT_MS / 1000

pytestmark = pytest.mark.timeout(60)




def socket(ctx, socket_type, bind=None, connect=None):
    s = ctx.socket(socket_type)
    s.linger = 0
    s.rcvtimeo = TIMEOUT_MS
    s.sndtimeo = TIMEOUT_MS
    if bind:
        s.bind(bind)
    if connect:
        s.connect(connect)
    return s


def addr_of(s):
    return s.get_string(zmq.LAST_ENDPOINT)


class Runner:
    """Runs a blocking proxy call in a thread, records how it ended and closes its sockets."""

    def __init__(self, target, *sockets):
        self.outcome = None
        self.sockets = [s for s in sockets if s is not None]
        self.thread = threading.Thread(target=self._run, args=(target, sockets), daemon=True)
        self.thread.start()

    def _run(self, target, sockets):
        try:
            target(*sockets)
            self.outcome = "returned"
        except BaseException as e:
            self.outcome = e
        finally:
            for s in self.sockets:
                s.close()

    def join(self):
        self.thread.join(WAIT_S)
        assert not self.thread.is_alive(), "the proxy thread did not end"


def term_and_join(ctx, runner, *own_sockets):
    for s in own_sockets:
        s.close()
    term = threading.Thread(target=ctx.term, daemon=True)
    term.start()
    runner.join()
    term.join(WAIT_S)
    assert not term.is_alive(), "Context.term did not return"


@pytest.mark.parametrize("transport", ["inproc", "tcp"])
def test_proxy_with_capture(transport):
    ctx = zmq.Context()
    frontend = socket(ctx, zmq.ROUTER, bind=endpoint(transport))
    backend = socket(ctx, zmq.DEALER, bind=endpoint(transport))
    capture = socket(ctx, zmq.PUSH, bind=endpoint("inproc"))
    client = socket(ctx, zmq.REQ, connect=addr_of(frontend))
    worker = socket(ctx, zmq.REP, connect=addr_of(backend))
    tap = socket(ctx, zmq.PULL, connect=addr_of(capture))
    runner = Runner(zmq.proxy, frontend, backend, capture)

    for i in range(3):
        client.send(b"request %d" % i)
        assert worker.recv() == b"request %d" % i
        worker.send(b"reply %d" % i)
        assert client.recv() == b"reply %d" % i

    captured = [tap.recv_multipart() for _ in range(6)]
    assert [msg[-1] for msg in captured] == [
        b"request 0", b"reply 0", b"request 1", b"reply 1", b"request 2", b"reply 2",
    ]
    assert all(msg[-2] == b"" for msg in captured)

    term_and_join(ctx, runner, client, worker, tap)
    assert isinstance(runner.outcome, zmq.ContextTerminated)


def test_proxy_without_capture():
    ctx = zmq.Context()
    frontend = socket(ctx, zmq.PULL, bind=endpoint("inproc"))
    backend = socket(ctx, zmq.PUSH, bind=endpoint("inproc"))
    source = socket(ctx, zmq.PUSH, connect=addr_of(frontend))
    sink = socket(ctx, zmq.PULL, connect=addr_of(backend))
    runner = Runner(zmq.proxy, frontend, backend)

    source.send_multipart([b"one", b"message"])
    assert sink.recv_multipart() == [b"one", b"message"]

    term_and_join(ctx, runner, source, sink)
    assert isinstance(runner.outcome, zmq.ContextTerminated)


class Steered:
    def __init__(self, capture=False):
        self.ctx = ctx = zmq.Context()
        frontend = socket(ctx, zmq.PULL, bind=endpoint("inproc"))
        backend = socket(ctx, zmq.PUSH, bind=endpoint("inproc"))
        control = socket(ctx, zmq.PAIR, bind=endpoint("inproc"))
        cap = socket(ctx, zmq.PUSH, bind=endpoint("inproc")) if capture else None
        self.source = socket(ctx, zmq.PUSH, connect=addr_of(frontend))
        self.sink = socket(ctx, zmq.PULL, connect=addr_of(backend))
        self.controller = socket(ctx, zmq.PAIR, connect=addr_of(control))
        self.tap = socket(ctx, zmq.PULL, connect=addr_of(cap)) if capture else None
        self.runner = Runner(zmq.proxy_steerable, frontend, backend, cap, control)

    def command(self, cmd):
        """Send a command, then STATISTICS: its reply means the command was handled."""
        self.controller.send(cmd)
        self.controller.send(b"STATISTICS")
        assert len(self.controller.recv_multipart()) == 8

    def close(self):
        own = [s for s in (self.source, self.sink, self.controller, self.tap) if s is not None]
        term_and_join(self.ctx, self.runner, *own)


def test_proxy_steerable_terminate():
    steered = Steered(capture=True)
    steered.source.send(b"through")
    assert steered.sink.recv() == b"through"
    assert steered.tap.recv() == b"through"
    steered.controller.send(b"TERMINATE")
    steered.runner.join()
    assert steered.runner.outcome == "returned"
    steered.close()


def test_proxy_steerable_pause_resume():
    steered = Steered()
    steered.source.send(b"before")
    assert steered.sink.recv() == b"before"
    steered.command(b"PAUSE")
    steered.source.send(b"held")
    assert steered.sink.poll(200) == 0
    steered.command(b"RESUME")
    assert steered.sink.recv() == b"held"
    steered.controller.send(b"TERMINATE")
    steered.runner.join()
    assert steered.runner.outcome == "returned"
    steered.close()


def test_device_queue():
    ctx = zmq.Context()
    frontend = socket(ctx, zmq.ROUTER, bind=endpoint("tcp"))
    backend = socket(ctx, zmq.DEALER, bind=endpoint("tcp"))
    client = socket(ctx, zmq.REQ, connect=addr_of(frontend))
    worker = socket(ctx, zmq.REP, connect=addr_of(backend))
    runner = Runner(lambda f, b: zmq.device(zmq.QUEUE, f, b), frontend, backend)

    client.send(b"queued")
    assert worker.recv() == b"queued"
    worker.send(b"served")
    assert client.recv() == b"served"

    term_and_join(ctx, runner, client, worker)
    assert isinstance(runner.outcome, zmq.ContextTerminated)


@pytest.mark.parametrize("device_type", [99, -1, zmq.PUSH], ids=["99", "-1", "PUSH"])
def test_device_bad_type(ctx, device_type):
    frontend = socket(ctx, zmq.PULL, bind=endpoint("inproc"))
    backend = socket(ctx, zmq.PUSH, bind=endpoint("inproc"))
    with pytest.raises(ValueError):
        zmq.device(device_type, frontend, backend)
