"""Stopwatch: pyzmq's deprecated microsecond timer."""
from __future__ import annotations

import time
import warnings
from typing import Optional

from zmq_cffi.error import ZMQError

__all__ = ["Stopwatch"]


class Stopwatch:
    """Times an interval in microseconds: start(), then stop() returns the elapsed time.

    Deprecated in pyzmq too: time.monotonic() does the same job."""

    def __init__(self) -> None:
        warnings.warn(
            "zmq_cffi.Stopwatch is deprecated, as in pyzmq: use time.monotonic()",
            DeprecationWarning,
            stacklevel=2,
        )
        self._start: Optional[float] = None

    def start(self) -> None:
        """Start (or restart) timing."""
        self._start = time.monotonic()

    def stop(self) -> int:
        """Stop timing and return the microseconds since start()."""
        if self._start is None:
            raise ZMQError(msg="Must start the Stopwatch before calling stop.")
        elapsed = time.monotonic() - self._start
        self._start = None
        return int(elapsed * 1_000_000)
