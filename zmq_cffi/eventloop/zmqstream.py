"""ZMQStream: callbacks for a zmq socket's messages on a tornado IOLoop (pyzmq's zmqstream).

A stream watches its socket's ZMQ_FD with `IOLoop.add_handler`. That fd is edge-triggered: it
becomes readable when the socket's state may have changed, and any send, recv or read of
ZMQ_EVENTS can consume that signal. So a stream never trusts the fd alone:

- when woken, it serves the socket (recv into the callback, send what is queued) until
  ZMQ_EVENTS shows nothing it wants, or until a batch is used up;
- after any callback has run, every stream on that IOLoop reads ZMQ_EVENTS again on the next
  loop iteration (one "sweep"), because the callback may have used any stream's socket
  directly (e.g. replied with `socket.send`) and consumed that socket's signal.

A socket whose ZMQ_EVENTS was read with nothing pending signals its fd on the next change, so
between these two rules no message waits unseen. The one case they cannot see: code that is
not a stream callback (a coroutine, a timer) using a stream's socket directly; it should call
`stream.flush()` afterwards.
"""
from __future__ import annotations

import asyncio
import inspect
import pickle
import sys
import warnings
import weakref
from collections import deque
from typing import Any, Callable, Deque, Dict, Iterable, List, Optional, Sequence, Tuple, cast

from tornado.ioloop import IOLoop
from tornado.log import gen_log

from zmq_cffi import constants
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

# Messages one stream handles per wake-up before the loop serves its other handlers.
_BATCH = 64

RecvCallback = Callable[[List[Any]], Any]
RecvStreamCallback = Callable[["ZMQStream", List[Any]], Any]
SendCallback = Callable[[Sequence[Any], Any], Any]
SendStreamCallback = Callable[["ZMQStream", Sequence[Any], Any], Any]


class _LoopStreams:
    """The open streams of one IOLoop, by fd, and their shared pending re-check."""

    __slots__ = ("by_fd", "sweep_pending")

    def __init__(self) -> None:
        self.by_fd: Dict[int, ZMQStream] = {}
        self.sweep_pending = False

    def schedule_sweep(self, io_loop: IOLoop) -> None:
        """Have every stream of `io_loop` look at its socket again, once, soon."""
        if not self.sweep_pending:
            self.sweep_pending = True
            io_loop.add_callback(self._sweep)

    def _sweep(self) -> None:
        self.sweep_pending = False
        for stream in list(self.by_fd.values()):
            stream._handle_events()


# Weak keys: an IOLoop that is gone takes its bookkeeping with it.
_loop_streams: "weakref.WeakKeyDictionary[IOLoop, _LoopStreams]" = weakref.WeakKeyDictionary()


def _log_async_failure(future: "asyncio.Future[Any]") -> None:
    exc = None if future.cancelled() else future.exception()
    if exc is not None:
        gen_log.error("Uncaught exception in ZMQStream callback", exc_info=(type(exc), exc, exc.__traceback__))


