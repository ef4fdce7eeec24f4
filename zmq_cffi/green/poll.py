"""Cooperative Poller and select for gevent (pyzmq's `zmq.green.poll`)."""
from __future__ import annotations

import time
from typing import Any, Dict, List, Optional, Sequence, Tuple

import zmq_cffi
from zmq_cffi import constants
from zmq_cffi.backend import Socket as _BackendSocket
from zmq_cffi.backend.poll import _fd_of
from zmq_cffi.green.core import _kick_items, _wait_any

__all__ = ["Poller", "select"]

_POLLIN = int(constants.POLLIN)
_POLLOUT = int(constants.POLLOUT)
_POLLERR = int(constants.POLLERR)


class Poller(zmq_cffi.Poller):
    """zmq_cffi's Poller whose `poll` lets other greenlets run while nothing is ready.

    zmq sockets are watched through the readiness engine of their libzmq socket (shared with
    the green calls on it), plain fds and objects with fileno() through gevent io watchers."""

    def poll(self, timeout: Optional[float] = None) -> List[Tuple[Any, int]]:
        """Wait up to `timeout` ms (None or negative: forever) for events; other greenlets
        run meanwhile. Returns a list of (socket, events), as zmq_cffi.Poller does."""
        deadline = None if timeout is None or timeout < 0 else _now() + timeout / 1000.0
        items = list(self.sockets)
        socks: List[Tuple[Any, int]] = []
        fds: List[Tuple[int, int]] = []
        for sock, flags in items:
            if isinstance(sock, _BackendSocket):
                if flags & (_POLLIN | _POLLOUT):
                    socks.append((sock, flags & (_POLLIN | _POLLOUT)))
            else:
                # gevent masks: 1 readable, 2 writable; an error shows as readable.
                mask = (1 if flags & (_POLLIN | _POLLERR) else 0) | (2 if flags & _POLLOUT else 0)
                fds.append((_fd_of(sock), mask))
        while True:
            try:
                ready = zmq_cffi.Poller.poll(self, 0)
            finally:
                # zmq_poll read every socket's events, consuming their fds' edges.
                _kick_items(items)
            remaining = None if deadline is None else deadline - _now()
            if ready or (remaining is not None and remaining <= 0):
                return ready
            if not _wait_any(socks, fds, remaining):
                deadline = _now()  # timed out: one last look


def select(
    rlist: Sequence[Any], wlist: Sequence[Any], xlist: Sequence[Any], timeout: Optional[float] = None
) -> Tuple[List[Any], List[Any], List[Any]]:
    """zmq_cffi.select that lets other greenlets run; `timeout` in seconds (None: forever).

    (pyzmq's zmq.green re-exports the blocking zmq.select; this one never blocks the hub.)"""
    flags: Dict[Any, int] = {}
    for sockets, flag in ((rlist, _POLLIN), (wlist, _POLLOUT), (xlist, _POLLERR)):
        for sock in sockets:
            flags[sock] = flags.get(sock, 0) | flag
    poller = Poller()
    for sock, flag in flags.items():
        poller.register(sock, flag)
    events = dict(poller.poll(None if timeout is None or timeout < 0 else timeout * 1000.0))
    return (
        [s for s in rlist if events.get(s, 0) & _POLLIN],
        [s for s in wlist if events.get(s, 0) & _POLLOUT],
        [s for s in xlist if events.get(s, 0) & _POLLERR],
    )


_now = time.monotonic

Poller.__module__ = "zmq_cffi.green"

# pyzmq's name in zmq.green.poll.
_Poller = Poller
