"""The raw context handle: creation, options, termination."""
from __future__ import annotations

import gc
import os
import signal
import threading
import weakref
from typing import Any, Callable, Dict, List, Optional

from zmq_cffi._ffi import ffi, lib
from zmq_cffi.backend.eintr import retry_interrupted
from zmq_cffi.backend.handles import _close_cell, _HandleCell
from zmq_cffi.backend.socket import Socket
from zmq_cffi.error import _zmq_error

_ETERM: int = lib.ETERM
_EFAULT: int = lib.EFAULT

# The contexts this process made and has not terminated, by libzmq address: a shadow made
# from an address finds its owner here, to share the owner's locks (see Context._owner).
_owners: "weakref.WeakValueDictionary[int, Context]" = weakref.WeakValueDictionary()


def _collect_holding_signals() -> None:
    """gc.collect(), with the signals that have Python handlers held back until it is done: a
    handler that raises (Ctrl-C) would otherwise run inside some finalizer and be lost there."""
    held = {sig for sig in signal.valid_signals() if callable(signal.getsignal(sig))}
    try:
        previous = signal.pthread_sigmask(signal.SIG_BLOCK, held)
    except (AttributeError, OSError, ValueError):
        gc.collect()
        return
    try:
        gc.collect()
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)


class Context:
    """Owns one libzmq context (unless it shadows another's handle).

    The handle is released by `_release()` only: from `term()`, or, as a safety net, from the
    finalizer, which hands zmq_ctx_term to a detached C thread so that no finalizer (on any
    thread) ever blocks. After fork, a child never terminates its parent's context.
    """

    _handle: Any = ffi.NULL
    _shadow: bool = False
    _pid: int = 0
    # Sockets made through this object that are not closed yet: id(cell) -> handle cell.
    # Kept by handle cell, not only by weak reference, so that a socket dropped without close()
    # and not finalized yet (PyPy finalizes late) can still be closed by term() and destroy().
    _open: Dict[int, _HandleCell]
    _term_lock: threading.Lock
    # zmq_ctx_term frees the libzmq context as it returns, on whichever thread called term():
    # get(), set() and socket creation hold _call_lock around their C call, and term() sets
    # _ending under it before calling zmq_ctx_term, so no call can still be in C, or start
    # one, when the context is freed (they raise ContextTerminated instead). Never taken on
    # the send/recv path: an open socket keeps its context alive by itself.
    _call_lock: threading.Lock
    _ending: bool = False
    # A shadow of a context this process owns: a weak reference to the owner, whose _call_lock
    # the shadow shares, so that the shadow's get/set/socket() cannot reach the context while
    # the owner's term() frees it either (not its _term_lock: a shadow's term() never waits).
    # None for owners, and for shadows of a context made elsewhere (another library's), which
    # zmq_cffi cannot watch.
    _owner: "Optional[weakref.ref[Context]]" = None

    def __init__(self, io_threads: int = 1, shadow: int = 0) -> None:
        object.__setattr__(self, "_open", {})
        # One term at a time: a second zmq_ctx_term of one context while the first still waits
        # reads the context's mailbox after the first has freed it (libzmq 4.3.4 aborts,
        # signaler.cpp:265). A concurrent term() waits for the first, then finds it done.
        object.__setattr__(self, "_term_lock", threading.Lock())
        object.__setattr__(self, "_call_lock", threading.Lock())
        self._pid = os.getpid()
        if shadow:
            self._handle = ffi.cast("void *", shadow)
            self._shadow = True
            owner = _owners.get(int(ffi.cast("intptr_t", self._handle)))
            if owner is not None and owner._pid == self._pid:
                object.__setattr__(self, "_call_lock", owner._call_lock)
                self._owner = weakref.ref(owner)
        else:
            if not isinstance(io_threads, int) or isinstance(io_threads, bool):
                raise TypeError(f"io_threads must be an int, not {type(io_threads).__name__}")
            handle = lib.zmq_ctx_new()
            if handle == ffi.NULL:
                raise _zmq_error()
            self._handle = handle
            self._shadow = False
            _owners[int(ffi.cast("intptr_t", handle))] = self
            if io_threads != 1:
                try:
                    rc = lib.zmq_ctx_set(handle, lib.ZMQ_IO_THREADS, io_threads)
                    err = ffi.errno
                except OverflowError:
                    rc, err = -1, lib.EINVAL
                if rc < 0:
                    # Never leave the context just created (and its fds) behind.
                    self._release()
                    raise _zmq_error(err, detail=f"io_threads={io_threads}")

    def _register_socket(self, sock: Any) -> None:
        self._open[id(sock._cell)] = sock._cell

    def _forget_socket(self, cell: _HandleCell) -> None:
        self._open.pop(id(cell), None)

    def _open_sockets(self) -> List[Socket]:
        """One live Socket object for each socket of this context that is still open."""
        live = []
        for cell in list(self._open.values()):
            for ref in list(cell.sockets):
                sock = ref()
                if sock is not None and cell:
                    live.append(sock)
                    break
        return live

    def _close_abandoned_sockets(self, linger: Optional[int] = None) -> None:
        """Close sockets that were dropped without close() but not finalized yet: zmq_ctx_term
        would wait for them forever (PyPy runs finalizers late)."""
        for attempt in range(2):
            in_use = False
            for cell in list(self._open.values()):
                if cell.in_use_by_other_than(None):
                    in_use = True
                else:
                    _close_cell(cell, self._pid, self, linger)
            if not in_use or attempt:
                return
            # A socket still referenced may only be unreachable garbage that no collection has
            # found yet (PyPy collects late; a cycle waits for the cycle collector on CPython):
            # collect once, so term() does not wait forever for a socket nobody can close.
            _collect_holding_signals()

    @property
    def underlying(self) -> int:
        """The address of the libzmq context, for shadowing from other libraries."""
        return int(ffi.cast("intptr_t", self._handle))

    @property
    def closed(self) -> bool:
        """Whether this context has been terminated."""
        closed: bool = self._handle == ffi.NULL
        return closed

    def term(self) -> None:
        """Terminate the context: blocks until every socket of it is closed (see LINGER).

        Blocking calls on its sockets in other threads raise ContextTerminated.
        """
        with self._term_lock:
            self._release()

    def _release(self, from_finalizer: bool = False) -> None:
        """The one release path of the libzmq context (term(), __init__'s failure, __del__).

        A shadow does not own the context and a forked child must not touch its parent's:
        they only forget the handle. Otherwise zmq_ctx_term, here (retried after EINTR; the
        handle is cleared once it returns), or, from the finalizer, on a detached C thread:
        sockets still open would make it block, and a finalizer may run on any thread."""
        handle = self._handle
        if handle == ffi.NULL:
            return
        if self._shadow or self._pid != os.getpid():
            self._handle = ffi.NULL
            return
        if from_finalizer:
            self._forget_owner(handle)
            self._handle = ffi.NULL
            lib.zc_ctx_term_detached(handle)
            return
        with self._call_lock:  # waits for a get/set/socket() in C; later ones raise ETERM
            self._ending = True
        self._close_abandoned_sockets()
        if lib.zmq_ctx_term(handle) < 0:
            retry_interrupted(lambda _: lib.zmq_ctx_term(handle))
        self._forget_owner(handle)  # before the address can be reused by a new context
        self._handle = ffi.NULL

    def _forget_owner(self, handle: Any) -> None:
        address = int(ffi.cast("intptr_t", handle))
        if _owners.get(address) is self:
            _owners.pop(address, None)

    def _check_usable(self) -> None:
        """Raise unless the context may be used now (call with _call_lock held)."""
        if self._handle == ffi.NULL:
            raise RuntimeError("Context has been destroyed")  # pyzmq's error after term()
        err = self._unusable_errno()
        if err:  # another thread's term(), or a shadow's owner gone: never a call into it
            raise _zmq_error(err)

    def _unusable_errno(self) -> int:
        """0 while the libzmq context may be called (call with _call_lock held), and once this
        object's own handle is gone (callers check that themselves); ETERM once term() has
        begun on it here or on this shadow's owner (libzmq frees the context as term() ends),
        EFAULT once the owner's term() has ended or the owner was collected (its finalizer
        terminates it): libzmq's answer for a context that is no longer there."""
        if self._handle == ffi.NULL:
            return 0
        if self._ending:
            return _ETERM
        if self._owner is None:
            return 0
        owner = self._owner()
        if owner is None or owner._handle == ffi.NULL:
            return _EFAULT
        return _ETERM if owner._ending else 0

    def set(self, option: int, optval: int) -> None:
        """Set a context option (zmq_ctx_set)."""
        if not isinstance(optval, int):
            raise TypeError(f"context option values are ints, not {type(optval).__name__}")
        with self._call_lock:
            self._check_usable()
            rc = lib.zmq_ctx_set(self._handle, option, optval)
        if rc < 0:
            raise _zmq_error()

    def get(self, option: int) -> int:
        """Get a context option (zmq_ctx_get)."""
        with self._call_lock:
            self._check_usable()
            rc: int = lib.zmq_ctx_get(self._handle, option)
        if rc < 0:
            raise _zmq_error()
        return rc

    def _inproc_connect(self, connect: Callable[[Any, Any], None], addr: Any) -> None:
        """connect(lib.zmq_connect, addr) for an inproc address, never while term() starts.

        zmq_ctx_term first binds every inproc name that connections wait on (so that their
        sockets can be freed), then tells the sockets to stop. An inproc connect made between
        the two (libzmq 4.3.4 takes the list without the lock connects use) waits for a bind
        that never comes: the socket can never be freed and term() blocks forever, even once
        it is closed. So inproc connects and the start of term() exclude each other, and once
        term() has started they raise ContextTerminated, as libzmq would right after."""
        with self._call_lock:
            err = self._unusable_errno()
            if err:
                raise _zmq_error(err)
            connect(lib.zmq_connect, addr)

    def _socket_handle(self, socket_type: int) -> Any:
        """zmq_socket on this context, or NULL with ffi.errno set: ETERM once term() has begun
        (as libzmq's own answer then), never a call on a context being freed (_unusable_errno)."""
        with self._call_lock:
            err = self._unusable_errno()
            if err:
                ffi.errno = err
                return ffi.NULL
            return lib.zmq_socket(self._handle, socket_type)

    def __del__(self) -> None:
        self._release(from_finalizer=True)
