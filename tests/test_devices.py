"""zmq_cffi.devices: devices relaying real traffic in threads and child processes.

Thread devices share a context with the test (so inproc works) and are stopped by terminating
it, after the test has closed its own sockets; process devices use ipc/tcp and are stopped over
their control socket or with Process.terminate(). Every wait is bounded.
"""
from __future__ import annotations

import pickle
import threading
from typing import Any, List, Tuple

import pytest

import zmq_cffi as zmq
from zmq_cffi import devices
from zmq_cffi.devices import monitored_queue

from conftest import TIMEOUT_MS, endpoint

JOIN_S = TIMEOUT_MS / 1000


class Harness:
    """A context for thread devices and the test's sockets, shut down in the safe order:
    the test's sockets are closed, the context is terminated (the devices see ETERM and
    close theirs), then the devices are joined."""

    def __init__(self) -> None:
        self.ctx = zmq.Context()
        # Default for every socket of this context, the devices' included.
        self.ctx.linger = 0
        self.sockets: List[zmq.Socket] = []
        self.devices: List[Any] = []

    def socket(self, socket_type: int) -> zmq.Socket:
        sock = self.ctx.socket(socket_type)
        sock.linger = 0
        sock.rcvtimeo = TIMEOUT_MS
        sock.sndtimeo = TIMEOUT_MS
        self.sockets.append(sock)
        return sock

    def start(self, dev: Any) -> Any:
        if isinstance(dev, devices.ThreadDevice):
            dev.context_factory = lambda: self.ctx
        self.devices.append(dev)
        dev.start()
        return dev

    def shutdown(self) -> None:
        for sock in self.sockets:
            sock.close()
        self.sockets = []
        if not self.ctx.closed:
            self.ctx.term()
        for dev in self.devices:
            if isinstance(dev, devices.ProcessDevice) and dev.launcher.is_alive():
                dev.launcher.terminate()
            dev.join(JOIN_S)
        for dev in self.devices:
            assert not dev.launcher.is_alive(), f"{dev!r} did not stop"


@pytest.fixture
def harness():
    h = Harness()
    yield h
    h.shutdown()


# -- configuration -----------------------------------------------------------------------------


def test_device_requires_both_socket_types() -> None:
    with pytest.raises(TypeError):
        devices.Device(zmq.QUEUE, zmq.ROUTER)
    with pytest.raises(TypeError):
        devices.Device(zmq.QUEUE, out_type=zmq.DEALER)


def test_join_before_start_is_an_error() -> None:
    dev = devices.ThreadDevice(zmq.QUEUE, zmq.ROUTER, zmq.DEALER)
    assert dev.daemon is True and dev.done is False
    with pytest.raises(RuntimeError):
        dev.join(0)


def test_context_factories() -> None:
    assert devices.ThreadDevice.context_factory() is zmq.Context.instance()
    # A process device makes a fresh context: never the parent's instance.
    ctx = devices.ProcessDevice.context_factory()
    try:
        assert isinstance(ctx, zmq.Context) and ctx is not zmq.Context.instance()
    finally:
        ctx.term()


def test_random_ports_are_distinct_and_bindable(harness: Harness) -> None:
    dev = devices.ThreadProxy(zmq.PULL, zmq.PUSH, zmq.PUSH)
    ports = [
        dev.bind_in_to_random_port("tcp://127.0.0.1"),
        dev.bind_out_to_random_port("tcp://127.0.0.1"),
        dev.bind_mon_to_random_port("tcp://127.0.0.1"),
    ]
    assert len(set(ports)) == 3
    harness.start(dev)
    push, pull, mon = harness.socket(zmq.PUSH), harness.socket(zmq.PULL), harness.socket(zmq.PULL)
    push.connect(f"tcp://127.0.0.1:{ports[0]}")
    pull.connect(f"tcp://127.0.0.1:{ports[1]}")
    mon.connect(f"tcp://127.0.0.1:{ports[2]}")
    push.send(b"over tcp")
    assert pull.recv() == b"over tcp"
    assert mon.recv() == b"over tcp"


