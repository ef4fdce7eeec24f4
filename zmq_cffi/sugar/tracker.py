"""pyzmq's ``zmq.sugar.tracker``: the same MessageTracker as ``zmq_cffi.MessageTracker``."""
from zmq_cffi.tracker import _FINISHED_TRACKER, MessageTracker

__all__ = ["MessageTracker", "_FINISHED_TRACKER"]
