"""The low-level layer: raw libzmq handles with one owner each, errors through one door.

pyzmq programs reach these names as `zmq.backend`; the classes of `zmq_cffi` subclass them.

socket.py: the Socket (send/recv hot paths, options, endpoints); handles.py: the socket
handles this process owns and their one release door; options.py: option kinds, int64 and
bytes values, refused values; use_fd.py: the checked USE_FD bind; eintr.py: the one EINTR
retry loop; context.py, frame.py, poll.py, tracker.py, zerocopy.py, functions.py.
"""
from zmq_cffi._ffi import ffi as _ffi
from zmq_cffi.backend.context import Context
from zmq_cffi.backend.frame import Frame, Message
from zmq_cffi.backend.functions import (
    IPC_PATH_MAX_LEN,
    curve_keypair,
    curve_public,
    device,
    has,
    proxy,
    proxy_steerable,
    strerror,
    zmq_errno,
    zmq_version_info,
)
from zmq_cffi.backend.poll import zmq_poll
from zmq_cffi.backend.socket import Socket

#: What `_handle` holds for a closed socket or terminated context (C's NULL), so the layers
#: above can compare with it without reaching for the CFFI module.
NULL_HANDLE = _ffi.NULL

__all__ = [
    "Context",
    "Socket",
    "Frame",
    "Message",
    "zmq_poll",
    "proxy",
    "proxy_steerable",
    "device",
    "strerror",
    "zmq_errno",
    "has",
    "curve_keypair",
    "curve_public",
    "zmq_version_info",
    "IPC_PATH_MAX_LEN",
]