def test_process_device_pickles_without_live_state() -> None:
    dev = devices.ProcessProxySteerable(zmq.PULL, zmq.PUSH, zmq.PUB, zmq.PAIR)
    dev.bind_in("ipc:///tmp/x-in")
    dev.setsockopt_out(zmq.SNDHWM, 5)
    dev.connect_ctrl("tcp://127.0.0.1:5")
    copy = pickle.loads(pickle.dumps(dev))
    assert (copy.in_type, copy.out_type, copy.mon_type, copy.ctrl_type) == (zmq.PULL, zmq.PUSH, zmq.PUB, zmq.PAIR)
    assert copy._plan("in").binds == ["ipc:///tmp/x-in"]
    assert copy._plan("out").sockopts == [(zmq.SNDHWM, 5)]
    assert copy._plan("ctrl").connects == ["tcp://127.0.0.1:5"]


# -- thread devices ----------------------------------------------------------------------------


def test_thread_device_queue_req_rep(harness: Harness) -> None:
    front, back = endpoint("inproc"), endpoint("inproc")
    dev = devices.ThreadDevice(zmq.QUEUE, zmq.ROUTER, zmq.DEALER)
    dev.bind_in(front)
    dev.bind_out(back)
    harness.start(dev)
    req, rep = harness.socket(zmq.REQ), harness.socket(zmq.REP)
    req.connect(front)
    rep.connect(back)
    for i in range(20):
        req.send(b"question %d" % i)
        assert rep.recv() == b"question %d" % i
        rep.send(b"answer %d" % i)
        assert req.recv() == b"answer %d" % i
    harness.shutdown()
    assert dev.done is True


@pytest.mark.parametrize("transport", ["ipc", "tcp"])
def test_thread_device_streamer(harness: Harness, transport: str) -> None:
    dev = devices.ThreadDevice(zmq.STREAMER, zmq.PULL, zmq.PUSH)
    if transport == "tcp":
        front = f"tcp://127.0.0.1:{dev.bind_in_to_random_port('tcp://127.0.0.1')}"
        back = f"tcp://127.0.0.1:{dev.bind_out_to_random_port('tcp://127.0.0.1')}"
    else:
        front, back = endpoint("ipc"), endpoint("ipc")
        dev.bind_in(front)
        dev.bind_out(back)
    harness.start(dev)
    push, pull = harness.socket(zmq.PUSH), harness.socket(zmq.PULL)
    push.connect(front)
    pull.connect(back)
    sent = [[b"part1", b"%d" % i] for i in range(50)]
    for msg in sent:
        push.send_multipart(msg)
    assert [pull.recv_multipart() for _ in sent] == sent


def test_thread_device_connects_and_sets_options_before_connecting(harness: Harness) -> None:
    # The device connects on both sides; its in socket's routing id must be set before connect.
    router = harness.socket(zmq.ROUTER)
    router.bind(endpoint("inproc"))
    back = endpoint("inproc")
    client = harness.socket(zmq.DEALER)
    client.bind(back)
    dev = devices.ThreadDevice(zmq.QUEUE, zmq.DEALER, zmq.DEALER)
    dev.setsockopt_in(zmq.ROUTING_ID, b"device-in")
    dev.connect_in(router.get_string(zmq.LAST_ENDPOINT))
    dev.connect_out(back)
    harness.start(dev)
    client.send(b"via the device")
    assert router.recv_multipart() == [b"device-in", b"via the device"]
    router.send_multipart([b"device-in", b"and back"])
    assert client.recv() == b"and back"


def test_single_socket_device_echoes(harness: Harness) -> None:
    # out_type < 0: one ROUTER on both sides sends every message back to its sender.
    addr = endpoint("inproc")
    dev = devices.ThreadDevice(zmq.QUEUE, zmq.ROUTER, -1)
    dev.bind_in(addr)
    harness.start(dev)
    a, b = harness.socket(zmq.DEALER), harness.socket(zmq.DEALER)
    a.connect(addr)
    b.connect(addr)
    a.send(b"from a")
    b.send(b"from b")
    assert a.recv() == b"from a"
    assert b.recv() == b"from b"


