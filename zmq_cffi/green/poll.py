"""Cooperative Poller and select for gevent (pyzmq's `zmq.green.poll`)."""
from __future__ import annotations

from typing import Any, Dict, List, Optional, Sequence, Tuple

import zmq_cffi
from zmq_cffi import constants
from zmq_cffi import _readiness as rd
from zmq_cffi.green.core import _GreenPoll, _threads

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
        items = list(self.sockets)
        ready = rd.poll_now(self, items, _threads.here())
        if ready or timeout == 0:
            return ready
        return _GreenPoll(items).wait(None if timeout is None or timeout < 0 else timeout / 1000.0)


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
