"""MessageTracker: tells when libzmq is done with zero-copy messages (it lives in zmq_cffi.backend)."""
from zmq_cffi.backend.tracker import _FINISHED_TRACKER, MessageTracker

__all__ = ["MessageTracker", "_FINISHED_TRACKER"]
