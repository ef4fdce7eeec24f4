"""Poller and select: wait on zmq sockets and plain file descriptors together."""
from __future__ import annotations

from typing import Any, Dict, List, Optional, Sequence, Tuple

from zmq_cffi import constants
from zmq_cffi.backend.poll import PollItems

__all__ = ["Poller", "select"]

_POLLIN = int(constants.POLLIN)
_POLLOUT = int(constants.POLLOUT)
_POLLERR = int(constants.POLLERR)


class Poller:
    """A stateful poll over zmq sockets, objects with fileno() and raw fds, like select.poll.

    The zmq_pollitem_t array is kept between polls and rebuilt only when registrations change.
    """

    def __init__(self) -> None:
        self.sockets: List[Tuple[Any, int]] = []
        self._map: Dict[Any, int] = {}
        # Kept between polls; None once registrations change.
        self._items: Optional[PollItems] = None

    def __contains__(self, socket: Any) -> bool:
        return socket in self._map

    def register(self, socket: Any, flags: int = _POLLIN | _POLLOUT) -> None:
        """Watch `socket` for `flags` (POLLIN, POLLOUT, POLLERR); flags=0 unregisters it."""
        if not flags:
            if socket in self._map:
                self.unregister(socket)
            return
        if socket in self._map:
            self.sockets[self._map[socket]] = (socket, flags)
        else:
            self._map[socket] = len(self.sockets)
            self.sockets.append((socket, flags))
        self._items = None

    def modify(self, socket: Any, flags: int = _POLLIN | _POLLOUT) -> None:
        """Change the events watched for an already registered socket."""
        self.register(socket, flags)

    def unregister(self, socket: Any) -> None:
        """Stop watching `socket` (KeyError if it is not registered)."""
        idx = self._map.pop(socket)
        self.sockets.pop(idx)
        for sock, i in list(self._map.items()):
            if i > idx:
                self._map[sock] = i - 1
        self._items = None

    def poll(self, timeout: Optional[float] = None) -> List[Tuple[Any, int]]:
        """Wait up to `timeout` ms (None or negative: forever) for events.

        Returns a list of (socket, events) for the sockets with events; dict() it for a map."""
        if timeout is None or timeout < 0:
            timeout = -1
        items = self._items
        if items is None or items.stale():
            self._items = None
            items = self._items = PollItems(self.sockets)
        return items.ready(items.poll(timeout))


def select(
    rlist: Sequence[Any], wlist: Sequence[Any], xlist: Sequence[Any], timeout: Optional[float] = None
) -> Tuple[List[Any], List[Any], List[Any]]:
    """select.select for zmq sockets and fds; `timeout` is in seconds (None: forever)."""
    if timeout is None or timeout < 0:
        timeout_ms = -1
    else:
        timeout_ms = int(timeout * 1000.0)
    flags: Dict[Any, int] = {}
    order: List[Any] = []
    for lst, flag in ((rlist, _POLLIN), (wlist, _POLLOUT), (xlist, _POLLERR)):
        for s in lst:
            if s not in flags:
                flags[s] = 0
                order.append(s)
            flags[s] |= flag
    entries = [(s, flags[s]) for s in order]
    items = PollItems(entries)
    items.poll(timeout_ms)
    rl, wl, xl = [], [], []
    for i, s in enumerate(items.keys):
        rev = items.revents(i)
        if rev & _POLLIN:
            rl.append(s)
        if rev & _POLLOUT:
            wl.append(s)
        if rev & _POLLERR:
            xl.append(s)
    return rl, wl, xl
