"""Socket monitoring: get_monitor_socket, monitor(), disable_monitor, and decoding the events."""
from __future__ import annotations

import struct
import threading

import pytest

import zmq_cffi as zmq
from conftest import TIMEOUT_MS, endpoint
from zmq_cffi.utils.monitor import parse_monitor_message, recv_monitor_message


def _socket(ctx, kind):
    s = ctx.socket(kind)
    s.linger = 0
    s.rcvtimeo = TIMEOUT_MS
    s.sndtimeo = TIMEOUT_MS
    return s


def _watch(sock, events=None):
    mon = sock.get_monitor_socket(events)
    mon.linger = 0
    mon.rcvtimeo = TIMEOUT_MS
    return mon


def _until(mon, wanted):
    """Read events up to and including the first `wanted` one; return all of them."""
    seen = []
    while True:
        try:
            event = recv_monitor_message(mon)
        except zmq.Again:
            pytest.fail(f"no {wanted!r} within {TIMEOUT_MS} ms; saw {seen}")
        seen.append(event)
        if event["event"] == wanted:
            return seen


def _kinds(events):
    return [e["event"] for e in events]


# -- get_monitor_socket -----------------------------------------------------------------------


def test_monitor_socket_is_a_connected_pair(ctx):
    s = _socket(ctx, zmq.PULL)
    mon = _watch(s)
    assert isinstance(mon, zmq.Socket)
    assert mon.get(zmq.TYPE) == zmq.PAIR
    assert mon.context is ctx


def test_listening_on_bind(ctx):
    s = _socket(ctx, zmq.PULL)
    mon = _watch(s)
    s.bind(endpoint("tcp"))
    event = recv_monitor_message(mon)
    assert event["event"] == zmq.EVENT_LISTENING
    assert isinstance(event["event"], zmq.Event)
    assert event["endpoint"] == s.last_endpoint
    assert isinstance(event["value"], int) and event["value"] >= 0


def test_accept_and_handshake_over_tcp(ctx):
    server = _socket(ctx, zmq.PULL)
    mon = _watch(server)
    server.bind(endpoint("tcp"))
    assert recv_monitor_message(mon)["event"] == zmq.EVENT_LISTENING

    client = _socket(ctx, zmq.PUSH)
    client.connect(server.last_endpoint)
    seen = _until(mon, zmq.EVENT_HANDSHAKE_SUCCEEDED)
    assert _kinds(seen) == [zmq.EVENT_ACCEPTED, zmq.EVENT_HANDSHAKE_SUCCEEDED]
    assert all(e["endpoint"] == server.last_endpoint for e in seen)

    client.send(b"after the handshake")
    assert server.recv() == b"after the handshake"


def test_connecting_side(ctx):
    server = _socket(ctx, zmq.PULL)
    server.bind(endpoint("tcp"))
    client = _socket(ctx, zmq.PUSH)
    mon = _watch(client)
    client.connect(server.last_endpoint)
    seen = _until(mon, zmq.EVENT_HANDSHAKE_SUCCEEDED)
    assert zmq.EVENT_CONNECTED in _kinds(seen)


def test_disconnect_is_seen(ctx):
    server = _socket(ctx, zmq.PAIR)
    mon = _watch(server)
    server.bind(endpoint("tcp"))
    client = _socket(ctx, zmq.PAIR)
    client.connect(server.last_endpoint)
    _until(mon, zmq.EVENT_HANDSHAKE_SUCCEEDED)
    client.close()
    assert _until(mon, zmq.EVENT_DISCONNECTED)[-1]["endpoint"] == server.last_endpoint


def test_unbind_is_closed(ctx):
    s = _socket(ctx, zmq.PULL)
    mon = _watch(s)
    s.bind(endpoint("tcp"))
    where = s.last_endpoint
    assert recv_monitor_message(mon)["event"] == zmq.EVENT_LISTENING
    s.unbind(where)
    event = recv_monitor_message(mon)
    assert event["event"] == zmq.EVENT_CLOSED
    assert event["endpoint"] == where


