"""Tornado integration, under pyzmq's `zmq.eventloop` names.

zmq_cffi sockets need no special event loop: tornado 6 runs on asyncio, and `zmqstream.ZMQStream`
puts a socket's callbacks on any tornado IOLoop. `ioloop` is pyzmq's deprecated alias module.
"""
from tornado.ioloop import IOLoop

__all__ = ["IOLoop"]
