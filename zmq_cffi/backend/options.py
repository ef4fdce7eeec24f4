"""Socket option values: the C type each option takes, how values of the int64 and bytes
kinds cross to libzmq and back, and the values refused because libzmq would crash on them.

Plain int (and fd) options stay in Socket.get/set: the async engine reads ZMQ_EVENTS through
Socket.get, so that path makes no further Python call.
"""
from __future__ import annotations

from typing import Any, Callable, Union

from zmq_cffi._ffi import ffi, lib
from zmq_cffi.constants import _OptType
from zmq_cffi.error import ZMQError, _zmq_error

INT64 = _OptType.int64
FD = _OptType.fd
BYTES = _OptType.bytes

_EINVAL = lib.EINVAL
_ZMQ_SOCKS_PROXY = lib.ZMQ_SOCKS_PROXY
# The buffer a bytes option is read into (libzmq fails a longer value with EINVAL).
_BYTES_OPT_MAX = 256
# Binary options whose trailing NUL byte, if any, is data rather than a C string terminator.
_BINARY_OPTS = {lib.ZMQ_ROUTING_ID, lib.ZMQ_CONNECT_ROUTING_ID}
# CURVE keys come back as 40 characters of Z85 only for a 41-byte buffer (32 gives binary).
_CURVE_KEY_OPTS = {lib.ZMQ_CURVE_PUBLICKEY, lib.ZMQ_CURVE_SECRETKEY, lib.ZMQ_CURVE_SERVERKEY}
# 64-bit options that are unsigned in C (the others, MAXMSGSIZE, are signed).
_UINT64_OPTS = {
    lib.ZMQ_AFFINITY, lib.ZMQ_VMCI_BUFFER_SIZE, lib.ZMQ_VMCI_BUFFER_MIN_SIZE, lib.ZMQ_VMCI_BUFFER_MAX_SIZE
}
_unpack: Callable[[Any, int], bytes] = ffi.unpack
_from_buffer = ffi.from_buffer

# libzmq 4.3.4 and 4.3.5 use freed memory when a socket is closed after its SOCKS proxy
# connection failed (docs/differences.rst, "SOCKS proxies"): the option is refused.
_SOCKS_PROXY_REFUSAL = (
    "SOCKS_PROXY is refused: libzmq {version} uses freed memory (and aborts the process) when "
    "a socket is closed after its SOCKS proxy connection failed"
)


def refuse_unsafe_option(option: Any, optval: Any) -> None:
    """Raise ZMQError(EINVAL) for an option value that would let libzmq crash the process.
    Used for socket options and for a context's default socket options alike."""
    if option == _ZMQ_SOCKS_PROXY and optval:
        # Imported here, on the way to raising: backend.functions imports backend.socket.
        from zmq_cffi.backend.functions import zmq_version_info

        version = ".".join(map(str, zmq_version_info()))
        raise ZMQError(_EINVAL, _SOCKS_PROXY_REFUSAL.format(version=version))


def _int64_cell(option: int) -> str:
    return "uint64_t *" if option in _UINT64_OPTS else "int64_t *"


def set_typed(handle: Any, option: int, kind: _OptType, optval: Any) -> None:
    """zmq_setsockopt of an int64 or bytes option, with the value checked as Socket.set
    promises (TypeError, ValueError, a refusal) before libzmq sees it."""
    if kind is INT64:
        if not isinstance(optval, int):
            raise TypeError(f"option {option} takes an int, not {type(optval).__name__}")
        try:
            value = ffi.new(_int64_cell(option), optval)
        except OverflowError:
            raise ValueError(f"option {option} value {optval} does not fit 64 bits") from None
        rc = lib.zmq_setsockopt(handle, option, value, 8)
    else:
        if isinstance(optval, str):
            raise TypeError("unicode not allowed, use set_string (setsockopt_string)")
        if not isinstance(optval, (bytes, bytearray, memoryview)):
            raise TypeError(f"option {option} takes bytes, not {type(optval).__name__}")
        pinned = _from_buffer(optval)
        if option == _ZMQ_SOCKS_PROXY:
            refuse_unsafe_option(option, len(pinned))
        rc = lib.zmq_setsockopt(handle, option, pinned, len(pinned))
    if rc < 0:
        raise _zmq_error()


def get_typed(handle: Any, option: int, kind: _OptType) -> Union[int, bytes]:
    """zmq_getsockopt of an int64 option (as int) or a bytes one (a C string's NUL dropped)."""
    size = ffi.new("size_t *")
    if kind is INT64:
        value64 = ffi.new(_int64_cell(option))
        size[0] = 8
        if lib.zmq_getsockopt(handle, option, value64, size) < 0:
            raise _zmq_error()
        number: int = value64[0]
        return number
    capacity = 41 if option in _CURVE_KEY_OPTS else _BYTES_OPT_MAX
    buf = ffi.new("char[]", capacity)
    size[0] = capacity
    if lib.zmq_getsockopt(handle, option, buf, size) < 0:
        raise _zmq_error()
    n = size[0]
    if n and buf[n - 1] == b"\0" and option not in _BINARY_OPTS:
        n -= 1
    return _unpack(buf, n)
