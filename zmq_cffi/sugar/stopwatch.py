"""pyzmq's ``zmq.sugar.stopwatch``: the same Stopwatch as ``zmq_cffi.Stopwatch``."""
from zmq_cffi.stopwatch import Stopwatch

__all__ = ["Stopwatch"]
