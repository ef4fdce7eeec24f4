"""The raw context handle: creation, options, termination."""
from __future__ import annotations

import os
from typing import Any

from zmq_cffi._ffi import ffi, lib
from zmq_cffi.error import ZMQError, _zmq_error

_EINTR = lib.EINTR


class Context:
    """Owns one libzmq context (unless it shadows another's handle).

    The handle is released only by `term()`, or, as a safety net, by the finalizer, which hands
    zmq_ctx_term to a detached C thread so that no finalizer (on any thread) ever blocks.
    After fork, a child never terminates its parent's context.
    """

    _handle: Any = ffi.NULL
    _shadow: bool = False
    _pid: int = 0

    def __init__(self, io_threads: int = 1, shadow: int = 0) -> None:
        if shadow:
            self._handle = ffi.cast("void *", shadow)
            self._shadow = True
        else:
            if not isinstance(io_threads, int) or isinstance(io_threads, bool):
                raise TypeError(f"io_threads must be an int, not {type(io_threads).__name__}")
            if io_threads < 0:
                raise ValueError(f"io_threads must be >= 0, not {io_threads}")
            handle = lib.zmq_ctx_new()
            if handle == ffi.NULL:
                raise _zmq_error()
            self._handle = handle
            self._shadow = False
            if io_threads != 1 and lib.zmq_ctx_set(handle, lib.ZMQ_IO_THREADS, io_threads) < 0:
                err = ffi.errno
                lib.zmq_ctx_term(handle)
                self._handle = ffi.NULL
                raise _zmq_error(err)
        self._pid = os.getpid()

    @property
    def underlying(self) -> int:
        """The address of the libzmq context, for shadowing from other libraries."""
        return int(ffi.cast("intptr_t", self._handle))

    @property
    def closed(self) -> bool:
        """Whether this context has been terminated."""
        return self._handle == ffi.NULL

    def term(self) -> None:
        """Terminate the context: blocks until every socket of it is closed (see LINGER).

        Blocking calls on its sockets in other threads raise ContextTerminated.
        """
        handle = self._handle
        if handle == ffi.NULL:
            return
        if self._shadow or self._pid != os.getpid():
            # A shadow does not own the context; a forked child must not touch the parent's.
            self._handle = ffi.NULL
            return
        while lib.zmq_ctx_term(handle) < 0:
            err = ffi.errno
            if err != _EINTR:
                raise _zmq_error(err)
        self._handle = ffi.NULL

    def set(self, option: int, optval: int) -> None:
        """Set a context option (zmq_ctx_set)."""
        if not isinstance(optval, int):
            raise TypeError(f"context option values are ints, not {type(optval).__name__}")
        if self._handle == ffi.NULL:
            raise ZMQError(lib.EFAULT, "the context is terminated")
        if lib.zmq_ctx_set(self._handle, option, optval) < 0:
            raise _zmq_error()

    def get(self, option: int) -> int:
        """Get a context option (zmq_ctx_get)."""
        if self._handle == ffi.NULL:
            raise ZMQError(lib.EFAULT, "the context is terminated")
        rc = lib.zmq_ctx_get(self._handle, option)
        if rc < 0:
            raise _zmq_error()
        return rc

    def __del__(self) -> None:
        handle = self._handle
        if handle == ffi.NULL or self._shadow or self._pid != os.getpid():
            return
        self._handle = ffi.NULL
        # Sockets still open would make zmq_ctx_term block: never do that on a GC thread.
        lib.zc_ctx_term_detached(handle)
