"""ZMQStream: callbacks for a zmq socket's messages on a tornado IOLoop (pyzmq's zmqstream).

A stream is a user of its socket's readiness engine (zmq_cffi._readiness) on the IOLoop, the
same engine zmq_cffi.eventloop.future's sockets use: its receiving is one pending operation
that re-arms itself after each message (the callback runs in between), and its queued
messages are pending sends. The engine watches the fd with `IOLoop.add_handler` and drains
ZMQ_EVENTS until nothing it holds can act, because the fd is edge-triggered.

After any callback has run, every engine on that IOLoop drains again (the callback may have
used any socket directly); elsewhere, code using a stream's socket directly should call
`stream.flush()` (docs/async.rst).
"""
from __future__ import annotations

import asyncio
import inspect
import pickle
import warnings
from functools import partial
from typing import Any, Callable, Dict, Iterable, List, Optional, Sequence, cast

from tornado.ioloop import IOLoop
from tornado.log import gen_log

from zmq_cffi import _future, constants
from zmq_cffi import _readiness as rd
from zmq_cffi._async_socket import _AsyncSocket
from zmq_cffi._loop_binding import SharedEngine
from zmq_cffi.eventloop.future import _driver_of
from zmq_cffi.error import Again, ContextTerminated, ZMQError
from zmq_cffi.poll import Poller
from zmq_cffi.socket import Socket, check_frames
from zmq_cffi.utils import jsonapi

__all__ = ["ZMQStream"]

_POLLIN = int(constants.POLLIN)
_POLLOUT = int(constants.POLLOUT)
_NOBLOCK = int(constants.NOBLOCK)
_EVENTS = int(constants.EVENTS)
_FD = int(constants.FD)

# Messages one stream receives in a row before the loop serves its other handlers.
_BATCH = 64

RecvCallback = Callable[[List[Any]], Any]
RecvStreamCallback = Callable[["ZMQStream", List[Any]], Any]
SendCallback = Callable[[Sequence[Any], Any], Any]
SendStreamCallback = Callable[["ZMQStream", Sequence[Any], Any], Any]


def _log_async_failure(future: "asyncio.Future[Any]") -> None:
    exc = None if future.cancelled() else future.exception()
    if exc is not None:
        gen_log.error("Uncaught exception in ZMQStream callback", exc_info=(type(exc), exc, exc.__traceback__))


class _NotCallable(TypeError, AssertionError):
    """A stream callback that is neither callable nor None. pyzmq raises AssertionError here;
    this is both, so code written for either catches it."""


def _check_callable(callback: Any) -> None:
    if callback is not None and not callable(callback):
        raise _NotCallable(f"callback must be callable or None, not {type(callback).__name__}")


def _as_frames(msg: Iterable[Any]) -> Sequence[Any]:
    """`msg` as a sequence of sendable frames, or TypeError/ValueError now rather than at send."""
    if not isinstance(msg, (list, tuple)):
        msg = list(msg)
    check_frames(msg)
    return msg


class _Receiving(rd.Pending):
    """A stream's receiving: one pending receive that re-arms itself after each message. It is
    also the stream's membership of the engine (users have `sock` and `engine_closed`)."""

    __slots__ = ("stream", "in_a_row")

    def __init__(self, stream: "ZMQStream", socket: Socket) -> None:
        rd.Pending.__init__(self, socket, self.recv, 0, None)
        self.stream = stream
        self.in_a_row = 0

    def recv(self) -> List[Any]:
        if self.in_a_row and not rd.backend_get(self.sock, _EVENTS) & _POLLIN:
            # Re-armed after a message: look first, for a REQ or REP socket would answer EFSM
            # rather than EAGAIN while its callback has not replied yet.
            raise Again()
        frames: List[Any] = self.sock.recv_multipart(_NOBLOCK, copy=self.stream._recv_copy)
        return frames

    def waiting(self) -> bool:
        return self.stream._recv_callback is not None and self.stream.socket is not None

    def finish(self, value: Any, error: Optional[BaseException]) -> bool:
        stream = self.stream
        if error is not None:
            stream._engine_closed(error)
            return True
        callback = stream._recv_callback
        if callback is not None:
            stream._run_callback(callback, value)
        if stream._socket_gone():
            return True
        self.in_a_row += 1
        if self.in_a_row < _BATCH:
            stream._arm()
        else:
            # Let the loop serve its other handlers before the next message.
            self.in_a_row = 0
            stream.io_loop.add_callback(stream._schedule_check)
        return True

    def abort(self, error: Optional[BaseException]) -> None:
        self.stream._engine_closed(error)

    def engine_closed(self, error: Optional[BaseException]) -> None:
        self.stream._engine_closed(error)


