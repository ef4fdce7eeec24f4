"""Exceptions: the class tree, their attributes, and what real libzmq failures raise."""
from __future__ import annotations

import errno
import os
import pickle

import pytest

import zmq_cffi as zmq
from conftest import endpoint


# -- the class tree ---------------------------------------------------------------------------


def test_zmq_error_is_a_base_error():
    assert issubclass(zmq.ZMQBaseError, Exception)
    assert issubclass(zmq.ZMQError, zmq.ZMQBaseError)


@pytest.mark.parametrize("cls", [zmq.Again, zmq.ContextTerminated, zmq.InterruptedSystemCall])
def test_errno_classes_are_zmq_errors(cls):
    assert issubclass(cls, zmq.ZMQError)


def test_interrupted_system_call_is_interrupted_error():
    assert issubclass(zmq.InterruptedSystemCall, InterruptedError)


@pytest.mark.parametrize("cls", [zmq.NotDone, zmq.ZMQBindError])
def test_other_base_errors(cls):
    assert issubclass(cls, zmq.ZMQBaseError)
    assert not issubclass(cls, zmq.ZMQError)


def test_version_error_is_not_implemented_error():
    assert issubclass(zmq.ZMQVersionError, NotImplementedError)


def test_error_module_exports():
    for name in ["ZMQBaseError", "ZMQError", "ZMQBindError", "ZMQVersionError", "Again",
                 "ContextTerminated", "InterruptedSystemCall", "NotDone"]:
        assert getattr(zmq.error, name) is getattr(zmq, name)


# -- attributes -------------------------------------------------------------------------------


def test_errno_and_strerror():
    e = zmq.ZMQError(zmq.EINVAL)
    assert e.errno == zmq.EINVAL == errno.EINVAL
    assert e.strerror == os.strerror(errno.EINVAL)
    assert str(e) == e.strerror
    assert repr(e) == f"ZMQError({e.strerror!r})"


def test_custom_message():
    e = zmq.ZMQError(zmq.EINVAL, "bad thing")
    assert e.errno == zmq.EINVAL
    assert e.strerror == "bad thing"
    assert str(e) == "bad thing"


def test_libzmq_errno_message():
    assert str(zmq.ZMQError(zmq.EFSM)) == "Operation cannot be accomplished in current state"
    assert str(zmq.ZMQError(zmq.ETERM)) == "Context was terminated"


def test_unknown_errno():
    e = zmq.ZMQError(123456)
    assert e.errno == 123456
    assert "123456" in str(e)


def test_no_errno_uses_zmq_errno(ctx):
    s = ctx.socket(zmq.PULL)
    with pytest.raises(zmq.ZMQError):
        s.recv(zmq.NOBLOCK)
    current = zmq.zmq_errno()
    assert zmq.ZMQError().errno == current
    assert zmq.ZMQError(None).errno == current
    assert zmq.ZMQError(errno=None).errno == current


def test_again_is_eagain_whatever_is_passed():
    assert zmq.Again().errno == zmq.EAGAIN
    assert zmq.Again(zmq.EINVAL).errno == zmq.EAGAIN
    assert str(zmq.Again()) == os.strerror(errno.EAGAIN)


def test_context_terminated_is_eterm():
    e = zmq.ContextTerminated()
    assert e.errno == zmq.ETERM
    assert str(e) == zmq.strerror(zmq.ETERM)


def test_interrupted_system_call_is_eintr():
    assert zmq.InterruptedSystemCall().errno == errno.EINTR


def test_version_error():
    e = zmq.ZMQVersionError("9.9", "Teleportation")
    assert e.min_version == "9.9"
    assert "Teleportation" in str(e)
    assert "9.9" in str(e)
    assert zmq.zmq_version() in str(e)


def test_bind_error_message():
    assert str(zmq.ZMQBindError("no port")) == "no port"


def test_strerror():
    assert zmq.strerror(zmq.ETERM) == "Context was terminated"
    assert zmq.strerror(zmq.EAGAIN) == os.strerror(errno.EAGAIN)


# -- pickling ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "err",
    [zmq.ZMQError(zmq.EINVAL), zmq.ZMQError(zmq.EFSM, "custom"), zmq.ZMQError(123456)],
    ids=["einval", "custom", "unknown"],
)
def test_zmq_error_pickles(err):
    back = pickle.loads(pickle.dumps(err))
    assert type(back) is zmq.ZMQError
    assert back.errno == err.errno
    assert back.strerror == err.strerror
    assert str(back) == str(err)


@pytest.mark.parametrize("cls", [zmq.Again, zmq.ContextTerminated, zmq.InterruptedSystemCall])
def test_errno_classes_pickle(cls):
    err = cls()
    back = pickle.loads(pickle.dumps(err))
    assert type(back) is cls
    assert back.errno == err.errno
    assert back.strerror == err.strerror


def test_other_errors_pickle():
    back = pickle.loads(pickle.dumps(zmq.ZMQBindError("no port")))
    assert type(back) is zmq.ZMQBindError and str(back) == "no port"
    back = pickle.loads(pickle.dumps(zmq.ZMQVersionError("9.9", "Teleportation")))
    assert type(back) is zmq.ZMQVersionError
    assert back.min_version == "9.9" and "Teleportation" in str(back)


