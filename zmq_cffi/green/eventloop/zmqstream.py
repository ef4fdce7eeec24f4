"""pyzmq's `zmq.green.eventloop.zmqstream`: ZMQStream for code that imports it from here."""
from zmq_cffi.eventloop import zmqstream as _zmqstream
from zmq_cffi.green.eventloop.ioloop import IOLoop


class ZMQStream(_zmqstream.ZMQStream):
    """zmq_cffi's ZMQStream (a subclass, as in pyzmq); it runs on a tornado IOLoop."""


__all__ = ["ZMQStream", "IOLoop"]