def test_ipc(ctx):
    s = _socket(ctx, zmq.PULL)
    mon = _watch(s)
    s.bind(endpoint("ipc"))
    event = recv_monitor_message(mon)
    assert event["event"] == zmq.EVENT_LISTENING
    assert event["endpoint"] == s.last_endpoint
    assert event["endpoint"].startswith(b"ipc://")


def test_handshake_failure(ctx):
    server = _socket(ctx, zmq.PULL)
    server.curve_server = True
    server.curve_secretkey = zmq.curve_keypair()[1]
    mon = _watch(server)
    server.bind(endpoint("tcp"))
    plain = _socket(ctx, zmq.PUSH)
    plain.connect(server.last_endpoint)
    failed = _until(mon, zmq.EVENT_HANDSHAKE_FAILED_PROTOCOL)[-1]
    assert failed["value"] == zmq.PROTOCOL_ERROR_ZMTP_MECHANISM_MISMATCH


def test_event_filter(ctx):
    server = _socket(ctx, zmq.PULL)
    mon = _watch(server, zmq.EVENT_HANDSHAKE_SUCCEEDED)
    server.bind(endpoint("tcp"))
    client = _socket(ctx, zmq.PUSH)
    client.connect(server.last_endpoint)
    assert recv_monitor_message(mon)["event"] == zmq.EVENT_HANDSHAKE_SUCCEEDED


def test_same_monitor_socket_twice(ctx):
    s = _socket(ctx, zmq.PULL)
    assert s.get_monitor_socket() is s.get_monitor_socket()


def test_custom_address(ctx):
    s = _socket(ctx, zmq.PULL)
    addr = endpoint("inproc")
    mon = s.get_monitor_socket(addr=addr)
    mon.rcvtimeo = TIMEOUT_MS
    s.bind(endpoint("tcp"))
    assert recv_monitor_message(mon)["event"] == zmq.EVENT_LISTENING
    with pytest.raises(zmq.ZMQError) as info:
        _socket(ctx, zmq.PAIR).bind(addr)
    assert info.value.errno == zmq.EADDRINUSE


def test_nothing_to_read(ctx):
    s = _socket(ctx, zmq.PULL)
    mon = _watch(s)
    with pytest.raises(zmq.Again):
        recv_monitor_message(mon, zmq.NOBLOCK)


def test_monitor_of_closed_socket(ctx):
    s = _socket(ctx, zmq.PULL)
    s.close()
    with pytest.raises(zmq.ZMQError) as info:
        s.get_monitor_socket()
    assert info.value.errno == zmq.ENOTSOCK


# -- disable_monitor --------------------------------------------------------------------------


def test_disable_monitor_stops(ctx):
    s = _socket(ctx, zmq.PULL)
    mon = _watch(s)
    s.bind(endpoint("tcp"))
    assert recv_monitor_message(mon)["event"] == zmq.EVENT_LISTENING
    s.disable_monitor()
    stopped = recv_monitor_message(mon)
    assert stopped["event"] == zmq.EVENT_MONITOR_STOPPED
    assert stopped["endpoint"] == b""

    s.bind(endpoint("tcp"))
    with pytest.raises(zmq.Again):
        recv_monitor_message(mon, zmq.NOBLOCK)


def test_monitor_again_after_disable(ctx):
    s = _socket(ctx, zmq.PULL)
    first = _watch(s)
    s.disable_monitor()
    assert recv_monitor_message(first)["event"] == zmq.EVENT_MONITOR_STOPPED
    second = s.get_monitor_socket(addr=endpoint("inproc"))
    second.rcvtimeo = TIMEOUT_MS
    assert second is not first
    s.bind(endpoint("tcp"))
    assert recv_monitor_message(second)["event"] == zmq.EVENT_LISTENING


def test_closing_the_socket_stops_the_monitor(ctx):
    s = _socket(ctx, zmq.PULL)
    mon = _watch(s)
    s.close()
    assert _until(mon, zmq.EVENT_MONITOR_STOPPED)[-1]["endpoint"] == b""


# -- Socket.monitor with a PAIR of one's own --------------------------------------------------


