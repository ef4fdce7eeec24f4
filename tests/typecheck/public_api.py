"""What zmq_cffi's annotations promise, as type assertions: checked by mypy --strict in
.ci/typecheck.sh, never run (pytest collects no file of this name).

A plain recv() is bytes and recv(copy=False) a Frame; an async socket gives the same inside
an Awaitable; ctx.socket() is the context's socket class. Each `type: ignore[code]` below is
an assertion too: mypy --strict reports an ignore that no longer silences an error.
"""
from __future__ import annotations

from typing import Any, Awaitable, Dict, List, Optional, Tuple, Union, assert_type

import zmq_cffi as zmq
import zmq_cffi.asyncio as zaio
from zmq_cffi import Frame, MessageTracker
from zmq_cffi.decorators import context, socket


def contexts() -> None:
    assert_type(zmq.Context(), zmq.Context[zmq.Socket])
    assert_type(zmq.Context.instance(), zmq.Context[zmq.Socket])
    assert_type(zaio.Context(), zaio.Context)
    assert_type(zaio.Context.instance(), zaio.Context)
    with zmq.Context() as ctx:
        assert_type(ctx.socket(zmq.PUSH), zmq.Socket)
        assert_type(ctx.socket(zmq.PUSH, socket_class=zaio.Socket), zaio.Socket)
        ctx.setsockopt(zmq.LINGER, 0)
        assert_type(ctx.getsockopt(zmq.LINGER), Union[int, bytes, bytearray, memoryview])
    assert_type(zaio.Context().socket(zmq.PULL), zaio.Socket)


def sync_socket(sock: zmq.Socket, copy: bool) -> None:
    assert_type(sock.recv(), bytes)
    assert_type(sock.recv(zmq.NOBLOCK), bytes)
    assert_type(sock.recv(copy=False), Frame)
    assert_type(sock.recv(0, False), Frame)
    assert_type(sock.recv(copy=copy), Union[bytes, Frame])
    assert_type(sock.recv_multipart(), List[bytes])
    assert_type(sock.recv_multipart(copy=False), List[Frame])
    assert_type(sock.recv_multipart(copy=copy), Union[List[bytes], List[Frame]])
    assert_type(sock.recv_string(), str)
    assert_type(sock.recv_json(), Any)
    assert_type(sock.recv_serialized(len), int)
    assert_type(sock.recv_into(bytearray(10)), int)

    assert_type(sock.send(b"x"), None)
    assert_type(sock.send(memoryview(b"x"), copy=False, track=True), Optional[MessageTracker])
    assert_type(sock.send(Frame(b"x")), None)
    assert_type(sock.send_multipart([b"a", bytearray(b"b"), Frame(b"c")]), Optional[MessageTracker])
    sock.send("text")  # type: ignore[call-overload]

    assert_type(sock.get(zmq.LINGER), Union[int, bytes])
    assert_type(sock.getsockopt(zmq.ROUTING_ID), Union[int, bytes])
    assert_type(sock.get_string(zmq.LAST_ENDPOINT), str)
    assert_type(sock.socket_type, zmq.SocketType)
    sock.set(zmq.LINGER, 0)
    sock.setsockopt(zmq.SUBSCRIBE, b"")
    sock.setsockopt_string(zmq.SUBSCRIBE, "")
    sock.setsockopt(zmq.SUBSCRIBE, "topic")  # type: ignore[arg-type]
    sock.linger = 0
    assert_type(sock.rcvtimeo, Any)

    assert_type(sock.poll(10), int)
    assert_type(sock.bind_to_random_port("tcp://127.0.0.1"), int)
    with sock.connect("tcp://127.0.0.1:5555"):
        pass


async def async_socket(sock: zaio.Socket, copy: bool) -> None:
    assert_type(sock.recv(), Awaitable[bytes])
    assert_type(await sock.recv(), bytes)
    assert_type(await sock.recv(copy=False), Frame)
    assert_type(await sock.recv(copy=copy), Union[bytes, Frame])
    assert_type(await sock.recv_multipart(), List[bytes])
    assert_type(await sock.recv_multipart(copy=False), List[Frame])
    assert_type(await sock.recv_string(), str)
    assert_type(await sock.recv_serialized(len), int)
    assert_type(await sock.recv_into(bytearray(10)), int)
    assert_type(await sock.send(b"x"), None)
    assert_type(await sock.send(b"x", copy=False, track=True), Optional[MessageTracker])
    assert_type(await sock.send_string("x"), Optional[MessageTracker])
    assert_type(await sock.send_json({}), Optional[MessageTracker])
    assert_type(await sock.send_multipart([b"a", b"b"]), Optional[MessageTracker])
    assert_type(await sock.poll(10), int)
    assert_type(await zaio.Poller().poll(10), List[Tuple[Any, int]])
    assert_type(sock.get(zmq.EVENTS), Union[int, bytes])
    (await sock.recv()).encode()  # type: ignore[attr-defined]  # bytes, not str
    sock.recv().decode()  # type: ignore[attr-defined]  # an Awaitable, not bytes


def frames(frame: Frame) -> None:
    assert_type(frame.bytes, bytes)
    assert_type(frame.buffer, memoryview)
    assert_type(frame.get(zmq.MORE), int)
    assert_type(frame.get("User-Id"), str)
    assert_type(frame.get("routing_id"), Optional[int])
    assert_type(memoryview(frame), memoryview)


def poller(sock: zmq.Socket) -> None:
    p = zmq.Poller()
    p.register(sock, zmq.POLLIN)
    events: Dict[Any, int] = dict(p.poll(10))
    assert_type(events, Dict[Any, int])


@context()
@socket(zmq.PUSH)
def decorated(ctx: zmq.Context[zmq.Socket], push: zmq.Socket) -> str:
    return "done"


def decorators() -> None:
    assert_type(decorated(), str)
