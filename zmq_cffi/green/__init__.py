"""pyzmq's gevent integration (`zmq.green`): `import zmq_cffi.green as zmq` under gevent.

Everything of zmq_cffi, with cooperative `Context`, `Socket`, `Poller`, `select`, `device`
and `proxy`: a blocking send, recv or poll lets other greenlets run instead of blocking the
gevent hub, and honours RCVTIMEO/SNDTIMEO (`zmq.Again`) and NOBLOCK like the plain calls.
Requires gevent.
"""
import zmq_cffi
from zmq_cffi import *  # noqa: F401,F403  (pyzmq's zmq.green starts from all of zmq)
# These replace the blocking names of the star import (type: ignore, as the classes differ).
from zmq_cffi.green.core import Context, Socket  # type: ignore[assignment]
from zmq_cffi.green.device import device, proxy  # type: ignore[assignment]
from zmq_cffi.green.poll import Poller, select

# pyzmq's names for the classes in zmq.green.
_Context = Context
_Socket = Socket
_Poller = Poller

__all__ = ["Context", "Socket", "Poller", "select", "device", "proxy"]
__all__ += zmq_cffi.__all__
