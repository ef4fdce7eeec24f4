"""Poller, select and Socket.poll over zmq sockets and plain file descriptors."""
from __future__ import annotations

import os
import socket

import pytest

import zmq_cffi as zmq
from conftest import TIMEOUT_MS

WAIT_S = TIMEOUT_MS / 1000




@pytest.fixture
def pipe():
    r, w = os.pipe()
    yield r, w
    os.close(r)
    os.close(w)


@pytest.fixture
def socketpair():
    a, b = socket.socketpair()
    yield a, b
    a.close()
    b.close()


def test_timeout_returns_empty(make_pair):
    pull, push = make_pair(zmq.PULL, zmq.PUSH)
    poller = zmq.Poller()
    poller.register(pull, zmq.POLLIN)
    assert poller.poll(0) == []
    assert poller.poll(30) == []


def test_empty_poller_times_out():
    assert zmq.Poller().poll(10) == []


def test_readable(make_pair):
    pull, push = make_pair(zmq.PULL, zmq.PUSH)
    poller = zmq.Poller()
    poller.register(pull, zmq.POLLIN)
    push.send(b"ready")
    assert poller.poll(TIMEOUT_MS) == [(pull, zmq.POLLIN)]
    assert pull.recv() == b"ready"
    assert poller.poll(0) == []


def test_writable(make_pair):
    pull, push = make_pair(zmq.PULL, zmq.PUSH)
    poller = zmq.Poller()
    poller.register(push, zmq.POLLOUT)
    assert poller.poll(TIMEOUT_MS) == [(push, zmq.POLLOUT)]


def test_default_flags_are_in_and_out(make_pair):
    a, b = make_pair(zmq.PAIR, zmq.PAIR)
    poller = zmq.Poller()
    poller.register(a)
    b.send(b"both")
    assert a.poll(TIMEOUT_MS) == zmq.POLLIN
    assert dict(poller.poll(TIMEOUT_MS)) == {a: zmq.POLLIN | zmq.POLLOUT}


def test_several_sockets(make_pair):
    pull1, push1 = make_pair(zmq.PULL, zmq.PUSH, "tcp")
    pull2, push2 = make_pair(zmq.PULL, zmq.PUSH, "ipc")
    pull3, push3 = make_pair(zmq.PULL, zmq.PUSH, "inproc")
    poller = zmq.Poller()
    for s in (pull1, pull2, pull3):
        poller.register(s, zmq.POLLIN)
    push2.send(b"only two")
    assert dict(poller.poll(TIMEOUT_MS)) == {pull2: zmq.POLLIN}
    push1.send(b"one")
    push3.send(b"three")
    assert pull1.poll(TIMEOUT_MS) and pull3.poll(TIMEOUT_MS)
    assert dict(poller.poll(TIMEOUT_MS)) == {pull1: zmq.POLLIN, pull2: zmq.POLLIN, pull3: zmq.POLLIN}


def test_modify(make_pair):
    a, b = make_pair(zmq.PAIR, zmq.PAIR)
    poller = zmq.Poller()
    poller.register(a, zmq.POLLIN)
    assert poller.poll(0) == []
    poller.modify(a, zmq.POLLOUT)
    assert poller.poll(TIMEOUT_MS) == [(a, zmq.POLLOUT)]
    poller.modify(a, zmq.POLLIN | zmq.POLLOUT)
    b.send(b"in")
    assert a.poll(TIMEOUT_MS)
    assert poller.poll(TIMEOUT_MS) == [(a, zmq.POLLIN | zmq.POLLOUT)]


def test_unregister(make_pair):
    pull, push = make_pair(zmq.PULL, zmq.PUSH)
    poller = zmq.Poller()
    poller.register(pull, zmq.POLLIN)
    poller.unregister(pull)
    push.send(b"unseen")
    assert pull.poll(TIMEOUT_MS) == zmq.POLLIN
    assert poller.poll(0) == []
    with pytest.raises(KeyError):
        poller.unregister(pull)


def test_unregister_unknown(ctx, pipe):
    poller = zmq.Poller()
    with pytest.raises(KeyError):
        poller.unregister(ctx.socket(zmq.PULL))
    with pytest.raises(KeyError):
        poller.unregister(pipe[0])


def test_register_zero_unregisters(make_pair):
    pull, push = make_pair(zmq.PULL, zmq.PUSH)
    poller = zmq.Poller()
    poller.register(pull, zmq.POLLIN)
    poller.register(pull, 0)
    assert pull not in poller
    push.send(b"ignored")
    assert pull.poll(TIMEOUT_MS) == zmq.POLLIN
    assert poller.poll(0) == []
    with pytest.raises(KeyError):
        poller.unregister(pull)


def test_unregister_keeps_the_others(make_pair):
    pulls, pushes = zip(*(make_pair(zmq.PULL, zmq.PUSH) for _ in range(3)))
    poller = zmq.Poller()
    for s in pulls:
        poller.register(s, zmq.POLLIN)
    poller.unregister(pulls[0])
    for push in pushes:
        push.send(b"x")
    for pull in pulls:
        assert pull.poll(TIMEOUT_MS)
    assert dict(poller.poll(TIMEOUT_MS)) == {pulls[1]: zmq.POLLIN, pulls[2]: zmq.POLLIN}