# -- raised by real calls ---------------------------------------------------------------------


def test_recv_noblock_on_empty_socket(ctx):
    s = ctx.socket(zmq.PULL)
    s.bind(endpoint("inproc"))
    with pytest.raises(zmq.Again) as info:
        s.recv(zmq.NOBLOCK)
    assert info.value.errno == zmq.EAGAIN


def test_recv_timeout_is_again(ctx):
    s = ctx.socket(zmq.PULL)
    s.rcvtimeo = 10
    with pytest.raises(zmq.Again):
        s.recv()


def test_send_noblock_without_peer(ctx):
    s = ctx.socket(zmq.PUSH)
    with pytest.raises(zmq.Again):
        s.send(b"nobody", zmq.DONTWAIT)


def test_req_out_of_order_is_efsm(ctx):
    s = ctx.socket(zmq.REQ)
    with pytest.raises(zmq.ZMQError) as info:
        s.recv(zmq.NOBLOCK)
    assert info.value.errno == zmq.EFSM
    assert type(info.value) is zmq.ZMQError


def test_send_on_pull_is_enotsup(ctx):
    s = ctx.socket(zmq.PULL)
    with pytest.raises(zmq.ZMQError) as info:
        s.send(b"x")
    assert info.value.errno == zmq.ENOTSUP


@pytest.mark.parametrize("addr", ["tcp://", "tcp://127.0.0.1", "tcp://127.0.0.1:notaport", "garbage"])
def test_malformed_bind_is_einval(ctx, addr):
    s = ctx.socket(zmq.PAIR)
    with pytest.raises(zmq.ZMQError) as info:
        s.bind(addr)
    assert info.value.errno == zmq.EINVAL


@pytest.mark.parametrize("addr", ["tcp://", "tcp://127.0.0.1", "tcp://:::", "garbage"])
def test_malformed_connect_is_einval(ctx, addr):
    s = ctx.socket(zmq.PAIR)
    with pytest.raises(zmq.ZMQError) as info:
        s.connect(addr)
    assert info.value.errno == zmq.EINVAL


@pytest.mark.parametrize("method", ["bind", "connect"])
def test_unknown_protocol(ctx, method):
    s = ctx.socket(zmq.PAIR)
    with pytest.raises(zmq.ZMQError) as info:
        getattr(s, method)("carrier-pigeon://127.0.0.1:5555")
    assert info.value.errno == zmq.EPROTONOSUPPORT


def test_message_names_the_address(ctx):
    s = ctx.socket(zmq.PAIR)
    with pytest.raises(zmq.ZMQError) as info:
        s.bind("carrier-pigeon://coop")
    assert "carrier-pigeon://coop" in str(info.value)


def test_port_in_use(ctx):
    first = ctx.socket(zmq.PULL)
    first.bind("tcp://127.0.0.1:*")
    second = ctx.socket(zmq.PULL)
    with pytest.raises(zmq.ZMQError) as info:
        second.bind(first.last_endpoint)
    assert info.value.errno == zmq.EADDRINUSE


def test_inproc_name_in_use(ctx):
    name = endpoint("inproc")
    owner = ctx.socket(zmq.PAIR)
    owner.bind(name)
    with pytest.raises(zmq.ZMQError) as info:
        ctx.socket(zmq.PAIR).bind(name)
    assert info.value.errno == zmq.EADDRINUSE


def test_unbind_unknown_endpoint(ctx):
    s = ctx.socket(zmq.PULL)
    with pytest.raises(zmq.ZMQError) as info:
        s.unbind("tcp://127.0.0.1:1")
    assert info.value.errno == errno.ENOENT


def test_invalid_option(ctx):
    s = ctx.socket(zmq.PULL)
    with pytest.raises(zmq.ZMQError) as info:
        s.set(zmq.SUBSCRIBE, b"only for SUB")
    assert info.value.errno == zmq.EINVAL


@pytest.mark.parametrize(
    "call",
    [
        lambda s: s.recv(),
        lambda s: s.recv_multipart(),
        lambda s: s.send(b"x"),
        lambda s: s.send_multipart([b"a", b"b"]),
        lambda s: s.bind("inproc://closed"),
        lambda s: s.connect("inproc://closed"),
        lambda s: s.get(zmq.LINGER),
        lambda s: s.set(zmq.LINGER, 0),
    ],
    ids=["recv", "recv_multipart", "send", "send_multipart", "bind", "connect", "get", "set"],
)
def test_calls_on_closed_socket_are_enotsock(ctx, call):
    s = ctx.socket(zmq.PAIR)
    s.close()
    with pytest.raises(zmq.ZMQError) as info:
        call(s)
    assert info.value.errno == zmq.ENOTSOCK


def test_errors_are_catchable_as_base(ctx):
    s = ctx.socket(zmq.PULL)
    with pytest.raises(zmq.ZMQBaseError):
        s.recv(zmq.NOBLOCK)
