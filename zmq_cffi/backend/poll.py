"""zmq_poll over zmq sockets and plain file descriptors: the pollitem arrays live here."""
from __future__ import annotations

import time
from typing import Any, List, Sequence, Tuple

from zmq_cffi._ffi import ffi, lib
from zmq_cffi.backend.eintr import retry_interrupted
from zmq_cffi.backend.handles import sockets_closed
from zmq_cffi.backend.socket import Socket
from zmq_cffi.error import ZMQError

_monotonic = time.monotonic
_NULL = ffi.NULL
_ENOTSOCK = lib.ENOTSOCK


def _fd_of(obj: Any) -> int:
    if isinstance(obj, int):
        fd = obj
    elif hasattr(obj, "fileno"):
        fd = obj.fileno()
        if not isinstance(fd, int):
            raise TypeError(f"{obj!r}.fileno() returned {fd!r}, not an int")
    else:
        raise TypeError(
            f"can only poll zmq sockets, ints and objects with fileno(), not {type(obj).__name__}"
        )
    if fd < 0:
        raise ValueError(f"file descriptor cannot be negative: {fd}")
    return fd


class PollItems:
    """A zmq_pollitem_t array over (socket or fd, events) pairs, the one thing Poller, select
    and Socket.poll hand to zmq_poll.

    `keys[i]` is what to report for entry i, as pyzmq does: a zmq socket itself, anything else
    (an object with fileno() or an int) by its file descriptor. The array holds raw socket
    handles: `stale()` says a socket was closed since it was built, so it must be rebuilt."""

    __slots__ = ("items", "n", "keys", "built_at")

    def __init__(self, entries: Sequence[Tuple[Any, int]]) -> None:
        n = self.n = len(entries)
        items = self.items = ffi.new("zmq_pollitem_t[]", max(n, 1))
        self.built_at = sockets_closed()
        keys: List[Any] = []
        for i, (obj, events) in enumerate(entries):
            item = items[i]
            if isinstance(obj, Socket):
                handle = obj._handle
                if handle == _NULL:
                    raise ZMQError(_ENOTSOCK, "cannot poll a closed socket")
                item.socket = handle
                keys.append(obj)
            else:
                item.fd = _fd_of(obj)
                keys.append(item.fd)
            item.events = events
        self.keys = keys

    def stale(self) -> bool:
        """True once any socket was closed after this array was built."""
        return self.built_at != sockets_closed()

    def poll(self, timeout: float) -> int:
        """zmq_poll with EINTR retried (signal handlers run in between) and the timeout kept;
        returns how many entries have events. `timeout` is in ms; negative means no limit."""
        items, n = self.items, self.n
        if timeout < 0:
            rc: int = lib.zmq_poll(items, n, -1)
            if rc >= 0:
                return rc
            return retry_interrupted(lambda _: lib.zmq_poll(items, n, -1))
        start = _monotonic()
        rc = lib.zmq_poll(items, n, int(timeout))
        if rc >= 0:
            return rc
        return retry_interrupted(lambda remaining: lib.zmq_poll(items, n, remaining), timeout, start)

    def revents(self, i: int) -> int:
        """The events zmq_poll reported for entry i."""
        revents: int = self.items[i].revents
        return revents

    def ready(self, count: int) -> List[Tuple[Any, int]]:
        """(key, events) of the entries with events, after a poll that reported `count` of them."""
        items, keys = self.items, self.keys
        events = []
        i = 0
        n = self.n
        while count and i < n:
            revents = items[i].revents
            if revents:
                events.append((keys[i], revents))
                count -= 1
            i += 1
        return events


def zmq_poll(sockets: Sequence[Tuple[Any, int]], timeout: float = -1) -> List[Tuple[Any, int]]:
    """Poll (socket or fd, events) pairs; returns those with events, as (socket, revents).

    `timeout` is in milliseconds; negative or None means wait forever.
    """
    items = PollItems(list(sockets))
    return items.ready(items.poll(-1 if timeout is None else timeout))
