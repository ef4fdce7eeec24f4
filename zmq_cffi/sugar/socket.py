"""pyzmq's ``zmq.sugar.socket``: the same Socket class as ``zmq_cffi.Socket``."""
from zmq_cffi.socket import Socket, T

#: pyzmq's name of the synchronous Socket class.
SyncSocket = Socket

__all__ = ["Socket", "SyncSocket", "T"]
