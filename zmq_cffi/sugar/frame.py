"""pyzmq's ``zmq.sugar.frame``: the same Frame (alias Message) as ``zmq_cffi.Frame``."""
from zmq_cffi.frame import COPY_THRESHOLD, Frame, Message

__all__ = ["Frame", "Message", "COPY_THRESHOLD"]
