"""Reading socket monitor events (see Socket.get_monitor_socket)."""
from __future__ import annotations

import struct
from typing import Any, Dict, List

from zmq_cffi import constants
from zmq_cffi.error import ZMQError

__all__ = ["parse_monitor_message", "recv_monitor_message"]


def parse_monitor_message(msg: List[Any]) -> Dict[str, Any]:
    """Decode the two frames of a monitor event into {'event', 'value', 'endpoint'}.

    'event' is an Event flag, 'value' the event's number (fd, errno, ...), 'endpoint' bytes."""
    if len(msg) != 2 or len(msg[0]) != 6:
        raise RuntimeError(f"invalid monitor message: {msg!r}")
    first = bytes(msg[0])
    event_id, value = struct.unpack("=HI", first)
    try:
        event: Any = constants.Event(event_id)
    except ValueError:
        event = event_id
    return {"event": event, "value": value, "endpoint": bytes(msg[1])}


def recv_monitor_message(socket: Any, flags: int = 0) -> Any:
    """Receive and decode one monitor event from a monitor PAIR socket.

    On asyncio sockets this returns an awaitable of the same dict."""
    result = socket.recv_multipart(flags)
    if hasattr(result, "__await__"):
        async def _parsed() -> Dict[str, Any]:
            return parse_monitor_message(await result)

        return _parsed()
    return parse_monitor_message(result)
