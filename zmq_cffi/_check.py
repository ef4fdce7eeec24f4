"""Import-time check of libzmq: the compiled module loads, and libzmq is recent enough.

zmq_cffi/__init__.py calls check_libzmq() before anything else touches zmq_cffi._ffi, so a
missing, unloadable or too old libzmq is one ImportError that says what was found and what to
install, instead of a loader error from deep inside the package.

This module imports nothing from zmq_cffi: it must work while the package is half-imported.
"""
from __future__ import annotations

import importlib
import os
from typing import Any, Optional, Tuple

__all__ = ["check_libzmq", "MIN_LIBZMQ", "loaded_libzmq_path"]

#: The oldest libzmq zmq_cffi works with: zmq_has() and the socket options it wraps appear in 4.1.
MIN_LIBZMQ = (4, 1)

_INSTALL = (
    "install libzmq and its headers (Debian/Ubuntu: `apt-get install libzmq3-dev`; "
    "Fedora: `dnf install zeromq-devel`; Alpine: `apk add zeromq-dev`) "
    "and reinstall zmq_cffi"
)


def _import_ffi() -> Tuple[Any, Any]:
    module = importlib.import_module("zmq_cffi._ffi")
    return module.ffi, module.lib


def _libzmq_version(ffi: Any, lib: Any) -> Tuple[int, int, int]:
    v = ffi.new("int[3]")
    lib.zmq_version(v, v + 1, v + 2)
    return (v[0], v[1], v[2])


def loaded_libzmq_path() -> Optional[str]:
    """The file of the libzmq shared library mapped into this process (Linux: from
    /proc/self/maps), or None if none is loaded or the platform does not say."""
    try:
        with open("/proc/self/maps") as maps:
            for line in maps:
                # address perms offset dev inode [path]
                fields = line.split(None, 5)
                if len(fields) == 6 and os.path.basename(fields[5]).startswith("libzmq.so"):
                    return fields[5].strip()
    except OSError:
        pass
    return None


def _probe_system_libzmq() -> str:
    """What the dynamic loader finds on its own, for the error message: 'libzmq X.Y.Z (path)'
    or 'no libzmq'. Uses ctypes, so it works even when the compiled module does not load."""
    try:
        import ctypes
        import ctypes.util

        name = ctypes.util.find_library("zmq")
        if name is None:
            return "the dynamic loader finds no libzmq"
        lib = ctypes.CDLL(name)
        parts = [ctypes.c_int() for _ in range(3)]
        lib.zmq_version(*(ctypes.byref(p) for p in parts))
        version = ".".join(str(p.value) for p in parts)
        where = loaded_libzmq_path() or name
        return f"the dynamic loader finds libzmq {version} ({where})"
    except Exception as exc:  # the probe only decorates the message
        return f"looking for libzmq with ctypes failed too ({exc})"


def check_libzmq() -> Tuple[int, int, int]:
    """Load zmq_cffi's compiled module and check libzmq's version; return that version.

    Raises ImportError that says what was found and what to install when the compiled module
    is missing (zmq_cffi was never built), cannot be loaded (no libzmq, or one without the
    symbols it needs), or when libzmq is older than MIN_LIBZMQ."""
    try:
        ffi, lib = _import_ffi()
    except ModuleNotFoundError as exc:
        if exc.name != "zmq_cffi._ffi":
            hint = ": install cffi (`pip install cffi`)" if "cffi" in (exc.name or "") else ""
            raise ImportError(
                f"zmq_cffi: its compiled module zmq_cffi._ffi needs the module {exc.name!r}, "
                f"which is missing{hint}",
                name="zmq_cffi",
            ) from exc
        raise ImportError(
            "zmq_cffi: its compiled module zmq_cffi._ffi is missing, so zmq_cffi was not built "
            "(running from a source tree?): build it with `pip install .` or `pip install -e .`, "
            f"which needs libzmq's headers; {_INSTALL}",
            name="zmq_cffi",
        ) from exc
    except (ImportError, OSError) as exc:
        raise ImportError(
            f"zmq_cffi: cannot load its compiled module zmq_cffi._ffi ({exc}); "
            f"{_probe_system_libzmq()}; zmq_cffi needs libzmq >= "
            f"{'.'.join(map(str, MIN_LIBZMQ))}: {_INSTALL}",
            name="zmq_cffi",
        ) from exc
    version = _libzmq_version(ffi, lib)
    if version[:2] < MIN_LIBZMQ:
        found = ".".join(map(str, version))
        where = loaded_libzmq_path()
        raise ImportError(
            f"zmq_cffi needs libzmq >= {'.'.join(map(str, MIN_LIBZMQ))}, but found libzmq "
            f"{found}{f' ({where})' if where else ''}: {_INSTALL}",
            name="zmq_cffi",
        )
    return version
