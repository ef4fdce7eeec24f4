"""Shared fixtures: a fresh Context per test, and connected socket pairs over real transports.

Every blocking call in the suite is bounded: sockets made here get RCVTIMEO/SNDTIMEO, and the
pytest-timeout plugin stops a test that still hangs.
"""
from __future__ import annotations

import shutil
import tempfile
import uuid
from typing import Callable, Iterator, Optional, Tuple

import pytest

import zmq_cffi as zmq

#: Generous bound for any wait in tests (ms): the CI machine is small and shared.
TIMEOUT_MS = 10_000


#: ipc endpoints live here: libzmq 4.3.4 does not remove an ipc socket's file when the socket
#: closes, so the whole directory goes when the session ends.
IPC_DIR = tempfile.mkdtemp(prefix="zmq-cffi-ipc-")


@pytest.fixture(scope="session", autouse=True)
def _remove_ipc_dir() -> Iterator[None]:
    yield
    shutil.rmtree(IPC_DIR, ignore_errors=True)


@pytest.fixture
def ctx() -> Iterator[zmq.Context]:
    context = zmq.Context()
    yield context
    context.destroy(linger=0)


def endpoint(transport: str) -> str:
    """A fresh endpoint on `transport`; tcp ones end in ':*' (bind picks the port)."""
    if transport == "inproc":
        return f"inproc://test-{uuid.uuid4().hex}"
    if transport == "ipc":
        return f"ipc://{IPC_DIR}/{uuid.uuid4().hex[:12]}"
    if transport == "tcp":
        return "tcp://127.0.0.1:*"
    raise ValueError(transport)


def pair(
    ctx: zmq.Context,
    bind_type: int,
    connect_type: int,
    transport: str = "inproc",
    hwm: int = 0,
    timeout_ms: Optional[int] = TIMEOUT_MS,
) -> Tuple[zmq.Socket, zmq.Socket]:
    """(bound, connected) sockets of `ctx`: LINGER 0, send/recv timeouts of `timeout_ms`
    (None: libzmq's default, no timeout), and both HWMs set when `hwm` is given."""
    a = ctx.socket(bind_type)
    b = ctx.socket(connect_type)
    for s in (a, b):
        s.linger = 0
        if timeout_ms is not None:
            s.rcvtimeo = timeout_ms
            s.sndtimeo = timeout_ms
        if hwm:
            s.sndhwm = hwm
            s.rcvhwm = hwm
    a.bind(endpoint(transport))
    b.connect(a.get_string(zmq.LAST_ENDPOINT))
    return a, b


@pytest.fixture
def make_pair(ctx: zmq.Context) -> Callable[..., Tuple[zmq.Socket, zmq.Socket]]:
    """make_pair(bind_type, connect_type, transport="inproc") -> (bound, connected): pair()."""

    def make(bind_type: int, connect_type: int, transport: str = "inproc") -> Tuple[zmq.Socket, zmq.Socket]:
        return pair(ctx, bind_type, connect_type, transport)

    return make
