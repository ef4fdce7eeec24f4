"""pyzmq's ``zmq.sugar.version``: the version functions and constants of ``zmq_cffi.version``."""
from zmq_cffi.version import (
    VERSION_EXTRA,
    VERSION_MAJOR,
    VERSION_MINOR,
    VERSION_PATCH,
    __revision__,
    __version__,
    pyzmq_version,
    pyzmq_version_info,
    version_info,
    zmq_version,
    zmq_version_info,
)

__all__ = [
    "zmq_version",
    "zmq_version_info",
    "pyzmq_version",
    "pyzmq_version_info",
    "__version__",
    "__revision__",
    "version_info",
    "VERSION_MAJOR",
    "VERSION_MINOR",
    "VERSION_PATCH",
    "VERSION_EXTRA",
]