class _Sending(rd.Pending):
    """A queued message: sent when the socket takes it, then the on_send callback runs."""

    __slots__ = ("stream", "msg")

    def __init__(self, stream: "ZMQStream", socket: Socket, msg: Sequence[Any], flags: int, kwargs: Dict[str, Any]) -> None:
        # Never block the loop: POLLOUT was seen, and a full socket waits for its fd.
        rd.Pending.__init__(self, socket, partial(socket.send_multipart, msg, flags | _NOBLOCK, **kwargs), 0, None)
        self.stream = stream
        self.msg = msg

    def waiting(self) -> bool:
        return True

    def finish(self, value: Any, error: Optional[BaseException]) -> bool:
        stream = self.stream
        if error is not None:
            # Failed sends go to the send callback as in pyzmq.
            gen_log.error("ZMQStream %r: sending failed: %r", stream, error)
            value = error
        callback = stream._send_callback
        if callback is not None:
            stream._run_callback(callback, self.msg, value)
        return True

    def abort(self, error: Optional[BaseException]) -> None:
        self.stream._engine_closed(error)


class ZMQStream:
    """Run callbacks on a tornado IOLoop when a zmq socket receives, and send through a queue.

    `on_recv(callback)` calls `callback(frames)` for every message that arrives (a list of
    bytes, or of Frames with copy=False); `send*()` queue messages, which go out as the socket
    can take them, each followed by the `on_send` callback. A socket's own options are reached
    through `stream.socket`; `bind`, `connect`, `setsockopt` and friends are shortcuts to it.
    Callbacks may be coroutine functions: the coroutine is scheduled on the loop.

    Close the stream with `stream.close()`, not the socket directly: the stream has to
    unregister the socket's fd from the IOLoop before libzmq may reuse it.
    """

    socket: Optional[Socket]
    io_loop: IOLoop
    poller: Poller

    def __init__(self, socket: Socket, io_loop: Optional[IOLoop] = None) -> None:
        if isinstance(socket, _AsyncSocket):
            warnings.warn(
                "ZMQStream works with the plain zmq_cffi.Socket only: this async socket is "
                "wrapped as zmq_cffi.Socket(shadow=socket), so callbacks get plain frames",
                RuntimeWarning,
                stacklevel=2,
            )
            # The async class's send/recv return futures, which callbacks cannot use.
            socket = Socket(shadow=socket)
        self.socket = socket
        self.io_loop = io_loop or IOLoop.current()
        # pyzmq exposes the Poller behind its flush(); kept for code that reads the attribute.
        self.poller = Poller()
        self._recv_callback: Optional[RecvCallback] = None
        self._recv_copy = True
        self._send_callback: Optional[SendCallback] = None
        self._close_callback: Optional[Callable[[], Any]] = None
        self._fd = cast(int, socket.get(_FD))
        self._loop = _driver_of(self.io_loop)
        self._receiving = _Receiving(self, socket)
        # Made here, so a stale stream holding our fd number lets go of it now.
        self._engine = self._join_engine(socket)

        self.bind = socket.bind
        self.bind_to_random_port = socket.bind_to_random_port
        self.connect = socket.connect
        self.setsockopt = socket.setsockopt
        self.getsockopt = socket.getsockopt
        self.setsockopt_string = socket.setsockopt_string
        self.getsockopt_string = socket.getsockopt_string
        self.setsockopt_unicode = socket.setsockopt_unicode
        self.getsockopt_unicode = socket.getsockopt_unicode

    # -- registering callbacks ---------------------------------------------------------------

    def on_recv(self, callback: Optional[RecvCallback], copy: bool = True) -> None:
        """Call `callback(frames)` with each message received; None stops receiving.

        One callback at a time: this replaces the previous one. With copy=False the frames are
        Frames (zero-copy views of libzmq's memory) instead of bytes. While no callback is set,
        messages stay queued in the socket."""
        self._check_closed()
        _check_callable(callback)
        self._recv_callback = callback
        self._recv_copy = copy
        if callback is not None:
            # Messages may have arrived while nobody was receiving, their signal long consumed.
            self._schedule_check()
        else:
            self._receiving.withdraw()

    def on_recv_stream(self, callback: Optional[RecvStreamCallback], copy: bool = True) -> None:
        """Like on_recv, but call `callback(stream, frames)`: one callback can serve many streams."""
        if callback is None:
            self.on_recv(None)
            return
        self.on_recv(lambda frames: callback(self, frames), copy=copy)

    def stop_on_recv(self) -> None:
        """Stop receiving (on_recv(None)); messages then wait in the socket."""
        self.on_recv(None)

    def on_send(self, callback: Optional[SendCallback]) -> None:
        """Call `callback(msg, status)` after each queued message is sent; None stops that.

        `msg` is the message as given to send/send_multipart (send wraps it in a list);
        `status` is what Socket.send_multipart returned (None, or a MessageTracker with
        copy=False, track=True), or the ZMQError if sending failed."""
        self._check_closed()
        _check_callable(callback)
        self._send_callback = callback

    def on_send_stream(self, callback: Optional[SendStreamCallback]) -> None:
        """Like on_send, but call `callback(stream, msg, status)`."""
        if callback is None:
            self.on_send(None)
            return
        self.on_send(lambda msg, status: callback(self, msg, status))

    def stop_on_send(self) -> None:
        """Stop calling the send callback (queued messages are still sent)."""
        self.on_send(None)

    def on_err(self, callback: Any) -> None:
        """Deprecated in pyzmq and does nothing: errors are logged, or given to on_send."""
        gen_log.warning("ZMQStream.on_err does nothing and will be removed")

    def stop_on_err(self) -> None:
        """Deprecated in pyzmq and does nothing."""
        gen_log.warning("ZMQStream.stop_on_err does nothing and will be removed")

    def set_close_callback(self, callback: Optional[Callable[[], Any]]) -> None:
        """Call `callback()` once the stream is closed."""
        self._close_callback = callback

    # -- sending -----------------------------------------------------------------------------

    def send_multipart(
        self,
        msg: Sequence[Any],
        flags: int = 0,
        copy: bool = True,
        track: bool = False,
        callback: Optional[SendCallback] = None,
        **kwargs: Any,
    ) -> None:
        """Queue a multipart message; it is sent when the socket can take it.

        Arguments are Socket.send_multipart's. A `callback` given here becomes the stream's
        on_send callback, as in pyzmq. Frames that cannot be sent raise TypeError here."""
        socket = self._check_closed()
        sending = _Sending(self, socket, _as_frames(msg), flags, dict(kwargs, copy=copy, track=track))
        engine = self._live_engine(socket)
        engine.add(sending, engine.sendq)
        if callback is not None:
            self.on_send(callback)
        engine.kick()

    def send(
        self,
        msg: Any,
        flags: int = 0,
        copy: bool = True,
        track: bool = False,
        callback: Optional[SendCallback] = None,
        **kwargs: Any,
    ) -> None:
        """Queue a single-frame message (see send_multipart)."""
        self.send_multipart([msg], flags=flags, copy=copy, track=track, callback=callback, **kwargs)

    def send_string(
        self,
        u: str,
        flags: int = 0,
        encoding: str = "utf-8",
        callback: Optional[SendCallback] = None,
        **kwargs: Any,
    ) -> None:
        """Queue a str, encoded with `encoding`."""
        if not isinstance(u, str):
            raise TypeError(f"send_string takes a str, not {type(u).__name__}")
        self.send(u.encode(encoding), flags=flags, callback=callback, **kwargs)

    send_unicode = send_string

    def send_json(self, obj: Any, flags: int = 0, callback: Optional[SendCallback] = None, **kwargs: Any) -> None:
        """Queue `obj` as JSON (UTF-8); keywords are send options, as in pyzmq's stream."""
        self.send(jsonapi.dumps(obj), flags=flags, callback=callback, **kwargs)

    def send_pyobj(
        self,
        obj: Any,
        flags: int = 0,
        protocol: int = -1,
        callback: Optional[SendCallback] = None,
        **kwargs: Any,
    ) -> None:
        """Queue `obj` pickled with `protocol` (-1, the highest, by default, as in pyzmq's stream)."""
        self.send(pickle.dumps(obj, protocol), flags=flags, callback=callback, **kwargs)

    # -- state -------------------------------------------------------------------------------

    def receiving(self) -> bool:
        """Whether a recv callback is set."""
        return self._recv_callback is not None

    def sending(self) -> bool:
        """Whether messages are queued for sending."""
        return self.socket is not None and bool(self._engine.sendq)

    def closed(self) -> bool:
        """Whether the stream is closed; a socket closed directly closes the stream here."""
        socket = self.socket
        if socket is None:
            return True
        if socket.closed:
            self.close()
            return True
        return False

    def flush(self, flag: int = _POLLIN | _POLLOUT, limit: Optional[int] = None) -> int:
        """Handle what is pending now, without waiting for the IOLoop; return how many events.

        With POLLIN in `flag`, waiting messages go to the recv callback, or are dropped when
        none is set; with POLLOUT, queued messages are sent. Stops when nothing matching is
        pending or after `limit` messages (None or 0: no limit)."""
        socket = self._check_closed()
        count = 0
        while not limit or count < limit:
            events = cast(int, socket.get(_EVENTS))
            handled = 0
            if flag & _POLLIN and events & _POLLIN:
                handled += self._recv_one(socket)
                if self._socket_gone():
                    return count + handled
            if flag & _POLLOUT and events & _POLLOUT and (not limit or count + handled < limit):
                engine = self._live_engine(socket)
                if engine.sendq and rd.serve(engine.sendq, 1) == rd.DONE:
                    handled += 1
                if self._socket_gone():
                    return count + handled
            if not handled:
                break
            count += handled
        # Reading EVENTS and the callbacks may have consumed signals the loop was waiting on.
        self._schedule_check()
        return count

    def close(self, linger: Optional[int] = None) -> None:
        """Close the stream and its socket, then run the close callback.

        Messages still queued are handed to libzmq first (as many as it takes without
        blocking; their send callbacks do not run), so LINGER applies to them as to any sent
        message: linger=0 drops them, the default lets libzmq deliver them."""
        socket = self.socket
        if socket is None:
            return
        self.socket = None
        engine = self._engine
        if socket.closed:
            # pyzmq's warning says "after closing socket": programs and tests look for it.
            warnings.warn(
                f"ZMQStream {self!r} leaves the IOLoop (fd {self._fd}) after closing socket: its "
                "socket was closed directly, and libzmq may have given that fd number to another "
                "socket meanwhile; close the stream instead",
                RuntimeWarning,
                stacklevel=2,
            )
            engine.close(None)
        else:
            if linger != 0:
                self._hand_over_queue(engine)
            # Out of the IOLoop before zmq_close: the fd dies with the socket.
            engine.close(None)
            socket.close(linger)
        if self._close_callback is not None:
            self._run_callback(self._close_callback)

    # -- the loop's side ---------------------------------------------------------------------

    def _check_closed(self) -> Socket:
        """The stream's socket; OSError if the stream is closed."""
        socket = self.socket
        if socket is None or self.closed():
            raise OSError("Stream is closed")
        return socket

    def _join_engine(self, socket: Socket) -> "SharedEngine":
        engine = _future._tables.engine_of(self._loop, socket)
        engine.join(self._receiving)
        return engine

    def _live_engine(self, socket: Socket) -> "SharedEngine":
        """The engine, made again if it was closed (an error reading ZMQ_EVENTS, say)."""
        engine = self._engine
        if engine.closed:
            engine = self._engine = self._join_engine(socket)
        return engine

    def _arm(self) -> None:
        """Receive (again) through the engine, if a callback wants messages."""
        socket = self.socket
        receiving = self._receiving
        if socket is None or self._recv_callback is None:
            return
        engine = self._live_engine(socket)
        if receiving not in engine.recvq:
            engine.add(receiving, engine.recvq)

    def _schedule_check(self) -> None:
        if self.socket is not None:
            self._arm()
            self._live_engine(self.socket).kick()

    def _engine_closed(self, error: Optional[BaseException]) -> None:
        """The engine stopped: the socket was closed directly, the context is terminating (the
        stream closes, or term() would wait for it forever), or ZMQ_EVENTS failed."""
        if self.socket is None:
            return
        if isinstance(error, ContextTerminated):
            gen_log.warning("ZMQStream %r: its context is terminating; closing the stream", self)
            self.close()
        elif self.socket.closed:
            # pyzmq logs "closed socket" here; the close that follows warns as well.
            gen_log.warning("ZMQStream %r: events for its closed socket (closed directly); closing the stream", self)
            self.close()
        elif not self.closed() and error is not None:
            gen_log.error("ZMQStream %r: cannot read the socket's events: %s", self, error)

    def _socket_gone(self) -> bool:
        """After a callback: whether the stream lost its socket (closing it if needed)."""
        socket = self.socket
        return socket is None or (socket.closed and self.closed())

    def _recv_one(self, socket: Socket) -> bool:
        """Receive one message into the recv callback (or drop it, if none); False if none came."""
        try:
            frames = socket.recv_multipart(_NOBLOCK, copy=self._recv_copy)
        except Again:
            return False
        callback = self._recv_callback
        if callback is not None:
            self._run_callback(callback, frames)
        return True

    def _hand_over_queue(self, engine: "SharedEngine") -> None:
        queue = engine.sendq
        while queue:
            sending = queue.popleft()
            try:
                sending.call()  # type: ignore[misc]
            except ZMQError:
                break  # full, or in no state to send: the rest cannot go either
            except Exception as e:
                gen_log.error("ZMQStream %r: dropping a queued message at close: %r", self, e)

    def _run_callback(self, callback: Callable[..., Any], *args: Any) -> None:
        """Run a user callback; log what it raises, so one bad message stops nothing else."""
        # It may use any socket directly: every engine of the loop looks again soon.
        _future._tables.sweep_soon(self._loop)
        try:
            result = callback(*args)
        except Exception:
            gen_log.error("Uncaught exception in ZMQStream callback", exc_info=True)
            return
        if inspect.isawaitable(result):
            loop = getattr(self.io_loop, "asyncio_loop", None)
            future = asyncio.ensure_future(result, loop=loop)
            future.add_done_callback(_log_async_failure)
