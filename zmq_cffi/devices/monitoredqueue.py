"""monitored_queue: a two-way queue that also reports every message, tagged by direction."""
from __future__ import annotations

from typing import Any, Union

from zmq_cffi import constants
from zmq_cffi.poll import Poller
from zmq_cffi.socket import Socket

__all__ = ["monitored_queue"]

_ROUTER = int(constants.ROUTER)
_POLLIN = int(constants.POLLIN)


def _as_prefix(value: Union[bytes, str, Any], name: str) -> bytes:
    if isinstance(value, str):
        return value.encode("utf-8")
    try:
        return bytes(memoryview(value))
    except TypeError:
        raise TypeError(f"{name} must be bytes or str, not {type(value).__name__}") from None


def monitored_queue(
    in_socket: Socket,
    out_socket: Socket,
    mon_socket: Socket,
    in_prefix: Union[bytes, str] = b"in",
    out_prefix: Union[bytes, str] = b"out",
) -> None:
    """Relay messages between `in_socket` and `out_socket` in both directions, forever.

    Each relayed message is also sent to `mon_socket` with one extra first frame:
    `in_prefix` for messages that came in on `in_socket`, `out_prefix` for those from
    `out_socket`. When both sockets are ROUTERs, the first two frames (sender and
    destination routing ids) are swapped on the way, so ROUTER-to-ROUTER queues route
    replies back; the monitor sees the swapped message.

    Returns only by raising, e.g. ContextTerminated when the context is terminated.
    """
    in_tag = _as_prefix(in_prefix, "in_prefix")
    out_tag = _as_prefix(out_prefix, "out_prefix")
    swap_ids = in_socket.type == _ROUTER and out_socket.type == _ROUTER

    poller = Poller()
    poller.register(in_socket, _POLLIN)
    poller.register(out_socket, _POLLIN)
    # The routes, by the socket a message arrives on: where it goes, and its monitor tag.
    # (When in and out are one socket, the "in" route wins, as that socket was seen first.)
    routes = {out_socket: (in_socket, out_tag), in_socket: (out_socket, in_tag)}

    while True:
        for sock, _events in poller.poll():
            dest, tag = routes[sock]
            msg = sock.recv_multipart()
            if swap_ids and len(msg) >= 2:
                msg[0], msg[1] = msg[1], msg[0]
            dest.send_multipart(msg)
            mon_socket.send_multipart([tag] + msg)
