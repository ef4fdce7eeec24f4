"""The awaitable socket surface under zmq_cffi.asyncio, zmq_cffi.aio and zmq_cffi.eventloop.future.

`_AsyncSocket` writes every awaitable send*/recv*/poll method once, over the hooks its driver
provides: `_run` (a send or receive: now if nobody waits ahead, else when the readiness engine,
zmq_cffi._readiness, finds the socket ready), `_wait_events` (Socket.poll), `_fail` (an
awaitable that raises), `_after_call` (a libzmq call made outside the engine), `_attach`,
`_before_close` and `_closed_elsewhere` (see _readiness.HearsOfClosing). `_AsyncPoller.poll`
goes through `_poll_all`. The drivers: zmq_cffi._future (loops with asyncio's API, tornado's
through an adapter) and zmq_cffi.aio (trio).
"""
from __future__ import annotations

import json
import pickle
from functools import partial
from typing import TYPE_CHECKING, Any, Awaitable, Callable, List, Optional, Sequence, Tuple, Type, TypeVar, Union, overload

from zmq_cffi import _readiness as rd
from zmq_cffi import backend
from zmq_cffi._readiness import DONTWAIT, EVENTS, POLLIN, backend_recv, backend_recv_into, backend_send
from zmq_cffi.error import ZMQError
from zmq_cffi.poll import Poller
from zmq_cffi.socket import Socket, check_frames

if TYPE_CHECKING:
    from typing import Literal

    from _typeshed import WriteableBuffer

    from zmq_cffi._typing import SendData
    from zmq_cffi.backend.frame import Frame
    from zmq_cffi.socket import R, _EndpointContext
    from zmq_cffi.tracker import MessageTracker

_AsyncSocketT = TypeVar("_AsyncSocketT", bound="_AsyncSocket")

__all__ = ["_AsyncSocket", "_AsyncPoller"]

