"""Module-level functions: versions, capabilities, CURVE keys, install paths, errno helpers."""
from __future__ import annotations

import errno
import os
import re

import pytest

import zmq_cffi as zmq
from conftest import TIMEOUT_MS, endpoint
from zmq_cffi.utils import z85


# -- versions ---------------------------------------------------------------------------------


def test_zmq_version_info():
    info = zmq.zmq_version_info()
    assert isinstance(info, tuple) and len(info) == 3
    assert all(type(n) is int for n in info)
    assert info == (4, 3, 4)


def test_zmq_version_string():
    v = zmq.zmq_version()
    assert isinstance(v, str)
    assert v == "%d.%d.%d" % zmq.zmq_version_info()


def test_pyzmq_version():
    v = zmq.pyzmq_version()
    assert isinstance(v, str)
    assert re.match(r"^\d+\.\d+\.\d+", v)
    assert v == zmq.__version__


def test_pyzmq_version_info():
    info = zmq.pyzmq_version_info()
    assert isinstance(info, tuple) and len(info) >= 3
    assert all(type(n) is int for n in info[:3])
    assert info[:3] == tuple(int(n) for n in zmq.__version__.split(".")[:3])
    assert info[0] >= 27


# -- capabilities -----------------------------------------------------------------------------


@pytest.mark.parametrize("capability", ["ipc", "curve"])
def test_has_what_this_libzmq_has(capability):
    assert zmq.has(capability) is True


@pytest.mark.parametrize("capability", ["draft", "bogus", ""])
def test_has_not(capability):
    assert zmq.has(capability) is False


def test_has_takes_a_string():
    with pytest.raises(TypeError):
        zmq.has(1)
    with pytest.raises(TypeError):
        zmq.has(None)


def test_ipc_capability_is_real(ctx):
    a = ctx.socket(zmq.PAIR)
    b = ctx.socket(zmq.PAIR)
    for s in (a, b):
        s.linger = 0
        s.rcvtimeo = TIMEOUT_MS
    a.bind(endpoint("ipc"))
    b.connect(a.last_endpoint)
    a.send(b"over ipc")
    assert b.recv() == b"over ipc"


# -- CURVE keys -------------------------------------------------------------------------------


def test_curve_keypair():
    public, secret = zmq.curve_keypair()
    for key in (public, secret):
        assert isinstance(key, bytes)
        assert len(key) == 40
        assert len(z85.decode(key)) == 32
    assert public != secret
    assert zmq.curve_keypair() != (public, secret)


def test_curve_public_matches_keypair():
    public, secret = zmq.curve_keypair()
    assert zmq.curve_public(secret) == public
    assert zmq.curve_public(secret.decode("ascii")) == public


def test_curve_public_rejects_bad_length():
    with pytest.raises(ValueError):
        zmq.curve_public(b"short")
    with pytest.raises(ValueError):
        zmq.curve_public(b"x" * 41)


def test_curve_public_rejects_bad_type():
    with pytest.raises(TypeError):
        zmq.curve_public(12)


def test_curve_public_rejects_non_z85():
    with pytest.raises(zmq.ZMQError) as info:
        zmq.curve_public(b"~" * 40)
    assert info.value.errno == zmq.EINVAL


def test_curve_keys_secure_a_connection(ctx):
    server_public, server_secret = zmq.curve_keypair()
    client_public, client_secret = zmq.curve_keypair()
    server = ctx.socket(zmq.PAIR)
    client = ctx.socket(zmq.PAIR)
    for s in (server, client):
        s.linger = 0
        s.rcvtimeo = TIMEOUT_MS
        s.sndtimeo = TIMEOUT_MS
    server.curve_server = True
    server.curve_secretkey = server_secret
    client.curve_serverkey = server_public
    client.curve_publickey = client_public
    client.curve_secretkey = client_secret
    server.bind(endpoint("tcp"))
    client.connect(server.last_endpoint)

    client.send(b"secret")
    assert server.recv() == b"secret"
    assert server.get(zmq.MECHANISM) == zmq.CURVE
    assert client.get(zmq.MECHANISM) == zmq.CURVE


# -- paths ------------------------------------------------------------------------------------


@pytest.mark.parametrize("fn", [zmq.get_includes, zmq.get_library_dirs])
def test_paths_exist(fn):
    dirs = fn()
    assert isinstance(dirs, list) and dirs
    for d in dirs:
        assert isinstance(d, str)
        assert os.path.isdir(d), d


def test_includes_hold_the_headers():
    found = [f for d in zmq.get_includes() for f in os.listdir(d) if f.endswith(".h")]
    assert found


# -- errno helpers ----------------------------------------------------------------------------


def test_strerror():
    assert zmq.strerror(zmq.ETERM) == "Context was terminated"
    assert zmq.strerror(zmq.EFSM) == "Operation cannot be accomplished in current state"
    assert zmq.strerror(errno.EINVAL) == os.strerror(errno.EINVAL)
    assert isinstance(zmq.strerror(123456), str)


def test_zmq_errno_after_failure(ctx):
    s = ctx.socket(zmq.PULL)
    with pytest.raises(zmq.Again):
        s.recv(zmq.NOBLOCK)
    assert zmq.zmq_errno() == errno.EAGAIN
    with pytest.raises(zmq.ZMQError):
        s.bind("carrier-pigeon://coop")
    assert zmq.zmq_errno() == errno.EPROTONOSUPPORT
