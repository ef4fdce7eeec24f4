"""MessageTracker: tells when libzmq is done with zero-copy messages (zmq_cffi.tracker re-exports it)."""
from __future__ import annotations

import threading
import time
from typing import Any, Optional, Set, Tuple

from zmq_cffi.backend import zerocopy
from zmq_cffi.error import NotDone

__all__ = ["MessageTracker", "_FINISHED_TRACKER"]

# The Frame class, which builds on this module: backend/frame.py names it here once defined
# (see watch_frames), so a tracker can watch Frames without a circular import.
_frame_types: Tuple[type, ...] = ()


def watch_frames(frame_class: type) -> None:
    """Let MessageTracker(frame) watch instances of `frame_class` through their own tracker."""
    global _frame_types
    _frame_types = (frame_class,)


class MessageTracker:
    """Tracks whether libzmq has released one or more messages.

    Watches Events (set when libzmq frees a zero-copy message), Frames with a tracker, and
    other MessageTrackers. `done` is true once every watched message is released.
    """

    events: Set[threading.Event]
    peers: Set["MessageTracker"]

    def __init__(self, *towatch: Any) -> None:
        self.events = set()
        self.peers = set()
        for obj in towatch:
            if isinstance(obj, threading.Event):
                self.events.add(obj)
            elif isinstance(obj, MessageTracker):
                self.peers.add(obj)
            elif isinstance(obj, _frame_types):
                tracker: Optional[MessageTracker] = obj.tracker  # type: ignore[attr-defined]
                if tracker is None:
                    raise ValueError("this Frame is not tracked: create it with track=True")
                self.peers.add(tracker)
            else:
                raise TypeError(f"a MessageTracker watches Events, Frames and trackers, not {obj!r}")

    @property
    def done(self) -> bool:
        """True once libzmq is done with every tracked message."""
        if not all(e.is_set() for e in self.events):
            zerocopy.collect()
        return all(e.is_set() for e in self.events) and all(p.done for p in self.peers)

    def wait(self, timeout: Optional[float] = -1) -> None:
        """Block until done, or raise NotDone after `timeout` seconds (-1 or None: no limit)."""
        deadline = None if timeout is None or timeout < 0 else time.monotonic() + timeout
        for event in self.events:
            remaining = None if deadline is None else max(0.0, deadline - time.monotonic())
            if not zerocopy.wait_for_release(event, remaining):
                raise NotDone
        for peer in self.peers:
            remaining = -1 if deadline is None else max(0.0, deadline - time.monotonic())
            peer.wait(remaining)

    def __repr__(self) -> str:
        return f"<{self.__class__.__name__} done={self.done}>"


def _finished() -> MessageTracker:
    event = threading.Event()
    event.set()
    return MessageTracker(event)


_FINISHED_TRACKER = _finished()