class _AsyncSocket(rd.HearsOfClosing, Socket):
    """A Socket whose send/recv/poll methods return awaitables instead of blocking.

    Every other method (options, bind, connect, ...) is the synchronous one. A call that can
    complete at once returns an already finished awaitable; one that would block waits in a
    queue (first come, first served) until the socket is ready, honouring RCVTIMEO/SNDTIMEO
    (it then fails with Again). With NOBLOCK, a call that would block fails with Again at once.
    Cancelling a pending receive never loses a message: it stays in the socket. Closing the
    socket ends its pending calls.
    """

    def __init__(
        self,
        context: Union[backend.Context, backend.Socket, None] = None,
        socket_type: int = 0,
        io_loop: Any = None,
        _from_socket: Optional[backend.Socket] = None,
        *,
        shadow: Union[backend.Socket, int] = 0,
        copy_threshold: Optional[int] = None,
    ) -> None:
        """`Socket(context, socket_type)` makes a socket, `Socket(other_socket)` (or pyzmq's
        `_from_socket=other_socket`) wraps another's; `io_loop` is the loop to use when none
        is running (by default, the running one at each call)."""
        if _from_socket is not None:
            context = _from_socket
        super().__init__(context, socket_type, shadow=shadow, copy_threshold=copy_threshold)
        self._attach(io_loop)

    @classmethod
    def from_socket(cls: Type[_AsyncSocketT], socket: Socket, io_loop: Any = None) -> _AsyncSocketT:
        """An async socket over the same libzmq socket as `socket` (same as `cls(socket)`)."""
        return cls(socket, io_loop=io_loop)

    # -- the driver's hooks ---------------------------------------------------------------------

    def _attach(self, io_loop: Any) -> None:
        """Set up the driver's state (`io_loop`: the loop given by the caller, or None)."""
        raise NotImplementedError

    def _run(self, sending: bool, func: Callable[..., Any], args: Tuple[Any, ...], flags: int, post: Optional[Callable[[Any], Any]] = None) -> Awaitable[Any]:
        """A send or receive: `func(*args)` now if nobody is queued ahead, else when ready."""
        raise NotImplementedError

    def _wait_events(self, timeout: Optional[int], flags: int) -> Awaitable[int]:
        """The events among `flags` once any occurs, or 0 after `timeout` ms (None: no limit)."""
        raise NotImplementedError

    def _fail(self, exc: BaseException) -> Awaitable[Any]:
        """An awaitable that raises `exc` (arguments refused before any libzmq call)."""
        raise NotImplementedError

    def _after_call(self) -> None:
        """A libzmq call was made outside the engine (it may have consumed the fd's edge).
        Also called while the base class's __init__ runs, before `_attach`."""

    def _before_close(self) -> None:
        """This object is about to close the libzmq socket (or forget a foreign one)."""

    def close(self, linger: Optional[int] = None) -> None:
        """End pending calls, then close as the synchronous socket does."""
        if not self.closed:
            self._before_close()
        super().close(linger)

    # -- calls that may consume the fd's edge ---------------------------------------------------

    def get(self, option: int) -> Union[int, bytes]:
        """Get a socket option. Reading EVENTS makes pending calls re-check readiness."""
        value = super().get(option)
        if option == EVENTS:
            self._after_call()
        return value

    getsockopt = get

    def bind(self, addr: Union[str, bytes]) -> _EndpointContext:
        """Bind to an endpoint (see Socket.bind)."""
        try:
            return super().bind(addr)
        finally:
            self._after_call()

    def connect(self, addr: Union[str, bytes]) -> _EndpointContext:
        """Connect to an endpoint (see Socket.connect)."""
        try:
            return super().connect(addr)
        finally:
            self._after_call()

    def unbind(self, addr: Union[str, bytes]) -> None:
        """Stop listening on an endpoint."""
        try:
            super().unbind(addr)
        finally:
            self._after_call()

    def disconnect(self, addr: Union[str, bytes]) -> None:
        """Disconnect from an endpoint."""
        try:
            super().disconnect(addr)
        finally:
            self._after_call()

    # -- receiving -----------------------------------------------------------------------------

    # Where the synchronous Socket returns X these return an Awaitable[X] (a future of the
    # loop, or a coroutine under trio): a deliberate change of the inherited signatures, hence
    # the override ignores.

    @overload  # type: ignore[override]
    def recv(self, flags: int = ..., copy: Literal[True] = ..., track: bool = ...) -> Awaitable[bytes]: ...

    @overload
    def recv(self, flags: int, copy: Literal[False], track: bool = ...) -> Awaitable[Frame]: ...

    @overload
    def recv(self, flags: int = ..., *, copy: Literal[False], track: bool = ...) -> Awaitable[Frame]: ...

    @overload
    def recv(self, flags: int = ..., copy: bool = ..., track: bool = ...) -> Awaitable[Union[bytes, Frame]]: ...

    def recv(self, flags: int = 0, copy: bool = True, track: bool = False) -> Awaitable[Union[bytes, Frame]]:
        """Awaits one frame: bytes, or a Frame with copy=False. NOBLOCK tries at once even when
        others already wait, as in pyzmq."""
        return self._run(False, backend_recv, (self, flags | DONTWAIT, copy, track), flags)

    @overload  # type: ignore[override]
    def recv_multipart(
        self, flags: int = ..., copy: Literal[True] = ..., track: bool = ...
    ) -> Awaitable[List[bytes]]: ...

    @overload
    def recv_multipart(self, flags: int, copy: Literal[False], track: bool = ...) -> Awaitable[List[Frame]]: ...

    @overload
    def recv_multipart(
        self, flags: int = ..., *, copy: Literal[False], track: bool = ...
    ) -> Awaitable[List[Frame]]: ...

    @overload
    def recv_multipart(
        self, flags: int = ..., copy: bool = ..., track: bool = ...
    ) -> Awaitable[Union[List[bytes], List[Frame]]]: ...

    def recv_multipart(self, flags: int = 0, copy: bool = True, track: bool = False) -> Awaitable[List[Any]]:
        """Awaits all frames of one message (bytes, or Frames with copy=False)."""
        return self._run(False, rd.RecvMultipart(self, flags, copy, track), (), flags)

    def recv_into(  # type: ignore[override]
        self, buffer: WriteableBuffer, /, nbytes: int = 0, flags: int = 0
    ) -> Awaitable[int]:
        """Awaits the message size, the message having been written into `buffer`."""
        return self._run(False, backend_recv_into, (self, buffer, nbytes, flags | DONTWAIT), flags)

    def _recv_then(self, flags: int, post: Callable[[bytes], Any]) -> Awaitable[Any]:
        return self._run(False, backend_recv, (self, flags | DONTWAIT, True, False), flags, post)

    def recv_string(self, flags: int = 0, encoding: str = "utf-8") -> Awaitable[str]:  # type: ignore[override]
        """Awaits a message decoded with `encoding`."""
        return self._recv_then(flags, lambda b: b.decode(encoding))

    recv_unicode = recv_string  # type: ignore[assignment]

    def recv_json(self, flags: int = 0, **kwargs: Any) -> Awaitable[Any]:
        """Awaits a JSON message, parsed (keywords go to json.loads)."""
        return self._recv_then(flags, lambda b: json.loads(b.decode("utf-8"), **kwargs))

    def recv_pyobj(self, flags: int = 0) -> Awaitable[Any]:
        """Awaits an unpickled object (only from peers you trust)."""
        return self._recv_then(flags, pickle.loads)

    def recv_serialized(  # type: ignore[override]
        self, deserialize: Callable[[List[Any]], R], flags: int = 0, copy: bool = True
    ) -> Awaitable[R]:
        """Awaits `deserialize(frames)` for the next multipart message."""
        return self._run(False, rd.RecvMultipart(self, flags, copy, False), (), flags, deserialize)

    # -- sending --------------------------------------------------------------------------------

    @overload  # type: ignore[override]
    def send(
        self, data: SendData, flags: int = ..., copy: bool = ..., track: Literal[False] = ..., **kwargs: Any
    ) -> Awaitable[None]: ...

    @overload
    def send(
        self, data: SendData, flags: int = ..., copy: bool = ..., track: bool = ..., **kwargs: Any
    ) -> Awaitable[Optional[MessageTracker]]: ...

    def send(
        self, data: Any, flags: int = 0, copy: bool = True, track: bool = False, **kwargs: Any
    ) -> Awaitable[Optional[MessageTracker]]:
        """Awaits the frame being queued: None, or a MessageTracker with track=True. NOBLOCK
        tries at once even when others already wait, as in pyzmq."""
        if kwargs:
            return self._run(True, partial(backend_send, self, data, flags | DONTWAIT, copy, track, **kwargs), (), flags)
        return self._run(True, backend_send, (self, data, flags | DONTWAIT, copy, track), flags)

    def send_multipart(  # type: ignore[override]
        self, msg_parts: Sequence[SendData], flags: int = 0, copy: bool = True, track: bool = False, **kwargs: Any
    ) -> Awaitable[Optional[MessageTracker]]:
        """Awaits the whole message being queued (all frames, atomically)."""
        try:
            parts = check_frames(msg_parts)
        except (TypeError, ValueError) as e:
            return self._fail(e)
        return self._run(True, rd.SendMultipart(self, parts, flags, copy, track, kwargs), (), flags)

    # send_string, send_json, send_pyobj and send_serialized are inherited: they end in
    # self.send / self.send_multipart and so return those awaitables. Declared for type checkers.
    if TYPE_CHECKING:

        def send_string(  # type: ignore[override]
            self, u: str, flags: int = ..., copy: bool = ..., encoding: str = ..., **kwargs: Any
        ) -> Awaitable[Optional[MessageTracker]]: ...

        send_unicode = send_string  # type: ignore[assignment]

        def send_pyobj(  # type: ignore[override]
            self, obj: Any, flags: int = ..., protocol: int = ..., **kwargs: Any
        ) -> Awaitable[Optional[MessageTracker]]: ...

        def send_json(  # type: ignore[override]
            self, obj: Any, flags: int = ..., **kwargs: Any
        ) -> Awaitable[Optional[MessageTracker]]: ...

        def send_serialized(  # type: ignore[override]
            self,
            msg: Any,
            serialize: Callable[[Any], Sequence[SendData]],
            flags: int = ...,
            copy: bool = ...,
            **kwargs: Any,
        ) -> Awaitable[Optional[MessageTracker]]: ...

    # -- polling --------------------------------------------------------------------------------

    def poll(self, timeout: Optional[int] = None, flags: int = POLLIN) -> Awaitable[int]:  # type: ignore[override]
        """Awaits the events among `flags` that occur within `timeout` ms (None: no limit).

        It resolves to 0 if the time runs out first."""
        if self.closed:
            raise ZMQError(rd.ENOTSOCK, "the socket is closed")
        return self._wait_events(timeout, flags)


class _AsyncPoller(Poller):
    """A Poller whose poll() returns an awaitable instead of blocking."""

    def poll(self, timeout: Optional[float] = -1) -> Awaitable[List[Tuple[Any, int]]]:  # type: ignore[override]
        """Awaits [(socket, events), ...] for registered sockets/fds with events.

        Waits up to `timeout` ms (None or negative: no limit); an empty list if none came."""
        return self._poll_all(-1 if timeout is None or timeout < 0 else timeout)

    def _poll_all(self, timeout: float) -> Awaitable[List[Tuple[Any, int]]]:
        """The driver's part: poll() with `timeout` ms (negative: no limit)."""
        raise NotImplementedError
