"""pyzmq's ``zmq.sugar``: the pure-Python layer's modules, under the names libraries use.

Libraries write ``zmq.sugar.socket.Socket`` in type hints and ``isinstance`` checks, and reset
``zmq.sugar.context.Context._instance``: each submodule here re-exports zmq_cffi's own
classes, so these are the very classes ``zmq_cffi.Socket``, ``zmq_cffi.Context``, ... are.
"""
from zmq_cffi import constants, error
from zmq_cffi.constants import *  # noqa: F401,F403
from zmq_cffi.error import *  # noqa: F401,F403
from zmq_cffi.sugar import attrsettr, context, frame, poll, socket, stopwatch, tracker, version
from zmq_cffi.sugar.context import Context
from zmq_cffi.sugar.frame import Frame, Message
from zmq_cffi.sugar.poll import Poller, select
from zmq_cffi.sugar.socket import Socket
from zmq_cffi.sugar.stopwatch import Stopwatch
from zmq_cffi.sugar.tracker import MessageTracker
from zmq_cffi.sugar.version import (
    pyzmq_version,
    pyzmq_version_info,
    zmq_version,
    zmq_version_info,
)

__all__ = [
    "Context",
    "Socket",
    "Frame",
    "Message",
    "MessageTracker",
    "Poller",
    "select",
    "Stopwatch",
    "pyzmq_version",
    "pyzmq_version_info",
    "zmq_version",
    "zmq_version_info",
    "attrsettr",
    "context",
    "frame",
    "poll",
    "socket",
    "stopwatch",
    "tracker",
    "version",
]
# `__all__ += module.__all__`: a form of __all__ the typing spec defines.
__all__ += constants.__all__
__all__ += error.__all__