def test_monitor_raw_messages(ctx):
    s = _socket(ctx, zmq.PULL)
    addr = endpoint("inproc")
    s.monitor(addr, zmq.EVENT_LISTENING | zmq.EVENT_MONITOR_STOPPED)
    mon = _socket(ctx, zmq.PAIR)
    mon.connect(addr)
    s.bind(endpoint("tcp"))

    frames = mon.recv_multipart()
    assert len(frames) == 2
    number, value = struct.unpack("=HI", frames[0])
    assert number == zmq.EVENT_LISTENING
    assert frames[1] == s.last_endpoint
    assert parse_monitor_message(frames) == {
        "event": zmq.EVENT_LISTENING, "value": value, "endpoint": frames[1]
    }

    s.monitor(None)
    assert recv_monitor_message(mon)["event"] == zmq.EVENT_MONITOR_STOPPED


def test_monitor_needs_inproc(ctx):
    s = _socket(ctx, zmq.PULL)
    with pytest.raises(zmq.ZMQError) as info:
        s.monitor("tcp://127.0.0.1:5555", zmq.EVENT_ALL)
    assert info.value.errno == zmq.EPROTONOSUPPORT


# -- parse_monitor_message --------------------------------------------------------------------


def test_parse_frames():
    event = parse_monitor_message([struct.pack("=HI", 32, 17), b"tcp://127.0.0.1:5555"])
    assert event == {"event": zmq.EVENT_ACCEPTED, "value": 17, "endpoint": b"tcp://127.0.0.1:5555"}
    assert event["event"] is zmq.Event.ACCEPTED


@pytest.mark.parametrize(
    "msg",
    [[b"x"], [b"x", b"y"], [struct.pack("=HI", 8, 3)], [struct.pack("=HI", 8, 3), b"a", b"b"]],
    ids=["one-short-frame", "short-first-frame", "no-endpoint", "three-frames"],
)
def test_parse_rejects_malformed(msg):
    with pytest.raises(RuntimeError):
        parse_monitor_message(msg)


def test_failed_get_monitor_socket_leaves_no_monitor_running(ctx):
    sock = ctx.socket(zmq.PUB)
    sock.linger = 0
    ctx.setsockopt(zmq.SUBSCRIBE, object())  # every new socket of ctx now fails
    with pytest.raises(TypeError):
        sock.get_monitor_socket()
    del ctx.sockopts[zmq.SUBSCRIBE]
    bound = threading.Event()
    binder = threading.Thread(target=lambda: (sock.bind("tcp://127.0.0.1:*"), bound.set()), daemon=True)
    binder.start()
    binder.join(10)
    assert bound.is_set(), "bind() blocked on an event of a monitor nobody reads"


def _returns_within(call, seconds=10.0):
    """Run `call` on a thread; whether it returned within `seconds` (a hang fails, not stalls)."""
    done = threading.Event()
    worker = threading.Thread(target=lambda: (call(), done.set()), daemon=True)
    worker.start()
    worker.join(seconds)
    return done.is_set()


@pytest.mark.parametrize(
    "failed_attempt",
    [
        lambda s: s.get_monitor_socket("not events"),
        lambda s: s.get_monitor_socket(addr="tcp://127.0.0.1:1"),  # libzmq wants inproc
    ],
    ids=["bad-events", "bad-endpoint"],
)
def test_monitor_after_a_failed_get_monitor_socket(ctx, failed_attempt):
    # Found by the reliability fuzzer: a failed attempt left its reader connected to the
    # default endpoint; the next monitor bound there paired with that dead reader, and
    # disable_monitor() then blocked forever sending MONITOR_STOPPED.
    push, pull = _socket(ctx, zmq.PUSH), _socket(ctx, zmq.PULL)
    push.bind("inproc://monitored")
    pull.connect("inproc://monitored")
    with pytest.raises((TypeError, zmq.ZMQError)):
        failed_attempt(pull)
    mon = _watch(pull)
    pull.bind("tcp://127.0.0.1:*")
    _until(mon, zmq.EVENT_LISTENING)
    assert _returns_within(pull.disable_monitor), "disable_monitor() hung"
    _until(mon, zmq.EVENT_MONITOR_STOPPED)
