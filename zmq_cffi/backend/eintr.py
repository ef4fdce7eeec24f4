"""The one retry loop for libzmq calls that a signal interrupts (EINTR).

Every blocking call site tries its call itself and comes here only after a failure, so the
fast path gains no Python call. (zc_term_thread in _helpers.c keeps a C loop of its own: it
runs on a detached C thread, where no Python may run.)
"""
from __future__ import annotations

import time
from typing import Callable, Optional

from zmq_cffi._ffi import ffi, lib
from zmq_cffi.error import _zmq_error

_EINTR = lib.EINTR
_monotonic = time.monotonic


def retry_interrupted(
    attempt: Callable[[int], int], timeout: float = -1, since: float = 0.0, err: Optional[int] = None
) -> int:
    """The slow path of a libzmq call that just failed with errno `err` (default: ffi.errno).

    Raises that error unless it is EINTR. After EINTR (Python's signal handlers have run by
    now and did not raise) calls `attempt(remaining)` until it returns a result >= 0, which is
    returned, or fails with another error, which is raised.

    `remaining` keeps the call's timeout: with `timeout` >= 0 ms counted from `since` (the
    time.monotonic() at which the call began to wait), the whole ms of it that remain, at
    least 0 (rounded up, so a timeout is never cut short); without a timeout, -1."""
    if err is None:
        err = ffi.errno
    while True:
        if err != _EINTR:
            raise _zmq_error(err)
        remaining = -1
        if timeout >= 0:
            remaining = max(0, int(timeout) - int((_monotonic() - since) * 1000))
        rc = attempt(remaining)
        if rc >= 0:
            return rc
        err = ffi.errno
