"""USE_FD: a bind that adopts the socket's USE_FD as its listening socket, checked first.

A tcp:// or ipc:// bind (ws:// and wss:// with DRAFT) makes libzmq 4.3.4 listen on USE_FD
without checking it, and abort the process when it is no listening socket or when someone
else closes it (docs/differences.rst, "Adopted listening sockets"). So bind gives libzmq a
duplicate that only the listener owns, after checking that it is a listening stream socket
of the transport's family, and makes it non-blocking.

This runs only for a bind with USE_FD set: ctypes and the socket module are imported there,
not when zmq_cffi is.
"""
from __future__ import annotations

import errno
import os
from typing import Any, Sequence, Union

from zmq_cffi._ffi import ffi, lib
from zmq_cffi.error import ZMQError, _zmq_error

_EINVAL = lib.EINVAL
_ADOPTING_FAMILIES = {b"tcp": ("AF_INET", "AF_INET6"), b"ipc": ("AF_UNIX",), b"ws": ("AF_INET", "AF_INET6"),
                      b"wss": ("AF_INET", "AF_INET6")}
_ZMQ_USE_FD = lib.ZMQ_USE_FD
_libc_getsockopt: Any = None


def _sockopt(fd: int, option: int) -> int:
    """getsockopt(fd, SOL_SOCKET, option) as an int, or -1 (errno ENOTSOCK, ...). Through libc:
    wrapping the fd in a Python socket object would change its blocking mode on PyPy, and that
    file description may be one of libzmq's connections (whose IO thread would then block)."""
    global _libc_getsockopt
    import ctypes

    if _libc_getsockopt is None:
        _libc_getsockopt = ctypes.CDLL(None, use_errno=True).getsockopt
    value, size = ctypes.c_int(0), ctypes.c_uint(ctypes.sizeof(ctypes.c_int))
    import socket as std_socket

    if _libc_getsockopt(fd, std_socket.SOL_SOCKET, option, ctypes.byref(value), ctypes.byref(size)) != 0:
        return -1
    return value.value


def _adoptable_fd(fd: int, transport: str, families: Sequence[str]) -> int:
    """A duplicate of `fd` for libzmq to own, or ZMQError(EINVAL) saying why `fd` cannot be
    a listener of `transport`. The checks are made on the duplicate, which nobody else can
    close or change in between; they only read the fd, which may belong to anyone."""
    import socket as std_socket
    import stat

    def refuse(why: str) -> ZMQError:
        return ZMQError(_EINVAL, f"USE_FD {fd} {why}: a bind to {transport}:// needs a listening "
                                 f"SOCK_STREAM socket of family {' or '.join(families)}")

    try:
        dup = os.dup(fd)
    except OSError as e:
        if e.errno != errno.EBADF:
            raise ZMQError(e.errno, f"USE_FD {fd} could not be duplicated: {e.strerror}") from None
        raise refuse("is not an open file descriptor") from None
    try:
        if not stat.S_ISSOCK(os.fstat(dup).st_mode):
            raise refuse("is not a socket")
        family = _sockopt(dup, getattr(std_socket, "SO_DOMAIN", 39))
        if family not in [getattr(std_socket, name) for name in families]:
            try:
                name = std_socket.AddressFamily(family).name
            except ValueError:
                name = f"family {family}"
            raise refuse(f"is an {name} socket")
        kind = _sockopt(dup, std_socket.SO_TYPE)
        if kind != std_socket.SOCK_STREAM:
            try:
                name = std_socket.SocketKind(kind).name
            except ValueError:
                name = f"type {kind}"
            raise refuse(f"is a {name} socket")
        if _sockopt(dup, std_socket.SO_ACCEPTCONN) != 1:
            raise refuse("is not listening")
        # As libzmq's own listeners are: a blocking one would block libzmq's IO thread in accept()
        # whenever another listener (of this fd's socket) took the connection first.
        os.set_blocking(dup, False)
    except BaseException:
        os.close(dup)
        raise
    return dup


def _bind_adopting_use_fd(handle: Any, encoded: bytes, addr: Union[str, bytes]) -> bool:
    """zmq_bind to `encoded` if the socket has a USE_FD that its transport adopts, with that
    fd replaced, for this bind, by a checked duplicate that libzmq owns from a successful bind
    on (a failed one never took it: in 4.3.4 the listener adopts the fd last). False, with
    nothing done, when there is no fd to adopt: the caller binds as usual."""
    transport = encoded.split(b"://", 1)[0]
    if transport not in _ADOPTING_FAMILIES:
        return False
    fd = lib.zc_getsockopt_int(handle, _ZMQ_USE_FD)
    if fd < 0:  # -1 is unset; a closed socket gives ZC_GETSOCKOPT_ERROR (negative)
        return False
    dup = _adoptable_fd(fd, transport.decode(), _ADOPTING_FAMILIES[transport])
    if lib.zc_setsockopt_int(handle, _ZMQ_USE_FD, dup) < 0:
        err = ffi.errno
        os.close(dup)
        raise _zmq_error(err)
    # No try/except from here: once zmq_bind succeeded, nothing (not even a KeyboardInterrupt
    # between two lines) may close the fd libzmq owns; at worst a failed bind's dup leaks.
    rc = lib.zmq_bind(handle, encoded)
    err = ffi.errno
    lib.zc_setsockopt_int(handle, _ZMQ_USE_FD, fd)  # get(USE_FD) still says what was set
    if rc < 0:
        os.close(dup)
        raise _zmq_error(err, detail=f"addr={addr!r}")
    return True
