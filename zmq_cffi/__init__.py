"""zmq_cffi: Python bindings for libzmq with pyzmq's API, built with CFFI.

`import zmq_cffi as zmq` gives the names of pyzmq: Context, Socket, Frame, Poller, every
constant, the error classes and the module-level functions.
"""
from typing import List

from zmq_cffi import _check

_check.check_libzmq()  # one clear ImportError if libzmq is missing, unloadable or too old

from zmq_cffi import backend, constants, error  # noqa: E402
from zmq_cffi.backend import (
    IPC_PATH_MAX_LEN,
    curve_keypair,
    curve_public,
    device,
    has,
    proxy,
    proxy_steerable,
    zmq_poll,
)
from zmq_cffi.constants import *  # noqa: F401,F403,E402
from zmq_cffi.context import Context
from zmq_cffi.error import (
    Again,
    DraftFDWarning,
    ContextTerminated,
    InterruptedSystemCall,
    NotDone,
    ZMQBaseError,
    ZMQBindError,
    ZMQError,
    ZMQVersionError,
    strerror,
    zmq_errno,
)
from zmq_cffi.frame import COPY_THRESHOLD, Frame, Message
# Beyond pyzmq: how much received memory PyPy's GC may not know about (see the README).
from zmq_cffi.backend.frame import recv_memory_allowance, set_recv_memory_allowance
from zmq_cffi.poll import Poller, select
from zmq_cffi.socket import Socket
from zmq_cffi.stopwatch import Stopwatch
from zmq_cffi.tracker import _FINISHED_TRACKER, MessageTracker
from zmq_cffi.version import (
    __revision__ as __revision__,
    __version__ as __version__,  # `as`: exported to type checkers, like the names in __all__
    pyzmq_version,
    pyzmq_version_info,
    zmq_cffi_version,
    zmq_version,
    zmq_version_info,
)

# pyzmq's `import zmq` loads zmq.sugar: programs reach zmq.sugar.context.Context without importing it.
from zmq_cffi import sugar  # noqa: E402

#: pyzmq's names for the synchronous classes (there, parametrized for type checkers).
SyncContext = Context
SyncSocket = Socket

#: pyzmq's flag for whether its backend was built with the DRAFT API; here, libzmq's own.
PYZMQ_DRAFT_API = constants.DRAFT_API


def get_includes() -> List[str]:
    """Directories with zmq_cffi's C declarations and helpers (pyzmq: its Cython includes)."""
    import os

    here = os.path.dirname(os.path.abspath(__file__))
    return [here, os.path.join(here, "_cdefs")]


def get_library_dirs() -> List[str]:
    """The directory of zmq_cffi's compiled module."""
    import os

    return [os.path.dirname(os.path.abspath(__file__))]


__all__ = [
    "Context",
    "Socket",
    "SyncContext",
    "SyncSocket",
    "Stopwatch",
    "DraftFDWarning",
    "Frame",
    "Message",
    "MessageTracker",
    "Poller",
    "select",
    "ZMQBaseError",
    "ZMQError",
    "ZMQBindError",
    "ZMQVersionError",
    "Again",
    "ContextTerminated",
    "InterruptedSystemCall",
    "NotDone",
    "strerror",
    "zmq_errno",
    "zmq_poll",
    "proxy",
    "proxy_steerable",
    "device",
    "has",
    "curve_keypair",
    "curve_public",
    "zmq_version",
    "zmq_version_info",
    "pyzmq_version",
    "pyzmq_version_info",
    "zmq_cffi_version",
    "get_includes",
    "get_library_dirs",
    "COPY_THRESHOLD",
    "set_recv_memory_allowance",
    "recv_memory_allowance",
    "IPC_PATH_MAX_LEN",
    "PYZMQ_DRAFT_API",
    "backend",
    "constants",
    "error",
]
# `__all__ += module.__all__` is a form of __all__ the typing spec defines, unlike `+ list(...)`.
__all__ += constants.__all__
