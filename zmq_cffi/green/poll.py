"""Cooperative Poller and select for gevent (pyzmq's `zmq.green.poll`)."""
from __future__ import annotations

from typing import Any, Dict, List, Optional, Sequence, Tuple

import zmq_cffi
from zmq_cffi import constants
from zmq_cffi.backend import Socket as _BackendSocket
from zmq_cffi.green.core import _Readiness, _readiness_of, wait_ready

__all__ = ["Poller", "select"]

_POLLIN = int(constants.POLLIN)
_POLLOUT = int(constants.POLLOUT)
_POLLERR = int(constants.POLLERR)


class Poller(zmq_cffi.Poller):
    """zmq_cffi's Poller whose `poll` lets other greenlets run while nothing is ready.

    zmq sockets are watched through their ZMQ_FD (a green socket shares the watcher of its
    own blocking calls), plain fds and objects with fileno() through gevent io watchers."""

    def poll(self, timeout: Optional[float] = None) -> List[Tuple[Any, int]]:
        """Wait up to `timeout` ms (None or negative: forever) for events; other greenlets
        run meanwhile. Returns a list of (socket, events), as zmq_cffi.Poller does."""
        seconds = None if timeout is None or timeout < 0 else timeout / 1000.0
        sources: List[Tuple[_Readiness, int]] = []
        fds: List[Tuple[int, int]] = []
        temporary: List[_Readiness] = []
        for sock, flags in self.sockets:
            if isinstance(sock, _BackendSocket):
                readiness, new = _readiness_of(sock)
                if new:
                    temporary.append(readiness)
                sources.append((readiness, flags & (_POLLIN | _POLLOUT)))
            else:
                fd = sock if isinstance(sock, int) else sock.fileno()
                # gevent masks: 1 readable, 2 writable; an error shows as readable.
                mask = (1 if flags & (_POLLIN | _POLLERR) else 0) | (2 if flags & _POLLOUT else 0)
                fds.append((fd, mask))

        def ready_now() -> List[Tuple[Any, int]]:
            events = zmq_cffi.Poller.poll(self, 0)
            # zmq_poll read every socket's events, consuming their fds' edges: pass them on.
            for readiness, _ in sources:
                readiness.check()
            return events

        try:
            if seconds == 0:
                return ready_now()
            return wait_ready(ready_now, sources, seconds, fds) or []
        finally:
            for readiness in temporary:
                readiness.close()


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


Poller.__module__ = "zmq_cffi.green"

# pyzmq's name in zmq.green.poll.
_Poller = Poller
