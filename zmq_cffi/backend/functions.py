"""Module-level libzmq functions: versions, capabilities, CURVE keys, proxies."""
from __future__ import annotations

from typing import Any, Optional, Tuple, Union

from zmq_cffi._ffi import ffi, lib
from zmq_cffi.backend.eintr import retry_interrupted
from zmq_cffi.backend.socket import Socket
from zmq_cffi.error import ZMQError, _zmq_error, strerror, zmq_errno

__all__ = [
    "zmq_version_info",
    "has",
    "curve_keypair",
    "curve_public",
    "proxy",
    "proxy_steerable",
    "device",
    "strerror",
    "zmq_errno",
    "IPC_PATH_MAX_LEN",
]

# sun_path in struct sockaddr_un on Linux is 108 bytes, one of them the terminating NUL.
IPC_PATH_MAX_LEN = 107


def zmq_version_info() -> Tuple[int, int, int]:
    """The version of the libzmq in use, as (major, minor, patch)."""
    v = ffi.new("int[3]")
    lib.zmq_version(v, v + 1, v + 2)
    return (v[0], v[1], v[2])


def has(capability: Union[str, bytes]) -> bool:
    """Whether libzmq has a capability: "ipc", "pgm", "tipc", "norm", "curve", "gssapi", "draft"."""
    if isinstance(capability, str):
        capability = capability.encode("utf-8")
    if not isinstance(capability, bytes):
        raise TypeError(f"capability must be a str, not {type(capability).__name__}")
    return bool(lib.zmq_has(capability))


def curve_keypair() -> Tuple[bytes, bytes]:
    """A new CURVE key pair as (public, secret), each 40 bytes of Z85 text."""
    public, secret = ffi.new("char[41]"), ffi.new("char[41]")
    if lib.zmq_curve_keypair(public, secret) < 0:
        raise _zmq_curve_error()
    return ffi.string(public), ffi.string(secret)


def curve_public(secret_key: Union[str, bytes]) -> bytes:
    """The Z85 public key that belongs to a Z85 secret key."""
    if isinstance(secret_key, str):
        secret_key = secret_key.encode("ascii")
    if not isinstance(secret_key, bytes):
        raise TypeError(f"secret_key must be 40 bytes of Z85, not {type(secret_key).__name__}")
    if len(secret_key) != 40:
        raise ValueError(f"secret_key must be 40 bytes of Z85, got {len(secret_key)}")
    public = ffi.new("char[41]")
    if lib.zmq_curve_public(public, secret_key) < 0:
        raise _zmq_curve_error()
    key: bytes = ffi.string(public)
    return key


def _zmq_curve_error() -> ZMQError:
    err = ffi.errno
    if err == lib.ENOTSUP:
        return ZMQError(err, "CURVE security needs libzmq built with libsodium or tweetnacl")
    return _zmq_error(err)


def _handle_or_null(sock: Optional[Socket], role: str) -> Any:
    if sock is None:
        return ffi.NULL
    if not isinstance(sock, Socket):
        raise TypeError(f"{role} must be a zmq_cffi Socket, not {type(sock).__name__}")
    return sock._handle


def proxy(frontend: Socket, backend: Socket, capture: Optional[Socket] = None) -> None:
    """Run zmq_proxy between two sockets (and copy traffic to `capture`); runs until the
    context is terminated, which raises ContextTerminated."""
    args = (
        _handle_or_null(frontend, "frontend"),
        _handle_or_null(backend, "backend"),
        _handle_or_null(capture, "capture"),
    )
    _run_device(lib.zmq_proxy, args)


def proxy_steerable(
    frontend: Socket, backend: Socket, capture: Optional[Socket] = None, control: Optional[Socket] = None
) -> None:
    """zmq_proxy_steerable: like proxy, but PAUSE/RESUME/TERMINATE arrive on `control`.

    Returns normally after TERMINATE. libzmq 4.3 aborts the whole process on any other control
    command, so only trusted peers should reach the control socket."""
    args = (
        _handle_or_null(frontend, "frontend"),
        _handle_or_null(backend, "backend"),
        _handle_or_null(capture, "capture"),
        _handle_or_null(control, "control"),
    )
    _run_device(lib.zmq_proxy_steerable, args)


def _run_device(fn: Any, args: Tuple[Any, ...]) -> None:
    """Run a blocking proxy call; after EINTR (signal handlers have run) resume it."""
    if fn(*args) < 0:
        retry_interrupted(lambda _: fn(*args))


def device(device_type: int, frontend: Socket, backend: Socket) -> None:
    """The old name of proxy; device_type (QUEUE, FORWARDER, STREAMER) is only checked."""
    if device_type not in (lib.ZMQ_QUEUE, lib.ZMQ_FORWARDER, lib.ZMQ_STREAMER):
        raise ValueError(f"device_type must be QUEUE, FORWARDER or STREAMER, not {device_type!r}")
    proxy(frontend, backend)
