"""pyzmq's ``zmq.utils.garbage``: what is held for libzmq until it lets go, without a thread.

In pyzmq, ``gc.refs`` holds each object lent to libzmq (``send(copy=False)``,
``Frame(data, copy=False)``) until a background thread hears from libzmq's free callback that
the message is released. zmq_cffi holds lent buffers itself (``zmq_cffi.backend.zerocopy``):
its free callback is C and queues the release, which the next send, recv or tracker query
collects, so no thread is needed. ``gc.refs`` here is a live, read-only view of those loans
(collected first on every look), plus whatever a program put there with ``gc.store()``: code
that imports the module, inspects ``gc.refs`` or calls ``start``/``stop``/``store`` works
unchanged.
"""
from __future__ import annotations

import os
import threading
from collections import namedtuple
from typing import Any, Dict, Iterator, Mapping, Optional

from zmq_cffi.backend import zerocopy

__all__ = ["GarbageCollector", "gc", "gcref"]

#: What ``refs`` holds for each object: the object (for a loan, the pinned buffer) and the
#: Event set on its release (None if untracked).
gcref = namedtuple("gcref", ["obj", "event"])


class _Refs(Mapping[int, gcref]):
    """key -> gcref of every object held for libzmq: zero-copy loans, then stored objects."""

    def __init__(self, stored: Dict[int, gcref]) -> None:
        self._stored = stored

    def _loans(self) -> Dict[int, gcref]:
        zerocopy.collect()  # releases libzmq already reported count as gone
        return {token: gcref(entry[0], entry[1]) for token, entry in list(zerocopy._lent.items())}

    def __getitem__(self, key: int) -> gcref:
        if key in self._stored:
            return self._stored[key]
        return self._loans()[key]

    def __contains__(self, key: object) -> bool:
        if key in self._stored:
            return True
        zerocopy.collect()
        return key in zerocopy._lent

    def __iter__(self) -> Iterator[int]:
        return iter([*self._loans(), *self._stored])

    def __len__(self) -> int:
        return len(self._loans()) + len(self._stored)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({dict(self)!r})"


class GarbageCollector:
    """Holds objects on behalf of libzmq until they are released.

    ``refs`` shows zmq_cffi's zero-copy loans and the objects given to ``store(obj, event)``,
    which keeps `obj` until ``release(key)`` or ``stop()`` and sets its event then. No thread
    is ever started: ``is_alive()`` is always False.
    """

    def __init__(self, context: Any = None) -> None:
        self._stored: Dict[int, gcref] = {}
        self.refs: Mapping[int, gcref] = _Refs(self._stored)
        self.pid: Optional[int] = None
        self.thread: Optional[threading.Thread] = None
        self.url = "inproc://pyzmq.gc.01"
        self._context = context
        self._lock = threading.Lock()

    @property
    def context(self) -> Any:
        """The Context given at creation (pyzmq's collector thread used its own)."""
        return self._context

    @context.setter
    def context(self, ctx: Any) -> None:
        self._context = ctx

    def start(self) -> None:
        """Nothing to start: kept for pyzmq's API."""
        self.pid = os.getpid()

    def stop(self) -> None:
        """Release every stored object (zero-copy loans end when libzmq releases them)."""
        with self._lock:
            stored = list(self._stored.values())
            self._stored.clear()
        for ref in stored:
            if ref.event is not None:
                ref.event.set()
        self.pid = None

    def is_alive(self) -> bool:
        """Whether a collector thread runs: never, in zmq_cffi."""
        return False

    def store(self, obj: Any, event: Optional[threading.Event] = None) -> int:
        """Keep `obj` alive until ``release(key)`` or ``stop()``; returns its key."""
        with self._lock:
            if self.pid != os.getpid():
                # After fork, what the parent stored is the parent's business.
                self._stored.clear()
                self.pid = os.getpid()
            # Keys from the loans' counter: a key is never both a loan and a stored object.
            key = next(zerocopy._tokens)
            self._stored[key] = gcref(obj, event)
        return key

    def release(self, key: int) -> None:
        """Drop the object stored under `key` and set its event (a missing key is ignored)."""
        with self._lock:
            ref = self._stored.pop(key, None)
        if ref is not None and ref.event is not None:
            ref.event.set()


#: The process-wide collector, as pyzmq's ``zmq.utils.garbage.gc``.
gc = GarbageCollector()
