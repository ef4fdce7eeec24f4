"""pyzmq's `zmq.green.eventloop`: the tornado integration under the green package's names."""
from zmq_cffi.green.eventloop.ioloop import IOLoop

__all__ = ["IOLoop"]
