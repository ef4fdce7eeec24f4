"""pyzmq's exception classes. The backend raises them through one door: `_zmq_error`."""
from __future__ import annotations

from typing import Callable, Dict, Optional, Type

from zmq_cffi._ffi import ffi, lib

__all__ = [
    "ZMQBaseError",
    "ZMQError",
    "ZMQBindError",
    "ZMQVersionError",
    "Again",
    "ContextTerminated",
    "InterruptedSystemCall",
    "NotDone",
    "DraftFDWarning",
    "strerror",
    "zmq_errno",
]


def strerror(errno: int) -> str:
    """The message libzmq gives for an errno (also for libzmq's own codes like ETERM)."""
    message: str = ffi.string(lib.zmq_strerror(errno)).decode("utf-8", "replace")
    return message


def zmq_errno() -> int:
    """The errno of the last failed libzmq call on this thread."""
    errno: int = lib.zmq_errno()
    return errno


class ZMQBaseError(Exception):
    """Base of every exception zmq_cffi raises itself."""


class ZMQError(ZMQBaseError):
    """A libzmq call failed; `errno` says why and `strerror` says it in words.

    With no errno, the errno of the last failed libzmq call on this thread is used.
    """

    errno: Optional[int] = None
    strerror: str = ""

    def __init__(self, errno: Optional[int] = None, msg: Optional[str] = None) -> None:
        if errno is None:
            errno = lib.zmq_errno()
        if isinstance(errno, int):
            self.errno = errno
            self.strerror = msg if msg is not None else strerror(errno)
        else:
            self.errno = None
            self.strerror = msg if msg is not None else str(errno)
        super().__init__(self.errno, self.strerror)

    def __str__(self) -> str:
        return self.strerror

    def __repr__(self) -> str:
        return f"{self.__class__.__name__}({str(self)!r})"


class ZMQBindError(ZMQBaseError):
    """bind_to_random_port found no free port within its tries."""


def _libzmq_version() -> str:
    """The linked libzmq's version, "major.minor.patch" (as zmq_cffi.zmq_version() says)."""
    v = ffi.new("int[3]")
    lib.zmq_version(v, v + 1, v + 2)
    return f"{v[0]}.{v[1]}.{v[2]}"


class ZMQVersionError(NotImplementedError):
    """The linked libzmq is too old for a feature."""

    min_version: str = ""

    def __init__(self, min_version: str, msg: str = "Feature") -> None:
        self.msg = msg
        self.min_version = min_version
        self.version = _libzmq_version()
        super().__init__(msg, min_version)

    def __str__(self) -> str:
        return f"{self.msg} requires libzmq >= {self.min_version}, have {self.version}"

    def __repr__(self) -> str:
        return f"ZMQVersionError('{self}')"


def _fixed_errno_init(cls_errno: int) -> Callable[..., None]:
    def __init__(self: ZMQError, errno: object = "ignored", msg: object = "ignored") -> None:
        ZMQError.__init__(self, cls_errno)

    return __init__


class Again(ZMQError):
    """EAGAIN: the operation would block (NOBLOCK, or a send/recv timeout expired)."""

    __init__ = _fixed_errno_init(lib.EAGAIN)


class ContextTerminated(ZMQError):
    """ETERM: the socket's context was terminated."""

    __init__ = _fixed_errno_init(lib.ETERM)


class InterruptedSystemCall(ZMQError, InterruptedError):
    """EINTR: a signal interrupted the call. zmq_cffi retries such calls itself."""

    # Always a str here, though OSError's may be None.
    strerror: str

    __init__ = _fixed_errno_init(lib.EINTR)


class DraftFDWarning(RuntimeWarning):
    """Warns that a thread-safe DRAFT socket's fd is not the edge-triggered ZMQ_FD."""


class NotDone(ZMQBaseError):
    """MessageTracker.wait timed out before libzmq was done with the message."""


_CLASS_FOR_ERRNO: Dict[int, Type[ZMQError]] = {
    lib.EAGAIN: Again,
    lib.ETERM: ContextTerminated,
    lib.EINTR: InterruptedSystemCall,
}


def _zmq_error(errno: Optional[int] = None, detail: Optional[str] = None) -> ZMQError:
    """The one door from a libzmq errno to the exception to raise.

    `errno` defaults to the errno CFFI saved after the last C call on this thread (reading it
    with zmq_errno() later could see a value clobbered by the interpreter in between).
    """
    if errno is None:
        errno = ffi.errno
    cls = _CLASS_FOR_ERRNO.get(errno)
    if cls is not None:
        return cls()
    if detail is None:
        return ZMQError(errno)
    return ZMQError(errno, f"{strerror(errno)} ({detail})")
