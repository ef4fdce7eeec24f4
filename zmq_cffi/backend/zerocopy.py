"""Buffers lent to libzmq without a copy, and their return.

Each zero-copy message gets a token. Until libzmq frees the message, the token maps to the
pinned buffer (so the Python object stays alive) and, when tracked, to the Event its
MessageTracker waits on. libzmq's free callback is C (`zc_free_notify` in _helpers.c): it only
queues the token. `collect()` drains that queue in Python and lets go of the buffers; it runs on
every zero-copy send and whenever a tracker is asked, so no helper thread is needed.
"""
from __future__ import annotations

import array
import atexit
import itertools
import mmap
import platform
import threading
import time
from typing import Any, Dict, Optional, Tuple

from zmq_cffi._ffi import ffi, lib

_DRAIN_BATCH = 256

# token -> (pinned cdata, Event or None, buffer address)
_lent: Dict[int, Tuple[Any, Optional[threading.Event], int]] = {}
# buffer address -> how many loans of it are outstanding: a message received over inproc may
# be one of our own loans, which costs no new memory (see `is_lent`).
_lent_at: Dict[int, int] = {}
_lent_at_lock = threading.Lock()
_tokens = itertools.count(1)
_drain_lock = threading.Lock()
_drain_out = ffi.new("int64_t[]", _DRAIN_BATCH)
_address = ffi.cast


# PyPy lets a bytearray, an array.array or an mmap be resized (or the mmap closed) while its
# buffer is exported, which frees or unmaps the memory a lent message points at: libzmq would
# then read freed memory. CPython refuses those calls (BufferError) while the loan lasts. So on
# PyPy such buffers are copied, never lent.
_RESIZABLE = (bytearray, array.array, mmap.mmap) if platform.python_implementation() == "PyPy" else ()


def can_lend(data: Any) -> bool:
    """Whether `data`'s memory stays put while lent: False on PyPy for a resizable buffer, or
    a memoryview of one."""
    if not _RESIZABLE or data.__class__ is bytes:
        return True
    for _ in range(32):
        if isinstance(data, _RESIZABLE):
            return False
        if not isinstance(data, memoryview):
            return True
        data = data.obj
    return False


def lend(pinned: Any, event: Optional[threading.Event] = None) -> int:
    """Keep `pinned` (an ffi.from_buffer cdata) alive until libzmq returns the token."""
    token = next(_tokens)
    addr = int(_address("uintptr_t", pinned))
    with _lent_at_lock:
        _lent[token] = (pinned, event, addr)
        _lent_at[addr] = _lent_at.get(addr, 0) + 1
    return token


def unlend(token: int) -> Optional[Tuple[Any, Optional[threading.Event], int]]:
    """Forget a loan (libzmq released it, or never took it); returns its entry."""
    with _lent_at_lock:
        entry = _lent.pop(token, None)
        if entry is not None:
            left = _lent_at[entry[2]] - 1
            if left:
                _lent_at[entry[2]] = left
            else:
                del _lent_at[entry[2]]
    return entry


def is_lent(data: Any) -> bool:
    """Whether `data` (a char * from a received message) is the start of a buffer we lent.

    Such a message shares memory already counted elsewhere, so its Frame tells PyPy's GC about
    no extra memory: a size hint there would only bring full collections forward (one every
    ten 1 MiB inproc messages)."""
    return int(_address("uintptr_t", data)) in _lent_at


def collect() -> int:
    """Release every buffer libzmq has finished with; returns how many were released."""
    released = 0
    # One drain buffer is shared, so one thread drains at a time; others just skip.
    if not _drain_lock.acquire(False):  # positional: keyword parsing costs more than the rest
        return 0
    try:
        while True:
            n: int = lib.zc_release_drain(_drain_out, _DRAIN_BATCH)
            for i in range(n):
                entry = unlend(_drain_out[i])
                if entry is not None and entry[1] is not None:
                    entry[1].set()
            released += n
            if n < _DRAIN_BATCH:
                return released
    finally:
        _drain_lock.release()


def wait_for_release(event: threading.Event, timeout: Optional[float]) -> bool:
    """Block (GIL released) until `event` is set by a release, or `timeout` seconds pass."""
    deadline = None if timeout is None or timeout < 0 else time.monotonic() + timeout
    while True:
        collect()
        if event.is_set():
            return True
        if deadline is None:
            wait_ms = 1000
        else:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return event.is_set()
            wait_ms = max(1, min(1000, int(remaining * 1000)))
        # Returns as soon as any release is queued, or after wait_ms. The short cap covers a
        # release drained by another thread between our collect() and this wait.
        lib.zc_release_wait(min(wait_ms, 50))


def outstanding() -> int:
    """How many zero-copy buffers libzmq still holds (after collecting what it gave back)."""
    collect()
    return len(_lent)


@atexit.register
def _keep_lent_buffers_at_exit() -> None:
    """At interpreter exit libzmq's IO threads may still be reading lent buffers, while
    CPython's shutdown frees module contents: take one more reference to each so none is
    freed under libzmq. (PyPy does not free objects at exit.)"""
    collect()
    if _lent and platform.python_implementation() == "CPython":
        import ctypes

        for entry in list(_lent.values()):
            ctypes.pythonapi.Py_IncRef(ctypes.py_object(entry))