def test_foreground_device_join(harness: Harness) -> None:
    front, back = endpoint("inproc"), endpoint("inproc")
    dev = devices.Device(zmq.STREAMER, zmq.PULL, zmq.PUSH)
    dev.context_factory = lambda: harness.ctx
    dev.bind_in(front)
    dev.bind_out(back)
    runner = threading.Thread(target=dev.start, daemon=True)
    runner.start()
    push, pull = harness.socket(zmq.PUSH), harness.socket(zmq.PULL)
    push.connect(front)
    pull.connect(back)
    push.send(b"foreground")
    assert pull.recv() == b"foreground"
    dev.join(0.01)
    assert dev.done is False
    harness.shutdown()
    dev.join(JOIN_S)
    assert dev.done is True
    runner.join(JOIN_S)
    assert not runner.is_alive()


def test_thread_proxy_copies_to_monitor(harness: Harness) -> None:
    front, back, mon_addr = endpoint("inproc"), endpoint("inproc"), endpoint("inproc")
    dev = devices.ThreadProxy(zmq.ROUTER, zmq.DEALER, zmq.PUSH)
    dev.bind_in(front)
    dev.bind_out(back)
    dev.bind_mon(mon_addr)
    harness.start(dev)
    req, rep, mon = harness.socket(zmq.REQ), harness.socket(zmq.REP), harness.socket(zmq.PULL)
    mon.connect(mon_addr)
    req.connect(front)
    rep.connect(back)
    req.send(b"ping")
    assert rep.recv() == b"ping"
    rep.send(b"pong")
    assert req.recv() == b"pong"
    # The capture gets whole messages as the proxy saw them: [routing id, b"", body].
    request, reply = mon.recv_multipart(), mon.recv_multipart()
    assert request[1:] == [b"", b"ping"]
    assert reply[1:] == [b"", b"pong"]
    assert request[0] == reply[0]


def test_thread_proxy_steerable_pause_resume_terminate(harness: Harness) -> None:
    front, back, cap, ctrl_addr = (endpoint("inproc") for _ in range(4))
    dev = devices.ThreadProxySteerable(zmq.PULL, zmq.PUSH, zmq.PUSH, zmq.PAIR)
    dev.bind_in(front)
    dev.bind_out(back)
    dev.bind_mon(cap)
    dev.bind_ctrl(ctrl_addr)
    harness.start(dev)
    push, pull, capture, ctrl = (harness.socket(t) for t in (zmq.PUSH, zmq.PULL, zmq.PULL, zmq.PAIR))
    for sock, addr in ((push, front), (pull, back), (capture, cap), (ctrl, ctrl_addr)):
        sock.connect(addr)

    push.send(b"one")
    assert pull.recv() == b"one"
    assert capture.recv() == b"one"

    # Control commands are copied to the capture socket before they take effect: seeing
    # PAUSE there means the proxy has paused.
    ctrl.send(b"PAUSE")
    assert capture.recv() == b"PAUSE"
    push.send(b"two")
    assert pull.poll(300) == 0, "a paused proxy relayed a message"
    ctrl.send(b"RESUME")
    assert pull.recv() == b"two"
    # The command is captured before the message it released.
    assert capture.recv() == b"RESUME"
    assert capture.recv() == b"two"

    ctrl.send(b"TERMINATE")
    dev.join(JOIN_S)
    assert not dev.launcher.is_alive()
    assert dev.done is True


def test_proxy_steerable_without_control_socket_is_a_proxy(harness: Harness) -> None:
    front, back, cap = endpoint("inproc"), endpoint("inproc"), endpoint("inproc")
    dev = devices.ThreadProxySteerable(zmq.PULL, zmq.PUSH, zmq.PUSH)
    assert dev.ctrl_type is None
    dev.bind_in(front)
    dev.bind_out(back)
    dev.bind_mon(cap)
    harness.start(dev)
    push, pull, capture = harness.socket(zmq.PUSH), harness.socket(zmq.PULL), harness.socket(zmq.PULL)
    push.connect(front)
    pull.connect(back)
    capture.connect(cap)
    push.send(b"plain")
    assert pull.recv() == b"plain"
    assert capture.recv() == b"plain"


# -- monitored queue ---------------------------------------------------------------------------


