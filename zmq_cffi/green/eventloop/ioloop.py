"""pyzmq's `zmq.green.eventloop.ioloop`: the same deprecated alias of tornado.ioloop as
zmq_cffi.eventloop.ioloop (importing it warns with a DeprecationWarning, as pyzmq's does)."""
from zmq_cffi.eventloop.ioloop import *  # noqa: F401,F403
from zmq_cffi.eventloop.ioloop import IOLoop, ZMQIOLoop, install

__all__ = ["IOLoop", "ZMQIOLoop", "install"]
