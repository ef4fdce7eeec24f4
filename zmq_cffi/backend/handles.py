"""Socket handles owned by this process, and their one release door, _close_cell.

A handle lives in a _HandleCell shared by every Socket object over it (its creator and the
shadows made from it here); whoever closes it takes it out of the cell, and every Socket
object over it then reads NULL (_forget_handle), which libzmq answers with ENOTSOCK.
"""
from __future__ import annotations

import os
import weakref
from typing import TYPE_CHECKING, Any, Dict, List, Optional

from zmq_cffi._ffi import ffi, lib

if TYPE_CHECKING:
    from zmq_cffi.backend.context import Context
    from zmq_cffi.backend.socket import Socket

_NULL = ffi.NULL
_ZMQ_LINGER = lib.ZMQ_LINGER

# How many sockets this process has closed: a cached pollitem array (backend.poll.PollItems)
# built at another count may hold a freed handle, so it is rebuilt (and closed sockets refused)
# instead of handing libzmq a freed pointer.
_sockets_closed = 0


def sockets_closed() -> int:
    """How many sockets this process has closed so far (it only grows)."""
    return _sockets_closed


class _HandleCell(list[Any]):
    """An owned socket handle: [handle] while open, [] once closed.

    Whoever closes the socket takes the handle out with list.pop(), which is atomic, so
    close(), finalizers and the context's destroy()/term() may race on any threads and exactly
    one calls zmq_close. `sockets` holds weak references to every Socket object using the
    handle (its creator and the shadows made from it in this process); closing through any of
    them clears the handle in all, so none is left pointing at a freed socket."""

    __slots__ = ("sockets",)
    sockets: List[weakref.ref[Any]]

    def in_use_by_other_than(self, sock: Any) -> bool:
        for ref in self.sockets:
            other = ref()
            if other is not None and other is not sock:
                return True
        return False


# address -> cell of every open socket created in this process, so shadows can share it.
_cells_by_address: Dict[int, _HandleCell] = {}


def _own_handle(handle: Any, sock: Socket) -> _HandleCell:
    """The cell of a handle `sock` has just created."""
    cell = _HandleCell([handle])
    cell.sockets = [weakref.ref(sock)]
    _cells_by_address[int(ffi.cast("intptr_t", handle))] = cell
    return cell


def _share_handle(address: int, shadow: Socket) -> Optional[_HandleCell]:
    """The cell of the open socket at `address`, now shared with `shadow`; None when no socket
    of this process is open there (the shadow then never closes it)."""
    cell = _cells_by_address.get(address)
    if not cell:
        return None
    cell.sockets.append(weakref.ref(shadow))
    return cell


def _close_cell(
    cell: Optional[_HandleCell], pid: int, context: Optional[Context], linger: Optional[int] = None
) -> None:
    """Close the handle in `cell` unless someone else already took it.

    Safe from any thread. A forked child only forgets the handle: it belongs to the parent."""
    global _sockets_closed
    if not cell:
        return
    try:
        handle = cell.pop()
    except IndexError:
        return
    _sockets_closed += 1
    _cells_by_address.pop(int(ffi.cast("intptr_t", handle)), None)
    for ref in cell.sockets:
        sock = ref()
        if sock is not None:
            _forget_handle(sock)
    if context is not None:  # None: a shadow made from an address alone
        context._forget_socket(cell)
    if pid == os.getpid():
        if linger is not None:
            lib.zc_setsockopt_int(handle, _ZMQ_LINGER, linger)
        lib.zmq_close(handle)


def _forget_handle(sock: Socket) -> None:
    """Clear the handle in both places it is read from: `_handle` and the state that the
    send/recv helpers use (the one place a closed socket's handle stops being reachable)."""
    sock._state.handle = _NULL
    object.__setattr__(sock, "_handle", _NULL)
