"""Context: pyzmq's context class on top of the backend handle."""
from __future__ import annotations

import os
import threading
import warnings
from typing import TYPE_CHECKING, Any, Callable, Dict, Generic, List, Optional, Type, TypeVar, Union, overload

from zmq_cffi import backend, constants
from zmq_cffi._attrsettr import AttributeSetter
from zmq_cffi.backend.options import refuse_unsafe_option
from zmq_cffi.error import ZMQError
from zmq_cffi.socket import Socket

if TYPE_CHECKING:
    # A TypeVar default (PEP 696; typing has it from Python 3.13) makes a plain Context() a
    # Context[Socket] for type checkers. At run time an ordinary TypeVar does.
    from typing_extensions import TypeVar as _TypeVarWithDefault

    from zmq_cffi._typing import SockOptValue

    _SocketT = _TypeVarWithDefault("_SocketT", bound=Socket, default=Socket)
else:
    _SocketT = TypeVar("_SocketT", bound=Socket)

__all__ = ["Context"]

T = TypeVar("T", bound="Context[Any]")
ST = TypeVar("ST", bound=Socket)

_CTX_OPTION_NAMES = {m.name for m in constants.ContextOption}


class Context(backend.Context, AttributeSetter, Generic[_SocketT]):
    """Creates sockets with `socket(type)`; one per process is usually enough (`instance()`).

    `Context(io_threads=1)` makes a new context, `Context(other)` or `Context(shadow=other)`
    wraps another's without owning it. As a context manager, `destroy()` runs on exit.
    Attributes named after options set context options (`ctx.io_threads`) or, for socket
    options, defaults for new sockets (`ctx.linger = 0`).

    As in pyzmq it is generic in the class of the sockets it makes: `Context[Socket]`, and
    `zmq_cffi.asyncio.Context` is a `Context[zmq_cffi.asyncio.Socket]`.
    """

    sockopts: Dict[int, SockOptValue]
    _socket_class: Type[Socket] = Socket
    _instance: Any = None
    _instance_pid: Optional[int] = None
    _instance_lock = threading.Lock()

    def __init__(self, io_threads: Union[int, backend.Context] = 1, shadow: Union[backend.Context, int] = 0) -> None:
        if isinstance(io_threads, backend.Context):
            shadow, io_threads = io_threads, 1
        if isinstance(shadow, backend.Context):
            shadow = shadow.underlying
        super().__init__(io_threads=io_threads, shadow=shadow)
        object.__setattr__(self, "sockopts", {})

    @classmethod
    def shadow(cls: Type[T], address: Union[int, backend.Context]) -> T:
        """A Context over an existing libzmq context (given by address); it does not own it."""
        if isinstance(address, backend.Context):
            address = address.underlying
        return cls(shadow=address)

    @classmethod
    def instance(cls: Type[T], io_threads: int = 1) -> T:
        """The process-wide Context of this class, created on first use (and anew after fork)."""
        inst: Optional[T] = cls._instance
        if inst is None or inst.closed or cls._instance_pid != os.getpid():
            with cls._instance_lock:
                inst = cls._instance
                if inst is None or inst.closed or cls._instance_pid != os.getpid():
                    inst = cls(io_threads=io_threads)
                    cls._instance = inst
                    cls._instance_pid = os.getpid()
        return inst

    def __enter__(self: T) -> T:
        return self

    def __exit__(self, *exc: Any) -> None:
        # As pyzmq: leaving the block destroys the context, and each socket still open then
        # is a ResourceWarning (a socket to close in the block, or a hang with term()).
        if not self.closed:
            for sock in self._open_sockets():
                warnings.warn(f"Destroying context with unclosed socket {sock!r}", ResourceWarning, stacklevel=2)
        self.destroy()

    def __del__(self) -> None:
        # pyzmq's ResourceWarning for a context the garbage collector terminates.
        try:
            if not self.closed and not self._shadow and self._pid == os.getpid():
                warnings.warn(f"Unclosed context {self!r}", ResourceWarning, stacklevel=2, source=self)
        except Exception:
            pass  # at interpreter exit modules may be half torn down: the term below matters
        super().__del__()

    def __dir__(self) -> List[str]:
        # The context option names, as in pyzmq (ctx.IO_THREADS, ctx.io_threads).
        return sorted(set(super().__dir__()) | _CTX_OPTION_NAMES)

    def __copy__(self: T, memo: Any = None) -> T:
        """A shadow of this context."""
        return self.__class__.shadow(self.underlying)

    __deepcopy__ = __copy__

    def __repr__(self) -> str:
        cls = self.__class__
        # Public classes show as zmq_cffi.X; subclasses (zmq_cffi.asyncio.X, ...) by module.
        module = "zmq_cffi" if cls.__module__ == "zmq_cffi.context" else cls.__module__
        closed = " closed" if self.closed else ""
        n = 0 if self.closed else len(self._open_sockets())
        sockets = f"{n} socket{'s' if n != 1 else ''}" if n else ""
        return f"<{module}.{cls.__name__}({sockets}) at {hex(id(self))}{closed}>"

    # -- sockets -----------------------------------------------------------------------------

    @overload
    def socket(self, socket_type: int, socket_class: None = ..., **kwargs: Any) -> _SocketT: ...

    @overload
    def socket(self, socket_type: int, socket_class: Callable[..., ST], **kwargs: Any) -> ST: ...

    def socket(
        self, socket_type: int, socket_class: Optional[Callable[..., Socket]] = None, **kwargs: Any
    ) -> Socket:
        """A new socket of `socket_type` (zmq_cffi.PUSH, ...), with this context's defaults."""
        if self.closed:
            raise ZMQError(constants.ENOTSUP, "the context is terminated")
        cls = socket_class or self._socket_class
        sock = cls(self, socket_type, **kwargs)
        try:
            for opt, value in self.sockopts.items():
                try:
                    sock.setsockopt(opt, value)
                except ZMQError:
                    # A default that does not apply to this socket type (e.g. SUBSCRIBE on PUSH).
                    pass
        except BaseException:
            # A default of the wrong type: the caller never gets this socket, so close it
            # now (term() would wait for it while the traceback keeps it alive).
            sock.close(linger=0)
            raise
        return sock

    def setsockopt(self, opt: int, value: SockOptValue) -> None:
        """Set a default socket option for sockets created by this context from now on."""
        refuse_unsafe_option(opt, value)
        self.sockopts[opt] = value

    def getsockopt(self, opt: int) -> SockOptValue:
        """A default socket option for new sockets (KeyError if unset)."""
        return self.sockopts[opt]

    def _set_attr_opt(self, name: str, opt: int, value: Any) -> None:
        if name in _CTX_OPTION_NAMES:
            self.set(opt, value)
        else:
            self.setsockopt(opt, value)

    def _get_attr_opt(self, name: str, opt: int) -> Any:
        if name in _CTX_OPTION_NAMES:
            return self.get(opt)
        if opt not in self.sockopts:
            raise AttributeError(name)
        return self.sockopts[opt]

    def __delattr__(self, key: str) -> None:
        upper = key.upper()
        opt = getattr(constants, upper, None)
        if isinstance(opt, int) and opt in self.sockopts and upper not in _CTX_OPTION_NAMES:
            del self.sockopts[opt]
            return
        object.__delattr__(self, key)

    # -- ending ------------------------------------------------------------------------------

    def destroy(self, linger: Optional[int] = None) -> None:
        """Close every socket this context made (setting LINGER first if given), then term().

        zmq_close is not thread-safe: only call this when no other thread uses the sockets.
        """
        if self.closed:
            return
        for sock in self._open_sockets():
            sock.close(linger=linger)
        self._close_abandoned_sockets(linger)
        self.term()

    def term(self) -> None:
        """Terminate: blocks until all sockets are closed; other threads' calls get ETERM."""
        super().term()
