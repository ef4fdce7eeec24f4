"""pyzmq's ``zmq.sugar.context``: the same Context class as ``zmq_cffi.Context``."""
from zmq_cffi.context import ST, Context, T

#: pyzmq's name of the synchronous Context class.
SyncContext = Context

__all__ = ["Context", "SyncContext", "T", "ST"]
