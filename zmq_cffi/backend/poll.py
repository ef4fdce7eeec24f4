"""zmq_poll over zmq sockets and plain file descriptors."""
from __future__ import annotations

import time
from typing import Any, List, Sequence, Tuple

from zmq_cffi._ffi import ffi, lib
from zmq_cffi.error import _zmq_error

_EINTR = lib.EINTR


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


def fill_pollitems(items: Any, entries: Sequence[Tuple[Any, int]]) -> List[Any]:
    """Write (socket or fd, events) pairs into a zmq_pollitem_t array.

    Returns what to report for each entry, as pyzmq does: a zmq socket itself, anything else
    (an object with fileno() or an int) by its file descriptor."""
    from zmq_cffi.backend.socket import Socket

    keys: List[Any] = []
    for i, (obj, events) in enumerate(entries):
        item = items[i]
        if isinstance(obj, Socket):
            item.socket = obj._handle
            item.fd = 0
            if obj._handle == ffi.NULL:
                from zmq_cffi.error import ZMQError

                raise ZMQError(lib.ENOTSOCK, "cannot poll a closed socket")
            keys.append(obj)
        else:
            item.socket = ffi.NULL
            item.fd = _fd_of(obj)
            keys.append(item.fd)
        item.events = events
        item.revents = 0
    return keys


def poll_items(items: Any, n: int, timeout: float) -> int:
    """zmq_poll with EINTR retried (signal handlers run in between) and the timeout kept.

    `timeout` is in milliseconds; negative means no limit.
    """
    if timeout < 0:
        while True:
            rc: int = lib.zmq_poll(items, n, -1)
            if rc >= 0:
                return rc
            err = ffi.errno
            if err != _EINTR:
                raise _zmq_error(err)
    deadline = time.monotonic() + timeout / 1000.0
    wait = int(timeout)
    while True:
        rc = lib.zmq_poll(items, n, wait)
        if rc >= 0:
            return rc
        err = ffi.errno
        if err != _EINTR:
            raise _zmq_error(err)
        wait = max(0, int((deadline - time.monotonic()) * 1000))


def zmq_poll(sockets: Sequence[Tuple[Any, int]], timeout: float = -1) -> List[Tuple[Any, int]]:
    """Poll (socket or fd, events) pairs; returns those with events, as (socket, revents).

    `timeout` is in milliseconds; negative or None means wait forever.
    """
    if timeout is None:
        timeout = -1
    entries = list(sockets)
    n = len(entries)
    items = ffi.new("zmq_pollitem_t[]", max(n, 1))
    keys = fill_pollitems(items, entries)
    poll_items(items, n, timeout)
    return [(keys[i], items[i].revents) for i in range(n) if items[i].revents]
