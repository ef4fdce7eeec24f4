"""Deprecated alias of `tornado.ioloop`, kept because pyzmq programs still import it.

Since pyzmq 17 no zmq-specific IOLoop is needed: `IOLoop`, `PeriodicCallback` and the rest
are tornado's own, `ZMQIOLoop` is another name for `IOLoop`, and `install()` does nothing.
Importing this module warns with a DeprecationWarning, as pyzmq's does.
"""
import warnings

# The module is tornado.ioloop under another name: every public name of it is re-exported.
from tornado.ioloop import *  # noqa: F401,F403
from tornado.ioloop import IOLoop

_MESSAGE = (
    "zmq_cffi.eventloop.ioloop is deprecated (as zmq.eventloop.ioloop is since pyzmq 17): "
    "use tornado.ioloop; zmq_cffi sockets work with tornado's default asyncio loop"
)

# Importing is the deprecated act; importlib's frames are skipped, so this names the importer.
warnings.warn(_MESSAGE, DeprecationWarning, stacklevel=2)

#: The IOLoop that older pyzmq required for zmq sockets; now simply tornado's IOLoop.
ZMQIOLoop = IOLoop


def install() -> None:
    """Do nothing but warn: tornado's IOLoop already serves zmq sockets (pyzmq's install()
    used to make ZMQIOLoop the global loop)."""
    warnings.warn(_MESSAGE, DeprecationWarning, stacklevel=2)