def _as_frames(msg: Iterable[Any]) -> Sequence[Any]:
    """`msg` as a sequence of sendable frames, or TypeError/ValueError now rather than at send."""
    if not isinstance(msg, (list, tuple)):
        msg = list(msg)
    check_frames(msg)
    return msg


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
        future_module = sys.modules.get("zmq_cffi._future")
        async_socket_class = getattr(future_module, "_AsyncSocket", None)
        if async_socket_class is not None and isinstance(socket, async_socket_class):
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
        self._send_queue: Deque[Tuple[Sequence[Any], int, Dict[str, Any]]] = deque()
        self._fd = cast(int, socket.get(_FD))

        loop_streams = _loop_streams.get(self.io_loop)
        if loop_streams is None:
            loop_streams = _loop_streams[self.io_loop] = _LoopStreams()
        self._loop_streams = loop_streams
        previous = loop_streams.by_fd.get(self._fd)
        if previous is not None:
            # A stream whose socket was closed behind its back may still hold this fd number,
            # now reused by libzmq for our socket: closed() notices and lets go of it.
            previous.closed()
        self.io_loop.add_handler(self._fd, self._on_fd_ready, IOLoop.READ)
        loop_streams.by_fd[self._fd] = self

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
        if callback is not None and not callable(callback):
            raise TypeError(f"callback must be callable or None, not {type(callback).__name__}")
        self._recv_callback = callback
        self._recv_copy = copy
        if callback is not None:
            # Messages may have arrived while nobody was receiving, their signal long consumed.
            self._schedule_check()

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
        if callback is not None and not callable(callback):
            raise TypeError(f"callback must be callable or None, not {type(callback).__name__}")
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
        self._check_closed()
        self._send_queue.append((_as_frames(msg), flags, dict(kwargs, copy=copy, track=track)))
        if callback is not None:
            self.on_send(callback)
        self._schedule_check()

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
        return bool(self._send_queue)

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
            if flag & _POLLOUT and events & _POLLOUT and self._send_queue and (not limit or count + handled < limit):
                handled += self._send_one(socket)
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
        if self._loop_streams.by_fd.get(self._fd) is self:
            del self._loop_streams.by_fd[self._fd]
            self.io_loop.remove_handler(self._fd)
        if socket.closed:
            warnings.warn(
                f"the socket of ZMQStream {self!r} was closed directly; close the stream instead, "
                f"so that its fd ({self._fd}) leaves the IOLoop before libzmq can reuse it",
                RuntimeWarning,
                stacklevel=2,
            )
        else:
            if linger != 0:
                self._hand_over_queue(socket)
            socket.close(linger)
        self._send_queue.clear()
        if self._close_callback is not None:
            self._run_callback(self._close_callback)

    # -- the loop's side ---------------------------------------------------------------------

    def _check_closed(self) -> Socket:
        """The stream's socket; OSError if the stream is closed."""
        socket = self.socket
        if socket is None or self.closed():
            raise OSError("Stream is closed")
        return socket

    def _schedule_check(self) -> None:
        self._loop_streams.schedule_sweep(self.io_loop)

    def _socket_gone(self) -> bool:
        """After a callback: whether the stream lost its socket (closing it if needed)."""
        socket = self.socket
        return socket is None or (socket.closed and self.closed())

    def _on_fd_ready(self, fd: int, events: int) -> None:
        self._handle_events()

    def _handle_events(self) -> None:
        """Serve the socket until it has nothing this stream wants, or the batch is used up."""
        handled = 0
        try:
            while handled < _BATCH:
                socket = self.socket
                if socket is None:
                    return
                try:
                    events = cast(int, socket.get(_EVENTS))
                except ContextTerminated:
                    raise
                except ZMQError as e:
                    # closed() tidies up after a socket that was closed directly (ENOTSOCK).
                    if not self.closed():
                        gen_log.error("ZMQStream %r: cannot read the socket's events: %s", self, e)
                    return
                progressed = False
                if events & _POLLIN and self._recv_callback is not None:
                    progressed = self._recv_one(socket)
                    if self._socket_gone():
                        return
                if events & _POLLOUT and self._send_queue:
                    progressed = self._send_one(socket) or progressed
                    if self._socket_gone():
                        return
                if not progressed:
                    break
                handled += 1
        except ContextTerminated:
            # The context waits for this socket to close before term() can return.
            gen_log.warning("ZMQStream %r: its context is terminating; closing the stream", self)
            self.close()
            return
        if handled:
            # Callbacks ran: they may have used any stream's socket, and this one may have more.
            self._schedule_check()

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

    def _send_one(self, socket: Socket) -> bool:
        """Send the first queued message, then run the send callback; False if libzmq refused."""
        msg, flags, kwargs = self._send_queue.popleft()
        status: Any
        try:
            # Never block the loop: EVENTS said POLLOUT, and a full socket waits for its fd.
            status = socket.send_multipart(msg, flags | _NOBLOCK, **kwargs)
        except Again:
            self._send_queue.appendleft((msg, flags, kwargs))
            return False
        except Exception as e:
            # Failed sends go to the send callback as in pyzmq; escaping would skip the re-check.
            gen_log.error("ZMQStream %r: sending failed: %r", self, e)
            status = e
        callback = self._send_callback
        if callback is not None:
            self._run_callback(callback, msg, status)
        return True

    def _hand_over_queue(self, socket: Socket) -> None:
        while self._send_queue:
            msg, flags, kwargs = self._send_queue.popleft()
            try:
                socket.send_multipart(msg, flags | _NOBLOCK, **kwargs)
            except ZMQError:
                break  # full, or in no state to send: the rest cannot go either
            except Exception as e:
                gen_log.error("ZMQStream %r: dropping a queued message at close: %r", self, e)

    def _run_callback(self, callback: Callable[..., Any], *args: Any) -> None:
        """Run a user callback; log what it raises, so one bad message stops nothing else."""
        try:
            result = callback(*args)
        except Exception:
            gen_log.error("Uncaught exception in ZMQStream callback", exc_info=True)
            return
        if inspect.isawaitable(result):
            loop = getattr(self.io_loop, "asyncio_loop", None)
            future = asyncio.ensure_future(result, loop=loop)
            future.add_done_callback(_log_async_failure)
