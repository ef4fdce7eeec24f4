"""Frame (alias Message): a zmq_msg_t for zero-copy sends and receives, and its properties."""
from zmq_cffi.backend.frame import COPY_THRESHOLD, Frame, Message

__all__ = ["Frame", "Message", "COPY_THRESHOLD"]