def _run_monitored_queue(socks: Tuple[zmq.Socket, zmq.Socket, zmq.Socket], prefixes: Tuple[Any, Any]) -> None:
    """Thread body: run the queue until the context ends, then close its sockets."""
    try:
        monitored_queue(*socks, *prefixes)
    except zmq.ContextTerminated:
        pass
    finally:
        for s in socks:
            s.close()


def test_monitored_queue_function_prefixes_both_directions(harness: Harness) -> None:
    front, back, mon_addr = endpoint("inproc"), endpoint("inproc"), endpoint("inproc")
    ctx = harness.ctx
    ins, outs, mons = ctx.socket(zmq.ROUTER), ctx.socket(zmq.DEALER), ctx.socket(zmq.PUSH)
    ins.bind(front)
    outs.bind(back)
    mons.bind(mon_addr)
    # The queue's sockets pass to the thread here and are not touched by this thread again.
    runner = threading.Thread(target=_run_monitored_queue, args=((ins, outs, mons), (b"IN", "OUT")), daemon=True)
    runner.start()
    req, rep, mon = harness.socket(zmq.REQ), harness.socket(zmq.REP), harness.socket(zmq.PULL)
    req.connect(front)
    rep.connect(back)
    mon.connect(mon_addr)

    req.send_multipart([b"multi", b"part"])
    assert rep.recv_multipart() == [b"multi", b"part"]
    rep.send(b"reply")
    assert req.recv() == b"reply"

    seen_in = mon.recv_multipart()
    seen_out = mon.recv_multipart()
    assert seen_in[0] == b"IN" and seen_in[2:] == [b"", b"multi", b"part"]
    assert seen_out[0] == b"OUT" and seen_out[2:] == [b"", b"reply"]
    # Same peer both ways: the REQ client's routing id.
    assert seen_in[1] == seen_out[1]

    harness.shutdown()
    runner.join(JOIN_S)
    assert not runner.is_alive()


def test_monitored_queue_rejects_bad_prefix(harness: Harness) -> None:
    a, b, c = (harness.socket(zmq.PAIR) for _ in range(3))
    with pytest.raises(TypeError):
        monitored_queue(a, b, c, in_prefix=42)


def test_thread_monitored_queue_router_router_swaps_ids(harness: Harness) -> None:
    front, back, mon_addr = endpoint("inproc"), endpoint("inproc"), endpoint("inproc")
    dev = devices.ThreadMonitoredQueue(zmq.ROUTER, zmq.ROUTER, zmq.PUSH, b"req", b"rep")
    dev.bind_in(front)
    dev.bind_out(back)
    dev.bind_mon(mon_addr)
    harness.start(dev)
    client, worker, mon = harness.socket(zmq.DEALER), harness.socket(zmq.DEALER), harness.socket(zmq.PULL)
    client.routing_id = b"client"
    worker.routing_id = b"worker"
    mon.connect(mon_addr)
    worker.connect(back)
    client.connect(front)

    # The client addresses the worker by routing id; the worker answers the client the same way.
    client.send_multipart([b"worker", b"job"])
    assert worker.recv_multipart() == [b"client", b"job"]
    worker.send_multipart([b"client", b"done"])
    assert client.recv_multipart() == [b"worker", b"done"]

    assert mon.recv_multipart() == [b"req", b"worker", b"client", b"job"]
    assert mon.recv_multipart() == [b"rep", b"client", b"worker", b"done"]


def test_monitored_queue_with_pub_monitor(harness: Harness) -> None:
    front, back, mon_addr = endpoint("inproc"), endpoint("inproc"), endpoint("inproc")
    dev = devices.ThreadMonitoredQueue(zmq.PULL, zmq.PUSH)
    assert dev.mon_type == zmq.PUB
    dev.bind_in(front)
    dev.bind_out(back)
    dev.bind_mon(mon_addr)
    harness.start(dev)
    push, pull, sub = harness.socket(zmq.PUSH), harness.socket(zmq.PULL), harness.socket(zmq.SUB)
    sub.subscribe(b"in")
    sub.connect(mon_addr)
    push.connect(front)
    pull.connect(back)
    # A new subscription reaches the PUB asynchronously: send until one copy arrives.
    for i in range(100):
        push.send(b"%d" % i)
        assert pull.recv() == b"%d" % i
        if sub.poll(50):
            break
    else:
        pytest.fail("the monitor never published")
    prefix, body = sub.recv_multipart()
    assert prefix == b"in" and body.isdigit()


