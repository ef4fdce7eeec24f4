"""Versions: of libzmq, of the pyzmq API zmq_cffi mirrors, and of zmq_cffi itself."""
from __future__ import annotations

from typing import Tuple

from zmq_cffi.backend.functions import zmq_version_info

__all__ = [
    "zmq_version",
    "zmq_version_info",
    "pyzmq_version",
    "pyzmq_version_info",
    "zmq_cffi_version",
    "__version__",
    "VERSION_MAJOR",
    "VERSION_MINOR",
    "VERSION_PATCH",
    "VERSION_EXTRA",
    "version_info",
    "__revision__",
]

#: zmq_cffi's own release.
zmq_cffi_version = "0.1.0"

#: The pyzmq release whose public API zmq_cffi mirrors. pyzmq programs compare
#: `zmq.__version__` and `zmq.pyzmq_version_info()` against pyzmq releases, so these report it.
_PYZMQ_API = (27, 1, 0)
__version__ = ".".join(map(str, _PYZMQ_API))

VERSION_MAJOR, VERSION_MINOR, VERSION_PATCH = _PYZMQ_API
#: pyzmq's pre-release tag ("" for a release) and source revision ("" when not from git).
VERSION_EXTRA = ""
__revision__ = ""
#: pyzmq_version_info() as a module constant, as pyzmq has it.
version_info = _PYZMQ_API


def zmq_version() -> str:
    """The libzmq version as a string, e.g. '4.3.4'."""
    return "%i.%i.%i" % zmq_version_info()


def pyzmq_version() -> str:
    """The pyzmq API level zmq_cffi provides, as a string."""
    return __version__


def pyzmq_version_info() -> Tuple[int, int, int]:
    """The pyzmq API level zmq_cffi provides, as (major, minor, patch)."""
    return _PYZMQ_API