def test_pipe_read_end(pipe):
    r, w = pipe
    poller = zmq.Poller()
    poller.register(r, zmq.POLLIN)
    assert poller.poll(10) == []
    os.write(w, b"x")
    assert poller.poll(TIMEOUT_MS) == [(r, zmq.POLLIN)]


def test_pipe_write_end(pipe):
    r, w = pipe
    poller = zmq.Poller()
    poller.register(w, zmq.POLLOUT)
    assert poller.poll(TIMEOUT_MS) == [(w, zmq.POLLOUT)]


def test_raw_int_fd_of_socket(socketpair):
    a, b = socketpair
    poller = zmq.Poller()
    poller.register(a.fileno(), zmq.POLLIN)
    b.sendall(b"data")
    assert poller.poll(TIMEOUT_MS) == [(a.fileno(), zmq.POLLIN)]


def test_socket_object_reported_by_fd(socketpair):
    a, b = socketpair
    poller = zmq.Poller()
    poller.register(a, zmq.POLLIN)
    assert poller.poll(10) == []
    b.sendall(b"data")
    assert dict(poller.poll(TIMEOUT_MS)) == {a.fileno(): zmq.POLLIN}


def test_zmq_and_plain_fds_together(make_pair, pipe):
    pull, push = make_pair(zmq.PULL, zmq.PUSH)
    r, w = pipe
    poller = zmq.Poller()
    poller.register(pull, zmq.POLLIN)
    poller.register(r, zmq.POLLIN)
    os.write(w, b"x")
    assert dict(poller.poll(TIMEOUT_MS)) == {r: zmq.POLLIN}
    push.send(b"zmq too")
    assert pull.poll(TIMEOUT_MS)
    assert dict(poller.poll(TIMEOUT_MS)) == {r: zmq.POLLIN, pull: zmq.POLLIN}


def test_poll_none_after_event(make_pair):
    pull, push = make_pair(zmq.PULL, zmq.PUSH)
    poller = zmq.Poller()
    poller.register(pull, zmq.POLLIN)
    push.send(b"no timeout needed")
    assert poller.poll(None) == [(pull, zmq.POLLIN)]
    assert poller.poll(-1) == [(pull, zmq.POLLIN)]


def test_register_non_pollable():
    poller = zmq.Poller()
    poller.register("not a socket", zmq.POLLIN)
    with pytest.raises(TypeError):
        poller.poll(0)


def test_closed_after_registration(ctx, make_pair):
    pull, push = make_pair(zmq.PULL, zmq.PUSH)
    doomed = ctx.socket(zmq.PULL)
    poller = zmq.Poller()
    poller.register(pull, zmq.POLLIN)
    poller.register(doomed, zmq.POLLIN)
    assert poller.poll(0) == []
    doomed.close()
    with pytest.raises(zmq.ZMQError) as exc:
        poller.poll(0)
    assert exc.value.errno == zmq.ENOTSOCK
    with pytest.raises(zmq.ZMQError):
        poller.poll(10)
    poller.unregister(doomed)
    push.send(b"still polling")
    assert poller.poll(TIMEOUT_MS) == [(pull, zmq.POLLIN)]


def test_closed_before_first_poll(ctx):
    s = ctx.socket(zmq.PULL)
    poller = zmq.Poller()
    poller.register(s, zmq.POLLIN)
    s.close()
    with pytest.raises(zmq.ZMQError) as exc:
        poller.poll(0)
    assert exc.value.errno == zmq.ENOTSOCK


def test_select(make_pair):
    pull, push = make_pair(zmq.PULL, zmq.PUSH)
    assert zmq.select([pull], [], [], 0.02) == ([], [], [])
    push.send(b"selected")
    assert zmq.select([pull], [push], [], WAIT_S) == ([pull], [push], [])
    assert pull.recv() == b"selected"


def test_select_with_fds(pipe, make_pair):
    pull, push = make_pair(zmq.PULL, zmq.PUSH)
    r, w = pipe
    assert zmq.select([r, pull], [], [], 0) == ([], [], [])
    os.write(w, b"x")
    rlist, wlist, xlist = zmq.select([r, pull], [w], [], WAIT_S)
    assert rlist == [r]
    assert wlist == [w]
    assert xlist == []


def test_select_socket_object_reported_by_fd(socketpair):
    a, b = socketpair
    b.sendall(b"data")
    assert zmq.select([a], [], [], WAIT_S) == ([a.fileno()], [], [])


def test_select_timeout_in_seconds(make_pair):
    pull, push = make_pair(zmq.PULL, zmq.PUSH)
    push.send(b"arrives")
    assert zmq.select([pull], [], [], 5) == ([pull], [], [])


def test_socket_poll(make_pair):
    pull, push = make_pair(zmq.PULL, zmq.PUSH)
    assert pull.poll(0) == 0
    assert pull.poll(20, zmq.POLLIN) == 0
    assert push.poll(TIMEOUT_MS, zmq.POLLOUT) == zmq.POLLOUT
    push.send(b"x")
    assert pull.poll(TIMEOUT_MS) == zmq.POLLIN
    assert pull.poll() == zmq.POLLIN