# -- process devices ---------------------------------------------------------------------------


def test_process_device_streamer(harness: Harness) -> None:
    front, back = endpoint("ipc"), endpoint("ipc")
    dev = devices.ProcessDevice(zmq.STREAMER, zmq.PULL, zmq.PUSH)
    dev.bind_in(front)
    dev.bind_out(back)
    dev.setsockopt_in(zmq.LINGER, 0)
    dev.setsockopt_out(zmq.LINGER, 0)
    harness.start(dev)
    push, pull = harness.socket(zmq.PUSH), harness.socket(zmq.PULL)
    push.connect(front)
    pull.connect(back)
    push.send_multipart([b"across", b"processes"])
    assert pull.recv_multipart() == [b"across", b"processes"]
    assert dev.launcher.is_alive()
    dev.launcher.terminate()
    dev.join(JOIN_S)
    assert dev.launcher.exitcode is not None


def test_process_proxy_steerable_terminated_over_control(harness: Harness) -> None:
    dev = devices.ProcessProxySteerable(zmq.PULL, zmq.PUSH, zmq.PUSH, zmq.PAIR)
    ports = [dev.bind_in_to_random_port("tcp://127.0.0.1"), dev.bind_out_to_random_port("tcp://127.0.0.1")]
    cap, ctrl_addr = endpoint("ipc"), endpoint("ipc")
    dev.bind_mon(cap)
    dev.bind_ctrl(ctrl_addr)
    for set_option in (dev.setsockopt_in, dev.setsockopt_out, dev.setsockopt_mon, dev.setsockopt_ctrl):
        set_option(zmq.LINGER, 0)
    harness.start(dev)
    push, pull, capture, ctrl = (harness.socket(t) for t in (zmq.PUSH, zmq.PULL, zmq.PULL, zmq.PAIR))
    push.connect(f"tcp://127.0.0.1:{ports[0]}")
    pull.connect(f"tcp://127.0.0.1:{ports[1]}")
    capture.connect(cap)
    ctrl.connect(ctrl_addr)
    push.send(b"before terminate")
    assert pull.recv() == b"before terminate"
    assert capture.recv() == b"before terminate"
    ctrl.send(b"TERMINATE")
    dev.join(JOIN_S)
    assert not dev.launcher.is_alive()
    # A clean return from the device, not a kill.
    assert dev.launcher.exitcode == 0


def test_process_monitored_queue(harness: Harness) -> None:
    front, back, mon_addr = endpoint("ipc"), endpoint("ipc"), endpoint("ipc")
    dev = devices.ProcessMonitoredQueue(zmq.PULL, zmq.PUSH, zmq.PUSH, "to-out", b"to-in")
    dev.bind_in(front)
    dev.bind_out(back)
    dev.bind_mon(mon_addr)
    harness.start(dev)
    push, pull, mon = harness.socket(zmq.PUSH), harness.socket(zmq.PULL), harness.socket(zmq.PULL)
    push.connect(front)
    pull.connect(back)
    mon.connect(mon_addr)
    push.send(b"watched")
    assert pull.recv() == b"watched"
    assert mon.recv_multipart() == [b"to-out", b"watched"]
    dev.launcher.terminate()
    dev.join(JOIN_S)
    assert not dev.launcher.is_alive()


def test_all_is_the_submodules_exports():
    # devices.__all__ is spelled out for type checkers; it must stay the submodules' union.
    from zmq_cffi.devices import (
        basedevice,
        monitoredqueue,
        monitoredqueuedevice,
        proxydevice,
        proxysteerabledevice,
    )

    expected = [
        *basedevice.__all__,
        *proxydevice.__all__,
        *proxysteerabledevice.__all__,
        *monitoredqueue.__all__,
        *monitoredqueuedevice.__all__,
    ]
    assert devices.__all__ == expected
